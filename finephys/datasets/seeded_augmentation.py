"""``SeededAugmentationMixin``: a sample's random transforms depend on its seed, not on the
worker or process that loads it."""
from finephys.utils.random_state import seeded_random_state


class SeededAugmentationMixin:
    """Put before :class:`mmengine.dataset.BaseDataset` in a dataset's bases.

    When the sampler hands out a :class:`~finephys.utils.random_state.SeededIndex` (the
    ``Resumable*Sampler`` s do), ``__getitem__`` — the pipeline and mmengine's refetch of another
    sample when one fails — runs with the global generators seeded from the index's seed and
    restored afterwards. Plain ``int`` indices behave exactly as before. This is what makes a
    resumed or distributed run augment every sample as the uninterrupted single-process run does.
    """

    def __getitem__(self, idx):
        with seeded_random_state(getattr(idx, 'seed', None)):
            return super().__getitem__(idx)
