"""Rollout and Phys-Net cost, side by side in one run.

    python tools/analysis_tools/benchmark_physics.py [--batch 64] [--repeats 5]

(1) The rollout's implementations side by side at B=64, J=17 (D=51), T = 16, 128, 512, one
thread: the loop (``'sequential'``), the blocked closed form (``'blocked'``) and the compiled pass
(``'fused'``, CPU); forward only, and forward + backward (a training step through both
rollouts). The headline ``rollout_*_speedup_t{T}`` lines are for ``'parallel'``, what Phys-Net
runs (``'fused'`` on a CPU with numba, else ``'blocked'``); ``rollout_train_speedup_{impl}_t{T}``
give each. Next to them, the **floor** of such a step: the same step with each rollout replaced
by the least work any rollout does (read every acceleration once, write every position once,
and the same for the gradient: ``acc * dt²`` forward, ``grad * dt²`` backward), and the step's
own cost with no rollout at all (the copy of the input, the loss and its backward).
(2) Float32 accuracy of each against a float64 reference on the same accelerations.
(3) Phys-Net's whole forward (encoders + heads + both rollouts) at T = 32, 64, 128, 256.
(4) The structured solver over a whole sequence (eval, float64, one clip; a 12-frame flight in
every 32 frames): frames/s at T = 100, 1 000, 10 000 with its sparse O(T) solves, and against
the dense solves (the same problems, O(T³)) where those fit (T ≤ ``--dense-max``).
Ends with ``RESULT name=value`` lines.
"""
import argparse

import torch

from finephys.models.physics import EulerLagrangeSolver, rollout_backward, rollout_forward
from finephys.models.physics.fused_rollout import fused_rollout_available
from finephys.models.physics.rollout import resolve_mode
from finephys.utils.benchmark import best_of


