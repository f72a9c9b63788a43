"""Write a real-motion set: DeepMimic mocap (read from the installed pybullet wheel), Isaac Lab's
AMP motions (isaaclab wheel), holosoma's climbing mocap (holosoma-retargeting wheel) and/or BVH
files → H36M-17 by forward kinematics → SynthGym's broadcast cameras and detector
noise → one ``.npz`` in :class:`~finephys.datasets.Pose3DNpzDataset`'s layout (plus masses,
flight and contact labels for the physics report).

    python tools/dataset_converters/generate_realmotion.py --out data/realmotion/test.npz \
        [--deepmimic backflip cartwheel jump spinkick ...] [--bvh a.bvh b.bvh] \
        [--isaaclab dance run walk] [--holosoma 0 1 2 3 4] \
        [--num-frames 32] [--views 4] [--fps 30] [--seed 0] [--noise synthgym|blazepose]

    # the real-motion training set of the real-motion lifter configs (DeepMimic stays held out
    # for testing):
    python tools/dataset_converters/generate_realmotion.py --out data/realmotion/train.npz \
        --deepmimic --isaaclab dance run walk --holosoma 0 1 2 3 4 --holosoma-stride 48 --seed 1 \
        --contact-effectors feet

Nothing is downloaded by this tool and nothing is committed: the motions are read from wheels
``tools/setup_env.sh`` installs — ``pybullet==3.2.7`` (``pybullet_data/data/motions/
humanoid3d_*.txt``), ``isaaclab==2.3.2.post1`` and ``holosoma-retargeting==0.1.0`` (both
``--no-deps``: only their data files are read, none of their code runs).
"""
import argparse
import os
import os.path as osp

import numpy as np
from tqdm import tqdm

from finephys.utils.launch import UserInputError, friendly_errors

