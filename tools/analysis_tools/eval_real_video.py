"""Monocular 3D from real video, judged against multi-view triangulation (Pose2Sim's demo).

    python tools/analysis_tools/eval_real_video.py CONFIG CHECKPOINT [--name NAME]
        [--compare NAME CONFIG CHECKPOINT ...] [--pose2sim WHEEL_OR_DIR] [--stride 2]
        [--max-error 15] [--out-dir work_dirs/realvideo] [--device cpu] [--window 32]
        [--physics sequence|windows] [--gravity scene|level]
        [--trial Demo_SinglePerson|Demo_MultiPerson] [--reference-filter pose2sim|none]

Pose2Sim's single-person demo (pip ``pose2sim==0.10.49 --no-deps``: four synchronised,
calibrated 1088 × 1920 views at 60 fps, 100 frames of one person balancing) is read from the
installed package (or the wheel/folder given). Per view, MediaPipe BlazePose (tracked,
:class:`MediaPipePoseEstimator`) gives 2D, undistorted with the view's calibration. The 2D of all
views is triangulated (weighted DLT; a view is outvoted where the mean reprojection error exceeds
``--max-error`` px) and filtered as Pose2Sim filters its own triangulation (its demo's
``Config.toml``: Hampel outlier rejection over 7 frames, then a zero-phase 4th-order Butterworth
at 6 Hz; :func:`~finephys.evaluation.functional.pose2sim_reference_filter`) into the
**reference** 3D — MediaPipe's 2D, so the comparison judges lifting, not 2D detection. Every
source is also scored against the raw triangulation, whose frame-to-frame noise is the floor of
its acceleration column (``--reference-filter none`` makes the raw one the reference). Each
view is then lifted **monocularly** by the model (its 2D only, its K) at 60 / ``--stride`` fps
(the SynthGym models are trained at 30 fps), and compared with the reference in that camera's
frame: MPJPE (pelvis-aligned), P-MPJPE (per-frame similarity), acceleration
error (pelvis-aligned joints, mm/frame²), bone-length variation over the clip (std / mean, %,
averaged over bones), root error (camera frame, mm) and the 2D reprojection of the 3D against
MediaPipe's 2D (median px) — for every model (CONFIG, then each ``--compare``) its lifter alone
(physics none), its physics output and its fused output, next to MediaPipe's own monocular 3D
(its hip-centred world landmarks) as the baseline. A model whose lifter is
``Estimator3DLifter`` lifts from those world landmarks (written into each view's 2D file),
averaged with those of the mirror image of the person's crop (the flip test,
``MediaPipePoseEstimator(flip_test=True)``; ``--no-flip-test``: MediaPipe's own), which is
scored as a second, stronger baseline.

``--trial Demo_MultiPerson`` scores the tracked person of the two-person trial (same cameras): a
view whose tracker followed the other person (the triangulation of the other views outvotes
it) is tracked again from the reference projected into it; the RESULT names then start with
``realvideo_multiperson_``.

Writes ``report.md`` and ``report.json`` under ``--out-dir``, and ends with the first model's
fused output and the baseline::

    RESULT realvideo_mpjpe=<mm>   realvideo_p_mpjpe=<mm>   realvideo_accel_error=<mm/f²>
    RESULT realvideo_bone_cv=<%>  realvideo_root_error=<mm> realvideo_reprojection_px=<px>
    RESULT realvideo_reference_reprojection_px=<px>
    RESULT realvideo_mediapipe_world_p_mpjpe=<mm>  realvideo_mediapipe_world_accel_error=<mm/f²>
    RESULT realvideo_mediapipe_world_flip_p_mpjpe=<mm>  realvideo_mediapipe_world_flip_accel_error
           (the same averaged with the mirror image's: the flip test, on unless --no-flip-test)
    RESULT realvideo_still_skeleton_accel_error=<mm/f²>  (a skeleton that does not move: the
           reference's own acceleration, the floor of the accel column)
    RESULT realvideo_raw_reference_{accel_error,p_mpjpe,mediapipe_world_accel_error,
           mediapipe_world_p_mpjpe,still_skeleton_accel_error}  (the same against the raw
           triangulation; not with --reference-filter none)
    RESULT realvideo_gravity_direction_error_deg=<deg>  (the first model's gravity, estimated
           from each view's scene, vs the calibration's; mean of the views)
    RESULT realvideo_gravity_direction_error_level_deg=<deg>  (a level camera's)
    RESULT realvideo_model_<name>_{mpjpe,p_mpjpe,root_error}  (every model's fused row; the
                                      name with non-word characters as ``_``)

``--gravity level`` makes every model assume a level camera instead (the calibration is never
given to them).

``--simulate-pan PIXELS`` also films every view with a moving, zooming crop (a pan / tilt / zoom
with a known per-frame transform), estimates 2D on it with and without
:class:`CameraMotionEstimator`, maps it back to the static camera with frame 0's crop and lifts
it: ``RESULT realvideo_pan_{stabilised,unstabilised}_{mpjpe,accel,root,2d_px}``.
"""
import argparse
import json
import os.path as osp
import re

