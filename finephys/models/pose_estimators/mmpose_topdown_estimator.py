"""``MMPoseTopDownEstimator``: online 2D pose estimation with an mmpose top-down model."""
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from finephys.registry import POSE_ESTIMATORS
from finephys.structures import coco17_to_h36m17


@POSE_ESTIMATORS.register_module()
class MMPoseTopDownEstimator(nn.Module):
    """2D keypoints per frame from an mmpose top-down model (RTMPose, HRNet, ...), COCO-17 →
    H36M-17.

    Frames are batched through the model's own test pipeline (``batch_size`` crops per forward,
    unlike ``mmpose.apis.inference_topdown``'s one image per call). The person box per frame comes
    from, in order: the ``boxes`` given to :meth:`forward` (a track), an mmdet detector (highest
    scoring person), or the whole frame.

    Args:
        config (str): mmpose model config (e.g. the RTMPose/HRNet COCO configs inside the mmpose
            package, ``mmpose/.mim/configs/body_2d_keypoint/...``).
        checkpoint (str, optional): Local checkpoint path (None: random weights, for tests).
        device (str): ``'cpu'``, ``'cuda:0'``, ...
        det_config / det_checkpoint (str, optional): mmdet detector for person boxes.
        det_score_thr (float): Minimum person-box score.
        batch_size (int): Crops per forward.
    """

    def __init__(self, config: str, checkpoint: Optional[str] = None, device: str = 'cpu',
                 det_config: Optional[str] = None, det_checkpoint: Optional[str] = None,
                 det_score_thr: float = 0.3, batch_size: int = 16):
        super().__init__()
        import os.path as osp
        for name, path in (('config', config), ('checkpoint', checkpoint),
                           ('det_config', det_config), ('det_checkpoint', det_checkpoint)):
            if path is not None and not osp.isfile(path):
                raise FileNotFoundError(f'MMPoseTopDownEstimator: {name} not found: {path}')
        from mmpose.apis import init_model
        with DefaultScope.overwrite_default_scope('mmpose'):
            self.pose_model = init_model(config, checkpoint, device=device)
        self.detector = None
        if det_config is not None:
            from mmdet.apis import init_detector
            with DefaultScope.overwrite_default_scope('mmdet'):
                self.detector = init_detector(det_config, det_checkpoint, device=device)
        self.det_score_thr, self.batch_size = det_score_thr, batch_size
        with DefaultScope.overwrite_default_scope('mmpose'):
            self.pipeline = Compose(self.pose_model.cfg.test_dataloader.dataset.pipeline)

    def detect_people(self, frames):
        """Highest-scoring person box per frame ``(T, 4)`` xyxy (the whole frame when none)."""
        t, h, w = frames.shape[:3]
        boxes = np.tile(np.array([0, 0, w, h], np.float32), (t, 1))
        if self.detector is None:
            return boxes
        from mmdet.apis import inference_detector
        with DefaultScope.overwrite_default_scope('mmdet'):
            for i, frame in enumerate(frames):
                inst = inference_detector(self.detector, frame).pred_instances
                keep = (inst.labels == 0) & (inst.scores >= self.det_score_thr)
                if keep.any():
                    best = inst.scores[keep].argmax()
                    boxes[i] = inst.bboxes[keep][best].cpu().numpy()
        return boxes

    @torch.no_grad()
    def forward(self, frames: np.ndarray, boxes: Optional[Sequence] = None):
        """Args:
            frames: ``(T, H, W, 3)`` uint8 **BGR** (as mmpose/OpenCV read images).
            boxes: optional ``(T, 4)`` xyxy person boxes (a track).

        Returns:
            tuple: H36M-17 ``keypoints (T, 17, 2)`` pixels and ``scores (T, 17)``.
        """
        frames = np.asarray(frames)
        if frames.ndim != 4 or frames.shape[-1] != 3:
            raise ValueError(f'MMPoseTopDownEstimator: frames must be (T, H, W, 3), got '
                             f'{frames.shape}')
        boxes = self.detect_people(frames) if boxes is None else np.asarray(boxes, np.float32)
        if boxes.shape != (len(frames), 4):
            raise ValueError(f'MMPoseTopDownEstimator: boxes must be (T, 4) = ({len(frames)}, 4),'
                             f' got {boxes.shape}')
        kps, scores = [], []
        with DefaultScope.overwrite_default_scope('mmpose'):
            for start in range(0, len(frames), self.batch_size):
                items = []
                for frame, box in zip(frames[start:start + self.batch_size],
                                      boxes[start:start + self.batch_size]):
                    info = dict(img=frame, bbox=box[None], bbox_score=np.ones(1, np.float32))
                    info.update(self.pose_model.dataset_meta)
                    items.append(self.pipeline(info))
                for sample in self.pose_model.test_step(pseudo_collate(items)):
                    kps.append(sample.pred_instances.keypoints[0])
                    scores.append(sample.pred_instances.keypoint_scores[0])
        coco, coco_scores = np.stack(kps), np.clip(np.stack(scores), 0.0, 1.0)
        return coco17_to_h36m17(coco, coco_scores)
