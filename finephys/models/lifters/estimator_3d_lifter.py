"""``Estimator3DLifter``: the 2D estimator's own metric 3D, placed in the camera frame.

Some 2D estimators also guess a metric 3D body: MediaPipe BlazePose's *world landmarks*
(hip-centred metres, axes of the image the model saw: x right, y down, z away). Measured on real
video it is a better body shape than a lifter trained on synthetic motion (Pose2Sim's demo:
docs/real_video.md), but it has no position in the camera, it jitters from frame to frame and its
bones stretch. This lifter turns it into the camera-frame sequence every ``LIFTERS`` entry gives,
so the same physics and fusion follow:

1. **root-centred** on the pelvis;
2. **ray-corrected** (``ray_correction``): the model saw a crop around the person, so its axes
   look along the ray to the person, not along the optical axis; the pose is rotated by the
   smallest rotation taking the optical axis to the ray through the detected pelvis;
3. **constant bones** (``constant_bones``): each bone keeps its per-frame direction and gets its
   median length over the clip, rebuilt from the pelvis along the kinematic tree;
4. **placed** by least squares of the reprojection: per frame the root translation ``r`` that
   makes ``X_j + r`` project onto the detected 2D ``u_j`` (score-weighted), from the linear
   equations ``r_x − u_x r_z = u_x Z_j − X_j`` and ``r_y − u_y r_z = u_y Z_j − Y_j`` — the depth
   follows from the metric body size and K (the 2D is in normalised camera coordinates);
5. **snapped to the 2D rays** (``snap_to_rays``): the 2D is sharper in the image plane than the
   estimator's 3D, which is weakest in depth — each joint keeps its depth and takes its image
   position from its 2D (moved onto its ray by its score), then bones are made constant again
   and the root placed again (steps 3–4). Chosen on Pose2Sim's multi-person trial (P-MPJPE
   100.6 → 96.5 mm, reprojection 15.8 → 6.4 px; docs/real_video.md).

The estimator's head is the nose tip and the mid-ear; every other 3D here (training's, the
physics' mass model) has H36M's head axis at nose level and the vertex. The pose is put on the
axis head after step 2 (:func:`~finephys.structures.h36m_head_from_estimator`: the axis is rigid,
the nose tip moves with every nod) and seen as the estimator's head again wherever it meets the
2D (:func:`~finephys.structures.estimator_head_from_h36m`, steps 4 and 5).
"""
from typing import Optional

import torch
import torch.nn as nn

from finephys.registry import LIFTERS
from finephys.structures import (H36M17, estimator_head_from_h36m, h36m_head_from_estimator,
                                 ray_rotation)


def constant_bone_lengths(pose: torch.Tensor, parents, root_index: int = 0) -> torch.Tensor:
    """Rebuild ``(B, T, J, 3)`` poses with each bone's median length over T (directions kept).

    ``parents`` must list every parent before its children (H36M-17's order does)."""
    out = torch.zeros_like(pose)
    out[:, :, root_index] = pose[:, :, root_index]
    for child, parent in enumerate(parents):
        if parent < 0:
            continue
        bone = pose[:, :, child] - pose[:, :, parent]
        length = bone.norm(dim=-1, keepdim=True)
        median = length.median(dim=1, keepdim=True).values
        out[:, :, child] = out[:, :, parent] + bone / length.clamp_min(1e-9) * median
    return out


def solve_root_translation(pose_rel: torch.Tensor, keypoints_2d: torch.Tensor,
                           weights: torch.Tensor, min_depth: float = 0.5) -> torch.Tensor:
    """Per-frame translation ``r`` making ``pose_rel + r`` project onto ``keypoints_2d``.

    Weighted linear least squares of ``r_x − u_x r_z = u_x Z − X`` and ``r_y − u_y r_z =
    u_y Z − Y`` over the joints (the reprojection residual times the joint's depth).

    Args:
        pose_rel: ``(B, T, J, 3)`` metres, root-centred.
        keypoints_2d: ``(B, T, J, 2)`` normalised camera coordinates.
        weights: ``(B, T, J)`` ≥ 0; a frame whose weights are all 0 uses uniform weights.
        min_depth (float): Lower bound of the root's depth (metres).

    Returns:
        torch.Tensor: ``(B, T, 3)``.
    """
    w = weights.clamp_min(0)
    w = torch.where(w.sum(-1, keepdim=True) > 0, w, torch.ones_like(w))
    u, v = keypoints_2d[..., 0], keypoints_2d[..., 1]
    x, y, z = pose_rel.unbind(-1)
    one, zero = torch.ones_like(u), torch.zeros_like(u)
    # rows (B, T, 2J, 3) and right-hand sides (B, T, 2J)
    a = torch.cat([torch.stack([one, zero, -u], -1), torch.stack([zero, one, -v], -1)], -2)
    b = torch.cat([u * z - x, v * z - y], -1)
    ww = torch.cat([w, w], -1)
    ata = torch.einsum('btni,btn,btnj->btij', a, ww, a)
    atb = torch.einsum('btni,btn,btn->bti', a, ww, b)
    ata = ata + 1e-9 * torch.eye(3, dtype=a.dtype, device=a.device)
    r = torch.linalg.solve(ata, atb.unsqueeze(-1)).squeeze(-1)
    return torch.cat([r[..., :2], r[..., 2:].clamp_min(min_depth)], -1)


