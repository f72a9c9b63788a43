from .guidance_features import GuidanceFeatures
from .heatmap_pyramid_encoder import HeatmapPyramidEncoder
from .multi_scale_heatmap_renderer import MultiScaleHeatmapRenderer
from .pose_guider import PoseGuider
from .skeleton_adapter import SkeletonAdapter, unet_residual_spec
from .t2i_skeleton_adapter import T2ISkeletonAdapter

__all__ = ['GuidanceFeatures', 'HeatmapPyramidEncoder', 'MultiScaleHeatmapRenderer',
           'PoseGuider', 'SkeletonAdapter', 'T2ISkeletonAdapter', 'unet_residual_spec']
