"""SynthGym generation speed vs what a tiny CPU training step consumes, measured in one run.

    python tools/analysis_tools/benchmark_synthgym.py [--clips 34] [--frames 48]

Prints skeleton-only clips/s, rendered frames/s at 64 and 256 px, the dataset's item rate on a
first pass (every motion simulated) and on later epochs (motions memoised in the dataset; camera,
noise and projection redone), and — side by side — the clips per second one training iteration
of the baseline lifter config consumes (batch 16) on the same machine. Ends with
``RESULT name=value`` lines.
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

    # the dataset as training sees it: first epoch simulates, later epochs reuse the motions
    from finephys.datasets import SynthGymDataset
    ds = SynthGymDataset(num_samples=args.clips, num_frames=args.frames)
    t_first = _timeit(lambda i: ds[i], len(ds))
    t_later = _timeit(lambda i: ds[i], len(ds))
    first_rate, later_rate = len(ds) / t_first, len(ds) / t_later

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
    print(f'{"dataset items, first epoch":40s} {first_rate:9.2f} clips/s')
    print(f'{"dataset items, later epochs (memoised)":40s} {later_rate:9.2f} clips/s')
    print(f'{"lifter train step consumes (batch 16)":40s} {consumed:9.2f} clips/s')
    ratio = later_rate / consumed
    print(f'later epochs: generation / consumption = {ratio:.2f} per worker; first epoch: '
          f'{first_rate / consumed:.2f} (pre-generate with tools/dataset_converters/'
          'generate_synthgym.py to skip it)')
    print(f'RESULT skeleton_clips_per_s={clips_per_s:.3f}')
    print(f'RESULT render64_frames_per_s={fps[64]:.2f}')
    print(f'RESULT render256_frames_per_s={fps[256]:.2f}')
    print(f'RESULT dataset_first_epoch_clips_per_s={first_rate:.3f}')
    print(f'RESULT dataset_later_epochs_clips_per_s={later_rate:.3f}')
    print(f'RESULT train_step_clips_per_s={consumed:.3f}')
    print(f'RESULT later_epochs_generation_over_consumption={ratio:.3f}')


if __name__ == '__main__':
    main()
