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
import os
import os.path as osp

import numpy as np

from finephys.utils.launch import UserInputError, friendly_errors

SOURCES = (('s_dd', 'S_dd (lifter)'), ('s_pp', 'S_pp (physics)'), ('fused', 'fused'),
           ('mediapipe_world', 'MediaPipe world landmarks (baseline)'))


def pose_errors(pred, ref, fps):
    """MPJPE / P-MPJPE / acceleration error (mm, mm/frame²) on frames where ``ref`` is whole."""
    from finephys.evaluation.functional.physics_errors import acceleration_error
    from finephys.evaluation.functional.pose_errors import mpjpe, p_mpjpe
    ok = np.isfinite(ref).all((1, 2)) & np.isfinite(pred).all((1, 2))
    p, r = pred[ok], ref[ok]
    rel_p, rel_r = p - p[:, :1], r - r[:, :1]
    from finephys.evaluation.functional.physics_errors import root_error
    from finephys.evaluation.functional.pose_errors import procrustes_align
    out = dict(mpjpe=1e3 * float(mpjpe(p, r, root_index=0).mean()),
               root=1e3 * root_error(p, r),
               p_mpjpe=1e3 * float(p_mpjpe(p, r).mean()), frames=int(ok.sum()),
               p_mpjpe_per_joint=(1e3 * np.linalg.norm(procrustes_align(p, r) - r, axis=-1)
                                  .mean(0)).round(1).tolist())
    # bone-length variation over the clip (a rigid body: 0), % of the mean, averaged over bones
    from finephys.structures import bone_lengths
    bl = bone_lengths(p)
    out['bone_cv'] = 100 * float((bl.std(0) / bl.mean(0)).mean())
    # acceleration needs consecutive frames: only when no frame was dropped
    out['accel'] = 1e3 * acceleration_error(rel_p, rel_r) if ok.all() else float('nan')
    return out


def pan_affine(i, n, amp, size):
    """``(2, 3)`` affine of frame ``i`` of ``n``: original pixels → a moving, zooming crop of 80 %
    of ``size`` (``u_out = s (u − o)``; pan ``amp`` px in x, ``0.3 amp`` in y, zoom ±5 %)."""
    w, h = size
    phase = 2 * np.pi * i / max(n - 1, 1)
    s = 1 + 0.05 * np.sin(phase)
    o = np.array([0.1 * w + amp * (0.5 - 0.5 * np.cos(phase)) - 0.5 * amp,
                  0.1 * h + 0.3 * amp * np.sin(phase)])
    return np.array([[s, 0, -s * o[0]], [0, s, -s * o[1]]])


