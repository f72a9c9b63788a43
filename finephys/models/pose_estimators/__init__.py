from .annotation_pose_estimator import AnnotationPoseEstimator
from .mmpose_topdown_estimator import MMPoseTopDownEstimator

__all__ = ['AnnotationPoseEstimator', 'MMPoseTopDownEstimator']
