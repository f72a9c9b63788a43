"""A prompt pool (``SkeletonPool`` ``.npz``) from any dataset config, for the in-context lifter's
``pool_file`` or to inspect what a run would prompt with.

    python tools/dataset_converters/build_skeleton_pool.py CONFIG --out pool.npz \\
        [--split train|val|test] [--num-clips 128] [--clip-len 32] \\
        [--keypoints-2d projected|detected] [--lift-checkpoint CKPT] [--cfg-options ...]

The dataset is ``<split>_dataloader.dataset`` of CONFIG, built without its pipeline (raw clips);
``--num-clips`` evenly spaced clips, each cut centred to ``--clip-len`` frames (default: the
shortest selected clip). With 3D labels (SynthGym, ``Pose3DNpzDataset``) the pool pairs each
clip's 2D with its 3D. Without (FineGym) the 3D is lifted: ``--lift-checkpoint`` is a checkpoint
of CONFIG's model whose lifter carries its own pool (a stage-1 checkpoint), and ``--clip-len``
is required. Ends with ``RESULT clips=`` and ``RESULT frames=``.
"""
import argparse
import copy
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import DictAction  # noqa: E402

from finephys.utils.launch import UserInputError, friendly_errors, load_config  # noqa: E402


def load_lifter(cfg, checkpoint):
    """CONFIG's model with ``checkpoint``'s weights (safe loading); its ``lifter``."""
    from finephys.registry import MODELS
    from finephys.utils.safe_checkpoint import load_from_local_safe
    model = MODELS.build(cfg.model)
    ckpt = load_from_local_safe(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    missing, unexpected = model.load_state_dict(state, strict=False)
    lifter = getattr(model, 'lifter', None)
    if lifter is None:
        raise UserInputError(f'{cfg.filename}: the model ({type(model).__name__}) has no lifter')
    if any(k.startswith('lifter.') for k in missing):
        raise UserInputError(f'{checkpoint}: no weights for the lifter of {cfg.filename} '
                             f'(missing {[k for k in missing if k.startswith("lifter.")][:3]} ...)')
    if hasattr(lifter, 'needs_prompt_pool') and lifter.needs_prompt_pool():
        raise UserInputError(f'{checkpoint}: its in-context lifter carries no prompt pool to '
                             'lift with (a checkpoint trained with PromptPoolHook has one)')
    return lifter


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('--out', required=True)
    p.add_argument('--split', default='train', choices=['train', 'val', 'test'])
    p.add_argument('--num-clips', type=int, default=128)
    p.add_argument('--clip-len', type=int, default=None)
    p.add_argument('--keypoints-2d', default='projected', choices=['projected', 'detected'])
    p.add_argument('--lift-checkpoint', default=None,
                   help='for datasets without 3D: a checkpoint of CONFIG whose lifter lifts them')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args(argv)
    with friendly_errors('build_skeleton_pool.py'):
        import numpy as np

        from finephys.datasets import SkeletonPool
        from finephys.engine.hooks.prompt_pool_hook import PromptPoolHook
        from finephys.registry import DATASETS
        from finephys.utils import register_all_modules
        register_all_modules()
        if args.num_clips < 1:
            raise UserInputError(f'--num-clips {args.num_clips}: expected >= 1')
        cfg = load_config(args.config, args.cfg_options)
        loader = cfg.get(f'{args.split}_dataloader')
        if not loader or 'dataset' not in loader:
            raise UserInputError(f'{args.config}: no {args.split}_dataloader.dataset')
        ds_cfg = copy.deepcopy(loader['dataset'])
        ds_cfg['pipeline'] = []
        dataset = DATASETS.build(ds_cfg)
        n = len(dataset)
        if n == 0:
            raise UserInputError(f'{args.config}: {args.split} dataset is empty')
        indices = np.unique(np.linspace(0, n - 1, min(args.num_clips, n)).round().astype(int))
        first = dataset[int(indices[0])]
        if 'keypoints_3d' in first:
            pool = SkeletonPool.from_dataset(dataset, clip_len=args.clip_len, indices=indices,
                                             keypoints_2d=args.keypoints_2d)
        else:
            if not args.lift_checkpoint or not args.clip_len:
                raise UserInputError(f'{args.config}: the {args.split} clips have no 3D labels '
                                     '(keypoints_3d); give --lift-checkpoint (a stage-1 '
                                     'checkpoint of this config) and --clip-len to lift them')
            lifter = load_lifter(cfg, args.lift_checkpoint)
            pool = SkeletonPool.from_lifted(dataset, PromptPoolHook.lift_with(lifter),
                                            args.clip_len, indices=indices,
                                            keypoints_2d=args.keypoints_2d)
        pool.save(args.out)
        print(f'{len(pool)} clips x {pool.keypoints_2d.shape[1]} frames from {n} '
              f'({ds_cfg.get("type")}, {args.split}) -> {args.out}')
        print(f'RESULT clips={len(pool)}')
        print(f'RESULT frames={pool.keypoints_2d.shape[1]}')


if __name__ == '__main__':
    main()
