from .physics_errors import (acceleration_error, angular_momentum_drift, ballistic_error,
                             bone_length_drift, discrete_angular_momentum, flight_segments,
                             foot_skate, ground_contacts, jitter, root_error,
                             second_difference)
from .smoothers import (SMOOTHER_GRIDS, SMOOTHERS, apply_smoother, butterworth_smooth, params_key,
                        rts_smooth, savgol_smooth, select_smoother_params, smoother_grid)
from .frechet_distance import (InsufficientSamplesError, frechet_distance,
                               frechet_distance_from_features, gaussian_statistics)
from .keypoint_pck import pck, torso_size
from .pose_errors import mpjpe, n_mpjpe, p_mpjpe, procrustes_align
from .reference_filters import (POSE2SIM_FILTER, hampel_filter, pose2sim_reference_filter,
                                split_acceleration_disagreement)
from .reference_errors import REFERENCE_ERROR_KEYS, reference_pose_errors, still_pose_errors

__all__ = ['mpjpe', 'p_mpjpe', 'n_mpjpe', 'procrustes_align', 'acceleration_error',
           'ballistic_error', 'foot_skate', 'ground_contacts', 'bone_length_drift', 'jitter',
           'second_difference',
           'angular_momentum_drift', 'discrete_angular_momentum', 'flight_segments', 'root_error',
           'SMOOTHER_GRIDS', 'SMOOTHERS', 'apply_smoother', 'butterworth_smooth', 'rts_smooth',
           'savgol_smooth', 'select_smoother_params', 'smoother_grid', 'params_key', 'pck',
           'torso_size', 'frechet_distance', 'frechet_distance_from_features',
           'gaussian_statistics', 'InsufficientSamplesError', 'reference_pose_errors',
           'still_pose_errors', 'REFERENCE_ERROR_KEYS', 'POSE2SIM_FILTER', 'hampel_filter',
           'pose2sim_reference_filter', 'split_acceleration_disagreement']
