"""Frames a tracked pose estimator keeps: composed saltos with a walker, and every real clip here.

    python tools/analysis_tools/eval_tracking.py [--actions NAME ...] [--no-real]
        [--pose2sim WHEEL_OR_DIR]

Composed scenes (:func:`finephys.datasets.synthgym.compose.compose_two_person_video`, 48 frames):
each SynthGym salto rendered and composed with and without a walker crossing in front of the
gymnast during the flight; a kept frame is *correct* when its median joint error is < 20 px, and
*the walker* when it is nearer the walker's 2D than the gymnast's (must be 0). Real clips: the
eight views of Pose2Sim's two trials (``pose2sim==0.10.49``). MediaPipe BlazePose with
:class:`SinglePersonTracker` (the estimator `tools/infer_skeleton.py` uses on videos). Ends with::

    RESULT tracking_composed_kept_fraction=<kept / frames over the composed scenes>
    RESULT tracking_composed_correct_fraction=<correct / frames>
    RESULT tracking_composed_walker_frames=<frames that were the walker>
    RESULT tracking_real_kept_fraction=<kept / frames over the real clips>
"""
import argparse
import glob
import os.path as osp
import time

import numpy as np

from finephys.utils.launch import UserInputError, friendly_errors

SALTOS = ('salto forward tucked', 'double salto backward tucked',
          'salto backward stretched with 1.5 twist')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--actions', nargs='+', default=list(SALTOS))
    p.add_argument('--no-real', action='store_true', help='skip the Pose2Sim clips')
    p.add_argument('--pose2sim', default=None, help='a pose2sim wheel or folder (default: the '
                                                    'installed package)')
    args = p.parse_args()
    with friendly_errors('eval_tracking.py'):
        from finephys.datasets.io import read_video
        from finephys.datasets.pose2sim_demo import TRIALS, locate_pose2sim_demo
        from finephys.datasets.synthgym.actions import ACTIONS
        from finephys.datasets.synthgym.compose import compose_two_person_video
        from finephys.models.pose_estimators import MediaPipePoseEstimator
        for a in args.actions:
            if a not in ACTIONS:
                raise UserInputError(f'--actions: unknown SynthGym element {a!r}; valid: '
                                     f'{list(ACTIONS)}')
        est = MediaPipePoseEstimator(channel_order='rgb')
        rows, comp, real = [], np.zeros(4), np.zeros(2)
        for action in args.actions:
            for walker in (True, False):
                video, gt_a, gt_b = compose_two_person_video(num_frames=48, invert=(0, 0),
                                                             action=action, walker=walker)
                est.reset()
                t0 = time.time()
                kp, _ = est(video)
                found = np.isfinite(kp).all((-1, -2))
                ea, eb = np.full(len(kp), np.inf), np.full(len(kp), np.inf)
                for err, gt in ((ea, gt_a), (eb, gt_b)):      # lost frames stay infinitely off
                    err[found] = np.median(np.linalg.norm(kp[found] - gt[found], axis=-1), -1)
                correct = int((found & (ea < 20)).sum())
                other = int((found & (eb < ea)).sum()) if walker else 0
                comp += [len(video), found.sum(), correct, other]
                rows.append((f'{action}{" + walker" if walker else ", alone"}', len(video),
                             int(found.sum()), f'{correct}', f'{other}', time.time() - t0))
        if not args.no_real:
            for trial in TRIALS:
                demo = locate_pose2sim_demo(args.pose2sim, trial=trial)
                for path in sorted(glob.glob(osp.join(demo, 'videos', '*.mp4'))):
                    frames = read_video(path)
                    est.reset()
                    t0 = time.time()
                    kp, _ = est(frames)
                    found = int(np.isfinite(kp).all((-1, -2)).sum())
                    real += [len(frames), found]
                    rows.append((f'Pose2Sim {trial}/{osp.basename(path)}', len(frames), found,
                                 '-', '-', time.time() - t0))
    print('| clip | frames | kept | correct (< 20 px) | the walker | seconds |')
    print('|---|---|---|---|---|---|')
    for name, n, kept, correct, other, sec in rows:
        print(f'| {name} | {n} | {kept} | {correct} | {other} | {sec:.1f} |')
    if comp[0]:
        print(f'RESULT tracking_composed_kept_fraction={comp[1] / comp[0]:.4f}')
        print(f'RESULT tracking_composed_correct_fraction={comp[2] / comp[0]:.4f}')
        print(f'RESULT tracking_composed_walker_frames={int(comp[3])}')
    if real[0]:
        print(f'RESULT tracking_real_kept_fraction={real[1] / real[0]:.4f}')


if __name__ == '__main__':
    main()
