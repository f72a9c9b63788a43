"""Camera pan / tilt / zoom from the background, so 2D can be expressed in a stabilised frame.

Broadcast footage follows the gymnast: a pan moves the whole background, and in the image the
gymnast's flight no longer has a constant gravitational acceleration. Between consecutive frames
we track background corners (Shi-Tomasi + pyramidal Lucas-Kanade, forward-backward checked, the
person's box masked out) and fit a similarity (scale, rotation, translation; 4 DoF — pan, tilt,
roll, zoom of a distant scene) or a homography with RANSAC. Chaining gives ``H_t``: frame-``t``
pixels → frame-0 pixels. ``H_t @ [u, v, 1]`` is the stabilised 2D; equivalently the camera of frame
``t`` has the per-frame intrinsics ``K_t = H_t⁻¹ K_0`` (exactly so for SynthGym's crop pan, a
principal-point shift).
"""
from typing import Optional

import cv2
import numpy as np

from finephys.structures import H36M17


class CameraMotionEstimator:
    """Frame-to-frame background motion, chained to frame 0.

    Args:
        model (str): ``'similarity'`` (4 DoF, default) or ``'homography'`` (8 DoF).
        max_side (int): Frames are downscaled to this larger side for tracking (speed; the
            motion is rescaled to full-resolution pixels).
        max_corners (int): Corners tracked per frame.
        min_points (int): Fewer inliers than this → the step is unknown and taken as identity
            (counted in :attr:`unknown_steps`).
        ransac_threshold (float): RANSAC inlier threshold in working pixels.
        person_margin (float): The person box is grown by this fraction before masking.
        min_extent (float): The RANSAC inliers must span at least this fraction of the frame's
            width and of its height (else the step is unknown).
        max_repeat (int): Consecutive unknown steps that repeat the last known one.
    """

    def __init__(self, model: str = 'similarity', max_side: int = 640, max_corners: int = 400,
                 min_points: int = 12, ransac_threshold: float = 1.0, person_margin: float = 0.2,
                 min_extent: float = 0.4, max_repeat: int = 15):
        if model not in ('similarity', 'homography'):
            raise ValueError(f"CameraMotionEstimator: model={model!r} (expected 'similarity' or "
                             "'homography')")
        self.model, self.max_side, self.max_corners = model, int(max_side), int(max_corners)
        self.min_points, self.ransac_threshold = int(min_points), float(ransac_threshold)
        self.person_margin, self.min_extent = float(person_margin), float(min_extent)
        self.max_repeat = int(max_repeat)
        self.reset()

    def reset(self):
        """Start a new video."""
        self.prev_gray = self.prev_mask = None
        self.scale = 1.0
        self.H = np.eye(3)
        self.last_step, self.repeats = np.eye(3), 0
        self.unknown_steps = 0
        self.steps = 0

    def prepare(self, frame_rgb, person_box, person_mask=None, person_keypoints=None,
                person_scores=None):
        h, w = frame_rgb.shape[:2]
        self.scale = min(1.0, self.max_side / float(max(h, w)))
        gray = frame_rgb if frame_rgb.ndim == 2 else \
            cv2.cvtColor(np.ascontiguousarray(frame_rgb), cv2.COLOR_RGB2GRAY)
        if self.scale < 1.0:
            gray = cv2.resize(gray, (round(w * self.scale), round(h * self.scale)),
                              interpolation=cv2.INTER_AREA)
        mask = np.full(gray.shape, 255, np.uint8)
        if person_keypoints is not None and person_mask is None:   # drawn at working size
            person_mask = skeleton_mask(np.asarray(person_keypoints, float) * self.scale,
                                        person_scores if person_scores is not None else
                                        np.ones(len(person_keypoints)), gray.shape[::-1])
        if person_mask is not None:
            pm = np.asarray(person_mask)
            if pm.shape != gray.shape:
                pm = cv2.resize(pm.astype(np.uint8), gray.shape[::-1],
                                interpolation=cv2.INTER_NEAREST)
            mask[pm > 0] = 0
        elif person_box is not None and np.isfinite(person_box).all():
            b = np.asarray(person_box, float) * self.scale
            size = b[2:] - b[:2]
            lo = np.floor(b[:2] - self.person_margin * size).astype(int)
            hi = np.ceil(b[2:] + self.person_margin * size).astype(int)
            mask[max(lo[1], 0):max(hi[1], 0), max(lo[0], 0):max(hi[0], 0)] = 0
        return gray, mask

    @staticmethod
    def global_shift(prev, gray, mask):
        """Translation (dx, dy) of ``gray`` relative to ``prev`` by phase correlation, with the
        masked-out region set to each image's background mean and a Hann window."""
        keep = mask > 0
        if keep.sum() < 64:
            return 0.0, 0.0
        a, b = prev.astype(np.float32), gray.astype(np.float32)
        a[~keep], b[~keep] = a[keep].mean(), b[keep].mean()
        win = cv2.createHanningWindow(a.shape[::-1], cv2.CV_32F)
        (dx, dy), _ = cv2.phaseCorrelate(a, b, win)
        return dx, dy

    def step(self, gray, prev, prev_mask, mask):
        """Motion ``(3, 3)`` mapping this frame's working pixels to the previous frame's."""
        pts = cv2.goodFeaturesToTrack(prev, self.max_corners, 0.01, 6, mask=prev_mask)
        if pts is None or len(pts) < self.min_points:
            return None
        # Lucas-Kanade from zero motion and from a global shift (phase correlation of the
        # masked frames): repetitive floor markings can make either lock onto the neighbouring
        # mark, a wrong correlation peak spoils the second — keep the one more points agree with
        shift = self.global_shift(prev, gray, prev_mask & mask)
        best = None
        for guess in (None, (pts + np.asarray(shift, np.float32)).astype(np.float32)):
            flags = 0 if guess is None else cv2.OPTFLOW_USE_INITIAL_FLOW
            nxt, ok, _ = cv2.calcOpticalFlowPyrLK(prev, gray, pts, guess, winSize=(21, 21),
                                                  maxLevel=3, flags=flags)
            back, ok_b, _ = cv2.calcOpticalFlowPyrLK(gray, prev, nxt, None, winSize=(21, 21),
                                                     maxLevel=3)
            good = (ok[:, 0] == 1) & (ok_b[:, 0] == 1) & \
                (np.linalg.norm((back - pts)[:, 0], axis=-1) < 0.5)
            if best is None or good.sum() > best[1].sum():
                best = (nxt, good)
        nxt, good = best
        p_prev, p_cur = pts[good, 0], nxt[good, 0]
        if len(p_cur):        # a tracked point that landed on the person in this frame: drop
            inside = mask[np.clip(p_cur[:, 1].astype(int), 0, mask.shape[0] - 1),
                          np.clip(p_cur[:, 0].astype(int), 0, mask.shape[1] - 1)] > 0
            p_prev, p_cur = p_prev[inside], p_cur[inside]
        if len(p_cur) < self.min_points:
            return None
        if self.model == 'similarity':
            a, inl = cv2.estimateAffinePartial2D(p_cur, p_prev, method=cv2.RANSAC,
                                                 ransacReprojThreshold=self.ransac_threshold)
            m = None if a is None else np.vstack([a, [0, 0, 1]])
        else:
            m, inl = cv2.findHomography(p_cur, p_prev, cv2.RANSAC, self.ransac_threshold)
        if m is None or inl is None or int(inl.sum()) < self.min_points:
            return None
        # the inliers must spread over the frame: a textureless arena leaves only another
        # person's corners (someone walking through), whose motion is not the camera's
        p = p_cur[inl[:, 0] > 0]
        extent = (p.max(0) - p.min(0)) / np.array(gray.shape[::-1], float)
        if (extent < self.min_extent).any():
            return None
        return m

    def update(self, frame_rgb: np.ndarray, person_box: Optional[np.ndarray] = None,
               person_mask: Optional[np.ndarray] = None,
               person_keypoints: Optional[np.ndarray] = None,
               person_scores: Optional[np.ndarray] = None):
        """Add a frame ``(H, W, 3)`` uint8 RGB or ``(H, W)`` grey, with what is known of the
        person: her H36M-17 2D (``person_keypoints (17, 2)`` pixels + ``person_scores``: her
        bones are masked, :func:`skeleton_mask`, drawn at the working resolution), a mask of her
        pixels (``(H, W)``, non-zero = person) or her xyxy box (fallback: an arms-out body covers
        little of its box, and masking the box can leave too little background). An unknown step (too few or too clustered
        inliers) repeats the previous step — a camera keeps its motion — for at most
        ``max_repeat`` frames, then counts as no motion.

        Returns:
            np.ndarray: ``H_t (3, 3)``: this frame's pixels → frame 0's pixels.
        """
        gray, mask = self.prepare(frame_rgb, person_box, person_mask, person_keypoints,
                                  person_scores)
        if self.prev_gray is not None:
            self.steps += 1
            m = None
            if gray.shape == self.prev_gray.shape:
                m = self.step(gray, self.prev_gray, self.prev_mask, mask)
            s = np.diag([self.scale, self.scale, 1.0])
            if m is None:
                self.unknown_steps += 1
                self.repeats += 1
                step = self.last_step if self.repeats <= self.max_repeat else np.eye(3)
            else:
                self.repeats = 0
                step = np.linalg.inv(s) @ m @ s            # working → full-resolution pixels
                self.last_step = step
            self.H = self.H @ step
        self.prev_gray, self.prev_mask = gray, mask
        return self.H.copy()


