"""SynthGym generation speed vs what a tiny CPU training step consumes, measured in one run.

    python tools/analysis_tools/benchmark_synthgym.py [--clips 34] [--frames 48]

Prints skeleton-only clips/s, rendered frames/s at 64 and 256 px, and — side by side — the clips
per second one training iteration of the baseline lifter config consumes (batch 16) on the same
machine: generation must outpace it per dataloader worker, or it would be the bottleneck.
Ends with ``RESULT name=value`` lines.
"""
import argparse
import time

import torch

from finephys.datasets.synthgym import ACTIONS, generate_clip


def _timeit(fn, n):
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return time.perf_counter() - t0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--clips', type=int, default=len(ACTIONS) * 2)
    p.add_argument('--frames', type=int, default=48)
    p.add_argument('--render-clips', type=int, default=6)
    args = p.parse_args(argv)
    names = list(ACTIONS)
    torch.set_num_threads(1)

    t_skel = _timeit(lambda i: generate_clip(names[i % len(names)], i, num_frames=args.frames),
                     args.clips)
    clips_per_s = args.clips / t_skel
    fps = {}
    for size in (64, 256):
        n = args.render_clips
        t = _timeit(lambda i: generate_clip(names[i % len(names)], 1000 + i,
                                            num_frames=args.frames, render_size=size), n)
        fps[size] = n * args.frames / t

    # what a tiny training step consumes: the baseline lifter at batch 16, 32-frame windows
    from finephys.models.lifters import TemporalConvLifter
    model = TemporalConvLifter()
    opt = torch.optim.AdamW(model.parameters(), 1e-3)
    x, s, y = torch.randn(16, 32, 17, 2) * 0.1, torch.rand(16, 32, 17), torch.randn(16, 32, 17, 3)

    def step(_):
        opt.zero_grad()
        loss = (model(x, s) - y).abs().mean()
        loss.backward()
        opt.step()
    step(0)
    n_steps = 20
    t_step = _timeit(step, n_steps) / n_steps
    consumed = 16 / t_step
    print(f'SynthGym, {args.frames}-frame clips, one process (torch threads = 1)')
    print(f'{"what":40s} {"rate":>12s}')
    print(f'{"skeleton-only generation":40s} {clips_per_s:9.2f} clips/s')
    for size in (64, 256):
        print(f'{f"generation + rendering at {size} px":40s} {fps[size]:9.1f} frames/s')
    print(f'{"lifter train step consumes (batch 16)":40s} {consumed:9.2f} clips/s')
    ratio = clips_per_s / consumed
    print(f'generation / consumption = {ratio:.2f} per worker '
          f'({"not a bottleneck" if ratio * 2 >= 1 else "a bottleneck: use the cache"} with the '
          'config\'s 2 workers)')
    print(f'RESULT skeleton_clips_per_s={clips_per_s:.3f}')
    print(f'RESULT render64_frames_per_s={fps[64]:.2f}')
    print(f'RESULT render256_frames_per_s={fps[256]:.2f}')
    print(f'RESULT train_step_clips_per_s={consumed:.3f}')
    print(f'RESULT generation_over_consumption={ratio:.3f}')


if __name__ == '__main__':
    main()
