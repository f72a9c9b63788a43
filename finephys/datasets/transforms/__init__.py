from .formatting import PackSkeletonInputs
from .skeleton_transforms import (NormalizeKeypoints2D, RandomFlipSkeleton, RootRelative3D,
                                  SampleFrames)

__all__ = ['SampleFrames', 'NormalizeKeypoints2D', 'RootRelative3D', 'RandomFlipSkeleton',
           'PackSkeletonInputs']
