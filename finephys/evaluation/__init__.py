from .functional import mpjpe, n_mpjpe, p_mpjpe, procrustes_align
from .metrics import Pose3DMetric

__all__ = ['Pose3DMetric', 'mpjpe', 'p_mpjpe', 'n_mpjpe', 'procrustes_align']