@LIFTERS.register_module()
class Estimator3DLifter(nn.Module):
    """Lift with the 2D estimator's own metric 3D (see the module docstring). It has no weights:
    a checkpoint's physics and fusion trained on another lifter's output are used as they are.

    The estimator's 3D reaches the model as the input ``keypoints_3d_estimator`` ``(B, T, J, 3)``
    (hip-centred metres, camera-aligned axes; :class:`MediaPipePoseEstimator` gives it, a skeleton
    file may hold it, :class:`SimulateEstimator3D` makes it from SynthGym's truth for training the
    stages after this lifter).

    Args:
        num_joints (int): J (17, H36M-17).
        root_index (int): Pelvis.
        ray_correction (bool): Rotate the pose from the crop's viewing ray to the camera's axes.
        constant_bones (bool): Median bone lengths over the clip (directions per frame).
        snap_to_rays (bool): Image positions from the 2D, depths from the estimator (step 5).
        min_depth (float): Lower bound of the root depth (metres).

    Shapes:
        keypoints_2d ``(B, T, J, 2)`` normalised camera coordinates, scores ``(B, T, J)``,
        keypoints_3d_estimator ``(B, T, J, 3)`` → ``(B, T, J, 3)`` camera-frame metres.
    """

    #: FinePhysSkeleton gives this lifter ``keypoints_3d_estimator``.
    needs_estimator_3d = True

    def __init__(self, num_joints: int = 17, root_index: int = 0, ray_correction: bool = True,
                 constant_bones: bool = True, snap_to_rays: bool = True,
                 min_depth: float = 0.5):
        super().__init__()
        if num_joints != H36M17.num_joints:
            raise ValueError(f'Estimator3DLifter: num_joints={num_joints}; the kinematic tree is '
                             f'H36M-17 ({H36M17.num_joints} joints)')
        self.num_joints, self.root_index = num_joints, root_index
        self.ray_correction, self.constant_bones = bool(ray_correction), bool(constant_bones)
        self.snap_to_rays = bool(snap_to_rays)
        self.min_depth = float(min_depth)

    def forward(self, keypoints_2d: torch.Tensor, scores: Optional[torch.Tensor] = None,
                keypoints_3d_estimator: Optional[torch.Tensor] = None) -> torch.Tensor:
        if keypoints_2d.dim() != 4 or keypoints_2d.shape[2:] != (self.num_joints, 2):
            raise ValueError(f'Estimator3DLifter: keypoints_2d must be (B, T, {self.num_joints}, '
                             f'2), got {tuple(keypoints_2d.shape)}')
        if keypoints_3d_estimator is None:
            raise ValueError('Estimator3DLifter needs the pose estimator\'s metric 3D '
                             '(input "keypoints_3d_estimator"): use a pose estimator that gives '
                             '3D (MediaPipePoseEstimator) or a skeleton file with a '
                             '"keypoints_3d_estimator" array')
        if keypoints_3d_estimator.shape != keypoints_2d.shape[:-1] + (3,):
            raise ValueError(f'Estimator3DLifter: keypoints_3d_estimator must be '
                             f'{tuple(keypoints_2d.shape[:-1]) + (3,)}, got '
                             f'{tuple(keypoints_3d_estimator.shape)}')
        if not torch.isfinite(keypoints_3d_estimator).all():
            raise ValueError('Estimator3DLifter: keypoints_3d_estimator contains NaN/inf (fill '
                             'lost frames first, as SkeletonPipeline does)')
        r = self.root_index
        pose = keypoints_3d_estimator - keypoints_3d_estimator[:, :, r:r + 1]
        if self.ray_correction:
            ray = torch.cat([keypoints_2d[:, :, r], torch.ones_like(keypoints_2d[:, :, r, :1])],
                            -1)
            pose = torch.einsum('btij,btkj->btki', ray_rotation(ray), pose)
        # the head on its axis (the nose tip moves with every nod: only the axis is rigid); it is
        # compared with the 2D as the estimator's head again (estimator_head_from_h36m)
        pose = h36m_head_from_estimator(pose)
        if self.constant_bones:
            pose = constant_bone_lengths(pose, H36M17.parents, r)
        weights = scores if scores is not None else torch.ones_like(keypoints_2d[..., 0])
        root = solve_root_translation(estimator_head_from_h36m(pose), keypoints_2d, weights,
                                      self.min_depth)
        placed = pose + root[:, :, None]
        if not self.snap_to_rays:
            return placed
        placed = estimator_head_from_h36m(placed)
        depth = placed[..., 2:]
        on_ray = torch.cat([keypoints_2d * depth, depth], -1)
        placed = placed + weights.clamp(0, 1)[..., None] * (on_ray - placed)
        pose = h36m_head_from_estimator(placed - placed[:, :, r:r + 1])
        if self.constant_bones:
            pose = constant_bone_lengths(pose, H36M17.parents, r)
        root = solve_root_translation(estimator_head_from_h36m(pose), keypoints_2d, weights,
                                      self.min_depth)
        return pose + root[:, :, None]
