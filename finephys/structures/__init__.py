from .camera import (DEFAULT_FOCAL_FACTOR, camera_to_pixels, default_intrinsics,
                     normalized_to_pixels, pixels_to_normalized, ray_rotation)
from .head_points import (EAR_ABOVE_NOSE, NOSE_FORWARD, VERTEX_ABOVE_NOSE,
                          estimator_head_from_h36m, h36m_head_from_estimator, torso_facing)
from .skeleton import (COCO17, H36M17, SkeletonSpec, bone_lengths, coco17_to_h36m17,
                       flip_keypoints)

__all__ = ['SkeletonSpec', 'H36M17', 'COCO17', 'coco17_to_h36m17', 'bone_lengths',
           'flip_keypoints', 'default_intrinsics', 'pixels_to_normalized',
           'normalized_to_pixels', 'camera_to_pixels', 'DEFAULT_FOCAL_FACTOR', 'ray_rotation',
           'estimator_head_from_h36m', 'h36m_head_from_estimator', 'torso_facing', 'NOSE_FORWARD',
           'EAR_ABOVE_NOSE', 'VERTEX_ABOVE_NOSE']
