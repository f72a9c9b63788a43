"""WarmToolStarter: tools forked from a server with the heavy imports done (what `make demo`
starts its steps with) behave as `python script.py args` in a fresh interpreter."""
import os
import os.path as osp
import subprocess
import sys
import time

import pytest

from finephys.utils.tool_lanes import StepFailed, ToolLanes
from finephys.utils.tool_runner import ROOT as ROOT_DIR
from finephys.utils.warm_start import WarmToolStarter

# prints what a tool sees of its start, through Python and the C level, then exits as asked
TOOL = r'''
import atexit, os, sys, threading, time
print('argv', sys.argv[1:], 'name', __name__, 'file', os.path.basename(__file__))
print('cwd', os.getcwd(), 'env', os.environ.get('WARM_TEST'), 'path0', sys.path[0])
print('imported json before', 'json' in sys.modules and 'json_probe' in sys.modules)
os.write(2, b'C-level stderr\n')
atexit.register(lambda: print('atexit ran'))
def late():
    time.sleep(0.3)
    print('thread joined')
threading.Thread(target=late).start()
how = sys.argv[1]
if how == 'raise':
    raise ValueError('bad value 7')
if how == 'message':
    sys.exit('a message')
if how == 'sleep':
    time.sleep(60)
sys.exit(int(how))
'''


@pytest.fixture(scope='module')
def starter():
    warm = WarmToolStarter(preload=('json',))
    yield warm
    warm.close()


