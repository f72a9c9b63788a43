from .complementary_fuser import ComplementaryFuser
from .gated_fuser import LearnedGateFuser
from .projection import project_points

__all__ = ['LearnedGateFuser', 'ComplementaryFuser', 'project_points']
