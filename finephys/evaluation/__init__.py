from .functional import mpjpe, n_mpjpe, p_mpjpe, procrustes_align
from .metrics import GuidanceFidelityMetric, PhysicsMetric, Pose3DMetric

__all__ = ['Pose3DMetric', 'PhysicsMetric', 'GuidanceFidelityMetric', 'mpjpe', 'p_mpjpe', 'n_mpjpe', 'procrustes_align']
