"""MediaPipe BlazePose's 2D noise on real multi-view video, as SynthGym's noise model takes it.

    python tools/analysis_tools/measure_2d_noise.py [--trial Demo_MultiPerson]
        [--pose2sim WHEEL_OR_DIR] [--max-error 15] [--step 2]
        [--out work_dirs/noise_2d/report.json]

Tracks the trial's four views with :class:`MediaPipePoseEstimator` (as ``eval_real_video.py``
does, the same person in every view), compares each view's 2D with the triangulation of the other
three projected into it, and fits :class:`~finephys.datasets.synthgym.noise.KeypointNoise`'s
jitter, per-clip bias, dropout and swap rates to the residuals
(:mod:`finephys.evaluation.detector_noise`). The default trial is the two-person one: the
real-video table's headline numbers are the single-person trial's, so the noise model is not
measured on the clip it is judged on. Ends with::

    RESULT noise2d_total=<fraction of person size>  noise2d_jitter=<…>  noise2d_bias=<…>
    RESULT noise2d_jitter_corrected=<…>  noise2d_bias_corrected=<…>  (the reference's share out)
    RESULT noise2d_dropout=<rate>  noise2d_dropout_offset=<fraction>  noise2d_swap=<rate>
"""
import argparse
import json
import os
import os.path as osp

from finephys.utils.launch import UserInputError, friendly_errors


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--trial', default='Demo_MultiPerson',
                   choices=['Demo_SinglePerson', 'Demo_MultiPerson'])
    p.add_argument('--pose2sim', default=None, help='a pose2sim wheel or folder (default: the '
                   'installed package)')
    p.add_argument('--max-error', type=float, default=15.0,
                   help="triangulation: outvote a view above this reprojection error (px)")
    p.add_argument('--step', type=int, default=2, help='frames between the two of a '
                   'frame-to-frame difference (2: 60 fps video judged at 30 fps)')
    p.add_argument('--out', default='work_dirs/noise_2d/report.json')
    args = p.parse_args()
    with friendly_errors('measure_2d_noise'):
        import numpy as np

        from finephys.datasets.pose2sim_demo import load_pose2sim_trial
        from finephys.evaluation.detector_noise import (fit_keypoint_noise,
                                                        leave_one_out_residuals)
        from finephys.evaluation.real_video import associate_views, multiview_2d
        from finephys.utils.triangulation import projection_matrices
        if args.step < 1:
            raise UserInputError(f'--step {args.step}: expected >= 1')
        if args.max_error <= 0:
            raise UserInputError(f'--max-error {args.max_error}: expected > 0 px')
        try:
            demo, cams = load_pose2sim_trial(args.pose2sim, args.trial)
        except (FileNotFoundError, ValueError) as err:
            raise UserInputError(str(err)) from err
        kps, scores, worlds, _ = multiview_2d(demo, cams)
        P = projection_matrices([c['K'] for c in cams], [c['R'] for c in cams],
                                [c['t'] for c in cams])
        kps, scores, _, _, _, retracked = associate_views(demo, cams, kps, scores, worlds, P,
                                                          args.max_error)
        _, projected, size = leave_one_out_residuals(kps, scores, cams, P, args.max_error)
        fit = fit_keypoint_noise(kps, projected, size, views=len(cams),
                                 step=args.step)
        fit.update(trial=args.trial, views=[c['name'] for c in cams], retracked=retracked,
                   person_size_px_median=float(np.nanmedian(size)))
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(fit, f, indent=1)
        print(f'# BlazePose 2D noise, {args.trial} ({len(cams)} views, leave one view out; '
              f'person {fit["person_size_px_median"]:.0f} px, {fit["frames"]} view-frames)')
        print('per joint σ (% of person size): ' + ', '.join(
            f'{k} {100 * v:.2f}' for k, v in fit['per_joint_sigma'].items()))
        for key in ('total', 'jitter', 'bias', 'jitter_corrected', 'bias_corrected', 'dropout',
                    'dropout_offset', 'swap'):
            print(f'RESULT noise2d_{key}={fit[key]:.4f}')


if __name__ == '__main__':
    main()
