"""``read_skeleton_input``: a video or a 2D skeleton file → the model's 2D input (H36M-17
pixels, gaps filled and flagged, the camera's K)."""
import os.path as osp
import time

import numpy as np
from mmengine.logging import print_log

from finephys.structures import coco17_to_h36m17, default_intrinsics
from finephys.utils.errors import InputDataError
from finephys.utils.keypoint_gaps import fill_missing_keypoints

from .keypoints import check_keypoints
from .skeleton_files import guess_joint_layout, load_skeleton_file
from .video_2d import estimate_video_2d
from .video_reader import VIDEO_EXTENSIONS


def is_video_file(path: str) -> bool:
    """Whether ``path`` is read as a video (by its extension, :data:`VIDEO_EXTENSIONS`)."""
    return osp.splitext(path)[1].lower() in VIDEO_EXTENSIONS


def read_skeleton_input(path, layout='auto', fps=None, clip_id=None, estimate_pose=None,
                        stabilise=True, show_progress=True, progress=None):
    """Read a video (2D by ``estimate_pose(frames_bgr) -> (keypoints, scores)``, streamed; see
    :func:`estimate_video_2d`) or a 2D skeleton file (:func:`load_skeleton_file`) as H36M-17
    pixels; missing joints (NaN, score 0, lost frames) are filled in time and flagged
    (:func:`fill_missing_keypoints`). ``progress``: per-stage reports of a video's 2D (see
    :func:`estimate_video_2d`); a skeleton file reports ``('read', 1, 1, seconds)``.

    Returns:
        dict: ``keypoints_2d (T, 17, 2)`` (filled; stabilised for videos), ``scores (T, 17)``
        (0 where filled), ``missing (T, 17)``, ``lost_frames (T,)`` (no joint observed),
        ``keypoints_2d_image`` (as estimated/read, NaN where missing), ``camera_motion
        (T, 3, 3)``, ``fps``, ``K (3, 3)``, ``video`` (path or None), and
        ``keypoints_3d_estimator`` ``(T, 17, 3)`` (the estimator's own hip-centred metric 3D,
        filled in time like the 2D) or None when the estimator or the file has none.
    """
    video = None
    extra = {}
    if is_video_file(path):
        if estimate_pose is None:
            raise ValueError(f'{path}: video input needs a pose estimator')
        data = estimate_video_2d(path, estimate_pose, stabilise, show_progress=show_progress,
                                 fps=fps, progress=progress)
        kp, scores, fps = data['keypoints_2d'], data['scores'], data['fps']
        raw, motion, video = data['keypoints_2d_image'], data['camera_motion'], path
        k = default_intrinsics(*data['image_size'])
        world = data['keypoints_3d_estimator']
        extra = dict(decode_errors=data['decode_errors'],
                     camera_motion_unknown_steps=data['camera_motion_unknown_steps'])
    else:
        tic = time.perf_counter()
        data = load_skeleton_file(path, clip_id)
        if progress is not None:
            progress('read', 1, 1, time.perf_counter() - tic)
        kp, scores = data['keypoints'], data.get('scores')
        world = data.get('keypoints_3d_estimator')
        use = data['layout'] if layout == 'auto' else layout
        if use is not None and use not in ('coco17', 'h36m17'):
            raise InputDataError(f"{path}: layout={use!r}: expected 'coco17' or 'h36m17'")
        guess, stat = guess_joint_layout(kp, scores)
        if use is None:
            if guess is None:
                raise InputDataError(f'{path}: the file does not say its joint layout and the '
                                     'joints do not tell (see guess_joint_layout); pass '
                                     "layout='coco17' or 'h36m17'")
            use = guess
            print_log(f'{path}: no joint layout in the file; the joints look like {guess} '
                      f'(statistic {stat:.2f})', logger='current')
        elif guess is not None and guess != use:
            raise InputDataError(
                f'{path}: layout {use} was given but the joints look like {guess}: joints 1-4 '
                f'reach {stat:.2f} of the body extent from joint 0 (COCO-17: eyes and ears by '
                'the nose, < 0.2; H36M-17: the right leg from the pelvis, > 0.3); pass the '
                'right layout')
        if scores is None:
            scores = np.ones(kp.shape[:2])
        if use == 'coco17':
            kp, scores = coco17_to_h36m17(kp, scores)
            world = None if world is None else coco17_to_h36m17(world)
        fps = fps or float(data.get('fps', 30.0))
        raw = np.array(kp, float)
        if 'camera_K' in data:
            k = np.asarray(data['camera_K'], np.float64)
        else:
            if 'image_size' in data:
                w, h = (float(v) for v in data['image_size'])
            else:   # no frame: assume the skeleton spans ~half of a frame around it
                ok = np.isfinite(kp).all(-1) & (np.asarray(scores) > 0)
                pts = kp[ok] if ok.any() else np.zeros((1, 2))
                lo, hi = pts.min(0), pts.max(0)
                w = h = float(2 * max(hi - lo) + 1)
                kp = kp - (lo + hi) / 2 + w / 2
                raw = np.array(kp, float)
            k = default_intrinsics(w, h)
        motion = np.tile(np.eye(3), (len(kp), 1, 1))
    if len(kp) < 4:
        raise ValueError(f'{path}: {len(kp)} frames; at least 4 are needed')
    kp, scores, missing = fill_missing_keypoints(kp, scores, where=path)
    kp, scores = check_keypoints(kp, scores, path)
    raw = np.where(missing[..., None], np.nan, raw)
    if world is not None:
        # the estimator's 3D has the 2D's gaps (and its own): filled in time the same way
        world_missing = missing | ~np.isfinite(world).all(-1)
        if world_missing.all():      # optional: a lifter that needs it names what is missing
            print_log(f'{path}: the estimator\'s 3D is missing in every frame; not used',
                      logger='current')
            world = None
        else:
            world = fill_missing_keypoints(world, np.where(world_missing, 0.0, 1.0),
                                           where=f'{path} keypoints_3d_estimator')[0]
    return dict(keypoints_2d=kp, scores=scores, missing=missing, lost_frames=missing.all(-1),
                keypoints_2d_image=raw, camera_motion=motion, fps=fps, K=k, video=video,
                keypoints_3d_estimator=world, **extra)
