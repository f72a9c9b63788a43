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


def video_pose_estimator(skeleton_config: str, given: Optional[dict] = None,
                         options: Optional[dict] = None) -> Optional[dict]:
    """The ``POSE_ESTIMATORS`` config a skeleton model's videos go through, with ``options``
    (``--pose-options KEY=VALUE ...``) set on it.

    Args:
        skeleton_config (str): The skeleton model's config file (its own ``pose_estimator``
            entry, where it has one, is the default: the estimator-3D configs ask for BlazePose
            heavy with its flip test).
        given (dict, optional): An estimator given instead (``--pose-config``).
        options (dict, optional): Arguments to set on it, e.g. ``model_complexity=1,
            flip_test=False`` for MediaPipe at camera rate.

    Returns:
        dict | None: None when nothing is given or set (the pipeline then takes the config's
        own entry or plain MediaPipe itself).
    """
    if not options:
        return given
    if given is None:
        from mmengine.config import Config

        from finephys.models.skeleton_pipeline import config_pose_estimator
        given = config_pose_estimator(Config.fromfile(skeleton_config))
    return dict(dict(given), **options)
