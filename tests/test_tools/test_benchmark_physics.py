"""tools/analysis_tools/benchmark_physics.py: every RESULT line the issue names, on tiny sizes
(the timings themselves are the benchmark's business, not the test's)."""
import math
import os.path as osp
import re
import sys

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
import benchmark_physics  # noqa: E402


def test_benchmark_prints_the_speedups_the_floor_and_the_errors(capsys):
    threads = torch.get_num_threads()
    try:
        benchmark_physics.main(['--batch', '2', '--repeats', '1', '--lengths', '8', '20',
                                '--solver-lengths', '40', '--dense-max', '40'])
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    results = dict(re.findall(r'^RESULT (\w+)=(\S+)$', out, re.M))
    for t in (8, 20):
        for name in ('rollout_forward_speedup', 'rollout_train_speedup',
                     'rollout_train_floor_speedup'):
            value = float(results[f'{name}_t{t}'])
            assert math.isfinite(value) and value > 0
        # float32 against the float64 loop: the closed form rounds less than the loop
        assert float(results[f'rollout_fp32_err_parallel_t{t}']) < 1e-4
        # both closed forms side by side; the headline is the one 'parallel' runs on CPU
        for impl in ('blocked', 'fused'):
            assert float(results[f'rollout_train_speedup_{impl}_t{t}']) > 0
        assert (results[f'rollout_train_speedup_t{t}'] ==
                results[f'rollout_train_speedup_fused_t{t}'])
    assert "'parallel' (Phys-Net's rollout) runs 'fused' here" in out
    assert float(results['structured_solver_fps_t40']) > 0
    assert 'structured_solver_sparse_vs_dense_speedup_t40' in results


def test_benchmark_with_a_time_step_per_sample(capsys):
    threads = torch.get_num_threads()
    try:
        benchmark_physics.main(['--batch', '5', '--repeats', '1', '--lengths', '40',
                                '--solver-lengths', '40', '--dense-max', '0',
                                '--dt-per-sample'])
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert 'dt per sample' in out
    results = dict(re.findall(r'^RESULT (\w+)=(\S+)$', out, re.M))
    assert float(results['rollout_fp32_err_parallel_t40']) < 1e-4
    assert float(results['rollout_train_speedup_t40']) > 0


def test_least_rollout_work_is_a_scaled_identity_with_its_gradient():
    acc = torch.randn(2, 6, 3, requires_grad=True)
    out = benchmark_physics.LeastRolloutWork.apply(acc, 0.5)
    torch.testing.assert_close(out, acc * 0.25)
    out.sum().backward()
    torch.testing.assert_close(acc.grad, torch.full_like(acc, 0.25))
