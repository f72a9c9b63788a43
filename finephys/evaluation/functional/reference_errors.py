"""Errors of a 3D sequence against a reference 3D that may have gaps (e.g. multi-view
triangulation of real video, where a joint seen by too few views is NaN)."""
import numpy as np

from finephys.structures import bone_lengths

from .physics_errors import root_error
from .pose_errors import mpjpe, p_mpjpe, procrustes_align

#: The scalar keys of :func:`reference_pose_errors` that are averaged over clips.
REFERENCE_ERROR_KEYS = ('mpjpe', 'p_mpjpe', 'accel', 'bone_cv', 'root')


def reference_pose_errors(pred, ref, body=None):
    """MPJPE / P-MPJPE / root error (mm), bone-length variation (%) and acceleration error
    (mm/frame²) on the frames where both ``pred`` and ``ref`` are whole.

    Args:
        pred, ref: ``(T, J, 3)`` metres, the same camera frame (``ref`` may hold NaN).
        body: ``(T, J, 3)``, optional: the skeleton whose bone variation is measured, where
            ``pred`` holds points compared with the reference that are not the body's joints
            (the estimator's head of an axis-head skeleton: the nose tip moves with each nod,
            the head's axis does not). Default: ``pred``.

    Returns:
        dict: ``mpjpe`` (pelvis-aligned), ``root`` (camera-frame root), ``p_mpjpe``
        (per-frame similarity), ``frames`` (used), ``p_mpjpe_per_joint`` (list, mm),
        ``bone_cv`` (std / mean of each bone over the clip, %, averaged over bones: 0 for a rigid
        body), ``accel`` (pelvis-aligned joints, over the frames whose two neighbours are whole
        too — acceleration needs consecutive frames; NaN when no such triple exists).
    """
    ok = np.isfinite(ref).all((1, 2)) & np.isfinite(pred).all((1, 2))
    p, r = pred[ok], ref[ok]
    out = dict(mpjpe=1e3 * float(mpjpe(p, r, root_index=0).mean()),
               root=1e3 * root_error(p, r),
               p_mpjpe=1e3 * float(p_mpjpe(p, r).mean()), frames=int(ok.sum()),
               p_mpjpe_per_joint=(1e3 * np.linalg.norm(procrustes_align(p, r) - r, axis=-1)
                                  .mean(0)).round(1).tolist())
    bl = bone_lengths(p if body is None else np.asarray(body, np.float64)[ok])
    out['bone_cv'] = 100 * float((bl.std(0) / bl.mean(0)).mean())
    # second differences only where frames t - 1, t, t + 1 are all whole (the reference may
    # miss a frame where too few views saw the body)
    triple = ok[2:] & ok[1:-1] & ok[:-2]
    if triple.any():
        rp, rr = pred - pred[:, :1], ref - ref[:, :1]
        acc = (rp[2:] - 2 * rp[1:-1] + rp[:-2]) - (rr[2:] - 2 * rr[1:-1] + rr[:-2])
        out['accel'] = 1e3 * float(np.linalg.norm(acc[triple], axis=-1).mean())
    else:
        out['accel'] = float('nan')
    return out


def still_pose_errors(ref):
    """The errors of a skeleton that does not move: the reference's own median pose
    (pelvis-relative) held still, at the reference's pelvis — an oracle for the pose, and no
    motion at all.

    Its ``accel`` is the reference's own acceleration (a still skeleton's second differences are
    0): the floor of :func:`reference_pose_errors`' acceleration column. On a clip of slow motion
    that acceleration is mostly the triangulation's noise, so a prediction can score below it
    only by following that noise; its ``p_mpjpe`` says how much pose the clip changes.

    Args:
        ref: ``(T, J, 3)`` metres (may hold NaN).

    Returns:
        dict: :func:`reference_pose_errors` of the still skeleton (``root`` is 0 by
        construction, ``bone_cv`` that of the median pose: 0).
    """
    ref = np.asarray(ref, np.float64)
    pose = np.nanmedian(ref - ref[:, :1], axis=0)
    return reference_pose_errors(pose[None] + ref[:, :1], ref)
