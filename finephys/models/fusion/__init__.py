from .gated_fuser import FixedWeightFuser, LearnedGateFuser
from .projection import estimate_intrinsics, project_points

__all__ = ['LearnedGateFuser', 'FixedWeightFuser', 'project_points', 'estimate_intrinsics']
