from .motion_director_losses import MotionDirectorLoss, debias_appearance
from .pose_losses import MPJPELoss, RootTrajectoryLoss

__all__ = ['MPJPELoss', 'RootTrajectoryLoss', 'MotionDirectorLoss', 'debias_appearance']
