from .annotation_pose_estimator import AnnotationPoseEstimator
from .heatmap_codec import decode_heatmaps
from .heatmap_pose_estimator import HeatmapPoseEstimator
from .heatmap_pose_net import HeatmapPoseNet
from .mmpose_topdown_estimator import MMPoseTopDownEstimator

__all__ = ['AnnotationPoseEstimator', 'HeatmapPoseEstimator', 'HeatmapPoseNet',
           'MMPoseTopDownEstimator', 'decode_heatmaps']
