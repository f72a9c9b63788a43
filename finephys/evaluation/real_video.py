"""Monocular 3D from real video, judged against multi-view triangulation (Pose2Sim's demo).

The loop behind ``tools/analysis_tools/eval_real_video.py``: per view, MediaPipe BlazePose
(tracked) gives 2D, undistorted with the view's calibration; the 2D of all views is triangulated
into the **reference** 3D (MediaPipe's 2D, so the comparison judges lifting, not 2D detection);
each view is then lifted **monocularly** by a :class:`~finephys.models.skeleton_pipeline.
SkeletonPipeline` and scored in that camera's frame by :class:`ReferencePoseMetric`, next to
MediaPipe's own monocular 3D (its hip-centred world landmarks).
"""
import os
import os.path as osp

import cv2
import numpy as np
from tqdm import tqdm

from finephys.datasets.io import VideoReader, estimate_video_2d
from finephys.models.physics.gravity_direction import angle_deg
from finephys.models.pose_estimators import MediaPipePoseEstimator
from finephys.models.pose_estimators.person_tracker import index_affine
from finephys.structures import bone_lengths, camera_to_pixels, estimator_head_from_h36m
from finephys.utils.camera_motion import apply_homography
from finephys.utils.triangulation import projection_matrices, triangulate_points
from finephys.visualization import VideoWriter

from .functional import (POSE2SIM_FILTER, REFERENCE_ERROR_KEYS, pose2sim_reference_filter,
                         split_acceleration_disagreement, still_pose_errors)
from .metrics import ReferencePoseMetric

#: ``(sequence, label)``: what each skeleton model is scored on — the lifter alone (physics
#: none), the physics output, the fused output.
MODEL_SEQUENCES = (('s_dd', 'lifter (no physics)'), ('s_pp', 'physics S_pp'), ('fused', 'fused'))
#: The estimator's own monocular 3D, the baseline every row is compared with.
BASELINE_SOURCE = 'mediapipe_world'
#: The same, averaged with the mirror image's (``flip_test``): the stronger baseline, and what an
#: :class:`~finephys.models.lifters.Estimator3DLifter` lifts from when the flip test is on.
FLIP_BASELINE_SOURCE = 'mediapipe_world_flip'
#: The row of a level camera's gravity in ``gravity_error_deg``.
LEVEL_CAMERA = 'level camera'


def pan_affine(i, n, amp, size):
    """``(2, 3)`` affine of frame ``i`` of ``n``: original pixels → a moving, zooming crop of 80 %
    of ``size`` (``u_out = s (u − o)``; pan ``amp`` px in x, ``0.3 amp`` in y, zoom ±5 %)."""
    w, h = size
    phase = 2 * np.pi * i / max(n - 1, 1)
    s = 1 + 0.05 * np.sin(phase)
    o = np.array([0.1 * w + amp * (0.5 - 0.5 * np.cos(phase)) - 0.5 * amp,
                  0.1 * h + 0.3 * amp * np.sin(phase)])
    return np.array([[s, 0, -s * o[0]], [0, s, -s * o[1]]])


def undistort_keypoints(keypoints, cam):
    """Pixels ``(T, J, 2)`` (NaN: missing) → undistorted pixels with the view's ``K`` and
    ``dist`` (NaN kept)."""
    und = cv2.undistortPoints(np.nan_to_num(keypoints).reshape(-1, 1, 2), cam['K'], cam['dist'],
                              P=cam['K']).reshape(keypoints.shape)
    return np.where(np.isfinite(keypoints), und, np.nan)


