"""Which ``POSE_ESTIMATORS`` entry a ``--pose-config`` file asks for."""
import os.path as osp
from typing import Optional


def pose_estimator_config(config: str, checkpoint: Optional[str] = None) -> dict:
    """``POSE_ESTIMATORS`` config for a pose model config file: this project's heatmap detector
    (a config whose ``model.type`` is ``KeypointHeatmapModel``, e.g.
    ``configs/pose_estimators/*.py``) → :class:`HeatmapPoseEstimator`; anything else is taken
    as an mmpose top-down config → :class:`MMPoseTopDownEstimator`.

    Raises:
        FileNotFoundError: ``config`` does not exist.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'pose config not found: {config}')
    from mmengine.config import Config
    model = Config.fromfile(config).get('model', {})
    if model.get('type') == 'KeypointHeatmapModel':
        return dict(type='HeatmapPoseEstimator', config=config, checkpoint=checkpoint)
    return dict(type='MMPoseTopDownEstimator', config=config, checkpoint=checkpoint)
