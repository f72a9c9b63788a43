"""ToolLanes: chains of tool subprocesses side by side (what `make demo` runs on)."""
import os.path as osp
import sys
import time

import pytest

from finephys.utils.tool_lanes import LaneAborted, StepFailed, ToolLanes, read_results

PRINT_WAIT_POLICY = ("import os; print('RESULT passive=%d' % "
                     "(os.environ.get('OMP_WAIT_POLICY') == 'PASSIVE'))")


def test_read_results_takes_result_lines_after_progress_bars():
    text = ('loading\n 50%|#####     | 1/2\r100%|##########| 2/2\nRESULT a=1.5\n'
            'noise RESULT b=2\r\nRESULT c=-3e-09\nRESULT a=2.5\nRESULT bad=x1\n')
    with pytest.raises(ValueError):
        read_results(text)
    results = read_results(text.replace('RESULT bad=x1\n', ''))
    assert results == {'a': 2.5, 'c': -3e-09}


def test_steps_of_two_lanes_sleep_their_idle_threads_and_one_lane_alone_does_not(tmp_path):
    lanes = ToolLanes(str(tmp_path / 'logs'), echo=lambda line: None)
    a_done, b_done = lanes.promise(), lanes.promise()

    def lane_a():
        first = lanes.run_results([sys.executable, '-c', PRINT_WAIT_POLICY], 'a1')
        a_done.set_result(True)
        b_done.result()
        return first['passive']

    def lane_b():
        a_done.result()  # lane a is alive (waiting for b_done) while this step runs
        second = lanes.run_results([sys.executable, '-c', PRINT_WAIT_POLICY], 'b1')
        b_done.set_result(True)
        return second['passive']

    assert lanes.run_lanes(a=lane_a, b=lane_b) == {'a': 1.0, 'b': 1.0}
    alone = lanes.run_lanes(
        one=lambda: lanes.run_results([sys.executable, '-c', PRINT_WAIT_POLICY], 'c1'))
    assert alone == {'one': {'passive': 0.0}}
    assert [(lane, name, shared) for lane, name, _, shared in lanes.timings] == [
        ('a', 'a1', True), ('b', 'b1', True), ('one', 'c1', False)]
    rows = [line.split('\t') for line in open(tmp_path / 'logs' / 'steps.tsv').read().splitlines()]
    assert [(r[0], r[1], r[3]) for r in rows] == [('a', 'a1', '1'), ('b', 'b1', '1'),
                                                  ('one', 'c1', '0')]
    assert open(tmp_path / 'logs' / '03_c1.log').read() == 'RESULT passive=0\n'


def test_a_failing_step_stops_the_other_lane_and_names_its_log(tmp_path):
    lanes = ToolLanes(str(tmp_path / 'logs'), echo=lambda line: None)
    never = lanes.promise()
    started = time.time()
    finished = []

    def sleeper():
        lanes.run([sys.executable, '-c', 'import time; time.sleep(60)'], 'sleeper')
        finished.append('sleeper')

    def waiter():
        never.result()  # ends with LaneAborted when the other lane fails
        finished.append('waiter')

    def failing():
        time.sleep(1.0)  # the sleeper's process is running by now
        lanes.run([sys.executable, '-c', "import sys; print('bad value 7'); sys.exit(3)"],
                  'failing')

    with pytest.raises(StepFailed) as error:
        lanes.run_lanes(sleeper=sleeper, waiter=waiter, failing=failing)
    assert time.time() - started < 30
    assert finished == []
    message = str(error.value)
    assert 'failing exited with status 3' in message and 'bad value 7' in message
    log = message.split('(log: ')[1].split(')')[0]
    assert osp.basename(log).endswith('_failing.log') and osp.isfile(log)
    with pytest.raises(LaneAborted):  # nothing starts after a failure
        lanes.run([sys.executable, '-c', 'pass'], 'late')


def test_in_process_steps_are_timed_in_their_lane(tmp_path):
    lanes = ToolLanes(str(tmp_path / 'logs'), echo=lambda line: None)
    out = tmp_path / 'crawl.npz'
    lanes.run_lanes(x=lambda: lanes.run_in_process(
        'tools/dataset_converters/generate_realmotion.py',
        ['--out', str(out), '--deepmimic', 'crawl']))
    assert [(lane, name) for lane, name, _, _ in lanes.timings] == [('x', 'generate_realmotion')]
    assert osp.isfile(out)