from finephys.utils.launch import UserInputError, friendly_errors


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--name', default=None, help="the first model's row name (default: the "
                                                 "config's file name)")
    p.add_argument('--compare', nargs=3, action='append', default=[],
                   metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
                   help='another skeleton model to score on the same 2D (repeatable)')
    p.add_argument('--pose2sim', default=None, help='a pose2sim wheel or folder (default: the '
                                                    'installed package)')
    p.add_argument('--trial', default='Demo_SinglePerson',
                   choices=['Demo_SinglePerson', 'Demo_MultiPerson'])
    p.add_argument('--stride', type=int, default=2, help='use every N-th frame (60 fps / N)')
    p.add_argument('--max-error', type=float, default=15.0)
    p.add_argument('--out-dir', default='work_dirs/realvideo')
    p.add_argument('--device', default='cpu')
    p.add_argument('--window', type=int, default=32, help='frames per model call (as '
                                                          'infer_skeleton.py --window)')
    p.add_argument('--physics', default='sequence', choices=['sequence', 'windows'],
                   help='as infer_skeleton.py --physics')
    p.add_argument('--gravity', default='scene', choices=['scene', 'level'],
                   help='as infer_skeleton.py --gravity')
    p.add_argument('--simulate-pan', type=float, default=0.0, metavar='PIXELS',
                   help='also film every view with a moving, zooming crop (pan of this many '
                        'pixels, tilt 0.3x, zoom ±5 %%) and lift it with and without '
                        'stabilisation')
    p.add_argument('--no-flip-test', action='store_true',
                   help="lift from MediaPipe's own world landmarks, not their average with the "
                        "mirror image's (the flip test; the 2D and the reference are the same "
                        'either way)')
    p.add_argument('--reference-filter', default='pose2sim', choices=['pose2sim', 'none'],
                   help="the reference: the triangulation filtered as Pose2Sim filters its own "
                   "(default), or raw ('none'; every source is scored against the raw one too)")
    p.add_argument('--model-complexity', type=int, default=2, choices=[0, 1, 2],
                   help="BlazePose's landmark model for every view: 2 heavy (the default; "
                        'tools/misc/fetch_mediapipe_models.py installs it), 1 full (bundled)')
    args = p.parse_args()
    with friendly_errors('eval_real_video.py'):
        from finephys.datasets.pose2sim_demo import load_pose2sim_trial
        from finephys.evaluation.real_video import (BASELINE_SOURCE, FLIP_BASELINE_SOURCE,
                                                    LEVEL_CAMERA, MODEL_SEQUENCES,
                                                    evaluate_pose2sim_demo)
        from finephys.models.skeleton_pipeline import SkeletonPipeline
        from finephys.utils import register_all_modules
        name = args.name or osp.splitext(osp.basename(args.config))[0]
        models = [(name, args.config, args.checkpoint)] + [tuple(m) for m in args.compare]
        for model_name, config, checkpoint in models:
            for what, path in (('config', config), ('checkpoint', checkpoint)):
                if not osp.isfile(path):
                    raise UserInputError(f'{model_name}: {what} not found: {path}')
            if '/' in model_name:
                raise UserInputError(f'model name {model_name!r}: no "/" allowed')
        if len({m[0] for m in models}) != len(models):
            raise UserInputError(f'model names must differ: {[m[0] for m in models]}')
        if args.window < 4:
            raise UserInputError(f'--window {args.window}: expected >= 4')
        if args.stride < 1:
            raise UserInputError(f'--stride {args.stride}: expected >= 1')
        try:
            demo, cams = load_pose2sim_trial(args.pose2sim, args.trial)
        except (FileNotFoundError, ValueError) as err:
            raise UserInputError(str(err)) from err
        from finephys.models.pose_estimators.mediapipe_pose_estimator import (
            landmark_model_path)
        try:
            landmark_model_path(args.model_complexity)
        except FileNotFoundError as err:
            raise UserInputError(f'--model-complexity {args.model_complexity}: {err}') from err
        register_all_modules(init_default_scope=True)
        pipelines = {m: SkeletonPipeline(c, k, args.device, window=args.window,
                                         physics=args.physics, gravity=args.gravity)
                     for m, c, k in models}
        report = evaluate_pose2sim_demo(pipelines, demo, cams, args.out_dir, args.stride,
                                        args.max_error, args.simulate_pan,
                                        flip_test=not args.no_flip_test,
                                        model_complexity=args.model_complexity,
                                        reference_filter=(None if args.reference_filter == 'none'
                                                          else args.reference_filter))
        report.update(models={m: dict(config=c, checkpoint=k) for m, c, k in models})
        t, fps, mean = report['frames'], report['fps'], report['mean']
        per_view, pan = report['per_view'], report['per_view_panned']
        report_ref_cv = report['reference_bone_cv']
        with open(osp.join(args.out_dir, 'report.json'), 'w') as f:
            json.dump(report, f, indent=1)
        retracked = report['retracked_views']
        lines = [f'# Real video: monocular 3D vs {len(cams)}-view triangulation (Pose2Sim '
                 f'{args.trial})', '',
                 f'{t} frames at {fps:g} fps, every {args.stride}; '
                 + (f'views tracked again to follow the same person: {", ".join(retracked)}; '
                    if retracked else '') + 'reference reprojection '
                 f'error median {report["reference_reprojection_px"]:.1f} px (p90 '
                 f'{report["reference_reprojection_px_p90"]:.1f}), reference bone-length variation '
                 f'{report_ref_cv:.1f} %.', '',
                 '| model | 3D | MPJPE (mm) | P-MPJPE (mm) | accel (mm/f²) | bone var. (%) '
                 '| root (mm) | 2D reproj. (px) |',
                 '|---|---|---|---|---|---|---|---|']
        rows = [(m, label, f'{m}/{seq}') for m, _, _ in models for seq, label in MODEL_SEQUENCES]
        rows.append(('MediaPipe world landmarks (baseline)', 'estimator', BASELINE_SOURCE))
        if FLIP_BASELINE_SOURCE in mean:
            rows.append(("MediaPipe world landmarks averaged with the mirror image's (the "
                         'flip test; what the estimator-3D lifter lifts from)', 'estimator',
                         FLIP_BASELINE_SOURCE))
        pan_label = dict(pan_stabilised=f'panned camera ({args.simulate_pan:g} px), stabilised',
                         pan_unstabilised='panned camera, not stabilised')
        rows += [(f'{name}, {pan_label[k]}', 'fused', k) for k in pan]
        for model_name, label, key in rows:
            m = mean[key]
            lines.append(f'| {model_name} | {label} | {m["mpjpe"]:.1f} | {m["p_mpjpe"]:.1f} | '
                         f'{m["accel"]:.2f} | {m["bone_cv"]:.1f} | {m["root"]:.0f} | '
                         f'{m.get("reproj_px", float("nan")):.1f} |')
        still = report['still_pose']
        lines += ['', 'The floor of the acceleration column: a skeleton that does not move (the '
                  "reference's own median pose held still, an oracle) scores accel "
                  f'{still["accel"]:.2f} mm/f² — the reference\'s own acceleration (for the raw '
                  'triangulation of slow motion, mostly its noise) — and P-MPJPE '
                  f'{still["p_mpjpe"]:.1f} mm (how much the pose changes over the clip).']
        if 'mean_raw_reference' in report:
            raw, raw_still = report['mean_raw_reference'], report['still_pose_raw_reference']
            lines += ['', 'Against the raw triangulation (not filtered), P-MPJPE / accel: '
                      + '; '.join(f'{label} {raw[key]["p_mpjpe"]:.1f} / {raw[key]["accel"]:.2f}'
                                  for label, key in
                                  ((f'{name} (fused)', f'{name}/fused'),
                                   ('MediaPipe world landmarks', BASELINE_SOURCE)))
                      + f'; a still skeleton {raw_still["accel"]:.2f} mm/f² (the floor).']
        split = report['reference_split_accel']
        lines += ['', "How well the reference knows its own acceleration: the even frames' "
                  "triangulation against the odd frames' (two independent references of one "
                  f'motion at {fps / 2:g} fps) differ by {split["raw"]:.2f} mm/f² raw and '
                  f'{split["filtered"]:.2f} filtered as Pose2Sim filters.']
        if pan:
            lines += ['', 'Panned camera: median distance of the 2D, mapped to the static camera, '
                      'from the static camera\'s own 2D: stabilised '
                      f'{mean["pan_stabilised"]["2d_px"]:.1f} px, not stabilised '
                      f'{mean["pan_unstabilised"]["2d_px"]:.1f} px.']
        first = f'{name}/fused'
        lines += ['', f'Per view ({first}, MPJPE / P-MPJPE): ' + ', '.join(
            f'{c} {per_view[c][first]["mpjpe"]:.0f} / {per_view[c][first]["p_mpjpe"]:.0f} mm'
            for c in per_view)]
        grav = report['gravity_error_deg']
        lines += ['', "Gravity's direction used by each model vs the calibration's (degrees; "
                  'estimated from the scene unless the model\'s physics ignores it): '
                  + '; '.join(f'{k} ' + ', '.join(f'{c} {v:.1f}' for c, v in views.items())
                              + f' (mean {report["gravity_error_deg_mean"][k]:.1f})'
                              for k, views in grav.items())]
        with open(osp.join(args.out_dir, 'report.md'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        print('\n'.join(lines))
    m, base = mean[first], mean[BASELINE_SOURCE]
    pre = 'realvideo_' if args.trial == 'Demo_SinglePerson' else 'realvideo_multiperson_'
    print(f'RESULT {pre}mpjpe={m["mpjpe"]:.1f}')
    print(f'RESULT {pre}p_mpjpe={m["p_mpjpe"]:.1f}')
    print(f'RESULT {pre}accel_error={m["accel"]:.2f}')
    print(f'RESULT {pre}bone_cv={m["bone_cv"]:.2f}')
    print(f'RESULT {pre}root_error={m["root"]:.1f}')
    print(f'RESULT {pre}reprojection_px={m["reproj_px"]:.2f}')
    print(f'RESULT {pre}reference_reprojection_px={report["reference_reprojection_px"]:.1f}')
    print(f'RESULT {pre}mediapipe_world_p_mpjpe={base["p_mpjpe"]:.1f}')
    print(f'RESULT {pre}mediapipe_world_accel_error={base["accel"]:.2f}')
    if FLIP_BASELINE_SOURCE in mean:
        flip = mean[FLIP_BASELINE_SOURCE]
        print(f'RESULT {pre}mediapipe_world_flip_p_mpjpe={flip["p_mpjpe"]:.1f}')
        print(f'RESULT {pre}mediapipe_world_flip_accel_error={flip["accel"]:.2f}')
    print(f'RESULT {pre}still_skeleton_accel_error={report["still_pose"]["accel"]:.2f}')
    if 'mean_raw_reference' in report:
        raw = report['mean_raw_reference']
        print(f'RESULT {pre}raw_reference_p_mpjpe={raw[first]["p_mpjpe"]:.1f}')
        print(f'RESULT {pre}raw_reference_accel_error={raw[first]["accel"]:.2f}')
        print(f'RESULT {pre}raw_reference_mediapipe_world_p_mpjpe='
              f'{raw[BASELINE_SOURCE]["p_mpjpe"]:.1f}')
        print(f'RESULT {pre}raw_reference_mediapipe_world_accel_error='
              f'{raw[BASELINE_SOURCE]["accel"]:.2f}')
        print(f'RESULT {pre}raw_reference_still_skeleton_accel_error='
              f'{report["still_pose_raw_reference"]["accel"]:.2f}')
    print(f'RESULT {pre}gravity_direction_error_deg='
          f'{report["gravity_error_deg_mean"][name]:.2f}')
    print(f'RESULT {pre}gravity_direction_error_level_deg='
          f'{report["gravity_error_deg_mean"][LEVEL_CAMERA]:.2f}')
    # every model's fused row by its name (``-`` → ``_``), so a table of several lifters can be
    # read by tools (make demo's summary): realvideo_model_<name>_{mpjpe,p_mpjpe,root_error}
    for model_name, _, _ in models:
        row = mean[f'{model_name}/fused']
        safe = re.sub(r'\W', '_', model_name)
        for key, value in (('mpjpe', row['mpjpe']), ('p_mpjpe', row['p_mpjpe']),
                           ('root_error', row['root'])):
            print(f'RESULT {pre}model_{safe}_{key}={value:.1f}')
    for key in ('pan_stabilised', 'pan_unstabilised'):
        if key in mean:
            for m in ('mpjpe', 'accel', 'root', '2d_px'):
                print(f'RESULT {pre}{key}_{m}={mean[key][m]:.2f}')


if __name__ == '__main__':
    main()