def cold(script, how, cwd, env):
    r = subprocess.run([sys.executable, str(script), how], cwd=cwd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode, r.stdout


@pytest.mark.parametrize('how,code', [('0', 0), ('3', 3), ('message', 1), ('raise', 1)])
def test_a_warm_tool_prints_and_exits_as_a_cold_one(starter, tmp_path, how, code):
    script = tmp_path / 'tools' / 'probe.py'
    script.parent.mkdir()
    script.write_text(TOOL)
    env = dict(os.environ, WARM_TEST='hello', PYTHONUNBUFFERED='1')
    log = tmp_path / 'probe.log'
    process = starter.start([sys.executable, 'tools/probe.py', how], str(log), env,
                            str(tmp_path))
    assert process.wait(60) == code == process.returncode
    cold_code, cold_text = cold(script, how, str(tmp_path), env)
    warm_text = log.read_text()
    assert cold_code == code
    # the same lines (a traceback names the same frames but the warm one runs through runpy)
    if how == 'raise':
        assert 'ValueError: bad value 7' in warm_text.splitlines()
        assert 'ValueError: bad value 7' in cold_text.splitlines()
        warm_text = '\n'.join(x for x in warm_text.splitlines() if not x.startswith((' ', 'Tr')))
        cold_text = '\n'.join(x for x in cold_text.splitlines() if not x.startswith((' ', 'Tr')))
    assert warm_text == cold_text
    assert f'path0 {script.parent}' in warm_text and 'env hello' in warm_text
    assert 'atexit ran' in warm_text and 'thread joined' in warm_text
    assert 'C-level stderr' in warm_text and "name __main__" in warm_text


def test_a_warm_tool_can_be_terminated(starter, tmp_path):
    script = tmp_path / 'probe.py'
    script.write_text(TOOL)
    process = starter.start([sys.executable, str(script), 'sleep'], str(tmp_path / 'x.log'),
                            dict(os.environ), str(tmp_path))
    assert process.wait(0.5) is None and process.poll() is None
    process.terminate()
    assert process.wait(30) == -15


def test_only_this_interpreter_running_a_script_starts_warm(starter, tmp_path):
    assert WarmToolStarter.can_start([sys.executable, 'tools/train.py', 'x.py'])
    assert not WarmToolStarter.can_start([sys.executable, '-c', 'pass'])
    assert not WarmToolStarter.can_start(['/bin/echo', 'a.py'])
    with pytest.raises(ValueError, match='cannot start'):
        starter.start([sys.executable, '-c', 'pass'], str(tmp_path / 'x.log'), {},
                      str(tmp_path))
    closed = WarmToolStarter(preload=())
    closed.close()
    with pytest.raises(RuntimeError, match='closed'):
        closed.start([sys.executable, 'x.py'], str(tmp_path / 'x.log'), {}, str(tmp_path))


def test_lanes_start_shared_python_steps_warm_and_report_failures(tmp_path):
    script = tmp_path / 'probe.py'
    script.write_text(TOOL + '\n')
    passive = tmp_path / 'passive.py'
    passive.write_text("import os; print('RESULT passive=%d' % "
                       "(os.environ.get('OMP_WAIT_POLICY') == 'PASSIVE'))\n")
    echoed = []
    lanes = ToolLanes(str(tmp_path / 'logs'), echo=echoed.append, warm_preload=('json',))
    a_done, b_done = lanes.promise(), lanes.promise()

    def lane_a():
        lanes.run([sys.executable, str(script), '0'], 'a1')
        a_done.set_result(True)
        b_done.result()              # alive while lane b's steps run

    def lane_b():
        a_done.result()
        out = lanes.run_results([sys.executable, str(passive)], 'b1')
        lanes.run([sys.executable, '-c', 'print(1)'], 'b2')   # not a script: cold
        b_done.set_result(True)
        return out

    try:
        assert lanes.run_lanes(a=lane_a, b=lane_b)['b'] == {'passive': 1.0}
        assert lanes.warm_steps == ['a1', 'b1']
        rows = [line.split('\t') for line in
                open(tmp_path / 'logs' / 'steps.tsv').read().splitlines()]
        assert [(r[1], r[3], r[4]) for r in rows] == [('a1', '1', '1'), ('b1', '1', '1'),
                                                      ('b2', '1', '0')]
        assert 'thread joined' in open(tmp_path / 'logs' / '01_a1.log').read()

        def failing():
            lanes.run([sys.executable, str(script), 'raise'], 'failing')

        with pytest.raises(StepFailed) as error:
            lanes.run_lanes(x=failing, y=lambda: time.sleep(3))
        message = str(error.value)
        assert 'failing exited with status 1' in message and 'bad value 7' in message
        assert osp.basename(message.split('(log: ')[1].split(')')[0]).endswith('_failing.log')
        # it was started warm, and its failure is reported as a cold step's
        assert any('_failing.log, warm start)' in line for line in echoed)
    finally:
        lanes.close()


def server_wait_policy(starter):
    """OMP_WAIT_POLICY in the environment the server was started with (what its OpenMP read
    when it imported torch), or None."""
    with open(f'/proc/{starter.server.pid}/environ', 'rb') as f:
        env = dict(item.split(b'=', 1) for item in f.read().split(b'\0') if b'=' in item)
    policy = env.get(b'OMP_WAIT_POLICY')
    return None if policy is None else policy.decode()


def test_steps_that_start_alone_start_warm_from_a_server_with_the_default_wait_policy(tmp_path):
    """One lane (and the tail of the longer of two): its steps start warm too, from the server
    whose OpenMP kept the environment's wait policy; the output is a cold run's."""
    script = tmp_path / 'probe.py'
    script.write_text(TOOL + '\n')
    env = {k: v for k, v in os.environ.items() if k != 'OMP_WAIT_POLICY'}
    env['PYTHONUNBUFFERED'] = '1'
    lanes = ToolLanes(str(tmp_path / 'logs'), echo=lambda line: None, warm_preload=('json',))
    old = os.environ.pop('OMP_WAIT_POLICY', None)
    try:
        lanes.run_lanes(one=lambda: lanes.run([sys.executable, str(script), '0'], 'alone'))
        assert lanes.warm_steps == ['alone']
        rows = [line.split('\t') for line in
                open(tmp_path / 'logs' / 'steps.tsv').read().splitlines()]
        assert [(r[1], r[3], r[4]) for r in rows] == [('alone', '0', '1')]
        assert server_wait_policy(lanes.warm_alone) is None
        assert lanes.warm.server is None              # one lane: the PASSIVE one never started
        code, text = cold(script, '0', str(ROOT_DIR), env)
        assert code == 0
        assert open(tmp_path / 'logs' / '01_alone.log').read() == text
        # two lanes: the shared step's server is the PASSIVE one
        done = lanes.promise()

        def lane_a():
            lanes.run([sys.executable, str(script), '0'], 'shared')
            done.set_result(True)

        lanes.run_lanes(a=lane_a, b=lambda: done.result())
        assert lanes.warm_steps == ['alone', 'shared']
        assert server_wait_policy(lanes.warm) == 'PASSIVE'
    finally:
        if old is not None:
            os.environ['OMP_WAIT_POLICY'] = old
        lanes.close()


def test_a_step_starts_cold_when_the_warm_server_is_gone(tmp_path):
    """A server that has died (killed here; a preload that crashes it alike) costs no step:
    the step starts in a fresh interpreter, with the same output."""
    script = tmp_path / 'probe.py'
    script.write_text(TOOL)
    echoed = []
    lanes = ToolLanes(str(tmp_path / 'logs'), echo=echoed.append, warm_preload=('json',))
    lanes.warm.start_server()
    lanes.warm.server.kill()                 # the server dies
    lanes.warm.server.wait()
    done = lanes.promise()

    def lane_a():
        lanes.run([sys.executable, str(script), '0'], 'a1')
        done.set_result(True)

    lanes.run_lanes(a=lane_a, b=lambda: done.result())
    assert lanes.warm is None and lanes.warm_steps == []
    assert any('a1 starts cold' in line for line in echoed)
    assert 'thread joined' in open(tmp_path / 'logs' / '01_a1.log').read()
