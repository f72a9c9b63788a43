"""tools/analysis_tools/time_test_suite.py: make test's pytest run, timed, with RESULT lines."""
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))

from time_test_suite import summary_counts  # noqa: E402


def test_summary_counts_read_pytests_last_line():
    assert summary_counts('...\n600 passed in 790.1s (0:13:10)\n') == (600, 0)
    assert summary_counts('x\n2 failed, 598 passed, 1 error in 9.0s\n') == (598, 3)
    assert summary_counts('= 3 passed, 2 warnings in 1.2s =') == (3, 0)
    assert summary_counts('no tests ran') == (0, 0)


def test_the_tool_times_a_run_and_reports(tmp_path):
    tests = tmp_path / 'test_tiny.py'
    tests.write_text('def test_ok():\n    assert 1 + 1 == 2\n\n\n'
                     'def test_bad():\n    assert 1 + 1 == 3\n')
    r = subprocess.run([sys.executable, 'tools/analysis_tools/time_test_suite.py', '--workers',
                        '1', '--slowest', '2', '--tests', str(tests), '--', '-p',
                        'no:cacheprovider'], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 1                      # pytest's status: one test failed
    res = dict(line[len('RESULT '):].split('=') for line in r.stdout.splitlines()
               if line.startswith('RESULT '))
    assert res['test_suite_passed'] == '1' and res['test_suite_failed'] == '1'
    assert 0 < float(res['test_suite_minutes']) < 5
    assert 'slowest 2 durations' in r.stdout
