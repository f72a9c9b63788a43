from .complementary_fuser import ComplementaryFuser
from .gated_fuser import FixedWeightFuser, LearnedGateFuser
from .projection import estimate_intrinsics, project_points

__all__ = ['LearnedGateFuser', 'FixedWeightFuser', 'ComplementaryFuser', 'project_points', 'estimate_intrinsics']
