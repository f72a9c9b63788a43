"""Run a tool script in its own process without paying for its imports every time.

``python tools/train.py …`` spends ~8 s importing torch, mmengine's runner (which imports
transformers and peft) and diffusers before it reads its first argument; the test suite starts
dozens of tools. :func:`run_tool` runs the script in a child forked from a *warm* interpreter (a
``multiprocessing`` forkserver, one per test worker) that has imported only those third-party
libraries — nothing of finephys, no registry filled, no config read (the child imports the
small ``finephys.utils.warm_start``, whose ``run_script_as_main`` it runs, and nothing else of
the project) — so each run still imports and registers the project's own code as a fresh
``python`` would, and keeps what the tests check
of a process: its own pid (a ``SIGKILL`` ends it alone; ``returncode`` is ``-9``), its own
stdout/stderr at the file-descriptor level (DataLoader workers, C libraries and tracebacks land
there), its exit status, its working directory, environment and ``sys.path`` as a script started
from ``cwd`` gets them.

What it does not reproduce is a library reading the environment while it is imported (the
forkserver imported them with the test worker's environment); the thread count, which torch reads
then, is set again from ``OMP_NUM_THREADS``. Tests of the interpreter route itself (README
commands, shell launchers, ``torchrun``) start a real ``python``.
"""
import json
import multiprocessing
import os
import os.path as osp
import subprocess
import sys
import tempfile

# third-party libraries the tools import, seconds each; nothing of finephys (each run imports that)
PRELOAD = ['torch', 'numpy', 'scipy.optimize', 'scipy.signal', 'scipy.stats', 'cv2',
           'matplotlib.pyplot', 'mmengine.runner', 'diffusers']

_context = None
_base_path = None


def _warm_context():
    global _context, _base_path
    if _context is None:
        # sys.path of a script run with no PYTHONPATH, minus its own folder (added per run)
        probe = subprocess.run([sys.executable, '-c',
                                'import json, sys; print(json.dumps(sys.path[1:]))'],
                               capture_output=True, text=True, check=True,
                               env={k: v for k, v in os.environ.items() if k != 'PYTHONPATH'})
        _base_path = json.loads(probe.stdout)
        ctx = multiprocessing.get_context('forkserver')
        ctx.set_forkserver_preload(PRELOAD)
        _context = ctx
    return _context


def _run_script(script, argv, cwd, env, base_path, out_path, err_path):
    """The child: the script as ``__main__`` with its own fds 1 and 2, environment, ``sys.path``
    and exit status (``finephys.utils.warm_start.run_script_as_main``, imported here, in the
    child, like the project's other code)."""
    from finephys.utils.warm_start import run_script_as_main
    sys.exit(run_script_as_main(script, argv, out_path, env, cwd, err_path=err_path,
                                base_path=base_path))


def run_tool(args, cwd, env=None, timeout=600):
    """Run ``[sys.executable, SCRIPT, *ARGS]`` like ``subprocess.run(..., capture_output=True,
    text=True)``, in a process forked from the warm interpreter.

    Args:
        args (list[str]): ``sys.executable``, a ``.py`` script (relative to ``cwd`` or absolute)
            and its arguments.
        cwd (str): Working directory of the run.
        env (dict | None): Its whole environment (default: this process's).
        timeout (float): Seconds before the child is killed and ``TimeoutExpired`` raised.

    Returns:
        subprocess.CompletedProcess: ``returncode`` (negative: the signal that ended it),
        ``stdout`` and ``stderr`` as text.
    """
    args = [str(a) for a in args]
    if len(args) < 2 or args[0] != sys.executable or not args[1].endswith('.py'):
        raise ValueError(f'run_tool: expected [sys.executable, SCRIPT.py, ...], got {args[:2]}')
    ctx = _warm_context()
    env = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory(prefix='tool-run-') as tmp:
        out_path, err_path = osp.join(tmp, 'stdout'), osp.join(tmp, 'stderr')
        proc = ctx.Process(target=_run_script, args=(args[1], args[2:], str(cwd), env,
                                                     _base_path, out_path, err_path))
        proc.start()
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join()
            raise subprocess.TimeoutExpired(args, timeout)
        texts = []
        for path in (out_path, err_path):
            with open(path, errors='replace') as f:
                texts.append(f.read())
    return subprocess.CompletedProcess(args, proc.exitcode, texts[0], texts[1])


def run_command(args, cwd, env=None, timeout=600):
    """:func:`run_tool` for ``[sys.executable, SCRIPT.py, ...]``; any other command (``bash
    tools/dist_train.sh``, ``python -m ...``) through ``subprocess.run`` as it is."""
    args = [str(a) for a in args]
    if len(args) >= 2 and args[0] == sys.executable and args[1].endswith('.py'):
        return run_tool(args, cwd, env=env, timeout=timeout)
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=timeout)
