from . import transforms  # noqa: F401  (registers TRANSFORMS)
from .synthgym_dataset import SynthGymDataset, sample_seed

__all__ = ['SynthGymDataset', 'sample_seed']
