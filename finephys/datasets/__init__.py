from . import transforms  # noqa: F401  (registers TRANSFORMS)
from .finegym import FineGymVideoDataset, parse_gym99_categories, subset_labels
from .pose3d_npz_dataset import Pose3DNpzDataset
from .samplers import ResumableInfiniteSampler, ResumableSampler
from .seeded_augmentation import SeededAugmentationMixin
from .skeleton_pool import SkeletonPool
from .synthgym_dataset import SynthGymDataset, sample_seed

__all__ = ['SynthGymDataset', 'sample_seed', 'SkeletonPool', 'Pose3DNpzDataset',
           'FineGymVideoDataset', 'parse_gym99_categories', 'subset_labels',
           'ResumableSampler', 'ResumableInfiniteSampler', 'SeededAugmentationMixin']
