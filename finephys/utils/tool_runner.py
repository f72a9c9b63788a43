"""Run the project's tools as subprocesses (how ``tools/demo.py`` and the benchmark drivers
chain train → test → report), reading back what they print and write."""
import glob
import json
import os
import os.path as osp
import subprocess
import time
from typing import Dict, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def tool_env() -> Dict[str, str]:
    """This process's environment with the repository root on ``PYTHONPATH`` (what every
    tool subprocess runs with)."""
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))


def run_tool(args: Sequence[str]) -> None:
    """Run ``args`` from the repository root (echoed first); a failure raises."""
    print('$', ' '.join(args), flush=True)
    t0 = time.time()
    subprocess.run(list(args), cwd=ROOT, check=True, env=tool_env())
    print(f'[{time.time() - t0:.0f} s] {osp.basename(args[1]) if len(args) > 1 else args[0]}',
          flush=True)


def run_tool_results(args: Sequence[str]) -> Dict[str, float]:
    """Run a tool, echo its output, return its ``RESULT name=value`` lines as a dict."""
    print('$', ' '.join(args), flush=True)
    t0 = time.time()
    r = subprocess.run(list(args), cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True,
                       env=tool_env())
    print(r.stdout, end='', flush=True)
    print(f'[{time.time() - t0:.0f} s] {osp.basename(args[1]) if len(args) > 1 else args[0]}',
          flush=True)
    return {k: float(v) for k, v in (line[7:].split('=', 1) for line in r.stdout.splitlines()
                                     if line.startswith('RESULT '))}


def latest_metrics(work_dir: str) -> dict:
    """The metrics JSON of the newest run under an MMEngine ``work_dir`` (``{}`` if none)."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    return json.load(open(runs[-1])) if runs else {}


def call_tool_main(script: str, argv: Sequence[str]) -> None:
    """Load a tool script (path relative to the repository root) as a module and call its
    ``main(argv)`` in this process."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(script))[0], osp.join(ROOT, script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(list(argv))


def run_tool_in_process(script: str, argv: Sequence[str]) -> None:
    """Call ``main(argv)`` of a tool script (path relative to the repository root) in this
    process — for light tools whose work is shorter than a fresh interpreter's start-up
    (torch + mmengine imports, ~10 s on 2 cores). Echoed like :func:`run_tool`."""
    print('$ python', script, ' '.join(argv), flush=True)
    t0 = time.time()
    call_tool_main(script, argv)
    print(f'[{time.time() - t0:.0f} s] {osp.basename(script)} (in process)', flush=True)
