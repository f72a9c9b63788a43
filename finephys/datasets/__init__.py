from . import transforms  # noqa: F401  (registers TRANSFORMS)
from .finegym import SKIP_REASONS, FineGymSkeletonDataset, FineGymVideoDataset
from .finegym_annotations import (FINEGYM_SUBSETS, ElementId, format_element_id,
                                  format_event_id, parse_element_id, parse_finegym_categories,
                                  parse_gym99_categories, subset_labels)
from .pose3d_npz_dataset import Pose3DNpzDataset
from .samplers import ResumableInfiniteSampler, ResumableSampler
from .seeded_augmentation import SeededAugmentationMixin
from .skeleton_pool import SkeletonPool
from .synthgym_dataset import SynthGymDataset, sample_seed
from .text_expansion import GYM99_FX_DESCRIPTIONS, TextExpander, load_descriptions
from .io import VideoProbeCache, probe_video, read_pyskl_annotations

__all__ = ['SynthGymDataset', 'sample_seed', 'SkeletonPool', 'Pose3DNpzDataset',
           'FineGymSkeletonDataset', 'FineGymVideoDataset', 'SKIP_REASONS',
           'read_pyskl_annotations', 'FINEGYM_SUBSETS', 'ElementId', 'parse_element_id',
           'format_event_id', 'format_element_id', 'parse_finegym_categories',
           'parse_gym99_categories', 'subset_labels', 'GYM99_FX_DESCRIPTIONS', 'TextExpander',
           'load_descriptions', 'VideoProbeCache', 'probe_video',
           'ResumableSampler', 'ResumableInfiniteSampler', 'SeededAugmentationMixin']
