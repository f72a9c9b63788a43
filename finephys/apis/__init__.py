"""High-level APIs."""
from finephys.datasets.io import load_skeleton_file, read_skeleton_input

from .finephys_inferencer import FinePhysInferencer
from .pose_estimator_config import pose_estimator_config, video_pose_estimator
from .skeleton_inferencer import SkeletonInferencer

__all__ = ['SkeletonInferencer', 'FinePhysInferencer', 'load_skeleton_file', 'read_skeleton_input',
           'pose_estimator_config', 'video_pose_estimator']
