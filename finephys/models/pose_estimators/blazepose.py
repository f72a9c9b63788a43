"""BlazePose-33 (MediaPipe Pose) → COCO-17 → H36M-17.

BlazePose's 33 landmarks contain COCO's 17 keypoints by name (MediaPipe's landmark list,
``mediapipe/python/solutions/pose.py``'s ``PoseLandmark``): nose 0, left/right eye 2/5,
left/right ear 7/8, left/right shoulder 11/12, elbows 13/14, wrists 15/16, hips 23/24, knees
25/26, ankles 27/28. BlazePose's "left" is the person's left, as COCO's. H36M-17 then follows
:func:`finephys.structures.coco17_to_h36m17` (pelvis = mid-hip, thorax = mid-shoulder, ...), the
same derivation every other pose source of the project goes through.
"""
import numpy as np

from finephys.structures import coco17_to_h36m17

#: BlazePose landmark index of each COCO-17 keypoint, in COCO order.
BLAZEPOSE33_TO_COCO17 = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
#: BlazePose's left/right landmark pairs (``PoseLandmark``: eye inner/eye/eye outer 1–3 / 4–6,
#: ears 7/8, mouth 9/10, shoulders, elbows, wrists, pinkies, index fingers, thumbs 11–22, hips,
#: knees, ankles, heels, foot indices 23–32): a mirror image swaps them.
BLAZEPOSE33_FLIP_PAIRS = ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16),
                          (17, 18), (19, 20), (21, 22), (23, 24), (25, 26), (27, 28), (29, 30),
                          (31, 32))


def blazepose33_flip_index() -> np.ndarray:
    """``(33,)`` index of each BlazePose landmark's mirror landmark (itself for the nose)."""
    index = np.arange(33)
    for a, b in BLAZEPOSE33_FLIP_PAIRS:
        index[a], index[b] = b, a
    return index


def blazepose33_to_coco17(landmarks, scores=None):
    """Select COCO-17 from BlazePose-33.

    Args:
        landmarks (np.ndarray): ``(..., 33, C)`` landmarks (C = 2 pixels, or 3 for world metres).
        scores (np.ndarray, optional): ``(..., 33)`` visibilities.

    Returns:
        np.ndarray | tuple: ``(..., 17, C)`` (and ``(..., 17)`` scores when given).
    """
    landmarks = np.asarray(landmarks)
    if landmarks.shape[-2] != 33:
        raise ValueError(f'blazepose33_to_coco17: expected 33 landmarks on axis -2, got '
                         f'{landmarks.shape}')
    idx = list(BLAZEPOSE33_TO_COCO17)
    coco = landmarks[..., idx, :]
    return coco if scores is None else (coco, np.asarray(scores)[..., idx])


def blazepose33_to_h36m17(landmarks, scores=None):
    """BlazePose-33 → H36M-17 through COCO-17 (see the module docstring)."""
    if scores is None:
        return coco17_to_h36m17(blazepose33_to_coco17(landmarks))
    return coco17_to_h36m17(*blazepose33_to_coco17(landmarks, scores))
