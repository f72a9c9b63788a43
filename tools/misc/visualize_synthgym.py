"""Look at the SynthGym world: a sample grid video (mp4 + gif) with skeleton overlays and a 3D
plot per class.

    python tools/misc/visualize_synthgym.py --out work_dirs/synthgym_vis [--size 128]
        [--subsets FX-SALTO] [--num-frames 48] [--seed 0] [--overlay]
"""
import argparse
import os
import os.path as osp

import numpy as np
from tqdm import tqdm


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--out', default='work_dirs/synthgym_vis')
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--num-frames', type=int, default=48)
    p.add_argument('--fps', type=float, default=30.0)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--subsets', nargs='*', default=None)
    p.add_argument('--columns', type=int, default=6)
    p.add_argument('--overlay', action='store_true', help='draw the noisy 2D skeleton on top')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    # after the arguments: torch, matplotlib and the renderer take ~4 s to import, --help none
    from finephys.datasets.synthgym import ACTIONS, generate_clip
    from finephys.datasets.synthgym.actions import check_subsets
    from finephys.visualization import draw_skeleton, plot_sequence_3d, tile_videos, write_video
    os.makedirs(args.out, exist_ok=True)
    names = list(ACTIONS)
    if args.subsets:
        keep = set(check_subsets(args.subsets))
        names = [n for n in names if ACTIONS[n]['subset'] in keep]
    videos = []
    for name in tqdm(names, desc='rendering', unit='class'):
        clip = generate_clip(name, args.seed, num_frames=args.num_frames, fps=args.fps,
                             render_size=args.size)
        video = clip['video']
        if args.overlay:
            video = np.stack([draw_skeleton(f, k, s) for f, k, s in
                              zip(video, clip['keypoints_2d'], clip['keypoint_scores'])])
        videos.append(video)
        slug = ''.join(c if c.isalnum() else '_' for c in name)[:60].strip('_')
        plot_sequence_3d(clip['keypoints_3d_world'], osp.join(args.out, f'3d_{slug}.png'),
                         title=f'{name} ({clip["subset"]})', com=clip['com_world'])
    grid = tile_videos(videos, args.columns)
    write_video(osp.join(args.out, 'synthgym_grid.mp4'), grid, fps=args.fps)
    write_video(osp.join(args.out, 'synthgym_grid.gif'), grid[::2], fps=args.fps / 2)
    print(f'wrote {len(names)} classes to {osp.abspath(args.out)} '
          '(synthgym_grid.mp4/.gif, 3d_*.png)')


if __name__ == '__main__':
    main()
