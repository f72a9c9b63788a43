from .annotation_pose_estimator import AnnotationPoseEstimator
from .heatmap_codec import decode_heatmaps
from .heatmap_pose_estimator import HeatmapPoseEstimator
from .heatmap_pose_net import HeatmapPoseNet
from .mediapipe_pose_estimator import MediaPipePoseEstimator
from .mmpose_topdown_estimator import MMPoseTopDownEstimator
from .person_tracker import SinglePersonTracker

__all__ = ['AnnotationPoseEstimator', 'HeatmapPoseEstimator', 'HeatmapPoseNet',
           'MediaPipePoseEstimator', 'MMPoseTopDownEstimator', 'SinglePersonTracker',
           'decode_heatmaps']
