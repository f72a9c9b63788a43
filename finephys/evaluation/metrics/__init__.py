from .clip_sim_metric import CLIPSimMetric
from .fvd_metric import ClipFeatureCache, FVDMetric
from .guidance_fidelity_metric import GuidanceFidelityMetric
from .keypoint_2d_metric import Keypoint2DMetric
from .motion_plausibility_metric import MotionPlausibilityMetric
from .physics_metric import PhysicsMetric
from .pickscore_metric import PickScoreMetric
from .pose_3d_metric import Pose3DMetric
from .reference_pose_metric import ReferencePoseMetric
from .reprojection_2d_metric import Reprojection2DMetric

__all__ = ['Pose3DMetric', 'PhysicsMetric', 'GuidanceFidelityMetric', 'Keypoint2DMetric',
           'Reprojection2DMetric', 'FVDMetric', 'ClipFeatureCache', 'CLIPSimMetric',
           'PickScoreMetric', 'MotionPlausibilityMetric', 'ReferencePoseMetric']
