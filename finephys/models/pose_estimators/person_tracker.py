"""``SinglePersonTracker``: follow one person through a video with a single-person pose model.

Single-person models (BlazePose, a top-down model without a detector) return *a* person per
image — with a coach or another athlete in view, not necessarily the same one from frame to
frame. The tracker runs the model on a crop around the track's predicted position, accepts the
result only when it agrees with the track (position, size and appearance), re-acquires a lost
track on the whole frame (masking out people it rejects and trying again), and otherwise marks the
frame as lost — it never fills a frame with another person.

Upright-trained models miss inverted and sideways bodies (saltos, handstands, cartwheels): every
crop can also be tried rotated by 180°, 90° and 270° (kept when the model sees an upright body;
mapped back to frame pixels exactly, the rotation being part of the crop's affine transform).
"""
import functools
import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

import cv2
import numpy as np

from finephys.datasets.io import keypoint_box


@dataclass
class Detection:
    """One person found in one frame.

    Attributes:
        keypoints: ``(J, 2)`` frame pixels (the model's own joint layout).
        scores: ``(J,)`` confidences in [0, 1].
        angle: The rotation of the image the model saw (0, 90, 180 or 270 degrees; see
            :func:`rotation_matrix`).
        upright_in_crop: The model saw an upright body (head side above the hips in the image
            it was given; None when the tracker has no ``up_joints`` / ``down_joints``).
        extra: Model-specific per-joint outputs (e.g. BlazePose world landmarks ``(J, 3)``).
        appearance: Its appearance histogram in the frame it was found in, once a tracker has
            computed it (the gates and the track's update share it).
        box: Its key-joint box ``(4,)`` xyxy, once a tracker has computed it (likewise).
        key_score: Its mean key-joint score, once a tracker has computed it (the gates, the
            ranking and the orientation choice share it).
        direction: Its unit hips → head-side direction in the frame, once a tracker has
            computed it (the turn gate and the track's update share it; NaN when undefined).
    """
    keypoints: np.ndarray
    scores: np.ndarray
    angle: int = 0
    extra: dict = field(default_factory=dict)
    upright_in_crop: Optional[bool] = None
    appearance: Optional[np.ndarray] = field(default=None, repr=False, compare=False)
    box: Optional[np.ndarray] = field(default=None, repr=False, compare=False)
    key_score: Optional[float] = field(default=None, repr=False, compare=False)
    direction: Optional[np.ndarray] = field(default=None, repr=False, compare=False)

    @property
    def rotated(self) -> bool:
        """A rotated crop gave it."""
        return self.angle != 0


#: The crop rotations a tracker can try, in degrees.
ANGLES = (0, 90, 180, 270)


def rotation_matrix(angle: int) -> np.ndarray:
    """``(2, 2)`` exact rotation by a multiple of 90° of image coordinates (x right, y down:
    a positive angle turns the picture clockwise). Vectors of the rotated image are
    ``R @ v`` of the original's; the model's axes map back with ``R.T``."""
    if angle % 90:
        raise ValueError(f'rotation_matrix: angle={angle}; expected a multiple of 90')
    c, s = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[angle % 360]
    return np.array([[c, -s], [s, c]], float)


def crop_transform(center, side, out_size, rotate=0):
    """Affine ``(2, 3)`` mapping frame pixels to a square crop of ``side`` frame pixels around
    ``center`` resized to ``out_size``, rotated about the crop centre by ``rotate`` degrees (a
    multiple of 90; ``True`` = 180)."""
    angle = 180 if rotate is True else int(rotate)
    s = out_size / float(side)
    a = np.array([[s, 0.0, out_size / 2 - s * center[0]],
                  [0.0, s, out_size / 2 - s * center[1]]])
    if angle % 360:   # p' = R (p − c) + c about the crop centre c
        r = rotation_matrix(angle)
        c = np.full(2, out_size / 2)
        rot = np.hstack([r, (c - r @ c)[:, None]])
        a = rot @ np.vstack([a, [0, 0, 1]])
    return a


def frame_rotation_transform(width, height, angle):
    """Affine ``(2, 3)`` and output ``(w, h)`` of the whole ``width × height`` frame rotated by
    ``angle`` degrees (a multiple of 90), at its own resolution."""
    r = rotation_matrix(angle)
    corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], float) @ r.T
    lo, hi = corners.min(0), corners.max(0)
    size = np.round(hi - lo).astype(int)
    return np.hstack([r, -lo[:, None]]), (int(size[0]), int(size[1]))


