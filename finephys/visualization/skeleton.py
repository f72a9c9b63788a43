"""2D skeleton overlays."""
import cv2
import numpy as np

from finephys.structures import H36M17, SkeletonSpec

_LEFT, _RIGHT, _MID = (255, 170, 40), (40, 200, 255), (230, 230, 230)


def _colour(spec, child):
    name = spec.joint_names[child]
    return _LEFT if name.startswith('left') else _RIGHT if name.startswith('right') else _MID


def draw_skeleton(image, keypoints, scores=None, spec: SkeletonSpec = H36M17, score_thr=0.3,
                  thickness=None):
    """Draw an anti-aliased skeleton on an RGB image (left limbs orange, right blue).

    Args:
        image: ``(H, W, 3)`` uint8 RGB.
        keypoints: ``(J, 2)`` pixels.
        scores: ``(J,)`` optional; joints below ``score_thr`` are skipped.

    Returns:
        np.ndarray: a new ``(H, W, 3)`` uint8 image.
    """
    img = np.ascontiguousarray(image).copy()
    h = img.shape[0]
    thickness = thickness or max(1, int(round(h / 128)))
    # sub-pixel precision through cv2's shift: coordinates × 16
    pts = np.round(np.nan_to_num(np.asarray(keypoints, float)) * 16).astype(np.int64)
    ok = np.isfinite(np.asarray(keypoints, float)).all(-1)
    if scores is not None:
        ok &= np.asarray(scores) >= score_thr
    for parent, child in spec.bones:
        if ok[parent] and ok[child]:
            cv2.line(img, tuple(map(int, pts[parent])), tuple(map(int, pts[child])),
                     _colour(spec, child), thickness, cv2.LINE_AA, shift=4)
    for j in range(spec.num_joints):
        if ok[j]:
            cv2.circle(img, tuple(map(int, pts[j])), (thickness + 1) * 16, (255, 255, 255), -1,
                       cv2.LINE_AA, shift=4)
    return img
