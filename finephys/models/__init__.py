from . import (fusion, generators, guidance, lifters, losses, physics, wrappers,  # noqa: F401
               pose_estimators)
from .finephys import FinePhys
from .finephys_skeleton import FinePhysSkeleton
from .keypoint_heatmap_model import KeypointHeatmapModel
from .pose_lifting_model import PoseLiftingModel

__all__ = ['PoseLiftingModel', 'FinePhysSkeleton', 'FinePhys', 'KeypointHeatmapModel']
