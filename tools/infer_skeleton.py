"""3D skeletons (data-driven, physics, fused) from a video or a 2D skeleton file.

    python tools/infer_skeleton.py CONFIG CHECKPOINT INPUT [--out-dir work_dirs/infer]
        [--layout auto|coco17|h36m17] [--fps 30] [--clip-id ID] [--device cpu]
        [--pose-config POSE_CONFIG --pose-checkpoint CKPT] [--pose-options KEY=VALUE ...]
        [--window 32] [--no-stabilise] [--physics sequence|windows] [--gravity scene|level]
        [--person-box X0 Y0 X1 Y1]

INPUT: a video (.mp4/.avi/...; streamed; 2D estimated online by MediaPipe BlazePose with one
person tracked (default, real weights from its pip wheel; a config's own ``pose_estimator``
entry sets its options — the estimator-3D configs run the heavy model with its flip test, ~8
frames/s at 1080p on 2 cores; ``--pose-options model_complexity=1 flip_test=False`` for camera
rate), an mmpose top-down model, or the
SynthGym heatmap detector of configs/pose_estimators/; camera pan/tilt/zoom removed unless
--no-stabilise) or a 2D skeleton file (.npz / PYSKL .pkl / .json, COCO-17 or H36M-17; NaN or
score-0 joints are missing). Missing joints and frames where the person was lost are filled
(interpolated 2D, physics-leaning fusion) and flagged. Writes ``<stem>_3d.npz`` and ``.json``
(three sequences, camera frame, metres; ``missing``, ``lost_frames``, ``camera_motion``;
``gravity`` in the camera frame and ``gravity_source``: what fixed its direction),
``<stem>_fused.bvh`` (the fused skeleton for Blender & co.), ``<stem>_fused_3d.gif`` (animated
3D plot) and ``<stem>_overlay.mp4`` (2D input and projected
fused skeleton; filled frames marked red).
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from finephys.utils.launch import UserInputError, friendly_errors


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('input')
    p.add_argument('--out-dir', default='work_dirs/infer_skeleton')
    p.add_argument('--layout', default='auto', choices=['auto', 'coco17', 'h36m17'])
    p.add_argument('--fps', type=float, default=None)
    p.add_argument('--clip-id', default=None, help='frame_dir of the clip in a PYSKL pickle')
    p.add_argument('--device', default='cpu')
    p.add_argument('--pose-config', default=None,
                   help='video input: an mmpose top-down config, or this project\'s heatmap '
                        'detector (configs/pose_estimators/)')
    p.add_argument('--pose-checkpoint', default=None)
    p.add_argument('--pose-options', nargs='+', action=DictAction, default=None,
                   metavar='KEY=VALUE',
                   help="video input: set the estimator's arguments (on --pose-config's, else "
                        "the config's own pose_estimator, else MediaPipe's), e.g. "
                        'model_complexity=1 flip_test=False: the bundled full BlazePose model '
                        "without the flip test, at camera rate, for the estimator-3D configs")
    p.add_argument('--window', type=int, default=32)
    p.add_argument('--no-stabilise', action='store_true',
                   help='video input: keep each frame\'s pixels (static camera assumed)')
    p.add_argument('--physics', default='sequence', choices=['sequence', 'windows'],
                   help='sequence: a structured solver solves the whole input at once (exact '
                        'at any length); windows: every window through the whole model, '
                        'blended')
    p.add_argument('--gravity', default='scene', choices=['scene', 'level'],
                   help="scene: estimate gravity's direction in the camera frame from the clip "
                        '(the ground, the flights, the upright body; a level camera, logged, '
                        'where they fix none) and give it to the physics; level: assume a level '
                        'camera')
    p.add_argument('--person-box', type=float, nargs=4, default=None,
                   metavar=('X0', 'Y0', 'X1', 'Y1'),
                   help='video input: follow the person whose box centre lies in this box '
                        '(pixels of the frame where they are first found; default: whoever the '
                        'estimator finds first)')
    args = p.parse_args()
    with friendly_errors('infer_skeleton.py'):
        from finephys.apis import (SkeletonInferencer, pose_estimator_config,
                                   video_pose_estimator)
        for name in ('config', 'checkpoint', 'input'):
            if not osp.isfile(getattr(args, name)):
                raise UserInputError(f'{name} not found: {getattr(args, name)}')
        pose = None
        if args.pose_config:
            pose = pose_estimator_config(args.pose_config, args.pose_checkpoint)
        pose = video_pose_estimator(args.config, pose, args.pose_options)
        try:
            inferencer = SkeletonInferencer(args.config, args.checkpoint, args.device, pose,
                                            args.window, stabilise=not args.no_stabilise,
                                            physics=args.physics, gravity=args.gravity)
            result = inferencer(args.input, layout=args.layout, fps=args.fps,
                                clip_id=args.clip_id, out_dir=args.out_dir,
                                person_box=args.person_box)
        except ValueError as err:
            raise UserInputError(str(err)) from err
    print(f'{len(result["fused"])} frames at {result["fps"]:g} fps -> {osp.abspath(args.out_dir)}')


if __name__ == '__main__':
    main()
