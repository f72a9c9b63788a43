"""``PoseLiftingModel``: a lifter trained on (2D, 3D) clips — the baseline skeleton model."""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from finephys.registry import MODELS


@MODELS.register_module()
class PoseLiftingModel(BaseModel):
    """2D → 3D lifting with any registered lifter.

    Args:
        lifter (dict): Config of a LIFTERS module: ``(B, T, J, 2), (B, T, J) → (B, T, J, 3)``.
        pose_loss (dict | list[dict]): Loss(es) on root-relative poses (default
            :class:`MPJPELoss`). One loss is logged as ``loss_pose``; a list (e.g. MPJPE +
            0.5·N-MPJPE + 20·velocity, MotionBERT's and Skeleton-in-Context's) as
            ``loss_pose_<loss_name>`` each.
        trajectory_loss (dict, optional): Loss on the root trajectory (default
            :class:`RootTrajectoryLoss`); None to train poses only.
        root_index (int): Root joint.
        data_preprocessor (dict, optional): MMEngine data preprocessor.
        init_cfg (dict, optional): Init config.

    Inputs (packed by ``PackSkeletonInputs``): ``inputs['keypoints_2d_norm'] (B, T, J, 2)``,
    ``inputs['keypoint_scores'] (B, T, J)``; targets ``data_samples['keypoints_3d']
    (B, T, J, 3)`` camera frame, metres.
    """

    def __init__(self, lifter: dict, pose_loss: Optional[dict] = None,
                 trajectory_loss: Optional[dict] = dict(type='RootTrajectoryLoss',
                                                        loss_weight=0.5),
                 root_index: int = 0, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.lifter = MODELS.build(lifter)
        pose_loss = pose_loss or dict(type='MPJPELoss')
        single = isinstance(pose_loss, dict)
        self.pose_losses = nn.ModuleList(
            MODELS.build(c) for c in ([pose_loss] if single else pose_loss))
        self.pose_loss_names = ['loss_pose'] if single else [
            f'loss_pose_{getattr(m, "loss_name", type(m).__name__)}' for m in self.pose_losses]
        if len(set(self.pose_loss_names)) != len(self.pose_loss_names):
            raise ValueError(f'PoseLiftingModel: pose_loss names {self.pose_loss_names} repeat; '
                             'give each loss type once')
        self.trajectory_loss = MODELS.build(trajectory_loss) if trajectory_loss else None
        self.root_index = root_index

    def _lift(self, inputs):
        kp = inputs['keypoints_2d_norm']
        if not torch.isfinite(kp).all():
            raise ValueError('PoseLiftingModel: keypoints_2d_norm contains NaN/inf')
        if inputs.get('source_id') is not None and getattr(self.lifter, 'takes_source_ids', False):
            # an in-context lifter never prompts a training clip with its own motion
            return self.lifter(kp, inputs.get('keypoint_scores'),
                               prompt_exclude=inputs['source_id'])
        return self.lifter(kp, inputs.get('keypoint_scores'))

    def forward(self, inputs: Dict[str, torch.Tensor], data_samples: Optional[dict] = None,
                mode: str = 'tensor'):
        if mode == 'tensor':
            return self._lift(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f"PoseLiftingModel mode={mode!r}: expected 'tensor', 'loss' or "
                         "'predict'")

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        pred = self._lift(inputs)
        target = data_samples['keypoints_3d']
        r = self.root_index
        rel = lambda x: x - x[:, :, r:r + 1]
        losses = {name: loss(rel(pred), rel(target))
                  for name, loss in zip(self.pose_loss_names, self.pose_losses)}
        if self.trajectory_loss is not None:
            losses['loss_traj'] = self.trajectory_loss(pred[:, :, r], target[:, :, r])
        return losses

    def predict(self, inputs, data_samples=None) -> List[dict]:
        pred = self._lift(inputs)
        return [dict(pred_keypoints_3d=p) for p in pred]
