"""Time the test suite the way `make test` runs it, and list its slowest tests.

    python tools/analysis_tools/time_test_suite.py [--workers 2] [--slowest 30] [--tests tests]
        [-- PYTEST_ARGS]

Runs ``python -m pytest -n WORKERS --dist worksteal -q tests --durations=SLOWEST`` (`make test`'s
pytest run, plus the durations report) in this interpreter from the repository root, echoes its output, and ends
with::

    RESULT test_suite_minutes=<wall-clock minutes of the pytest run>
    RESULT test_suite_passed=<tests passed>
    RESULT test_suite_failed=<tests failed or errored>

Exit status: pytest's.
"""
import argparse
import os.path as osp
import re
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def summary_counts(text):
    """``(passed, failed)`` from pytest's last summary line (errors count as failed)."""
    last = [line for line in text.splitlines() if re.search(r'\d+ (passed|failed|error)', line)]
    if not last:
        return 0, 0
    counts = {k: int(n) for n, k in re.findall(r'(\d+) (passed|failed|errors?)', last[-1])}
    return counts.get('passed', 0), counts.get('failed', 0) + counts.get('error', 0) + \
        counts.get('errors', 0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--workers', type=int, default=2, help='pytest-xdist workers (make test: 2)')
    p.add_argument('--slowest', type=int, default=30, help='slowest tests to list')
    p.add_argument('--tests', default='tests', help='what to run (make test: tests)')
    p.add_argument('pytest_args', nargs='*', help='more pytest arguments (after --)')
    args = p.parse_args(argv)
    if args.workers < 1 or args.slowest < 0:
        print('time_test_suite.py: error: --workers must be >= 1 and --slowest >= 0',
              file=sys.stderr)
        return 2
    cmd = [sys.executable, '-m', 'pytest', '-n', str(args.workers), '--dist', 'worksteal', '-q',
           args.tests,
           f'--durations={args.slowest}', *args.pytest_args]
    print('$', ' '.join(cmd), flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    minutes = (time.perf_counter() - start) / 60
    print(proc.stdout, end='')
    passed, failed = summary_counts(proc.stdout)
    print(f'RESULT test_suite_minutes={minutes:.2f}')
    print(f'RESULT test_suite_passed={passed}')
    print(f'RESULT test_suite_failed={failed}')
    return proc.returncode


if __name__ == '__main__':
    sys.exit(main())
