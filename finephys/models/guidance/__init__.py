from .multi_scale_heatmap_renderer import MultiScaleHeatmapRenderer
from .skeleton_adapter import SkeletonAdapter, unet_residual_spec

__all__ = ['MultiScaleHeatmapRenderer', 'SkeletonAdapter', 'unet_residual_spec']
