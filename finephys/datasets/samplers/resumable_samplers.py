"""Samplers whose order and augmentation seeds survive a kill and a resume.

They are mmengine's :class:`~mmengine.dataset.DefaultSampler` / :class:`~mmengine.dataset.
InfiniteSampler` (same index order for the same seed, epoch, rank and world size) with two
additions that exact resume needs (docs/reliability.md):

* every index comes out as a :class:`~finephys.utils.random_state.SeededIndex` whose seed is
  :func:`~finephys.utils.random_state.sample_augmentation_seed` ``(seed, epoch, index)``, so a
  sample's random transforms are the same whichever worker, rank or resumed run loads it
  (datasets honour it through :class:`~finephys.datasets.SeededAugmentationMixin`);
* :meth:`skip` drops the first ``n`` indices of the next pass *without loading them*, which is
  how the resumable train loops continue a half-finished epoch.
"""
import itertools
from typing import Iterator

import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler

from finephys.registry import DATA_SAMPLERS
from finephys.utils.random_state import SeededIndex, sample_augmentation_seed


@DATA_SAMPLERS.register_module()
class ResumableSampler(DefaultSampler):
    """:class:`~mmengine.dataset.DefaultSampler` with seeded indices and :meth:`skip`.

    Args:
        dataset (Sized): The dataset.
        shuffle (bool): Shuffle each epoch (permutation seeded by ``seed + epoch``, as mmengine).
        seed (int, optional): Run seed (mmengine's runner passes ``randomness.seed``); None:
            a random seed synchronised across ranks.
        round_up (bool): Pad with repeated indices so every rank gets the same count (as
            mmengine; the padded samples are then seen twice per epoch).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._skip = 0

    def skip(self, num_indices: int) -> None:
        """Make the next ``__iter__`` start after its first ``num_indices`` indices (this rank's).

        Raises:
            ValueError: ``num_indices`` is negative or beyond one epoch of this rank.
        """
        if not 0 <= num_indices <= self.num_samples:
            raise ValueError(f'ResumableSampler.skip({num_indices}): expected 0..'
                             f'{self.num_samples} (indices per epoch on this rank)')
        self._skip = int(num_indices)

    def __iter__(self) -> Iterator[int]:
        indices = list(super().__iter__())
        skip, self._skip = self._skip, 0
        return iter([SeededIndex(i, sample_augmentation_seed(self.seed, self.epoch, i))
                     for i in indices[skip:]])


@DATA_SAMPLERS.register_module()
class ResumableInfiniteSampler(InfiniteSampler):
    """:class:`~mmengine.dataset.InfiniteSampler` with seeded indices and :meth:`skip`.

    The global stream is mmengine's (a fresh permutation per pass over the dataset, from one
    generator seeded with ``seed``); pass ``p`` plays the role of the epoch in the seeds.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._skip = 0

    def skip(self, num_indices: int) -> None:
        """Restart the stream and drop its first ``num_indices`` indices (this rank's), so the
        next ``__iter__`` continues a run that consumed that many (an iterator made earlier may
        already have prefetched from the old stream).

        Raises:
            ValueError: ``num_indices`` is negative.
        """
        if num_indices < 0:
            raise ValueError(f'ResumableInfiniteSampler.skip({num_indices}): expected >= 0')
        self.indices = self._indices_of_rank()
        self._skip = int(num_indices)

    def _infinite_indices(self) -> Iterator[int]:
        g = torch.Generator()
        g.manual_seed(self.seed)
        for p in itertools.count():
            order = (torch.randperm(self.size, generator=g) if self.shuffle
                     else torch.arange(self.size)).tolist()
            yield from (SeededIndex(i, sample_augmentation_seed(self.seed, p, i)) for i in order)

    def __iter__(self) -> Iterator[int]:
        skip, self._skip = self._skip, 0
        # consuming the index generator is cheap: nothing is loaded
        yield from itertools.islice(self.indices, skip, None)
