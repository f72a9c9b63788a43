from .pose_losses import MPJPELoss, RootTrajectoryLoss

__all__ = ['MPJPELoss', 'RootTrajectoryLoss']
