"""The head two ways: on H36M's head axis, and as a 2D pose estimator sees it.

H36M-17 ends the body in two points on the head's own axis: ``neck`` at the level of the nose
and ``head`` at the vertex. Every 3D source of this project follows that (SynthGym's bodies, the
mocap readers, the physics' mass model). A COCO / BlazePose estimator has neither point: it sees
the face, and :func:`~finephys.structures.coco17_to_h36m17` puts the **nose tip** in ``neck`` and
the **mid-ear** in ``head`` — the *estimator head*. The two differ by ~10 cm at each point, so a
lifter trained on axis points but fed estimator points at inference sees an input it never had,
and a 3D compared with a triangulation of estimator points is off by the definition, not by its
error.

This module maps one onto the other in 3D, so training's 2D can be the estimator head (projected)
while every 3D stays on the head axis, and an axis 3D can be compared with an estimator-head
reference:

* :func:`estimator_head_from_h36m`: the nose tip ``NOSE_FORWARD`` in front of the axis point at
  nose level, the mid-ear ``EAR_ABOVE_NOSE`` above it on the axis. The head's forward direction
  is the torso's facing (``(left − right shoulder) × (thorax − pelvis)``) made perpendicular to
  the head axis — exact for a head that nods but does not turn relative to the trunk (SynthGym's)
  and the usual approximation for mocap, which records no face.
* :func:`h36m_head_from_estimator`: its inverse (the nose-to-ear vector fixes the head axis in
  the plane it spans with the torso's facing); the vertex is put ``VERTEX_ABOVE_NOSE`` above the
  nose level.

The offsets are adult head anthropometry: the tragion lies ~3 cm above the nose tip (the
Frankfort plane passes through the tragion and the lower orbit rim, ~3 cm above the nose tip) and
the nose tip ~10 cm in front of the tragion; SynthGym's average body (1.625 m) has its vertex
0.078 × 1.625 m ≈ 0.13 m above nose level.
"""
import numpy as np

from .skeleton import H36M17

#: Nose tip in front of the head axis at nose level (metres).
NOSE_FORWARD = 0.10
#: Mid-ear (tragion) above the nose level, on the head axis (metres).
EAR_ABOVE_NOSE = 0.03
#: Vertex above the nose level, on the head axis (metres; :func:`h36m_head_from_estimator`).
VERTEX_ABOVE_NOSE = 0.13

_J = H36M17.index
_NECK, _HEAD, _THORAX, _PELVIS = _J('neck'), _J('head'), _J('thorax'), _J('pelvis')
_LSHO, _RSHO = _J('left_shoulder'), _J('right_shoulder')


def _xp(x):
    """numpy for arrays, torch for tensors (imported only then: this module is numpy
    otherwise)."""
    if isinstance(x, np.ndarray):
        return np
    import torch
    return torch


def _unit(v, fallback=None):
    """``v / |v|`` over the last axis; where ``|v|`` is ~0, ``fallback``'s unit (or 0). No
    division by ~0 happens, so tensors keep finite gradients."""
    xp = _xp(v)
    n2 = _dot(v, v)
    small = n2 < 1e-18
    # the square root of the guarded square: √ has no finite gradient at 0
    out = v / xp.where(small, xp.ones_like(n2), n2) ** 0.5
    return xp.where(small, _unit(fallback) if fallback is not None else xp.zeros_like(v), out)


def _dot(a, b):
    """``(a · b)`` over the last axis, kept as a length-1 axis."""
    return (a * b).sum(-1)[..., None]


def _cross(a, b):
    """``a × b`` over the last axis (numpy or torch)."""
    ax, ay, az = a[..., 0], a[..., 1], a[..., 2]
    bx, by, bz = b[..., 0], b[..., 1], b[..., 2]
    return _xp(a).stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], -1)


def _reject(v, axis_unit):
    """The part of ``v`` perpendicular to the unit vector ``axis_unit``."""
    return v - _dot(v, axis_unit) * axis_unit


def _as_joints(joints, name):
    if not hasattr(joints, 'clone'):
        joints = np.asarray(joints)
    if tuple(joints.shape[-2:]) != (H36M17.num_joints, 3):
        raise ValueError(f'{name}: expected (..., 17, 3) H36M-17 joints, got '
                         f'{tuple(joints.shape)}')
    return joints


