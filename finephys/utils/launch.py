"""Shared plumbing of tools/train.py and tools/test.py: config loading with strict
``--cfg-options``, CPU distributed setup, and one-line errors for bad input."""
import os
import os.path as osp
import sys
from contextlib import contextmanager

import torch
from mmengine.config import Config, ConfigDict


class UserInputError(Exception):
    """Bad input from the command line or a config: reported as one line, exit code 2."""


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


@contextmanager
def friendly_errors(tool):
    """Turn bad-input failures into one line on stderr and exit status 2.

    Registry misses (unknown ``type``), missing files and :class:`UserInputError` are bad input;
    anything else is a bug and keeps its traceback. ``FINEPHYS_DEBUG=1`` keeps every traceback.
    """
    try:
        yield
    except (UserInputError, KeyError, FileNotFoundError) as err:
        text = str(err.args[0]) if err.args else repr(err)
        bad_input = (isinstance(err, (UserInputError, FileNotFoundError))
                     or 'registry' in text or 'not in the' in text)
        if os.environ.get('FINEPHYS_DEBUG') or not bad_input:
            raise
        print(f'{tool}: error: {text}', file=sys.stderr)
        sys.exit(2)
