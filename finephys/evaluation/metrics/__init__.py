from .pose_3d_metric import Pose3DMetric

__all__ = ['Pose3DMetric']
