"""Write a SynthGym cache: one .npz (+ .mp4 when rendering) per clip and an index.json per split.

    python tools/dataset_converters/generate_synthgym.py --out data/synthgym \
        --splits train:512 val:64 test:64 [--num-frames 48] [--fps 30] [--render-size 64] \
        [--subsets FX-JUMP FX-TURN] [--seed 0] [--workers 2]

Resumable: clips already on disk (and readable) are kept; a killed run continues where it
stopped. ``SynthGymDataset(data_root=<out>, ...)`` with the same settings reads the cache.
"""
import argparse
import json
import os
import os.path as osp
import sys
from concurrent.futures import ProcessPoolExecutor

from tqdm import tqdm

from finephys.datasets import SynthGymDataset
from finephys.datasets.synthgym import KeypointNoise, generate_clip
from finephys.datasets.synthgym_cache import (CACHE_INDEX, load_cached_clip, save_cached_clip)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--out', required=True, help='cache root folder')
    p.add_argument('--splits', nargs='+', default=['train:512', 'val:64', 'test:64'],
                   help='split:num_samples entries')
    p.add_argument('--num-frames', type=int, default=48)
    p.add_argument('--fps', type=float, default=30.0)
    p.add_argument('--render-size', type=int, default=None)
    p.add_argument('--image-size', type=int, default=256)
    p.add_argument('--subsets', nargs='*', default=None)
    p.add_argument('--classes', nargs='*', default=None)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--jitter', type=float, default=KeypointNoise.jitter)
    p.add_argument('--dropout', type=float, default=KeypointNoise.dropout)
    p.add_argument('--swap', type=float, default=KeypointNoise.swap)
    p.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1))
    return p.parse_args(argv)


def _job(job):
    path, action, seed, settings, noise = job
    if osp.isfile(path):
        try:
            load_cached_clip(path)
            return path, 'kept'
        except Exception:  # a truncated file from a killed run: write it again
            pass
    clip = generate_clip(action, seed, num_frames=settings['num_frames'], fps=settings['fps'],
                         render_size=settings['render_size'], image_size=settings['image_size'],
                         noise=noise)
    save_cached_clip(path, clip)
    return path, 'written'


def main(argv=None):
    args = parse_args(argv)
    noise = dict(jitter=args.jitter, dropout=args.dropout, swap=args.swap)
    for entry in args.splits:
        try:
            split, num = entry.split(':')
            num = int(num)
        except ValueError:
            sys.exit(f'generate_synthgym: --splits entry {entry!r}: expected split:num_samples')
        dataset = SynthGymDataset(num_samples=num, split=split, seed=args.seed,
                                  subsets=args.subsets, classes=args.classes,
                                  num_frames=args.num_frames, fps=args.fps,
                                  render_size=args.render_size, image_size=args.image_size,
                                  noise=noise, lazy_init=True)
        dataset.full_init()
        out_dir = osp.join(args.out, split)
        os.makedirs(out_dir, exist_ok=True)
        jobs, samples = [], []
        for info in dataset.data_list:
            name = f'{info["sample_idx"]:06d}.npz'
            jobs.append((osp.join(out_dir, name), info['action'], info['seed'], dataset.settings,
                         noise))
            samples.append(dict(file=name, action=info['action'], seed=info['seed'],
                                label=info['label'],
                                video=name.replace('.npz', '.mp4') if args.render_size else None))
        counts = dict(kept=0, written=0)
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            for _, status in tqdm(pool.map(_job, jobs, chunksize=4), total=len(jobs),
                                  desc=f'SynthGym {split}', unit='clip'):
                counts[status] += 1
        with open(osp.join(out_dir, CACHE_INDEX), 'w') as f:
            json.dump(dict(settings=dataset.settings, samples=samples), f, indent=1)
        print(f'{split}: {counts["written"]} written, {counts["kept"]} kept -> {out_dir}')


if __name__ == '__main__':
    main()
