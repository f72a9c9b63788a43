from .animatediff_generator import SPATIAL_TARGETS, TEMPORAL_TARGETS, AnimateDiffGenerator
from .pretrained_folders import (check_pretrained_folder, write_tiny_motion_adapter,
                                 write_tiny_sd15_folder)

__all__ = ['AnimateDiffGenerator', 'SPATIAL_TARGETS', 'TEMPORAL_TARGETS',
           'check_pretrained_folder', 'write_tiny_sd15_folder', 'write_tiny_motion_adapter']
