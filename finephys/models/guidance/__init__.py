from .multi_scale_heatmap_renderer import MultiScaleHeatmapRenderer

__all__ = ['MultiScaleHeatmapRenderer']