def track_view_2d(demo, cam, init_box=None, flip_test=False, model_complexity=1):
    """MediaPipe's tracked 2D of one view, undistorted.

    Args:
        init_box (sequence, optional): xyxy box of the person to follow (in the first frame the
            person is found in; see :class:`SinglePersonTracker`).
        flip_test (bool): Also average the world landmarks with the mirror image's
            (:class:`MediaPipePoseEstimator` ``flip_test``; the 2D is unchanged).
        model_complexity (int): BlazePose's landmark model (1 full, 2 heavy, 0 lite).

    Returns:
        tuple: ``keypoints (T, 17, 2)``, ``scores (T, 17)``, ``world`` — ``dict(unflipped=(T, 17,
        3), flip=(T, 17, 3) | None)`` world landmarks (metres; ``flip`` the flip-averaged ones
        with ``flip_test``) — and ``fps``.
    """
    est = MediaPipePoseEstimator(channel_order='rgb', tracker=dict(init_box=init_box),
                                 flip_test=flip_test, model_complexity=model_complexity)
    reader = VideoReader(osp.join(demo, 'videos', f'{cam["name"]}.mp4'))
    k_v, s_v, w_v, f_v = [], [], [], []
    for chunk in tqdm(reader.chunks(32), desc=f'2D {cam["name"]}', unit='chunk'):
        k, s = est(chunk)
        k_v.append(k)
        s_v.append(s)
        w_v.append(est.last_world_keypoints_unflipped)
        f_v.append(est.last_world_keypoints)
    k = np.concatenate(k_v).astype(np.float64)
    world = dict(unflipped=np.concatenate(w_v),
                 flip=np.concatenate(f_v) if flip_test else None)
    return undistort_keypoints(k, cam), np.concatenate(s_v), world, reader.fps


def multiview_2d(demo, cams, flip_test=False, model_complexity=1):
    """MediaPipe's tracked 2D of every view, undistorted (:func:`track_view_2d`).

    Returns:
        tuple: ``keypoints (V, T, 17, 2)``, ``scores (V, T, 17)`` (T: the shortest view),
        ``world`` (list of :func:`track_view_2d`'s world dicts), ``fps``.
    """
    views = [track_view_2d(demo, cam, flip_test=flip_test, model_complexity=model_complexity)
             for cam in cams]
    t = min(len(k) for k, _, _, _ in views)
    return (np.stack([k[:t] for k, _, _, _ in views]), np.stack([s[:t] for _, s, _, _ in views]),
            [w for _, _, w, _ in views], views[0][3])


def view_reprojection_px(ref_world, keypoints, cam):
    """Median distance (px) between the reference projected into a view and the view's 2D."""
    return reprojection_px(ref_world @ cam['R'].T + cam['t'], keypoints, cam['K'])


def associate_views(demo, cams, kps, scores, worlds, P, max_error, flip_test=False,
                    model_complexity=1):
    """Make every view follow the same person: a view whose tracked person the triangulation of
    the others outvotes (median reprojection > 3 ``max_error``: another person — with two
    people in view each camera's tracker picks whoever it finds first) is tracked again from a
    box around the reference projected into it, and the reference triangulated again.

    Returns:
        tuple: ``kps``, ``scores``, ``worlds`` (updated), the reference ``(T, J, 3)``, its
        reprojection errors, and the names of the re-tracked views.
    """
    ref, reproj = triangulate_points(kps, scores, P, max_error=max_error)
    bad = [v for v, cam in enumerate(cams)
           if view_reprojection_px(ref, kps[v], cam) > 3 * max_error]
    if not bad or len(bad) > len(cams) - 2:        # nothing to fix, or no majority to follow
        return kps, scores, worlds, ref, reproj, []
    kps, scores, worlds = kps.copy(), scores.copy(), list(worlds)
    t = kps.shape[1]
    first = int(np.flatnonzero(np.isfinite(ref).all((1, 2)))[0])
    for v in bad:
        cam = cams[v]
        px = camera_to_pixels(ref[first] @ cam['R'].T + cam['t'], cam['K'])
        lo, hi = px.min(0), px.max(0)
        pad = 0.15 * (hi - lo)
        k, s, w, _ = track_view_2d(demo, cam, init_box=np.concatenate([lo - pad, hi + pad]),
                                   flip_test=flip_test, model_complexity=model_complexity)
        kps[v], scores[v], worlds[v] = k[:t], s[:t], w
    ref, reproj = triangulate_points(kps, scores, P, max_error=max_error)
    return kps, scores, worlds, ref, reproj, [cams[v]['name'] for v in bad]