def _replace_head(joints, neck, head):
    out = joints.copy() if isinstance(joints, np.ndarray) else joints.clone()
    out[..., _NECK, :] = neck
    out[..., _HEAD, :] = head
    return out


def torso_facing(joints):
    """The direction the trunk faces: ``(left − right shoulder) × (thorax − pelvis)``, unit.

    Args:
        joints: ``(..., 17, 3)`` H36M-17 (numpy array or torch tensor), any right-handed
            frame.

    Returns:
        ``(..., 3)`` of the input's kind.
    """
    lateral = joints[..., _LSHO, :] - joints[..., _RSHO, :]
    up = joints[..., _THORAX, :] - joints[..., _PELVIS, :]
    return _unit(_cross(lateral, up))


def estimator_head_from_h36m(joints):
    """H36M-17 with its head on the axis → the same skeleton with the estimator head.

    Args:
        joints: ``(..., 17, 3)`` metres (numpy array or torch tensor; gradients flow);
            ``neck`` on the head axis at nose level, ``head`` at the vertex (the 3D of every
            source here).

    Returns:
        ``(..., 17, 3)`` of the input's kind: a copy with ``neck`` = the nose tip and ``head`` = the
        mid-ear (what :func:`~finephys.structures.coco17_to_h36m17` gives from an estimator's
        COCO/BlazePose points); every other joint unchanged. NaN frames stay NaN.
    """
    joints = _as_joints(joints, 'estimator_head_from_h36m')
    neck = joints[..., _NECK, :]
    up_trunk = joints[..., _THORAX, :] - joints[..., _PELVIS, :]
    axis = _unit(joints[..., _HEAD, :] - neck, fallback=up_trunk)
    # the face looks where the trunk faces, tilted with the head (a nod), never along its axis
    forward = _unit(_reject(torso_facing(joints), axis))
    return _replace_head(joints, neck + NOSE_FORWARD * forward, neck + EAR_ABOVE_NOSE * axis)


def h36m_head_from_estimator(joints):
    """The inverse of :func:`estimator_head_from_h36m`: estimator head → the head axis.

    The nose-to-ear vector ``d`` and the torso's facing span the plane of the head's axis and
    forward direction; in it the axis is ``d`` turned by the fixed angle between ``d`` and the
    axis in :func:`estimator_head_from_h36m`'s head, to the side of the thorax → ear direction.

    Args:
        joints: ``(..., 17, 3)`` metres (numpy array or torch tensor) with ``neck`` = nose tip
            and ``head`` = mid-ear (an estimator's 3D through
            :func:`~finephys.structures.coco17_to_h36m17`).

    Returns:
        ``(..., 17, 3)`` of the input's kind: a copy with ``neck`` on the head axis at nose level
        (``EAR_ABOVE_NOSE`` below the mid-ear) and ``head`` at the vertex
        (``VERTEX_ABOVE_NOSE`` above nose level). Where the estimator head is exactly a
        :func:`estimator_head_from_h36m` head, mapping back gives it again.
    """
    joints = _as_joints(joints, 'h36m_head_from_estimator')
    nose, ear = joints[..., _NECK, :], joints[..., _HEAD, :]
    up_trunk = joints[..., _THORAX, :] - joints[..., _PELVIS, :]
    facing = torso_facing(joints)
    d = _unit(nose - ear, fallback=facing)
    # the in-plane unit perpendicular to d, on the side of the head above the thorax
    w = _unit(_reject(facing, d), fallback=_reject(up_trunk, d))
    xp = _xp(w)
    side = xp.sign(_dot(w, ear - joints[..., _THORAX, :]))
    w = w * xp.where(side == 0, xp.ones_like(side), side)
    # d = cos φ · forward − sin φ · axis, with tan φ = EAR_ABOVE_NOSE / NOSE_FORWARD
    r = np.hypot(NOSE_FORWARD, EAR_ABOVE_NOSE)
    cos_phi, sin_phi = NOSE_FORWARD / r, EAR_ABOVE_NOSE / r
    axis = -sin_phi * d + cos_phi * w
    level = ear - EAR_ABOVE_NOSE * axis
    return _replace_head(joints, level, level + VERTEX_ABOVE_NOSE * axis)
