from .skeleton import (COCO17, H36M17, SkeletonSpec, bone_lengths, coco17_to_h36m17,
                       flip_keypoints)

__all__ = ['SkeletonSpec', 'H36M17', 'COCO17', 'coco17_to_h36m17', 'bone_lengths',
           'flip_keypoints']