def write_view_npz(path, keypoints, scores, fps, cam, keypoints_3d_estimator=None):
    """One view's 2D as a skeleton file (H36M-17, its calibrated K and frame size; with the
    estimator's own metric 3D when given)."""
    extra = {} if keypoints_3d_estimator is None else dict(
        keypoints_3d_estimator=keypoints_3d_estimator)
    np.savez(path, keypoints=keypoints, scores=scores, layout='h36m17', fps=fps,
             camera_K=cam['K'], image_size=np.array(cam['size']), **extra)


def reprojection_px(points_3d, keypoints_2d, K):
    """Median pixel distance between ``points_3d (T, J, 3)`` (camera frame) projected with
    ``K`` and ``keypoints_2d (T, J, 2)`` (NaN: not compared)."""
    proj = camera_to_pixels(points_3d, K)
    return float(np.nanmedian(np.linalg.norm(proj - keypoints_2d, axis=-1)))


def lift_panned_view(src, cam, pan_px, out_dir, pipeline, frames, fps_used, stabilise, t):
    """Film ``src`` with :func:`pan_affine`, estimate 2D on it (stabilised or not), map it back
    to the original camera with frame 0's crop (what a static-camera assumption does), undistort,
    lift. Returns the pipeline's output on ``frames``, with
    ``keypoints_2d_original_camera (t, 17, 2)``."""
    w, h = (int(v) for v in cam['size'])
    out_size = (int(0.8 * w) // 2 * 2, int(0.8 * h) // 2 * 2)
    path = osp.join(out_dir, f'{cam["name"]}_panned.mp4')
    if not osp.isfile(path):
        with VideoWriter(path + '.part.mp4', 60.0) as writer:
            i = 0
            for chunk in VideoReader(src).chunks(16):
                for frame in chunk:
                    a = pan_affine(i, t, pan_px, (frame.shape[1], frame.shape[0]))
                    writer.write(cv2.warpAffine(frame, index_affine(a), out_size,
                                                flags=cv2.INTER_LINEAR))
                    i += 1
        os.replace(path + '.part.mp4', path)
    est = MediaPipePoseEstimator()
    data = estimate_video_2d(path, est, stabilise=stabilise, show_progress=False)
    kp = data['keypoints_2d'][:t]               # frame 0's crop pixels (or each frame's)
    a0 = np.vstack([pan_affine(0, t, pan_px, (w, h)), [0, 0, 1]])
    orig = apply_homography(np.broadcast_to(np.linalg.inv(a0), (len(kp), 3, 3)), kp)
    und = undistort_keypoints(orig, cam)
    npz = osp.join(out_dir, f'{cam["name"]}_panned_{"stab" if stabilise else "raw"}.npz')
    world = data['keypoints_3d_estimator']
    write_view_npz(npz, und[frames], data['scores'][:t][frames], fps_used, cam,
                   None if world is None else world[:t][frames])
    out = pipeline(npz, show_progress=False)
    out['keypoints_2d_original_camera'] = und
    return out


def evaluate_pose2sim_demo(pipelines, demo, cams, out_dir, stride=2, max_error=15.0,
                           simulate_pan=0.0, flip_test=True, model_complexity=1,
                           reference_filter='pose2sim'):
    """Lift every view of a Pose2Sim demo trial with every skeleton model and score it against
    the views' triangulation (of the same person in every view: :func:`associate_views`).

    Args:
        pipelines (dict | SkeletonPipeline): ``{name: SkeletonPipeline}`` — the rows of the
            table (a single pipeline is named ``'model'``); the first is the primary one (the
            panned-camera check uses it). Their 2D input is the files written here (with the
            estimator's own 3D, for an :class:`~finephys.models.lifters.Estimator3DLifter`).
        demo (str): The demo folder (:func:`~finephys.datasets.pose2sim_demo.
            locate_pose2sim_demo`), with ``videos/<view>.mp4``.
        cams (list): Its calibration (:func:`~finephys.datasets.pose2sim_demo.
            read_qualisys_calibration`).
        out_dir (str): Per-view 2D files (and panned videos) go here.
        stride (int): Use every N-th frame (60 fps / N).
        max_error (float): Triangulation: a view is outvoted where its mean reprojection error
            exceeds this (px).
        simulate_pan (float): > 0: also film every view with a moving, zooming crop of this
            many pixels and lift it with and without stabilisation.
        flip_test (bool): The estimator's world landmarks written for the models are averaged
            with the mirror image's (:class:`MediaPipePoseEstimator` ``flip_test``), and
            :data:`FLIP_BASELINE_SOURCE` is scored next to :data:`BASELINE_SOURCE` (which stays
            MediaPipe's own, unflipped). The 2D, and so the reference, is the same either way.
        model_complexity (int): BlazePose's landmark model for every view (1 full, 2 heavy:
            ``tools/misc/fetch_mediapipe_models.py``): the reference is triangulated from its
            2D and the baselines are its world landmarks.
        reference_filter (str | None): ``'pose2sim'``: the triangulation is filtered as
            Pose2Sim filters its own (:func:`~finephys.evaluation.functional.
            pose2sim_reference_filter`, at the trial's frame rate, before the stride) and every
            source is scored against that and, as well, against the raw triangulation
            (``mean_raw_reference``, ``still_pose_raw_reference``); ``None``: the raw
            triangulation only.

    Returns:
        dict: ``views``, ``frames``, ``fps``, ``stride``, ``models`` (names, in order),
        ``retracked_views`` (views tracked again to follow the others' person, see
        :func:`associate_views`), ``view_reprojection_px`` (per view, median),
        ``reference_reprojection_px`` (median) and ``_p90``, ``reference_bone_cv`` (%),
        ``per_view`` ``{view: {source: errors}}`` with sources ``<model>/<sequence>`` (see
        :data:`MODEL_SEQUENCES`), :data:`BASELINE_SOURCE` (and :data:`FLIP_BASELINE_SOURCE`
        with ``flip_test``), ``per_view_panned``
        ``{'pan_stabilised' | 'pan_unstabilised': {view: errors + 2d_px}}``, ``mean``
        ``{source: {error: mean over views}}`` — errors: :data:`REFERENCE_ERROR_KEYS` and
        ``reproj_px`` (median distance of the source projected with the view's K from
        MediaPipe's 2D). The models' 3D has the head's axis and is scored as the estimator's
        head (nose tip, mid-ear: :func:`~finephys.structures.estimator_head_from_h36m`), what
        the reference is triangulated from; its bone variation is its own skeleton's.
        ``reference_filter``; ``mean_raw_reference`` and ``still_pose_raw_reference`` (with a
        filter: ``mean``'s and ``still_pose``'s errors against the raw triangulation);
        ``reference_split_accel`` ``{'raw' | 'filtered': mm/f²}``: the even frames' reference
        against the odd frames', each raw or filtered
        (:func:`~finephys.evaluation.functional.split_acceleration_disagreement`) — how well the
        reference knows its own acceleration.
        ``still_pose`` (errors of the reference's median pose held still,
        :func:`~finephys.evaluation.functional.still_pose_errors`, mean over views: its
        ``accel`` is the floor of the acceleration column),
        ``gravity_error_deg`` ``{model | LEVEL_CAMERA: {view: degrees}}``
        (the angle between the gravity each model's pipeline used — estimated from the scene
        by default — and the calibration's, the world being z up; :data:`LEVEL_CAMERA` is the
        level camera's) and ``gravity_error_deg_mean`` (over views).
    """
    if not isinstance(pipelines, dict):
        pipelines = {'model': pipelines}
    os.makedirs(out_dir, exist_ok=True)
    kps, scores, worlds, fps = multiview_2d(demo, cams, flip_test, model_complexity)
    t = kps.shape[1]
    P = projection_matrices([c['K'] for c in cams], [c['R'] for c in cams],
                            [c['t'] for c in cams])
    kps, scores, worlds, ref_world, reproj, retracked = associate_views(
        demo, cams, kps, scores, worlds, P, max_error, flip_test, model_complexity)
    if reference_filter not in (None, 'pose2sim'):
        raise ValueError(f"evaluate_pose2sim_demo: reference_filter={reference_filter!r}; "
                         "expected 'pose2sim' or None")
    # the raw triangulation is scored too: it is what the 2D alone says, noise included
    refs = {'raw': ref_world}
    if reference_filter == 'pose2sim':
        refs['filtered'] = pose2sim_reference_filter(ref_world, fps, **POSE2SIM_FILTER)
    ref_world = refs.get('filtered', ref_world)          # the reference every source is scored on
    frames = np.arange(0, t, stride)
    fps_used = fps / stride
    sources = [f'{name}/{seq}' for name in pipelines for seq, _ in MODEL_SEQUENCES]
    baselines = [BASELINE_SOURCE] + ([FLIP_BASELINE_SOURCE] if flip_test else [])
    sources += baselines
    metric = ReferencePoseMetric(sources=sources)
    raw_metric = ReferencePoseMetric(sources=sources) if len(refs) > 1 else None
    raw_still = []
    reproj_px = {src: [] for src in sources}
    # gravity's direction each model used vs the calibration's (the world is z up)
    gravity_error = {name: {} for name in pipelines}
    gravity_error[LEVEL_CAMERA] = {}
    still = []
    for v, cam in enumerate(cams):
        path = osp.join(out_dir, f'{cam["name"]}_2d.npz')
        # MediaPipe's world landmarks: hip-centred metres, camera-aligned axes (x right,
        # y down, z away); the models lift from the flip-averaged ones with the flip test
        mp3d = {BASELINE_SOURCE: worlds[v]['unflipped'][:t][frames]}
        if flip_test:
            mp3d[FLIP_BASELINE_SOURCE] = worlds[v]['flip'][:t][frames]
        write_view_npz(path, kps[v, frames], scores[v, frames], fps_used, cam,
                       mp3d[baselines[-1]])
        ref = ref_world[frames] @ cam['R'].T + cam['t']
        still.append(still_pose_errors(ref))
        preds, bodies = {}, {}           # bodies: bone variation of the models' own skeleton
        for name, pipeline in pipelines.items():
            out = pipeline(path, show_progress=False)
            # the reference is triangulated from the estimator's 2D: its head is the nose tip
            # and the mid-ear; the models' 3D has the head's axis, so it is compared in the
            # estimator's terms (a definition is not an error)
            preds.update({f'pred_{name}/{seq}': estimator_head_from_h36m(out[seq])
                          for seq, _ in MODEL_SEQUENCES})
            bodies.update({f'body_{name}/{seq}': out[seq] for seq, _ in MODEL_SEQUENCES})
            true_down = np.asarray(cam['R']) @ np.array([0.0, 0.0, -1.0])
            gravity_error[name][cam['name']] = angle_deg(out['gravity'], true_down)
        gravity_error[LEVEL_CAMERA][cam['name']] = angle_deg((0.0, 1.0, 0.0), true_down)
        # the baselines are placed at the reference's pelvis for the root-relative metrics
        # (they have no position of their own)
        for src, world in mp3d.items():
            preds[f'pred_{src}'] = world - world[:, :1] + ref[:, :1]
        for src in sources:
            reproj_px[src].append(reprojection_px(preds[f'pred_{src}'], kps[v, frames],
                                                  cam['K']))
        metric.process(None, [dict(clip=cam['name'], reference_keypoints_3d=ref, **preds,
                                   **bodies)])
        if raw_metric is not None:
            raw_ref = refs['raw'][frames] @ cam['R'].T + cam['t']
            raw_still.append(still_pose_errors(raw_ref))
            # the baselines sit at the scored reference's pelvis: the raw one's here
            raw_preds = dict(preds, **{f'pred_{src}': world - world[:, :1] + raw_ref[:, :1]
                                       for src, world in mp3d.items()})
            raw_metric.process(None, [dict(clip=cam['name'], reference_keypoints_3d=raw_ref,
                                           **raw_preds, **bodies)])
    mean_flat = metric.compute_metrics(metric.results)
    per_view = metric.per_clip
    for src in sources:
        for view, px in zip(per_view, reproj_px[src]):
            per_view[view][src]['reproj_px'] = px
    mean = {src: dict({m: mean_flat[f'{src}/{m}'] for m in REFERENCE_ERROR_KEYS},
                      reproj_px=float(np.mean(reproj_px[src]))) for src in sources}
    pipeline = next(iter(pipelines.values()))
    pan = {}
    if simulate_pan > 0:
        for stab in (True, False):
            key = 'pan_stabilised' if stab else 'pan_unstabilised'
            pan_metric = ReferencePoseMetric(sources=('fused',))
            for v, cam in enumerate(cams):
                src = osp.join(demo, 'videos', f'{cam["name"]}.mp4')
                ref = ref_world[frames] @ cam['R'].T + cam['t']
                out = lift_panned_view(src, cam, simulate_pan, out_dir, pipeline, frames,
                                       fps_used, stab, t)
                # the 2D in the static camera's pixels vs the static camera's own 2D
                px = float(np.nanmedian(np.linalg.norm(
                    out['keypoints_2d_original_camera'] - kps[v], axis=-1)))
                pan_metric.process(None, [dict(clip=cam['name'], reference_keypoints_3d=ref,
                                               pred_fused=estimator_head_from_h36m(
                                                   out['fused']), body_fused=out['fused'],
                                               scalars={'2d_px': px})])
            flat = pan_metric.compute_metrics(pan_metric.results)
            pan[key] = {c: dict(errors['fused'], **{'2d_px': r['scalars']['2d_px']})
                        for (c, errors), r in zip(pan_metric.per_clip.items(),
                                                  pan_metric.results)}
            mean[key] = dict({m: flat[f'fused/{m}'] for m in REFERENCE_ERROR_KEYS},
                             **{'2d_px': flat['2d_px']})
    extra = {}
    if raw_metric is not None:
        raw_flat = raw_metric.compute_metrics(raw_metric.results)
        extra = dict(mean_raw_reference={src: {m: raw_flat[f'{src}/{m}']
                                               for m in REFERENCE_ERROR_KEYS}
                                         for src in sources},
                     still_pose_raw_reference={k: float(np.mean([e[k] for e in raw_still]))
                                               for k in REFERENCE_ERROR_KEYS})
    # the triangulation's own quality (reprojection, bone variation): the raw one's
    raw = refs['raw']
    ref_bones = bone_lengths(raw[np.isfinite(raw).all((1, 2))])
    return dict(views=[c['name'] for c in cams], frames=int(t), fps=fps, stride=stride,
                models=list(pipelines), retracked_views=retracked,
                view_reprojection_px={c['name']: view_reprojection_px(raw, kps[v], c)
                                      for v, c in enumerate(cams)},
                reference_reprojection_px=float(np.nanmedian(reproj)),
                reference_reprojection_px_p90=float(np.nanpercentile(reproj, 90)),
                reference_bone_cv=100 * float((ref_bones.std(0) / ref_bones.mean(0)).mean()),
                per_view=per_view, per_view_panned=pan, mean=mean,
                still_pose={k: float(np.mean([e[k] for e in still]))
                            for k in REFERENCE_ERROR_KEYS},
                gravity_error_deg=gravity_error,
                gravity_error_deg_mean={k: float(np.mean(list(v.values())))
                                        for k, v in gravity_error.items()},
                reference_filter=reference_filter,
                reference_split_accel={k: split_acceleration_disagreement(raw, fps, k == 'filtered')
                                       for k in ('raw', 'filtered')}, **extra)
