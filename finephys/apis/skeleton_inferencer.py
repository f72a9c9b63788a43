"""``SkeletonInferencer``: 2D (video or skeleton file) → data-driven, physics and fused 3D."""
import json
import os
import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import load_checkpoint
from tqdm import tqdm

from finephys.registry import MODELS
from finephys.structures import coco17_to_h36m17
from finephys.utils import register_all_modules
from finephys.utils.launch import InputDataError

from .skeleton_io import guess_joint_layout, load_skeleton_file


def default_intrinsics(width, height):
    """A broadcast-like guess when the camera is unknown: focal = 1.2 × the larger side,
    principal point at the centre."""
    f = 1.2 * max(width, height)
    return np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1.0]])


def estimate_video_2d(path, estimate_pose, stabilise=True, chunk_size=None, show_progress=True,
                      fps=None, chunk_bytes=128 * 2 ** 20):
    """2D pose (and camera motion) of a video, streamed in chunks: memory stays bounded by one
    chunk whatever the video's length or resolution.

    Args:
        path (str): Video file.
        estimate_pose (callable): ``estimate_pose(frames_bgr (t, H, W, 3)) -> (keypoints
            (t, 17, 2), scores (t, 17))`` H36M-17 (NaN / score 0 where no person); called chunk
            after chunk of one video (a tracking estimator keeps its track between calls).
        stabilise (bool): Estimate pan/tilt/zoom (:class:`CameraMotionEstimator`, the person's
            box masked out) and return the 2D in frame 0's pixels.
        chunk_size (int, optional): Frames per chunk (default: as many as fit ``chunk_bytes``,
            at most 64 — 20 frames of 1080p, 5 of 4K).

    Returns:
        dict: ``keypoints_2d_image (T, 17, 2)`` (each frame's pixels), ``keypoints_2d``
        (stabilised when ``stabilise``), ``scores``, ``camera_motion (T, 3, 3)`` (frame t →
        frame 0 pixels; identity without stabilisation), ``fps``, ``image_size`` ``(W, H)``,
        ``video`` (the path), ``decode_errors``, ``camera_motion_unknown_steps``.
    """
    import cv2

    from finephys.models.pose_estimators.person_tracker import keypoint_box
    from finephys.utils.camera_motion import CameraMotionEstimator, apply_homography
    from .video_reader import VideoReader
    reader = VideoReader(path)
    if chunk_size is None:
        chunk_size = int(np.clip(chunk_bytes // (reader.width * reader.height * 3), 1, 64))
    cam = CameraMotionEstimator() if stabilise else None
    kps, scores, motion = [], [], []
    bar = tqdm(total=reader.num_frames, desc='2D pose', unit='frame', disable=not show_progress)
    # BGR: the estimators' order; one reused buffer: no chunk outlives its iteration here
    for chunk in reader.chunks(chunk_size, channel_order='bgr', reuse_buffer=True):
        kp, sc = estimate_pose(chunk)
        kp, sc = np.asarray(kp, np.float64), np.asarray(sc, np.float64)
        kps.append(kp)
        scores.append(sc)
        for frame, k, s in zip(chunk, kp, sc):
            if cam is None:
                motion.append(np.eye(3))
                continue
            # the person's own pixels (bones drawn thick), not its box: an arms-out body covers
            # little of its box, and masking the box can leave too little background
            box = keypoint_box(k, s, 0.3, pad=0.15)
            motion.append(cam.update(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), box,
                                     person_keypoints=k, person_scores=s))
        bar.update(len(chunk))
    bar.close()
    kp, sc, motion = np.concatenate(kps), np.concatenate(scores), np.stack(motion)
    return dict(keypoints_2d_image=kp, keypoints_2d=apply_homography(motion, kp), scores=sc,
                camera_motion=motion, fps=fps or reader.fps,
                image_size=(reader.width, reader.height), video=path,
                decode_errors=reader.decode_errors,
                camera_motion_unknown_steps=cam.unknown_steps if cam else 0)


def read_skeleton_input(path, layout='auto', fps=None, clip_id=None, estimate_pose=None,
                        stabilise=True, show_progress=True):
    """Read a video (2D by ``estimate_pose(frames_bgr) -> (keypoints, scores)``, streamed; see
    :func:`estimate_video_2d`) or a 2D skeleton file (:func:`load_skeleton_file`) as H36M-17
    pixels; missing joints (NaN, score 0, lost frames) are filled in time and flagged
    (:func:`fill_missing_keypoints`).

    Returns:
        dict: ``keypoints_2d (T, 17, 2)`` (filled; stabilised for videos), ``scores (T, 17)``
        (0 where filled), ``missing (T, 17)``, ``lost_frames (T,)`` (no joint observed),
        ``keypoints_2d_image`` (as estimated/read, NaN where missing), ``camera_motion
        (T, 3, 3)``, ``fps``, ``K (3, 3)``, ``video`` (path or None).
    """
    from finephys.utils.keypoint_gaps import fill_missing_keypoints
    from .video_reader import VIDEO_EXTENSIONS
    ext = osp.splitext(path)[1].lower()
    video = None
    extra = {}
    if ext in VIDEO_EXTENSIONS:
        if estimate_pose is None:
            raise ValueError(f'{path}: video input needs a pose estimator')
        data = estimate_video_2d(path, estimate_pose, stabilise, show_progress=show_progress,
                                 fps=fps)
        kp, scores, fps = data['keypoints_2d'], data['scores'], data['fps']
        raw, motion, video = data['keypoints_2d_image'], data['camera_motion'], path
        k = default_intrinsics(*data['image_size'])
        extra = dict(decode_errors=data['decode_errors'],
                     camera_motion_unknown_steps=data['camera_motion_unknown_steps'])
    else:
        data = load_skeleton_file(path, clip_id)
        kp, scores = data['keypoints'], data.get('scores')
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
    from finephys.models.pose_estimators.annotation_pose_estimator import check_keypoints
    kp, scores = check_keypoints(kp, scores, path)
    raw = np.where(missing[..., None], np.nan, raw)
    return dict(keypoints_2d=kp, scores=scores, missing=missing, lost_frames=missing.all(-1),
                keypoints_2d_image=raw, camera_motion=motion, fps=fps, K=k, video=video, **extra)


class SkeletonInferencer:
    """Run a trained skeleton model (``FinePhysSkeleton``, or any model whose ``predict`` gives
    ``pred_keypoints_3d``) on a video or a 2D skeleton file.

    Long inputs are processed in windows of ``window`` frames (stride ``window // 2``) whose
    overlaps are blended with a triangular weight.

    Args:
        config (str): Model config.
        checkpoint (str): Weights (loaded with torch's safe loader).
        device (str): ``'cpu'`` / ``'cuda:0'``.
        pose_estimator (dict, optional): POSE_ESTIMATORS config for video input (default:
            :class:`MediaPipePoseEstimator`, BlazePose with one person tracked — real weights
            that ship in its pip wheel).
        window (int): Frames per model call.
        stabilise (bool): For videos, estimate camera pan/tilt/zoom from the background and
            run the model on 2D in frame 0's pixels (see :mod:`finephys.utils.camera_motion`).
    """

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu',
                 pose_estimator: Optional[dict] = None, window: int = 32,
                 stabilise: bool = True):
        register_all_modules(init_default_scope=True)
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
        self.cfg = Config.fromfile(config)
        self.model = MODELS.build(self.cfg.model)
        load_checkpoint(self.model, checkpoint, map_location='cpu')
        self.model.to(device).eval()
        self.device, self.window, self.stabilise = device, window, stabilise
        self.pose_estimator_cfg = pose_estimator or dict(type='MediaPipePoseEstimator')
        self._pose_estimator = None

    @property
    def pose_estimator(self):
        if self._pose_estimator is None:
            from finephys.registry import POSE_ESTIMATORS
            cfg = self.pose_estimator_cfg
            self._pose_estimator = POSE_ESTIMATORS.build(dict(cfg, device=self.device))
        return self._pose_estimator

    def read_input(self, path, layout='auto', fps=None, clip_id=None, show_progress=True):
        """2D keypoints (H36M-17, pixels; filled and flagged), scores, fps, K, camera motion
        (see :func:`read_skeleton_input`)."""
        from .video_reader import VIDEO_EXTENSIONS
        if osp.splitext(path)[1].lower() in VIDEO_EXTENSIONS:
            reset = getattr(self.pose_estimator, 'reset', None)
            if reset is not None:     # a tracking estimator: a new video, a new track
                reset()
        return read_skeleton_input(path, layout, fps, clip_id,
                                   estimate_pose=lambda frames: self.pose_estimator(frames),
                                   stabilise=self.stabilise, show_progress=show_progress)

    @torch.no_grad()
    def __call__(self, path, layout='auto', fps=None, clip_id=None, out_dir=None,
                 show_progress=True):
        """Infer 3D for one input; write outputs under ``out_dir`` when given.

        Returns:
            dict: ``s_dd``, ``s_pp``, ``fused`` ``(T, 17, 3)`` camera-frame metres (of frame 0's
            camera for stabilised video), plus the 2D input (``keypoints_2d`` filled model input,
            ``keypoints_2d_image`` as estimated with NaN where missing), ``scores``, ``missing
            (T, 17)`` and ``lost_frames (T,)`` (joints/frames filled by interpolation and the
            physics-leaning fusion), ``camera_motion (T, 3, 3)``, fps and K; with a
            contact-predicting solver (:class:`~finephys.models.physics.StructuredPhysicsSolver`) also ``contact_prob``
            ``(T, 4)`` (left/right foot, left/right hand) and ``flight`` ``(T,)``.
        """
        data = self.read_input(path, layout, fps, clip_id, show_progress)
        kp, k = data['keypoints_2d'], data['K']
        norm = (kp - k[:2, 2]) / np.array([k[0, 0], k[1, 1]])
        t = len(kp)
        win = min(self.window, t)
        starts = list(range(0, max(t - win, 0) + 1, max(win // 2, 1)))
        if starts[-1] + win < t:
            starts.append(t - win)
        acc = {key: np.zeros((t, 17, 3)) for key in ('s_dd', 's_pp', 'fused')}
        contact = None        # per-frame contact probabilities, when the solver predicts them
        weight = np.zeros((t, 1, 1))
        tri = np.minimum(np.arange(1, win + 1), np.arange(win, 0, -1)).astype(float)[:, None, None]
        for s in tqdm(starts, desc='skeleton windows', disable=not show_progress):
            inputs = dict(keypoints_2d_norm=torch.as_tensor(norm[None, s:s + win], dtype=torch.float32,
                                                            device=self.device),
                          keypoint_scores=torch.as_tensor(data['scores'][None, s:s + win],
                                                          dtype=torch.float32, device=self.device))
            samples = dict(fps=torch.tensor([data['fps']], device=self.device))
            out = self.model(inputs, samples, mode='predict')[0]
            for key, name in (('fused', 'pred_keypoints_3d'), ('s_dd', 'pred_keypoints_3d_dd'),
                              ('s_pp', 'pred_keypoints_3d_pp')):
                value = out.get(name, out['pred_keypoints_3d'])
                acc[key][s:s + win] += value.cpu().numpy() * tri
            if 'contact_prob' in out:
                contact = np.zeros((t, out['contact_prob'].shape[-1])) if contact is None \
                    else contact
                contact[s:s + win] += out['contact_prob'].cpu().numpy() * tri[:, :, 0]
            weight[s:s + win] += tri
        result = {key: v / weight for key, v in acc.items()}
        if contact is not None:
            result['contact_prob'] = contact / weight[:, :, 0]
            threshold = getattr(self.model.physics, 'contact_threshold', 0.5)
            result['flight'] = (result['contact_prob'] < threshold).all(-1)
        result.update({key: data[key] for key in (
            'keypoints_2d', 'keypoints_2d_image', 'scores', 'missing', 'lost_frames',
            'camera_motion', 'fps')}, K=k)
        if out_dir is not None:
            self.write_outputs(result, data.get('video'), out_dir,
                               osp.splitext(osp.basename(path))[0])
        return result

    @staticmethod
    def write_outputs(result, video, out_dir, stem):
        """npz + json of the three sequences, an animated 3D plot (gif) and a 2D overlay (mp4,
        streamed over the source video when there is one). Filled joints and lost frames are
        flagged: ``missing`` / ``lost_frames`` keys, and in the overlay a red frame border with
        "filled" on lost frames and red rings on filled joints."""
        import cv2
        from finephys.utils.camera_motion import apply_homography
        from finephys.visualization import VideoWriter, draw_skeleton
        from finephys.visualization.plot3d import animate_sequence_3d
        os.makedirs(out_dir, exist_ok=True)
        extra = {k: result[k] for k in ('contact_prob', 'flight') if k in result}
        flags = dict(missing=result['missing'], lost_frames=result['lost_frames'])
        np.savez(osp.join(out_dir, f'{stem}_3d.npz'), **extra, **flags,
                 **{k: np.asarray(result[k], np.float32) for k in ('s_dd', 's_pp', 'fused')},
                 keypoints_2d=result['keypoints_2d'],
                 keypoints_2d_image=result['keypoints_2d_image'], scores=result['scores'],
                 camera_motion=result['camera_motion'], fps=result['fps'], camera_K=result['K'])
        image_2d = np.round(np.asarray(result['keypoints_2d_image'], float), 2)
        with open(osp.join(out_dir, f'{stem}_3d.json'), 'w') as f:
            json.dump(dict(fps=result['fps'], joint_order='h36m17', units='metres, camera frame',
                           **{k: np.round(np.asarray(v, float), 4).tolist()
                              for k, v in extra.items()},
                           **{k: np.asarray(v).astype(bool).tolist() for k, v in flags.items()},
                           keypoints_2d_image=np.where(np.isfinite(image_2d), image_2d,
                                                       None).tolist(),
                           camera_motion=np.round(result['camera_motion'], 6).tolist(),
                           **{k: np.round(result[k], 5).tolist()
                              for k in ('s_dd', 's_pp', 'fused')}), f)
        animate_sequence_3d(result['fused'], osp.join(out_dir, f'{stem}_fused_3d.gif'),
                            fps=result['fps'])
        k = result['K']
        fused = result['fused']
        proj = fused[..., :2] / fused[..., 2:] * [k[0, 0], k[1, 1]] + k[:2, 2]
        # back from the stabilised frame to each frame's pixels
        proj = apply_homography(np.linalg.inv(result['camera_motion']), proj)
        t = len(fused)

        def frames():
            if video is not None:
                from .video_reader import VideoReader
                for chunk in VideoReader(video).chunks(16):
                    yield from chunk
            else:
                w, h = int(round(2 * k[0, 2])), int(round(2 * k[1, 2]))
                for _ in range(t):
                    yield np.full((h, w, 3), 40, np.uint8)

        with VideoWriter(osp.join(out_dir, f'{stem}_overlay.mp4'), result['fps']) as writer:
            for i, frame in zip(range(t), frames()):
                img = draw_skeleton(frame, result['keypoints_2d_image'][i], result['scores'][i])
                img = draw_skeleton(img, proj[i], thickness=1)
                r = max(3, img.shape[0] // 80)
                for j in np.flatnonzero(result['missing'][i]):
                    if np.isfinite(proj[i, j]).all():
                        cv2.circle(img, tuple(int(v) for v in proj[i, j]), r, (230, 40, 40), 1,
                                   cv2.LINE_AA)
                if result['lost_frames'][i]:
                    b = max(2, img.shape[0] // 100)
                    cv2.rectangle(img, (0, 0), (img.shape[1] - 1, img.shape[0] - 1),
                                  (230, 40, 40), b)
                    cv2.putText(img, 'filled', (3 * b, 12 * b), cv2.FONT_HERSHEY_SIMPLEX,
                                b / 3, (230, 40, 40), max(1, b // 2), cv2.LINE_AA)
                writer.write(img)
