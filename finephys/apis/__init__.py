"""High-level APIs."""
from .skeleton_inferencer import SkeletonInferencer
from .skeleton_io import load_skeleton_file

__all__ = ['SkeletonInferencer', 'load_skeleton_file']