def lift_panned_view(src, cam, args, inferencer, frames, fps_used, stabilise, t):
    """Film ``src`` with :func:`pan_affine`, estimate 2D on it (stabilised or not), map it back
    to the original camera with frame 0's crop (what a static-camera assumption does), undistort,
    lift. Returns the inferencer's output on ``frames``."""
    import cv2

    from finephys.apis.skeleton_inferencer import estimate_video_2d
    from finephys.apis.video_reader import VideoReader
    from finephys.models.pose_estimators import MediaPipePoseEstimator
    from finephys.models.pose_estimators.person_tracker import index_affine
    from finephys.utils.camera_motion import apply_homography
    from finephys.visualization import VideoWriter
    w, h = (int(v) for v in cam['size'])
    out_size = (int(0.8 * w) // 2 * 2, int(0.8 * h) // 2 * 2)
    path = osp.join(args.out_dir, f'{cam["name"]}_panned.mp4')
    if not osp.isfile(path):
        with VideoWriter(path + '.part.mp4', 60.0) as writer:
            i = 0
            for chunk in VideoReader(src).chunks(16):
                for frame in chunk:
                    a = pan_affine(i, t, args.simulate_pan, (frame.shape[1], frame.shape[0]))
                    writer.write(cv2.warpAffine(frame, index_affine(a), out_size,
                                                flags=cv2.INTER_LINEAR))
                    i += 1
        os.replace(path + '.part.mp4', path)
    est = MediaPipePoseEstimator()
    data = estimate_video_2d(path, est, stabilise=stabilise, show_progress=False)
    kp = data['keypoints_2d'][:t]               # frame 0's crop pixels (or each frame's)
    a0 = np.vstack([pan_affine(0, t, args.simulate_pan, (w, h)), [0, 0, 1]])
    orig = apply_homography(np.broadcast_to(np.linalg.inv(a0), (len(kp), 3, 3)), kp)
    und = cv2.undistortPoints(np.nan_to_num(orig).reshape(-1, 1, 2), cam['K'], cam['dist'],
                              P=cam['K']).reshape(orig.shape)
    und = np.where(np.isfinite(orig), und, np.nan)
    npz = osp.join(args.out_dir, f'{cam["name"]}_panned_{"stab" if stabilise else "raw"}.npz')
    np.savez(npz, keypoints=und[frames], scores=data['scores'][:t][frames], layout='h36m17',
             fps=fps_used, camera_K=cam['K'], image_size=np.array(cam['size']))
    out = inferencer(npz, show_progress=False)
    out['keypoints_2d_original_camera'] = und
    return out


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
        import cv2
        from tqdm import tqdm

        from finephys.structures import bone_lengths
        from finephys.apis import SkeletonInferencer
        from finephys.apis.video_reader import VideoReader
        from finephys.datasets.pose2sim_demo import (locate_pose2sim_demo,
                                                     read_qualisys_calibration)
        from finephys.models.pose_estimators import MediaPipePoseEstimator
        from finephys.utils.triangulation import projection_matrices, triangulate_points
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
        os.makedirs(args.out_dir, exist_ok=True)
        kps, scores, worlds, fps = [], [], [], None
        est = MediaPipePoseEstimator(channel_order='rgb')
        for cam in cams:
            reader = VideoReader(osp.join(demo, 'videos', f'{cam["name"]}.mp4'))
            fps = reader.fps
            est.reset()
            k_v, s_v, w_v = [], [], []
            for chunk in tqdm(reader.chunks(32), desc=f'2D {cam["name"]}', unit='chunk'):
                k, s = est(chunk)
                k_v.append(k)
                s_v.append(s)
                w_v.append(est.last_world_keypoints)
            k, s = np.concatenate(k_v).astype(np.float64), np.concatenate(s_v)
            und = cv2.undistortPoints(np.nan_to_num(k).reshape(-1, 1, 2), cam['K'], cam['dist'],
                                      P=cam['K']).reshape(k.shape)
            kps.append(np.where(np.isfinite(k), und, np.nan))
            scores.append(s)
            worlds.append(np.concatenate(w_v))
        t = min(len(k) for k in kps)
        kps = np.stack([k[:t] for k in kps])
        scores = np.stack([s[:t] for s in scores])
        P = projection_matrices([c['K'] for c in cams], [c['R'] for c in cams],
                                [c['t'] for c in cams])
        ref_world, reproj = triangulate_points(kps, scores, P, max_error=args.max_error)
        inferencer = SkeletonInferencer(args.config, args.checkpoint, args.device)
        frames = np.arange(0, t, args.stride)
        fps_used = fps / args.stride
        per_view = {}
        for v, cam in enumerate(cams):
            path = osp.join(args.out_dir, f'{cam["name"]}_2d.npz')
            np.savez(path, keypoints=kps[v, frames], scores=scores[v, frames], layout='h36m17',
                     fps=fps_used, camera_K=cam['K'], image_size=np.array(cam['size']))
            out = inferencer(path, show_progress=False)
            ref = ref_world[frames] @ cam['R'].T + cam['t']
            # MediaPipe's world landmarks: hip-centred metres, camera-aligned axes (x right,
            # y down, z away) — placed at the reference's pelvis for the root-relative metrics
            mp3d = worlds[v][frames]
            preds = dict(s_dd=out['s_dd'], s_pp=out['s_pp'], fused=out['fused'],
                         mediapipe_world=mp3d - mp3d[:, :1] + ref[:, :1])
            per_view[cam['name']] = {k: pose_errors(preds[k], ref, fps_used) for k, _ in SOURCES}
        pan = {}
        if args.simulate_pan > 0:
            for v, cam in enumerate(cams):
                src = osp.join(demo, 'videos', f'{cam["name"]}.mp4')
                ref = ref_world[frames] @ cam['R'].T + cam['t']
                for stab in (True, False):
                    out = lift_panned_view(src, cam, args, inferencer, frames, fps_used, stab, t)
                    key = 'pan_stabilised' if stab else 'pan_unstabilised'
                    err = pose_errors(out['fused'], ref, fps_used)
                    # the 2D in the static camera's pixels vs the static camera's own 2D
                    err['2d_px'] = float(np.nanmedian(np.linalg.norm(
                        out['keypoints_2d_original_camera'] - kps[v], axis=-1)))
                    pan.setdefault(key, {})[cam['name']] = err
        metrics = ('mpjpe', 'p_mpjpe', 'accel', 'bone_cv', 'root')
        mean = {k: {m: float(np.nanmean([per_view[c][k][m] for c in per_view]))
                    for m in metrics} for k, _ in SOURCES}
        for key, views in pan.items():
            mean[key] = {m: float(np.nanmean([views[c][m] for c in views]))
                         for m in metrics + ('2d_px',)}
        ref_bones = bone_lengths(ref_world[np.isfinite(ref_world).all((1, 2))])
        report_ref_cv = 100 * float((ref_bones.std(0) / ref_bones.mean(0)).mean())
        report = dict(views=[c['name'] for c in cams], frames=int(t), fps=fps,
                      stride=args.stride, reference_reprojection_px=float(np.nanmedian(reproj)),
                      reference_reprojection_px_p90=float(np.nanpercentile(reproj, 90)),
                      reference_bone_cv=report_ref_cv,
                      per_view=per_view, per_view_panned=pan, mean=mean, config=args.config,
                      checkpoint=args.checkpoint)
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
        labels = dict(SOURCES, pan_stabilised=f'fused, panned camera ({args.simulate_pan:g} px), '
                      'stabilised', pan_unstabilised='fused, panned camera, not stabilised')
        for k in list(dict(SOURCES)) + list(pan):
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
