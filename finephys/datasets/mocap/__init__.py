"""Real motion capture readers (DeepMimic, Isaac Lab AMP, holosoma, BVH), the BVH writer and the
real-motion set builder."""
from .bvh import BVH_NAME_MAPS, BVHError, bvh_forward_kinematics, bvh_to_h36m17, read_bvh
from .bvh_writer import write_bvh
from .deepmimic import (H36M_FROM_DEEPMIMIC, deepmimic_forward_kinematics, deepmimic_motion_dir,
                        deepmimic_to_h36m17, read_deepmimic_motion, resample_motion)
from .holosoma import (H36M_FROM_HOLOSOMA, holosoma_climb_files, holosoma_joint_names,
                       holosoma_package_dir, holosoma_to_h36m17)
from .isaaclab_amp import (H36M_FROM_AMP_BODY, ISAACLAB_AMP_MOTIONS, isaaclab_amp_motion_dir,
                           read_isaaclab_amp)
from .realmotion import build_realmotion_clips, contact_labels
from .resampling import spline_resample

__all__ = ['read_bvh', 'bvh_forward_kinematics', 'bvh_to_h36m17', 'BVH_NAME_MAPS', 'BVHError',
           'read_deepmimic_motion', 'resample_motion', 'deepmimic_forward_kinematics',
           'deepmimic_to_h36m17', 'deepmimic_motion_dir', 'H36M_FROM_DEEPMIMIC',
           'read_isaaclab_amp', 'isaaclab_amp_motion_dir', 'ISAACLAB_AMP_MOTIONS',
           'H36M_FROM_AMP_BODY', 'holosoma_to_h36m17', 'holosoma_joint_names',
           'holosoma_climb_files', 'holosoma_package_dir', 'H36M_FROM_HOLOSOMA',
           'build_realmotion_clips', 'contact_labels', 'spline_resample', 'write_bvh']
