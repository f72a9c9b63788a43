"""Monocular 3D from real video, judged against multi-view triangulation (Pose2Sim's demo).

    python tools/analysis_tools/eval_real_video.py CONFIG CHECKPOINT [--pose2sim WHEEL_OR_DIR]
        [--stride 2] [--max-error 15] [--out-dir work_dirs/realvideo] [--device cpu]

Pose2Sim's single-person demo (pip ``pose2sim==0.10.49 --no-deps``: four synchronised,
calibrated 1088 × 1920 views at 60 fps, 100 frames of one person balancing) is read from the
installed package (or the wheel/folder given). Per view, MediaPipe BlazePose (tracked,
:class:`MediaPipePoseEstimator`) gives 2D, undistorted with the view's calibration. The 2D of all
views is triangulated (weighted DLT; a view is outvoted where the mean reprojection error exceeds
``--max-error`` px) into the **reference** 3D — MediaPipe's 2D, so the comparison judges lifting,
not 2D detection. Each view is then lifted **monocularly** by the model (its 2D only, its K) at
60 / ``--stride`` fps (the SynthGym models are trained at 30 fps), and compared with the reference
in that camera's frame: MPJPE (pelvis-aligned), P-MPJPE (per-frame similarity) and acceleration
error (pelvis-aligned joints, mm/frame²) and bone-length variation over the clip (std / mean,
%, averaged over bones) for S_dd, S_pp and the fused output, next to
MediaPipe's own monocular 3D (its hip-centred world landmarks) as the baseline.

Writes ``report.md`` and ``report.json`` under ``--out-dir``, and ends with::

    RESULT realvideo_mpjpe=<fused, mm>          RESULT realvideo_p_mpjpe=<fused, mm>
    RESULT realvideo_accel_error=<fused, mm/f²> RESULT realvideo_reference_reprojection_px=<...>
    RESULT realvideo_mediapipe_world_p_mpjpe=<mm>

``--simulate-pan PIXELS`` also films every view with a moving, zooming crop (a pan / tilt / zoom
with a known per-frame transform), estimates 2D on it with and without
:class:`CameraMotionEstimator`, maps it back to the static camera with frame 0's crop and lifts
it: ``RESULT realvideo_pan_{stabilised,unstabilised}_{mpjpe,accel,root,2d_px}``.
"""
import argparse
import json
import os.path as osp

from finephys.utils.launch import UserInputError, friendly_errors


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--pose2sim', default=None, help='a pose2sim wheel or folder (default: the '
                                                    'installed package)')
    p.add_argument('--stride', type=int, default=2, help='use every N-th frame (60 fps / N)')
    p.add_argument('--max-error', type=float, default=15.0)
    p.add_argument('--out-dir', default='work_dirs/realvideo')
    p.add_argument('--device', default='cpu')
    p.add_argument('--simulate-pan', type=float, default=0.0, metavar='PIXELS',
                   help='also film every view with a moving, zooming crop (pan of this many '
                        'pixels, tilt 0.3x, zoom ±5 %%) and lift it with and without '
                        'stabilisation')
    args = p.parse_args()
    with friendly_errors('eval_real_video.py'):
        from finephys.datasets.pose2sim_demo import (locate_pose2sim_demo,
                                                     read_qualisys_calibration)
        from finephys.evaluation.real_video import REAL_VIDEO_SOURCES, evaluate_pose2sim_demo
        from finephys.models.skeleton_pipeline import SkeletonPipeline
        from finephys.utils import register_all_modules
        for name in ('config', 'checkpoint'):
            if not osp.isfile(getattr(args, name)):
                raise UserInputError(f'{name} not found: {getattr(args, name)}')
        if args.stride < 1:
            raise UserInputError(f'--stride {args.stride}: expected >= 1')
        try:
            demo = locate_pose2sim_demo(args.pose2sim)
            cams = read_qualisys_calibration(osp.join(demo, 'calibration', 'Calib.qca.txt'))
        except (FileNotFoundError, ValueError) as err:
            raise UserInputError(str(err)) from err
        register_all_modules(init_default_scope=True)
        pipeline = SkeletonPipeline(args.config, args.checkpoint, args.device)
        report = evaluate_pose2sim_demo(pipeline, demo, cams, args.out_dir, args.stride,
                                        args.max_error, args.simulate_pan)
        report.update(config=args.config, checkpoint=args.checkpoint)
        t, fps, mean = report['frames'], report['fps'], report['mean']
        per_view, pan = report['per_view'], report['per_view_panned']
        report_ref_cv = report['reference_bone_cv']
        with open(osp.join(args.out_dir, 'report.json'), 'w') as f:
            json.dump(report, f, indent=1)
        lines = [f'# Real video: monocular 3D vs {len(cams)}-view triangulation (Pose2Sim demo)',
                 '', f'{t} frames at {fps:g} fps, every {args.stride}; reference reprojection '
                 f'error median {report["reference_reprojection_px"]:.1f} px (p90 '
                 f'{report["reference_reprojection_px_p90"]:.1f}), reference bone-length variation '
                 f'{report_ref_cv:.1f} %; model `{args.config}`.', '',
                 '| source | MPJPE (mm) | P-MPJPE (mm) | accel (mm/f²) | bone var. (%) '
                 '| root (mm) |',
                 '|---|---|---|---|---|---|']
        labels = dict(REAL_VIDEO_SOURCES,
                      pan_stabilised=f'fused, panned camera ({args.simulate_pan:g} px), '
                      'stabilised', pan_unstabilised='fused, panned camera, not stabilised')
        for k in list(dict(REAL_VIDEO_SOURCES)) + list(pan):
            m = mean[k]
            lines.append(f'| {labels[k]} | {m["mpjpe"]:.1f} | {m["p_mpjpe"]:.1f} | '
                         f'{m["accel"]:.2f} | {m["bone_cv"]:.1f} | {m["root"]:.0f} |')
        if pan:
            lines += ['', 'Panned camera: median distance of the 2D, mapped to the static camera, '
                      'from the static camera\'s own 2D: stabilised '
                      f'{mean["pan_stabilised"]["2d_px"]:.1f} px, not stabilised '
                      f'{mean["pan_unstabilised"]["2d_px"]:.1f} px.']
        lines += ['', 'Per view (fused): ' + ', '.join(
            f'{c} {per_view[c]["fused"]["mpjpe"]:.0f} / {per_view[c]["fused"]["p_mpjpe"]:.0f} mm'
            for c in per_view)]
        with open(osp.join(args.out_dir, 'report.md'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        print('\n'.join(lines))
    print(f'RESULT realvideo_mpjpe={mean["fused"]["mpjpe"]:.1f}')
    print(f'RESULT realvideo_p_mpjpe={mean["fused"]["p_mpjpe"]:.1f}')
    print(f'RESULT realvideo_accel_error={mean["fused"]["accel"]:.2f}')
    print(f'RESULT realvideo_reference_reprojection_px={report["reference_reprojection_px"]:.1f}')
    print(f'RESULT realvideo_mediapipe_world_p_mpjpe={mean["mediapipe_world"]["p_mpjpe"]:.1f}')
    for key in ('pan_stabilised', 'pan_unstabilised'):
        if key in mean:
            for m in ('mpjpe', 'accel', 'root', '2d_px'):
                print(f'RESULT realvideo_{key}_{m}={mean[key][m]:.2f}')


if __name__ == '__main__':
    main()
