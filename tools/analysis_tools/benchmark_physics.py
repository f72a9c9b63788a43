"""Rollout and Phys-Net cost, side by side in one run.

    python tools/analysis_tools/benchmark_physics.py [--batch 64] [--repeats 5]

(1) Parallel (two cumulative sums) vs sequential (the loop) rollout at B=64, J=17 (D=51),
T = 16, 128, 512: forward only, and forward + backward (a training step through both rollouts).
(2) Float32 accuracy of both against a float64 reference on the same accelerations.
(3) Phys-Net's whole forward (encoders + heads + both rollouts) at T = 32, 64, 128, 256.
Ends with ``RESULT name=value`` lines.
"""
import argparse

import torch

from finephys.models.physics import EulerLagrangeSolver, rollout_backward, rollout_forward
from finephys.utils.benchmark import best_of


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--threads', type=int, default=torch.get_num_threads())
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    b, d, dt = args.batch, 51, 1 / 30
    print(f'rollouts: B={b}, D={d}, float32, CPU threads={args.threads}, best of {args.repeats}')
    print(f'{"T":>5s} {"fwd seq ms":>11s} {"fwd par ms":>11s} {"speed-up":>9s} '
          f'{"f+b seq ms":>11s} {"f+b par ms":>11s} {"speed-up":>9s} {"err seq":>9s} {"err par":>9s}')
    results = {}
    for t in (16, 128, 512):
        acc = torch.randn(b, t, d) * 5
        q0, q1 = torch.randn(b, d), torch.randn(b, d)
        fwd = {m: best_of(lambda: rollout_forward(q0, q1, acc, dt, m), args.repeats)
               for m in ('sequential', 'parallel')}

        def train_step(mode):
            a = acc.clone().requires_grad_(True)
            out = rollout_forward(q0, q1, a, dt, mode) + rollout_backward(q0, q1, a, dt, mode)
            out.square().mean().backward()
        fb = {m: best_of(lambda: train_step(m), args.repeats) for m in ('sequential', 'parallel')}
        ref = rollout_forward(q0.double(), q1.double(), acc.double(), dt, 'sequential')
        err = {m: float((rollout_forward(q0, q1, acc, dt, m).double() - ref).abs().max())
               for m in ('sequential', 'parallel')}
        s_f, s_fb = fwd['sequential'] / fwd['parallel'], fb['sequential'] / fb['parallel']
        print(f'{t:5d} {fwd["sequential"] * 1e3:11.2f} {fwd["parallel"] * 1e3:11.2f} {s_f:8.1f}x '
              f'{fb["sequential"] * 1e3:11.2f} {fb["parallel"] * 1e3:11.2f} {s_fb:8.1f}x '
              f'{err["sequential"]:9.2e} {err["parallel"]:9.2e}')
        results[t] = (s_f, s_fb, err)
    print('\nPhys-Net + both rollouts, forward, B=8, eval mode')
    solver = EulerLagrangeSolver().eval()
    costs = {}
    for t in (32, 64, 128, 256):
        q = torch.randn(8, t, 17, 3) * 0.1 + torch.tensor([0, 0, 10.0])
        with torch.no_grad():
            costs[t] = best_of(lambda: solver(q, dt), args.repeats)
        print(f'T={t:4d}: {costs[t] * 1e3:8.2f} ms  ({costs[t] / t * 1e6:7.1f} µs/frame)')
    linearity = (costs[256] / 256) / (costs[32] / 32)
    print(f'per-frame cost at T=256 / at T=32 = {linearity:.2f} (1.0 = linear in T)')
    for t, (s_f, s_fb, err) in results.items():
        print(f'RESULT rollout_forward_speedup_T{t}={s_f:.2f}')
        print(f'RESULT rollout_train_speedup_T{t}={s_fb:.2f}')
        print(f'RESULT rollout_fp32_err_parallel_T{t}={err["parallel"]:.3e}')
        print(f'RESULT rollout_fp32_err_sequential_T{t}={err["sequential"]:.3e}')
    print(f'RESULT physnet_ms_T128={costs[128] * 1e3:.3f}')
    print(f'RESULT physnet_per_frame_ratio_T256_over_T32={linearity:.3f}')


if __name__ == '__main__':
    main()