#: Whole-body DeepMimic clips. Left out: crawl/getup (they start lying down) and spin (a turn on
#: the toes: the ankle rises with the heel, so contact cannot be told from the ankle alone — its
#: "flight" frames fall at 5 m/s², not g).
DEFAULT_DEEPMIMIC = ('backflip', 'cartwheel', 'jump', 'spinkick', 'roll', 'run', 'walk',
                     'dance_a', 'dance_b', 'kick', 'punch')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--out', required=True, help='output .npz')
    p.add_argument('--deepmimic', nargs='*', default=list(DEFAULT_DEEPMIMIC),
                   help='DeepMimic motion names (humanoid3d_<name>.txt); none: skip')
    p.add_argument('--isaaclab', nargs='*', default=[],
                   help="Isaac Lab AMP motions (dance run walk); default none")
    p.add_argument('--holosoma', nargs='*', type=int, default=[],
                   help='holosoma climbing sequences (0..4); default none')
    p.add_argument('--holosoma-stride', type=int, default=None,
                   help='window step for the (long) holosoma sequences (default --stride)')
    p.add_argument('--foot-speed', type=float, default=0.3,
                   help='holosoma contacts: a foot at < this speed (m/s) stands on something '
                        '(boxes: height cannot tell); climbing has no flight (frames where no '
                        'foot is at rest, measured COM vertical acceleration -0.1..-5 m/s², not '
                        '-g: a hand on a box), so such frames keep their slower foot')
    p.add_argument('--contact-effectors', choices=('all', 'feet'), default='all',
                   help="contacts written: feet then hands (N, T, 4), or 'feet' (N, T, 2) to "
                        "train next to SynthGym, whose labels are feet only")
    p.add_argument('--bvh', nargs='*', default=[], help='BVH files')
    p.add_argument('--bvh-scale', type=float, default=None, help='metres per BVH unit')
    p.add_argument('--num-frames', type=int, default=32)
    p.add_argument('--stride', type=int, default=16)
    p.add_argument('--views', type=int, default=4)
    p.add_argument('--fps', type=float, default=30.0)
    p.add_argument('--image-size', type=int, default=256)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--noise', choices=('synthgym', 'blazepose'), default='synthgym',
                   help="the 2D's detector noise: SynthGym's default, or MediaPipe BlazePose's "
                   'measured on real video (BLAZEPOSE_NOISE: half the jitter, more dropouts)')
    args = p.parse_args(argv)
    # after the arguments: the mocap readers pull in torch and scipy (~4 s), --help none
    from finephys.datasets.mocap import (
        build_realmotion_clips, bvh_to_h36m17, deepmimic_motion_dir, deepmimic_to_h36m17,
        holosoma_climb_files, holosoma_joint_names, holosoma_package_dir, holosoma_to_h36m17,
        isaaclab_amp_motion_dir, read_isaaclab_amp, spline_resample)
    with friendly_errors('generate_realmotion.py'):
        motions = {}
        # DeepMimic and Isaac Lab ship one file per named motion: same lookup, own reader
        named = [(args.deepmimic, deepmimic_motion_dir, 'humanoid3d_{}.txt', 'DeepMimic',
                  'deepmimic', deepmimic_to_h36m17),
                 (args.isaaclab, isaaclab_amp_motion_dir, 'humanoid_{}.npz', 'Isaac Lab AMP',
                  'isaaclab', read_isaaclab_amp)]
        for wanted, locate, pattern, source, prefix, read in named:
            root = locate() if wanted else None
            for name in tqdm(wanted, desc=source):
                path = osp.join(root, pattern.format(name))
                if not osp.isfile(path):
                    raise UserInputError(f'{path}: no {source} motion {name!r}')
                try:
                    motions[f'{prefix}/{name}'] = (read(path, args.fps), args.fps)
                except ValueError as err:
                    raise UserInputError(str(err)) from None
        if args.holosoma:
            pkg = holosoma_package_dir()
            names, files = holosoma_joint_names(pkg), holosoma_climb_files(pkg)
            options = dict(stride=args.holosoma_stride or args.stride,
                           contacts=dict(foot_speed=args.foot_speed, always_supported=True))
            for seq in tqdm(args.holosoma, desc='holosoma'):
                if not 0 <= seq < len(files):
                    raise UserInputError(f'--holosoma {seq}: expected a sequence index in '
                                         f'0..{len(files) - 1}')
                try:
                    world = holosoma_to_h36m17(files[seq], names, args.fps)
                except ValueError as err:
                    raise UserInputError(str(err)) from None
                motions[f'holosoma/climb_{seq}'] = (world, args.fps, options)
        for path in tqdm(args.bvh, desc='BVH'):
            if not osp.isfile(path):
                raise UserInputError(f'{path}: BVH file not found')
            try:
                joints, fps = bvh_to_h36m17(path, scale=args.bvh_scale)
            except ValueError as err:
                raise UserInputError(str(err)) from None
            if abs(fps - args.fps) > 1e-6:
                joints = spline_resample(np.arange(len(joints)) / fps, joints, args.fps)
            motions[f'bvh/{osp.splitext(osp.basename(path))[0]}'] = (joints, args.fps)
        if not motions:
            raise UserInputError('no motion given (--deepmimic, --isaaclab, --holosoma and --bvh '
                                 'are all empty)')
        try:
            from finephys.datasets.synthgym.noise import BLAZEPOSE_NOISE
            arrays = build_realmotion_clips(motions, num_frames=args.num_frames,
                                            stride=args.stride, views=args.views, seed=args.seed,
                                            image_size=args.image_size,
                                            noise=BLAZEPOSE_NOISE if args.noise == 'blazepose'
                                            else None)
        except ValueError as err:
            raise UserInputError(str(err)) from None
        if args.contact_effectors == 'feet':
            hands = int(arrays['contacts'][..., 2:].sum())
            arrays['contacts'] = arrays['contacts'][..., :2]
            print(f'contacts: feet only ({hands} hand-contact frames dropped; flight labels keep '
                  'them)')
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        tmp = args.out + '.tmp.npz'
        np.savez(tmp, **arrays)
        os.replace(tmp, args.out)
    flights = arrays['flight'].sum(1)
    print(f'{len(arrays["names"])} clips of {args.num_frames} frames from {len(motions)} motions '
          f'({int((flights >= 8).sum())} with >= 8 flight frames) written to {args.out}')
    for name in sorted(motions):
        sel = arrays['names'] == name
        print(f'  {name:28s} {int(sel.sum()):4d} clips, {motions[name][0].shape[0]:4d} frames, '
              f'flight frames per clip {flights[sel].mean() if sel.any() else 0:.1f}')


if __name__ == '__main__':
    main()