def index_affine(a):
    """The ``(2, 3)`` affine ``a`` of continuous pixel coordinates (pixel ``i`` spans
    ``[i, i + 1)``, as MediaPipe's normalised landmarks × size) in the pixel-*index* coordinates
    ``cv2.warpAffine`` uses (pixel ``i``'s centre at ``i``)."""
    m = np.array(a, float)
    m[:, 2] = a[:, :2] @ np.array([0.5, 0.5]) + a[:, 2] - 0.5
    return m


def apply_affine(a, points):
    """``(N, 2)`` points through the ``(2, 3)`` affine ``a``."""
    return points @ a[:, :2].T + a[:, 2]


def invert_affine(a):
    """Inverse of a ``(2, 3)`` affine."""
    return cv2.invertAffineTransform(a)


#: The 3 × 3 pixel neighbourhood sampled around each point of a bone, ``(9, 2)`` x, y offsets.
NEIGHBOURHOOD_3X3 = np.stack(np.meshgrid([-1, 0, 1], [-1, 0, 1]), -1).reshape(-1, 2)


@functools.lru_cache(maxsize=8)
def bone_sample_weights(samples: int):
    """The weights ``(u, 1 − u)`` ``(samples, 1)`` each of the ``samples`` points sampled along
    a bone, ``u`` evenly from 0.15 to 0.85 (the joints' own pixels are left out: a joint sits
    on the border of two limbs). Read-only: shared by every call."""
    u = np.linspace(0.15, 0.85, samples)[:, None]
    v = 1 - u
    u.flags.writeable = v.flags.writeable = False
    return u, v


def appearance_histogram(image_rgb, keypoints, scores, bones, min_score, bins=(12, 8),
                         samples=7):
    """Normalised hue-saturation histogram of the pixels *on the body*: ``samples`` points
    along each bone (3 × 3 pixels each) whose two joints score ≥ ``min_score``. A box would be
    mostly background for a thin, stretched body; bones are the clothes and the skin, and a
    histogram is rotation invariant, so an inverted body keeps its appearance. None when no bone
    is usable.

    Args:
        image_rgb: ``(H, W, 3)`` uint8.
        keypoints: ``(J, 2)`` pixels; scores: ``(J,)``.
        bones: ``(B, 2)`` joint index pairs.

    Returns:
        np.ndarray | None: ``(bins[0] * bins[1],)`` summing to 1.
    """
    h, w = image_rgb.shape[:2]
    bones = np.asarray(bones, int).reshape(-1, 2)
    # every usable bone at once (this runs on every tracked frame, after a landmark model has
    # flushed the caches: one vectorised pass with as few numpy calls as it takes)
    bones = bones[(np.asarray(scores)[bones] >= min_score).all(1)]
    if not len(bones):
        return None
    u, v = bone_sample_weights(samples)
    ends = np.asarray(keypoints, float)[bones]                            # (B, 2 ends, 2)
    pts = (ends[:, None, 0] * v + ends[:, None, 1] * u).reshape(-1, 2)
    if not np.isfinite(pts).all():
        pts = pts[np.isfinite(pts).all(-1)]
    pix = np.rint(pts[:, None] + NEIGHBOURHOOD_3X3).reshape(-1, 2).astype(np.int64)
    # 0 <= x < w and 0 <= y < h in one comparison: a negative index viewed unsigned is huge
    pix = pix[(pix.view(np.uint64) < np.array([w, h], np.uint64)).all(1)]
    if len(pix) == 0:
        return None
    colours = image_rgb[pix[:, 1], pix[:, 0]][None]
    hsv = cv2.cvtColor(colours, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, list(bins), [0, 180, 0, 256]).ravel()
    return hist / max(hist.sum(), 1e-9)


def bhattacharyya(p, q):
    """Bhattacharyya distance of two normalised histograms, in [0, 1] (0: identical)."""
    return float(np.sqrt(max(0.0, 1.0 - np.sum(np.sqrt(p * q)))))


