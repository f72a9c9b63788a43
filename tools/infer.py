"""Generate a fine-grained action video with skeleton guidance.

    python tools/infer.py CONFIG "split leap with 1 turn" ["salto backward tucked" ...]
        [--checkpoint CKPT]
        [--skeleton clip.npz|clip.pkl|clip.json|video.mp4] [--layout auto|coco17|h36m17]
        [--frames 8] [--size 32] [--steps 10] [--guidance-scale 3] [--seed 0]
        [--device cpu] [--out-dir work_dirs/infer] [--pose-config CFG --pose-checkpoint CKPT]
        [--cfg-options model.generator.pretrained_model_path=DIR ...]

Without --skeleton the text must be a SynthGym class name (its motion is generated). Writes the
video (mp4 + gif), a side-by-side with the guidance skeleton, an animated 3D plot of the fused
motion and the heatmap pyramid (png). Several texts: one video each, the model loaded once.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from finephys.utils.launch import UserInputError, friendly_errors


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('text', nargs='+', help='one or more prompts (one video each)')
    p.add_argument('--checkpoint', default=None)
    p.add_argument('--skeleton', default=None)
    p.add_argument('--layout', default='auto', choices=['auto', 'coco17', 'h36m17'])
    p.add_argument('--frames', type=int, default=8)
    p.add_argument('--size', type=int, default=32)
    p.add_argument('--steps', type=int, default=None)
    p.add_argument('--guidance-scale', type=float, default=None)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--device', default='cpu')
    p.add_argument('--out-dir', default='work_dirs/infer')
    p.add_argument('--pose-config', default=None)
    p.add_argument('--pose-checkpoint', default=None)
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                   help='override config keys (key=value); unknown keys are refused')
    args = p.parse_args()
    with friendly_errors('infer.py'):
        if not osp.isfile(args.config):
            raise UserInputError(f'config not found: {args.config}')
        from finephys.apis import FinePhysInferencer, pose_estimator_config
        pose = (pose_estimator_config(args.pose_config, args.pose_checkpoint)
                if args.pose_config else None)
        try:
            inf = FinePhysInferencer(args.config, args.checkpoint, args.device, pose,
                                     cfg_options=args.cfg_options)
            for text in args.text:
                inf(text, args.skeleton, args.frames, args.size, args.steps,
                    args.guidance_scale, args.seed, args.layout, args.out_dir)
        except ValueError as err:
            raise UserInputError(str(err)) from err
    print(f'wrote {osp.abspath(args.out_dir)}')


if __name__ == '__main__':
    main()