class LeastRolloutWork(torch.autograd.Function):
    """The least any rollout of ``acc (B, T, D)`` does in a training step: read each
    acceleration once and write each position once (``acc * dt²``), and the same for the
    gradient. Not a rollout: the floor that a step through a real one can only approach."""

    @staticmethod
    def forward(ctx, acc, dt):
        ctx.dt2 = dt * dt
        return acc * ctx.dt2

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.dt2, None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--threads', type=int, default=1,
                   help='CPU threads (the rollout targets are for one)')
    p.add_argument('--lengths', type=int, nargs='+', default=[16, 128, 512],
                   help='rollout lengths T')
    p.add_argument('--dt-per-sample', action='store_true',
                   help='a time step per sample (1/25, 1/30, 1/50, 1/60 s in turn), as training '
                        'passes it, instead of one float')
    p.add_argument('--solver-lengths', type=int, nargs='+', default=[100, 1000, 10000])
    p.add_argument('--dense-max', type=int, default=300,
                   help='longest T also timed with the dense solves')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    b, d, dt = args.batch, 51, 1 / 30
    roll_dt = dt
    if args.dt_per_sample:
        rates = torch.tensor([25.0, 30.0, 50.0, 60.0]).repeat(-(-b // 4))[:b]
        roll_dt = (1 / rates).reshape(b, 1, 1)
    print(f'rollouts: B={b}, D={d}, float32, CPU threads={args.threads}, best of {args.repeats}'
          f'{", dt per sample" if args.dt_per_sample else ""}')
    impls = ['blocked'] + (['fused'] if fused_rollout_available() else [])
    default = resolve_mode('parallel', torch.zeros(1))
    print(f"'parallel' (Phys-Net's rollout) runs {default!r} here; the loop is 'sequential'")
    print(f'{"T":>5s} {"rollout":>10s} {"fwd ms":>8s} {"speed-up":>9s} {"f+b ms":>9s} '
          f'{"speed-up":>9s} {"/ floor":>8s} {"fp32 err":>9s}')
    results = {}
    for t in args.lengths:
        acc = torch.randn(b, t, d) * 5
        q0, q1 = torch.randn(b, d), torch.randn(b, d)
        modes = ['sequential'] + impls
        fwd = {m: best_of(lambda: rollout_forward(q0, q1, acc, roll_dt, m), args.repeats)
               for m in modes}

        def train_step(mode):
            a = acc.clone().requires_grad_(True)
            out = (rollout_forward(q0, q1, a, roll_dt, mode) +
                   rollout_backward(q0, q1, a, roll_dt, mode))
            out.square().mean().backward()
        fb = {m: best_of(lambda: train_step(m), args.repeats) for m in modes}

        def floor_step(rollouts=True):
            a = acc.clone().requires_grad_(True)
            least = LeastRolloutWork.apply
            out = (least(a, roll_dt) + least(a, roll_dt)) if rollouts else a + a
            out.square().mean().backward()
        floor = best_of(floor_step, args.repeats)
        bare = best_of(lambda: floor_step(False), args.repeats)
        ref = rollout_forward(q0.double(), q1.double(), acc.double(), roll_dt, 'sequential')
        err = {m: float((rollout_forward(q0, q1, acc, roll_dt, m).double() - ref).abs().max())
               for m in modes}
        for m in modes:
            print(f'{t:5d} {m:>10s} {fwd[m] * 1e3:8.2f} {fwd["sequential"] / fwd[m]:8.1f}x '
                  f'{fb[m] * 1e3:9.2f} {fb["sequential"] / fb[m]:8.1f}x {fb[m] / floor:7.2f}x '
                  f'{err[m]:9.2e}')
        print(f'{t:5d} {"floor":>10s} {"":>8s} {"":>9s} {floor * 1e3:9.2f} '
              f'{fb["sequential"] / floor:8.1f}x {1:7.2f}x   (no rollout: {bare * 1e3:.2f} ms)')
        results[t] = dict(fwd=fwd, fb=fb, floor=floor, err=err)
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
    for t, r in results.items():
        fwd, fb, err = r['fwd'], r['fb'], r['err']
        print(f'RESULT rollout_forward_speedup_t{t}={fwd["sequential"] / fwd[default]:.2f}')
        print(f'RESULT rollout_train_speedup_t{t}={fb["sequential"] / fb[default]:.2f}')
        for m in impls:
            print(f'RESULT rollout_train_speedup_{m}_t{t}={fb["sequential"] / fb[m]:.2f}')
        print(f'RESULT rollout_train_floor_speedup_t{t}={fb["sequential"] / r["floor"]:.2f}')
        print(f'RESULT rollout_fp32_err_parallel_t{t}={err[default]:.3e}')
        print(f'RESULT rollout_fp32_err_sequential_t{t}={err["sequential"]:.3e}')
    print(f'RESULT physnet_ms_T128={costs[128] * 1e3:.3f}')
    print(f'RESULT physnet_per_frame_ratio_T256_over_T32={linearity:.3f}')
    for name, value in structured_solver_speed(args).items():
        print(f'RESULT {name}={value:.4g}')


def structured_solver_speed(args):
    """Section (4): frames/s of the whole-sequence structured solver (sparse, and dense where
    it fits); returns the RESULT values."""
    from finephys.models.physics import StructuredPhysicsSolver
    from finephys.models.physics import structured_dynamics
    print('\nstructured solver over a whole sequence, eval, float64, B=1 '
          '(contacts, scale, smoothing, bones, angular momentum, COM)')
    print(f'{"T":>6s} {"sparse ms":>10s} {"frames/s":>9s} {"dense ms":>10s} {"speed-up":>9s}')
    torch.manual_seed(0)
    solver = StructuredPhysicsSolver().eval().double()
    out = {}
    for t in args.solver_lengths:
        gen = torch.Generator().manual_seed(t)
        q = (torch.randn(17, 3, generator=gen, dtype=torch.float64) * 0.25 +
             torch.tensor([0.0, 0.0, 8.0]) +
             0.02 * torch.randn(t, 17, 3, generator=gen, dtype=torch.float64))[None]
        flight = ((torch.arange(t) % 32) >= 20)[None]
        kp = q[..., :2] / q[..., 2:]

        def solve():
            with torch.no_grad():
                return solver(q, 1 / 30.0, keypoints_2d=kp, flight=flight)

        repeats = max(1, min(args.repeats, int(3000 / t)))
        sparse = best_of(solve, repeats)
        dense = float('nan')
        if t <= args.dense_max:
            limit = structured_dynamics.DENSE_MAX_FRAMES
            structured_dynamics.DENSE_MAX_FRAMES = t           # force the dense solves
            try:
                dense = best_of(solve, repeats)
            finally:
                structured_dynamics.DENSE_MAX_FRAMES = limit
        print(f'{t:6d} {sparse * 1e3:10.1f} {t / sparse:9.0f} {dense * 1e3:10.1f} '
              f'{dense / sparse:8.1f}x')
        out[f'structured_solver_fps_t{t}'] = t / sparse
        if dense == dense:
            out[f'structured_solver_sparse_vs_dense_speedup_t{t}'] = dense / sparse
    return out


if __name__ == '__main__':
    main()
