"""``HeatmapPoseEstimator``: online 2D pose from a trained :class:`KeypointHeatmapModel`."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from finephys.registry import MODELS, POSE_ESTIMATORS


@POSE_ESTIMATORS.register_module()
class HeatmapPoseEstimator(nn.Module):
    """2D keypoints per frame (H36M-17) from a heatmap model trained with this project's config
    (``configs/pose_estimators/``, e.g. on SynthGym renders), loaded with torch's safe loader.

    One person per frame, whole-frame input (frames must have the size the model was trained
    at, a multiple of its stride). It gives SynthGym-style video an online-2D path and scores
    generated frames in :class:`GuidanceFidelityMetric` (PCK against the guidance keypoints).

    Args:
        config (str): The model's training config (its ``model`` entry is built).
        checkpoint (str): Trained weights (``tools/train.py`` output).
        device (str): ``'cpu'``, ``'cuda:0'``, ...
        batch_size (int): Frames per forward.
        channel_order (str): Of the frames given to :meth:`forward`: ``'bgr'`` (as the other
            ``POSE_ESTIMATORS`` and OpenCV) or ``'rgb'``.
    """

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu',
                 batch_size: int = 256, channel_order: str = 'bgr'):
        super().__init__()
        from mmengine.config import Config
        from mmengine.runner import load_checkpoint
        for name, path in (('config', config), ('checkpoint', checkpoint)):
            if path is None or not osp.isfile(path):
                raise FileNotFoundError(f'HeatmapPoseEstimator: {name} not found: {path}')
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"HeatmapPoseEstimator: channel_order={channel_order!r} "
                             "(expected 'bgr' or 'rgb')")
        cfg = Config.fromfile(config)
        self.model = MODELS.build(cfg.model)
        load_checkpoint(self.model, checkpoint, map_location='cpu')
        self.model.to(device).eval()
        self.device, self.batch_size, self.channel_order = device, batch_size, channel_order

    @torch.no_grad()
    def forward(self, frames: np.ndarray, boxes: Optional[Sequence] = None):
        """Args:
            frames: ``(T, H, W, 3)`` uint8 in ``channel_order``.
            boxes: Ignored (whole-frame, one person); accepted for interface parity.

        Returns:
            tuple: H36M-17 ``keypoints (T, 17, 2)`` pixels and ``scores (T, 17)`` in [0, 1].
        """
        frames = np.asarray(frames)
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise ValueError(f'HeatmapPoseEstimator: frames must be (T, H, W, 3) uint8, got '
                             f'{frames.shape} {frames.dtype}')
        if self.channel_order == 'bgr':
            frames = frames[..., ::-1]
        kps, scores = [], []
        for start in range(0, len(frames), self.batch_size):
            batch = torch.from_numpy(np.ascontiguousarray(frames[start:start + self.batch_size]))
            k, s = self.model.detect(batch.to(self.device))
            kps.append(k.cpu().numpy())
            scores.append(s.cpu().numpy())
        return np.concatenate(kps).astype(np.float32), np.concatenate(scores).astype(np.float32)
