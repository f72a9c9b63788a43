"""Shared plumbing of tools/train.py and tools/test.py: config loading with strict
``--cfg-options``, CPU distributed setup, and one-line errors for bad input."""
import os
import os.path as osp
import re
import sys
from contextlib import contextmanager

from mmengine.config import Config, ConfigDict

# re-exported: the launchers catch them, and tools import them from here with friendly_errors
from .errors import InputDataError, UserInputError  # noqa: F401


def _has_key(cfg, dotted):
    node = cfg
    for part in dotted.split('.'):
        if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, (dict, ConfigDict, Config)) and part in node:
            node = node[part]
        else:
            return False
    return True


def load_config(path, cfg_options=None, allow_new_keys=False):
    """Load a config file and merge ``--cfg-options``.

    Raises:
        UserInputError: the file does not exist, or an option names a key the config does not
            have (a typo would otherwise silently add an unused key).
    """
    if not osp.isfile(path):
        raise UserInputError(f'config file not found: {path}')
    try:
        cfg = Config.fromfile(path)
    except Exception as err:
        raise UserInputError(f'cannot load config {path}: {type(err).__name__}: {err}') from err
    if cfg_options:
        if not allow_new_keys:
            missing = [k for k in cfg_options if not _has_key(cfg, k)]
            if missing:
                raise UserInputError(f'--cfg-options: key(s) {missing} do not exist in {path}')
        cfg.merge_from_dict(cfg_options)
    return cfg


def setup_launcher(cfg, launcher):
    """Prepare ``cfg`` for ``launcher``. Without CUDA, the pytorch launcher is made to work:
    mmengine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``, so we initialise a gloo
    process group ourselves (``Runner.setup_env`` skips init when already distributed) and wrap
    the model with DDP on CPU (``device_ids=None``)."""
    import torch                       # here, not at the top: tools import this module first
    cfg.launcher = launcher
    if launcher == 'none' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    if launcher != 'pytorch':
        raise UserInputError(f'--launcher {launcher} needs CUDA on this machine; on CPU use '
                             '--launcher pytorch (tools/dist_train.sh)')
    if not dist.is_initialized():
        dist.init_process_group('gloo')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def teardown_distributed():
    """Destroy the process group at the end of a distributed run (after a barrier, so no rank
    tears down its connections while another still uses them). Left to the interpreter's exit,
    gloo's threads are destroyed in no particular order, and a rank can abort ("terminate
    called without an active exception") after the work is done.

    The caller drops its runner first (``del runner``): the runner's reference cycles (hooks,
    loops, the message hub point back at it) keep the DDP-wrapped model, whose reducer holds the
    process group, alive until a garbage collection — at interpreter exit unless collected here.
    So the cycles are collected before the barrier and once more after the group is destroyed:
    the group's last reference, and with it gloo's worker threads, goes while the interpreter
    is whole."""
    import gc

    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        gc.collect()
        dist.barrier()
        dist.destroy_process_group()
        gc.collect()


_BUILD_TYPE_ERROR = re.compile(r"unexpected keyword argument|required positional argument|"
                               r"takes \d+ positional arguments? but")


def _one_line(text: str) -> str:
    """A DataLoader worker's error arrives as "Caught X in DataLoader worker process N.
    Original Traceback ..."; the last line is the message."""
    if 'Original Traceback' in text:
        last = [ln for ln in text.strip().splitlines() if ln.strip()][-1]
        return last.split(': ', 1)[1] if ': ' in last else last
    return text


@contextmanager
def friendly_errors(tool):
    """Turn bad-input failures into one line on stderr and exit status 2.

    Bad input: :class:`UserInputError` (``InputDataError``, ``CheckpointLoadError`` ...),
    missing files, registry misses (unknown ``type``), and a config key the module does not take
    (``TypeError: ... unexpected keyword argument``, as mmengine's builder re-raises it). A
    non-finite loss or parameter (:class:`~finephys.engine.hooks.NonFiniteTrainingError`) is one
    line and exit status 3. Anything else is a bug and keeps its traceback.
    ``FINEPHYS_DEBUG=1`` keeps every traceback.
    """
    try:
        yield
    except (UserInputError, KeyError, FileNotFoundError, TypeError, RuntimeError) as err:
        text = _one_line(str(err.args[0]) if err.args else repr(err))
        if type(err).__name__ == 'NonFiniteTrainingError' and not os.environ.get(
                'FINEPHYS_DEBUG'):
            print(f'{tool}: error: {text}', file=sys.stderr)
            sys.exit(3)
        if isinstance(err, TypeError):
            bad_input = bool(_BUILD_TYPE_ERROR.search(text)) and '__init__()' in text
            text += ' (a config key or argument the module does not take)'
        elif isinstance(err, RuntimeError):
            bad_input = False
        else:
            bad_input = (isinstance(err, (UserInputError, FileNotFoundError))
                         or 'registry' in text or 'not in the' in text)
        if os.environ.get('FINEPHYS_DEBUG') or not bad_input:
            raise
        print(f'{tool}: error: {text}', file=sys.stderr)
        sys.exit(2)
