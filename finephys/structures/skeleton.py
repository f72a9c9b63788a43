"""Skeleton definitions as data: joint names, parents, bones and flip pairs.

Every index used anywhere in finephys comes from these specs (``H36M17.index('left_hip')``), never
from a magic number.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np


@dataclass(frozen=True)
class SkeletonSpec:
    """A skeleton as data.

    Args:
        name (str): Identifier, e.g. ``'h36m17'``.
        joint_names (tuple[str]): Joint names in storage order.
        parents (tuple[int]): Parent index of each joint, -1 for a root. For skeletons without a
            kinematic tree (COCO) the parents form the drawing tree.
        flip_pairs (tuple[tuple[int, int]]): Left/right joint index pairs swapped by a mirror.
    """
    name: str
    joint_names: Tuple[str, ...]
    parents: Tuple[int, ...]
    flip_pairs: Tuple[Tuple[int, int], ...]
    _lookup: Dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if len(self.parents) != len(self.joint_names):
            raise ValueError(f'{self.name}: {len(self.parents)} parents for '
                             f'{len(self.joint_names)} joints')
        self._lookup.update({n: i for i, n in enumerate(self.joint_names)})

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def bones(self) -> List[Tuple[int, int]]:
        """(parent, child) index pairs, in joint order."""
        return [(p, c) for c, p in enumerate(self.parents) if p >= 0]

    def index(self, name: str) -> int:
        """Index of a joint by name; raises a KeyError listing the valid names."""
        try:
            return self._lookup[name]
        except KeyError:
            raise KeyError(f'{self.name} has no joint {name!r}; valid: '
                           f'{list(self.joint_names)}') from None

    def indices(self, names) -> List[int]:
        return [self.index(n) for n in names]

    @property
    def flip_permutation(self) -> np.ndarray:
        """(J,) int array mapping each joint to its mirror joint (itself if central)."""
        perm = np.arange(self.num_joints)
        for a, b in self.flip_pairs:
            perm[a], perm[b] = b, a
        return perm


def _spec(name, joints_and_parents, flip_pairs_by_name):
    names = tuple(j for j, _ in joints_and_parents)
    lookup = {n: i for i, n in enumerate(names)}
    parents = tuple(-1 if p is None else lookup[p] for _, p in joints_and_parents)
    pairs = tuple((lookup[a], lookup[b]) for a, b in flip_pairs_by_name)
    return SkeletonSpec(name, names, parents, pairs)


#: Human3.6M 17-joint skeleton (order used by lifting work: VideoPose3D, MotionBERT), pelvis root.
H36M17 = _spec('h36m17', [
    ('pelvis', None), ('right_hip', 'pelvis'), ('right_knee', 'right_hip'),
    ('right_ankle', 'right_knee'), ('left_hip', 'pelvis'), ('left_knee', 'left_hip'),
    ('left_ankle', 'left_knee'), ('spine', 'pelvis'), ('thorax', 'spine'), ('neck', 'thorax'),
    ('head', 'neck'), ('left_shoulder', 'thorax'), ('left_elbow', 'left_shoulder'),
    ('left_wrist', 'left_elbow'), ('right_shoulder', 'thorax'), ('right_elbow', 'right_shoulder'),
    ('right_wrist', 'right_elbow'),
], [('left_hip', 'right_hip'), ('left_knee', 'right_knee'), ('left_ankle', 'right_ankle'),
    ('left_shoulder', 'right_shoulder'), ('left_elbow', 'right_elbow'),
    ('left_wrist', 'right_wrist')])

#: COCO-17 keypoints (detectors, PYSKL/FineGym HRNet skeletons). Parents are a drawing tree.
COCO17 = _spec('coco17', [
    ('nose', None), ('left_eye', 'nose'), ('right_eye', 'nose'), ('left_ear', 'left_eye'),
    ('right_ear', 'right_eye'), ('left_shoulder', 'nose'), ('right_shoulder', 'nose'),
    ('left_elbow', 'left_shoulder'), ('right_elbow', 'right_shoulder'),
    ('left_wrist', 'left_elbow'), ('right_wrist', 'right_elbow'), ('left_hip', 'left_shoulder'),
    ('right_hip', 'right_shoulder'), ('left_knee', 'left_hip'), ('right_knee', 'right_hip'),
    ('left_ankle', 'left_knee'), ('right_ankle', 'right_knee'),
], [('left_eye', 'right_eye'), ('left_ear', 'right_ear'), ('left_shoulder', 'right_shoulder'),
    ('left_elbow', 'right_elbow'), ('left_wrist', 'right_wrist'), ('left_hip', 'right_hip'),
    ('left_knee', 'right_knee'), ('left_ankle', 'right_ankle')])

# H36M joints copied 1:1 from a COCO joint of the same name.
_COCO_DIRECT = ('right_hip', 'right_knee', 'right_ankle', 'left_hip', 'left_knee', 'left_ankle',
                'left_shoulder', 'left_elbow', 'left_wrist', 'right_shoulder', 'right_elbow',
                'right_wrist')


def coco17_to_h36m17(keypoints: np.ndarray, scores: Optional[np.ndarray] = None):
    """Convert COCO-17 keypoints to H36M-17 (the mapping used by 2D→3D lifting work).

    Mapping: limb joints copied by name; pelvis = mid-hip; thorax = mid-shoulder;
    spine = mid(pelvis, thorax); neck = nose (H36M's 'neck/nose' joint); head =
    mid(left_ear, right_ear). This is the *estimator head*: every 3D here has the head's axis
    instead (neck at nose level on it, head at the vertex), and SynthGym's and the mocap's 2D
    are made with the estimator head so that training sees what inference gets
    (:func:`~finephys.structures.estimator_head_from_h36m` and its inverse).
    Derived joints get the minimum score of the joints they come from, so a dropped hip makes the
    pelvis untrusted too.

    Args:
        keypoints (np.ndarray): ``(..., 17, C)`` COCO-17 coordinates (C = 2 or 3).
        scores (np.ndarray, optional): ``(..., 17)`` confidences.

    Returns:
        np.ndarray | tuple: ``(..., 17, C)`` H36M-17 keypoints, plus ``(..., 17)`` scores when
        ``scores`` was given.
    """
    keypoints = np.asarray(keypoints)
    if keypoints.shape[-2] != COCO17.num_joints:
        raise ValueError(f'coco17_to_h36m17: expected 17 COCO joints on axis -2, got shape '
                         f'{keypoints.shape}')
    c = COCO17.index
    out = np.zeros_like(keypoints)
    h = H36M17.index
    for name in _COCO_DIRECT:
        out[..., h(name), :] = keypoints[..., c(name), :]
    pelvis = 0.5 * (keypoints[..., c('left_hip'), :] + keypoints[..., c('right_hip'), :])
    thorax = 0.5 * (keypoints[..., c('left_shoulder'), :] + keypoints[..., c('right_shoulder'), :])
    out[..., h('pelvis'), :] = pelvis
    out[..., h('thorax'), :] = thorax
    out[..., h('spine'), :] = 0.5 * (pelvis + thorax)
    out[..., h('neck'), :] = keypoints[..., c('nose'), :]
    out[..., h('head'), :] = 0.5 * (keypoints[..., c('left_ear'), :] +
                                    keypoints[..., c('right_ear'), :])
    if scores is None:
        return out
    scores = np.asarray(scores)
    if scores.shape != keypoints.shape[:-1]:
        raise ValueError(f'coco17_to_h36m17: scores shape {scores.shape} does not match '
                         f'keypoints {keypoints.shape[:-1]}')
    s_out = np.zeros_like(scores)
    for name in _COCO_DIRECT:
        s_out[..., h(name)] = scores[..., c(name)]
    s_hip = np.minimum(scores[..., c('left_hip')], scores[..., c('right_hip')])
    s_sho = np.minimum(scores[..., c('left_shoulder')], scores[..., c('right_shoulder')])
    s_out[..., h('pelvis')] = s_hip
    s_out[..., h('thorax')] = s_sho
    s_out[..., h('spine')] = np.minimum(s_hip, s_sho)
    s_out[..., h('neck')] = scores[..., c('nose')]
    s_out[..., h('head')] = np.minimum(scores[..., c('left_ear')], scores[..., c('right_ear')])
    return out, s_out


def bone_lengths(keypoints: np.ndarray, spec: SkeletonSpec = H36M17) -> np.ndarray:
    """Lengths of every bone of ``spec``.

    Args:
        keypoints (np.ndarray): ``(..., J, 3)`` or ``(..., J, 2)``.

    Returns:
        np.ndarray: ``(..., J - 1)`` bone lengths in the input's units, in ``spec.bones`` order.
    """
    bones = np.asarray(spec.bones)
    return np.linalg.norm(keypoints[..., bones[:, 1], :] - keypoints[..., bones[:, 0], :], axis=-1)


def flip_keypoints(keypoints: np.ndarray, spec: SkeletonSpec = H36M17) -> np.ndarray:
    """Swap left/right joints (no coordinate change). ``(..., J, C)`` → ``(..., J, C)``."""
    return np.asarray(keypoints)[..., spec.flip_permutation, :]