class SinglePersonTracker:
    """Track one person with ``detect``, a single-person pose model run on images.

    Per frame: crop around the predicted box (the centre moves on with the track's velocity,
    which decays by ``velocity_decay`` per lost frame — no unbounded coast; smoothed size) →
    ``detect`` in the last frame's orientation, then the others (upright, 90°, 180°, 270°) until
    the model sees an upright body scoring at least ``rotate_below`` (the best is kept) → accept
    when the centre moved less than ``max_center_jump`` box sizes (growing by half per lost
    frame), the size changed by less than ``max_scale_change``× and the appearance
    (hue-saturation histogram) is within ``max_appearance_distance`` of the track's. While the
    track is lost, a wider crop around the **last known** position is tried too (all
    orientations), then the whole frame (upright and 180°): a rejected person is masked out and
    the frame searched again (``max_masked`` times). A frame without an accepted detection is
    *lost* (returned as None).

    The default gates admit a salto: a tucked body is half the size of a stretched one within
    0.2 s, and the box of its confidently seen joints shrinks further (to ~0.4 of the smoothed
    stretched size on the composed salto of the tests), and the centre moves more than half a
    box per frame at take-off — ``max_center_jump=1.0`` and ``max_scale_change=3.0`` leave room
    for both; the appearance gate keeps other people out.

    Args:
        detect (callable): ``detect(image_rgb (h, w, 3) uint8) -> (keypoints (J, 2) pixels,
            scores (J,), extra dict) | None``.
        key_joints (sequence[int], optional): Joints that define quality and the box (default all).
        crop_scale (float): Crop side / the track box's larger side.
        crop_size (int): Crop resolution given to ``detect``.
        min_score (float): Lowest mean key-joint score of a usable detection.
        joint_score (float): Joints at or above it define the box.
        try_rotated (bool): Also try rotated crops (else upright only).
        rotate_below (float): Try other orientations when the first scores below this (or the
            model saw an inverted body).
        velocity_decay (float): The predicted velocity's factor per lost frame (0: hold the
            last position, 1: constant velocity forever).
        max_center_jump, max_scale_change, max_appearance_distance (float): Gates (see above).
        max_masked (int): People masked out per whole-frame search.
        start_rotated_every (int): Until the first person is found, the whole frame is searched
            rotated by 180° on every ``start_rotated_every``-th frame only (upright on every
            frame; 1: both on every frame). A video seldom opens on an inverted body, and
            while nobody is found each frame would pay for two whole-frame searches; a lost
            track's re-acquisition (a salto's inverted body) always tries both.
        init_box (sequence, optional): xyxy box of the person to follow in the first frame
            (default: whoever ``detect`` finds first with ``min_score``).
        up_joints, down_joints (sequence[int], optional): Joints of the head/shoulder side and
            of the hips: a detection whose ``up_joints`` lie below its ``down_joints`` in the
            image the model saw was an inverted body to the model, and the other orientation
            is tried and preferred.
    """

    def __init__(self, detect: Callable, key_joints=None, crop_scale: float = 1.6,
                 crop_size: int = 256, min_score: float = 0.5, joint_score: float = 0.3,
                 try_rotated: bool = True, rotate_below: float = 0.8,
                 max_center_jump: float = 1.0, max_scale_change: float = 3.0,
                 velocity_decay: float = 0.7,
                 max_appearance_distance: float = 0.4, max_masked: int = 2,
                 start_rotated_every: int = 2,
                 appearance_bones=None, up_joints=None, down_joints=None,
                 init_box: Optional[Tuple[float, float, float, float]] = None):
        self.detect_fn = detect
        self.key_joints = None if key_joints is None else np.asarray(key_joints)
        self.crop_scale, self.crop_size = float(crop_scale), int(crop_size)
        self.min_score, self.joint_score = float(min_score), float(joint_score)
        self.try_rotated, self.rotate_below = bool(try_rotated), float(rotate_below)
        self.max_center_jump = float(max_center_jump)
        self.max_scale_change = float(max_scale_change)
        self.max_appearance_distance = float(max_appearance_distance)
        self.max_masked = int(max_masked)
        if start_rotated_every < 1:
            raise ValueError(f'SinglePersonTracker: start_rotated_every={start_rotated_every}; '
                             'expected >= 1')
        self.start_rotated_every = int(start_rotated_every)
        if not 0.0 <= velocity_decay <= 1.0:
            raise ValueError(f'SinglePersonTracker: velocity_decay={velocity_decay}; expected in '
                             '[0, 1]')
        self.velocity_decay = float(velocity_decay)
        self.init_box = None if init_box is None else np.asarray(init_box, float)
        self.appearance_bones = [tuple(b) for b in (appearance_bones or ())]
        self.up_joints = None if up_joints is None else list(up_joints)
        self.down_joints = None if down_joints is None else list(down_joints)
        self.reset()

    def reset(self):
        """Forget the track (call before a new video)."""
        self.center = self.velocity = None
        self.size, self.appearance = None, None
        self.lost, self.last_angle = 0, 0
        self.direction = None
        self.counts = dict(tracked=0, reacquired=0, lost=0, rotated=0)
        self.unfound = 0          # frames searched before the first person was found

    # ------------------------------------------------------------------ detection on crops
    def quality(self, det: Detection) -> float:
        """Mean score of the key joints (computed once per detection)."""
        if det.key_score is None:
            s = det.scores if self.key_joints is None else det.scores[self.key_joints]
            det.key_score = float(s.sum()) / s.size   # np.mean's reduction, without its overhead
        return det.key_score

    def detect_in_crop(self, frame, center, side, angle):
        """``detect`` on a square crop rotated by ``angle`` degrees (``center=None``: the whole
        frame at its own resolution — a small person is not shrunk further); the detection in
        frame pixels (None when none)."""
        angle = 180 if angle is True else int(angle)
        if center is None:
            h, w = frame.shape[:2]
            if angle % 360 == 0:
                a, crop = np.array([[1.0, 0, 0], [0, 1.0, 0]]), frame
            else:      # a rotation by a multiple of 90° maps pixel centres onto pixel centres
                a, size = frame_rotation_transform(w, h, angle)
                crop = cv2.warpAffine(frame, index_affine(a), size, flags=cv2.INTER_NEAREST)
        else:
            a = crop_transform(center, side, self.crop_size, angle)
            crop = cv2.warpAffine(frame, index_affine(a), (self.crop_size, self.crop_size),
                                  flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=(0, 0, 0))
        out = self.detect_fn(crop)
        if out is None:
            return None
        kp, scores, extra = out
        kp = np.asarray(kp, float)
        upright = None
        if self.up_joints is not None and self.down_joints is not None:
            upright = bool(kp[self.up_joints, 1].mean() < kp[self.down_joints, 1].mean())
        return Detection(apply_affine(invert_affine(a), kp), np.asarray(scores, float),
                         angle % 360, dict(extra or {}), upright)

    def rank(self, det):
        """Sort key of a candidate: a body the model saw upright first (upright-trained models
        are reliable on upright bodies, and their scores are not comparable across
        orientations), then the score."""
        return (det.upright_in_crop is not False, self.quality(det))

    def good_enough(self, det) -> bool:
        """A detection that needs no other orientation: the model saw an upright body scoring at
        least ``rotate_below``."""
        return det is not None and self.quality(det) >= self.rotate_below and \
            det.upright_in_crop is not False

    def orientations(self, frame, center, side, angles=ANGLES, accept=None):
        """Detections in the last frame's orientation first, then the others of ``angles`` in
        order, until one is :meth:`good_enough` (and passes ``accept(det)`` when given).

        Returns:
            list[Detection]: every detection found, in the order tried.
        """
        if not self.try_rotated:
            angles = (0,)
        order = [self.last_angle] if self.last_angle in angles else []
        order += [a for a in angles if a not in order]
        found = []
        for angle in order:
            det = self.detect_in_crop(frame, center, side, angle)
            if det is None:
                continue
            found.append(det)
            if self.good_enough(det) and (accept is None or accept(det)):
                break
        return found

    def best_orientation(self, frame, center, side, angles=ANGLES, accept=None):
        """The best (:meth:`rank`) of :meth:`orientations`' detections that pass ``accept``
        (all when None); None when there is none."""
        found = [d for d in self.orientations(frame, center, side, angles, accept)
                 if accept is None or accept(d)]
        return max(found, key=self.rank) if found else None

    def box_of(self, det):
        """xyxy box of a detection's key joints (None when fewer than 3 score enough), computed
        once per detection (the gates and the track's update share it)."""
        if det.box is None:
            kp = det.keypoints if self.key_joints is None else det.keypoints[self.key_joints]
            sc = det.scores if self.key_joints is None else det.scores[self.key_joints]
            det.box = keypoint_box(kp, sc, self.joint_score)
        return det.box

    def appearance_of(self, frame, det):
        """The detection's appearance histogram (None without ``appearance_bones``), computed
        once per detection (``frame`` is the one it was found in)."""
        if not self.appearance_bones:
            return None
        if det.appearance is None:
            det.appearance = appearance_histogram(frame, det.keypoints, det.scores,
                                                  self.appearance_bones, self.joint_score)
        return det.appearance

    # ------------------------------------------------------------------ gating
    def failed_gate(self, frame, det) -> Optional[str]:
        """The first gate ``det`` fails against the track, or None when it passes them all:
        ``'score'`` (mean key-joint score below ``min_score``), ``'box'`` (fewer than 3 joints
        define one), ``'init_box'`` (no track yet, and its centre is outside the initial box),
        ``'position'``, ``'size'`` or ``'appearance'``."""
        if det is None or self.quality(det) < self.min_score:
            return 'score'
        box = self.box_of(det)
        if box is None:
            return 'box'
        if self.center is None:          # no track yet: the initial box, when given, decides
            if self.init_box is None:
                return None
            c = (box[:2] + box[2:]) / 2
            inside = bool((self.init_box[:2] <= c).all() and (c <= self.init_box[2:]).all())
            return None if inside else 'init_box'
        c, size = (box[:2] + box[2:]) / 2, float(max(box[2:] - box[:2]))
        dx, dy = c - self.predicted_center()
        if math.hypot(dx, dy) > self.max_center_jump * self.size * (1 + 0.5 * self.lost):
            return 'position'
        ratio = size / self.size
        if not 1 / self.max_scale_change <= ratio <= self.max_scale_change:
            return 'size'
        hist = self.appearance_of(frame, det)
        if hist is not None and self.appearance is not None and \
                bhattacharyya(hist, self.appearance) > self.max_appearance_distance:
            return 'appearance'
        return None

    def direction_of(self, det) -> Optional[np.ndarray]:
        """The unit hips → head-side direction of a detection in the frame (from
        ``down_joints`` to ``up_joints``), or None without them (computed once per
        detection)."""
        if self.up_joints is None or self.down_joints is None:
            return None
        if det.direction is None:
            kp = np.asarray(det.keypoints, float)
            v = kp[self.up_joints].mean(0) - kp[self.down_joints].mean(0)
            norm = math.hypot(v[0], v[1])
            det.direction = v / norm if math.isfinite(norm) and norm > 1e-6 else \
                np.full(2, np.nan)
        return None if np.isnan(det.direction[0]) else det.direction

    def turn_from_track(self, det) -> Optional[float]:
        """Degrees between a detection's hips → head-side direction and the track's last one
        (None when either is unknown): a body turns by tens of degrees per frame even in a
        double salto, so a detection half a turn away is the body read upside down."""
        d = self.direction_of(det)
        if d is None or self.direction is None:
            return None
        cos = float(d[0] * self.direction[0] + d[1] * self.direction[1])
        return math.degrees(math.acos(min(1.0, max(-1.0, cos))))

    def consistent(self, frame, det) -> bool:
        """Does ``det`` agree with the track (usable score, position, size, appearance)?"""
        return self.failed_gate(frame, det) is None

    def accept(self, frame, det):
        """Make ``det`` the track's new state (centre, velocity, size, appearance)."""
        box = self.box_of(det)
        c, size = (box[:2] + box[2:]) / 2, float(max(box[2:] - box[:2]))
        if self.center is None:
            self.velocity = np.zeros(2)
            self.size = size
        else:
            v = (c - self.center) / (self.lost + 1)
            self.velocity = 0.5 * self.velocity + 0.5 * v
            self.size = 0.6 * self.size + 0.4 * size
        self.center = c
        hist = self.appearance_of(frame, det)
        if hist is not None:
            self.appearance = hist if self.appearance is None else \
                0.9 * self.appearance + 0.1 * hist
        self.lost, self.last_angle = 0, det.angle
        direction = self.direction_of(det)
        if direction is not None:
            self.direction = direction
        self.counts['rotated'] += int(det.rotated)

    def search_whole_frame(self, frame):
        """Whole-frame detection (upright and 180°; before the first person is found, 180° only
        on every ``start_rotated_every``-th frame); people the gates reject are masked out and
        searched again."""
        angles = (0, 180)
        if self.center is None and self.unfound % self.start_rotated_every:
            angles = (0,)
        work = frame
        h, w = frame.shape[:2]
        for _ in range(self.max_masked + 1):
            found = self.orientations(work, None, None, angles=angles,
                                      accept=lambda d: self.consistent(frame, d))
            if not found:
                return None
            ok = [d for d in found if self.consistent(frame, d)]
            if ok:
                return max(ok, key=self.rank)
            box = self.box_of(max(found, key=self.rank))     # mask the best rejected person
            if box is None:
                return None
            work = work.copy() if work is frame else work
            x0, y0 = np.floor(np.clip(box[:2], 0, [w, h])).astype(int)
            x1, y1 = np.ceil(np.clip(box[2:], 0, [w, h])).astype(int)
            work[y0:y1, x0:x1] = np.asarray(frame.reshape(-1, 3).mean(0), np.uint8)
        return None

    def people_in_frame(self, frame_rgb: np.ndarray, max_people: int = 4):
        """Everyone ``detect`` finds in one whole frame (upright), to choose whom to follow: the
        best person, then the frame searched again with each person found masked out.

        Args:
            frame_rgb: ``(H, W, 3)`` uint8 RGB.
            max_people (int): Most people returned.

        Returns:
            list[tuple]: ``(box (4,) xyxy pixels, score)`` per person, in the order found.
        """
        work, people = frame_rgb, []
        h, w = frame_rgb.shape[:2]
        fill = np.asarray(frame_rgb.reshape(-1, 3).mean(0), np.uint8)
        for _ in range(max_people):
            det = self.detect_in_crop(work, None, None, 0)
            box = None if det is None or self.quality(det) < self.min_score else self.box_of(det)
            if box is None:
                break
            people.append((np.asarray(box, float), self.quality(det)))
            work = work.copy() if work is frame_rgb else work
            x0, y0 = np.floor(np.clip(box[:2], 0, [w, h])).astype(int)
            x1, y1 = np.ceil(np.clip(box[2:], 0, [w, h])).astype(int)
            work[y0:y1, x0:x1] = fill
        return people

    def follow(self, init_box=None) -> None:
        """Follow the person whose box centre falls in ``init_box`` (xyxy) when the next track
        starts (None: whoever is found first); also forgets the current track."""
        self.init_box = None if init_box is None else np.asarray(init_box, float)
        self.reset()

    # ------------------------------------------------------------------ per frame
    def predicted_center(self) -> np.ndarray:
        """Where the track should be now: the last centre moved on by the velocity, which
        decays by ``velocity_decay`` per lost frame (a bounded coast:
        ``Σ_{k=0}^{lost} decay^k`` frames of motion)."""
        d = self.velocity_decay
        steps = float(self.lost + 1) if d == 1.0 else (1 - d ** (self.lost + 1)) / (1 - d)
        return self.center + self.velocity * steps

    def update(self, frame_rgb: np.ndarray) -> Optional[Detection]:
        """Track into the next frame ``(H, W, 3)`` uint8 RGB; the person or None (lost)."""
        det = None
        if self.center is not None:
            side = self.crop_scale * self.size * (1 + 0.25 * min(self.lost, 4))
            tries = [(self.predicted_center(), side)]
            if self.lost:
                # re-acquisition: a wider crop around the last known position, every orientation
                tries.append((self.center, 1.5 * side))
            for center, crop_side in tries:
                # each orientation is gated on its own: a partial view that fails the gates
                # must not hide another orientation of the same crop that passes them
                det = self.best_orientation(frame_rgb, center, max(crop_side, 32.0),
                                            accept=lambda d: self.consistent(frame_rgb, d))
                if det is not None:
                    self.counts['tracked' if not self.lost else 'reacquired'] += 1
                    self.accept(frame_rgb, det)
                    return det
        det = self.search_whole_frame(frame_rgb)
        if det is not None:
            self.counts['reacquired' if self.center is not None else 'tracked'] += 1
            self.accept(frame_rgb, det)
            return det
        self.lost += int(self.center is not None)
        self.unfound += int(self.center is None)
        self.counts['lost'] += 1
        return None