def skeleton_mask(keypoints, scores, size, min_score=0.3, thickness=0.12):
    """``(H, W)`` uint8 mask of a person drawn from 2D keypoints: every bone whose joints score
    ≥ ``min_score`` as a line ``thickness`` × the skeleton's larger box side wide, a disc on every
    joint. None when fewer than 3 joints are usable.

    Args:
        keypoints: ``(17, 2)`` H36M-17 pixels; scores: ``(17,)``; size: ``(W, H)``.
    """
    kp, sc = np.asarray(keypoints, float), np.asarray(scores, float)
    ok = (sc >= min_score) & np.isfinite(kp).all(-1)
    if ok.sum() < 3:
        return None
    w, h = (int(round(v)) for v in size)
    extent = float(max(np.ptp(kp[ok], 0)))
    r = max(2, int(round(thickness * extent / 2)))
    mask = np.zeros((int(h), int(w)), np.uint8)
    pts = np.round(np.nan_to_num(kp)).astype(int)
    for a, b in H36M17.bones:
        if ok[a] and ok[b]:
            cv2.line(mask, tuple(pts[a]), tuple(pts[b]), 255, 2 * r)
    for j in np.flatnonzero(ok):
        cv2.circle(mask, tuple(pts[j]), int(1.5 * r), 255, -1)
    return mask


def apply_homography(H, points):
    """``(T, J, 2)`` points through per-frame ``(T, 3, 3)`` homographies (NaN stays NaN)."""
    points = np.asarray(points, float)
    hom = np.concatenate([points, np.ones(points.shape[:-1] + (1,))], -1)
    out = np.einsum('tij,tkj->tki', np.asarray(H, float), hom)
    return out[..., :2] / out[..., 2:]
