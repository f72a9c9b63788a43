"""tests/tool_process.py: a tool run forked from the warm interpreter behaves, as seen from a
test, like the same command in a fresh ``python`` (compared with ``subprocess.run`` itself)."""
import os
import subprocess
import sys
import textwrap

import pytest

from tests.tool_process import run_command, run_tool

SCRIPT = textwrap.dedent('''
    import json, os, signal, sys
    print('out', json.dumps(dict(
        argv=sys.argv[1:], path0=os.path.basename(sys.path[0]), cwd=os.path.basename(os.getcwd()),
        env=os.environ.get('TOOL_PROCESS_PROBE'),
        finephys=any(m.startswith(('finephys.models', 'finephys.registry')) for m in sys.modules),
        extra=[p for p in sys.path if p.endswith('extra_dir')])))
    print('err', file=sys.stderr)
    os.write(2, b'fd2\\n')            # below Python's streams, as a C library or a child writes
    if sys.argv[1] == 'kill':
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    if sys.argv[1] == 'raise':
        raise RuntimeError('boom')
    if sys.argv[1] == 'message':
        sys.exit('one line')
    sys.exit(int(sys.argv[1]))
''')


@pytest.fixture
def script(tmp_path):
    folder = tmp_path / 'tools_here'
    folder.mkdir()
    path = folder / 'probe.py'
    path.write_text(SCRIPT)
    (tmp_path / 'work').mkdir()
    return path


@pytest.mark.parametrize('how', ['0', '3', 'kill', 'raise', 'message'])
def test_a_warm_run_matches_a_fresh_python(script, tmp_path, how):
    env = dict(os.environ, TOOL_PROCESS_PROBE='seen',
               PYTHONPATH=str(tmp_path / 'extra_dir'))
    args = [sys.executable, str(script), how]
    warm = run_tool(args, cwd=tmp_path / 'work', env=env)
    fresh = subprocess.run(args, cwd=tmp_path / 'work', env=env, capture_output=True, text=True)
    assert warm.returncode == fresh.returncode
    assert warm.returncode == {'0': 0, '3': 3, 'kill': -9, 'raise': 1, 'message': 1}[how]
    assert warm.stdout == fresh.stdout
    assert '"path0": "tools_here"' in warm.stdout and '"env": "seen"' in warm.stdout
    assert '"cwd": "work"' in warm.stdout and '"finephys": false' in warm.stdout
    assert 'extra_dir' in warm.stdout                  # PYTHONPATH lands on sys.path
    if how == 'raise':
        # the same traceback, except the line where the interpreter entered the script
        assert warm.stderr.splitlines()[-1] == fresh.stderr.splitlines()[-1] == \
            'RuntimeError: boom'
    else:
        assert warm.stderr == fresh.stderr
    assert 'fd2' in warm.stderr


def test_a_run_past_its_timeout_is_killed(tmp_path):
    slow = tmp_path / 'slow.py'
    slow.write_text('import time\ntime.sleep(60)\n')
    with pytest.raises(subprocess.TimeoutExpired):
        run_tool([sys.executable, str(slow)], cwd=tmp_path, timeout=1)


def test_other_commands_run_as_they_are(tmp_path):
    r = run_command(['bash', '-c', 'echo $0; exit 4', 'shell'], cwd=tmp_path)
    assert (r.returncode, r.stdout) == (4, 'shell\n')
    with pytest.raises(ValueError, match='SCRIPT.py'):
        run_tool(['bash', 'x.sh'], cwd=tmp_path)
