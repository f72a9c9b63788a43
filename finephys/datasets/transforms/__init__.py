from .estimator_3d import SimulateEstimator3D
from .formatting import PackSkeletonInputs
from .missing_keypoints import SimulateMissingFrames
from .skeleton_transforms import (CompleteContactLabels, NormalizeKeypoints2D,
                                  RandomFlipSkeleton, RootRelative3D, SampleFrames)
from .video_transforms import LoadVideoFrames, SkeletonCropResize

__all__ = ['SampleFrames', 'NormalizeKeypoints2D', 'RootRelative3D', 'RandomFlipSkeleton',
           'PackSkeletonInputs', 'LoadVideoFrames', 'SkeletonCropResize',
           'SimulateMissingFrames', 'SimulateEstimator3D', 'CompleteContactLabels']
