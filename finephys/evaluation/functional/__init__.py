from .pose_errors import mpjpe, n_mpjpe, p_mpjpe, procrustes_align

__all__ = ['mpjpe', 'p_mpjpe', 'n_mpjpe', 'procrustes_align']
