"""Every ``python tools/…`` and ``bash tools/….sh`` command of README.md starts, through the route
the README documents: ``source .venv/bin/activate`` then ``python tools/X.py``, and the shell
launchers finding the project's environment by themselves (a fresh shell's ``python`` has no
torch)."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
README = open(osp.join(ROOT, 'README.md'), encoding='utf-8').read()
PY_TOOLS = sorted(set(re.findall(r'\bpython (tools/[\w/]+\.py)', README)))
SH_TOOLS = sorted(set(re.findall(r'\bbash (tools/[\w/]+\.sh)', README)))
VENV = osp.join(ROOT, '.venv')


def bare_shell_env():
    """A fresh shell's environment: no virtual environment active, no project Python on PATH
    (``make test`` runs pytest with .venv's Python without activating it)."""
    env = {k: v for k, v in os.environ.items() if k not in ('VIRTUAL_ENV', 'PYTHON',
                                                           'PYTHONPATH')}
    env['PATH'] = os.pathsep.join(p for p in env.get('PATH', '').split(os.pathsep)
                                  if not p.startswith((VENV, osp.dirname(sys.executable))))
    return env


def activate():
    """The README's activation line (or, where the tests run from another environment, that
    environment's bin on PATH)."""
    if osp.isfile(osp.join(VENV, 'bin', 'activate')):
        return 'source .venv/bin/activate && '
    return f'export PATH={osp.dirname(sys.executable)}:$PATH && '


def test_readme_names_the_tools_and_the_activation():
    assert 'source .venv/bin/activate' in README
    assert {'tools/train.py', 'tools/test.py', 'tools/infer_skeleton.py'} <= set(PY_TOOLS)
    assert {'tools/dist_train.sh', 'tools/dist_test.sh', 'tools/slurm_train.sh'} <= set(SH_TOOLS)
    for tool in PY_TOOLS + SH_TOOLS:
        assert osp.isfile(osp.join(ROOT, tool)), f'README.md names {tool}, which does not exist'


def test_the_activated_python_imports_the_whole_stack():
    """The README's failure mode (``No module named 'torch'``), checked directly: the tools read
    their arguments before their heavy imports, so ``--help`` alone no longer imports torch."""
    code = ('import torch, mmengine.runner, mmpose, diffusers, peft; '
            'from finephys.utils import register_all_modules; register_all_modules(); '
            'print("stack ok", torch.__version__)')
    r = subprocess.run(['bash', '-c', f'{activate()}python -c {code!r}'], cwd=ROOT,
                       env=bare_shell_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert 'stack ok' in r.stdout


@pytest.mark.parametrize('tool', PY_TOOLS)
def test_python_tool_starts_after_activation(tool):
    r = subprocess.run(['bash', '-c', f'{activate()}python {tool} --help'], cwd=ROOT,
                       env=bare_shell_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert 'usage:' in r.stdout


@pytest.mark.parametrize('tool', SH_TOOLS)
def test_shell_launcher_finds_the_project_python_by_itself(tool):
    if not osp.isfile(osp.join(VENV, 'bin', 'python')):
        pytest.skip('no .venv: the launchers fall back to $PYTHON / python')
    r = subprocess.run(['bash', tool, '--help'], cwd=ROOT, env=bare_shell_env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert f'(Python: {VENV}/bin/python)' in r.stdout
    assert 'usage: t' in r.stdout        # train.py's / test.py's own help, from .venv's Python
    missing = subprocess.run(['bash', tool], cwd=ROOT, env=bare_shell_env(),
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and 'usage: bash ' + tool in missing.stdout
