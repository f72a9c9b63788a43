from .motion_director_losses import MotionDirectorLoss, debias_appearance
from .pose_losses import MPJPELoss, NMPJPELoss, RootTrajectoryLoss, VelocityLoss

__all__ = ['MPJPELoss', 'NMPJPELoss', 'VelocityLoss', 'RootTrajectoryLoss',
           'MotionDirectorLoss', 'debias_appearance']
