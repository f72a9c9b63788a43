"""Real motion capture readers (DeepMimic, BVH), the BVH writer and the real-motion evaluation
set builder."""
from .bvh import BVH_NAME_MAPS, BVHError, bvh_forward_kinematics, bvh_to_h36m17, read_bvh
from .bvh_writer import write_bvh
from .deepmimic import (H36M_FROM_DEEPMIMIC, deepmimic_forward_kinematics, deepmimic_motion_dir,
                        deepmimic_to_h36m17, read_deepmimic_motion, resample_motion)
from .realmotion import build_realmotion_clips, contact_labels
from .resampling import spline_resample

__all__ = ['read_bvh', 'bvh_forward_kinematics', 'bvh_to_h36m17', 'BVH_NAME_MAPS', 'BVHError',
           'read_deepmimic_motion', 'resample_motion', 'deepmimic_forward_kinematics',
           'deepmimic_to_h36m17', 'deepmimic_motion_dir', 'H36M_FROM_DEEPMIMIC',
           'build_realmotion_clips', 'contact_labels', 'spline_resample', 'write_bvh']
