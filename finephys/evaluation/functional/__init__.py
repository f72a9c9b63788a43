from .physics_errors import (acceleration_error, ballistic_error, bone_length_drift, foot_skate,
                             jitter, second_difference)
from .pose_errors import mpjpe, n_mpjpe, p_mpjpe, procrustes_align

__all__ = ['mpjpe', 'p_mpjpe', 'n_mpjpe', 'procrustes_align', 'acceleration_error',
           'ballistic_error', 'foot_skate', 'bone_length_drift', 'jitter', 'second_difference']
