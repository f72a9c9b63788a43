"""ResumableSampler / ResumableInfiniteSampler: mmengine's order, seeded indices, skip."""
import itertools

from mmengine.dataset import DefaultSampler, InfiniteSampler

from finephys.datasets import ResumableInfiniteSampler, ResumableSampler
from finephys.utils.random_state import sample_augmentation_seed


def test_same_order_as_mmengine_with_per_epoch_seeds():
    data = list(range(23))
    ours, theirs = ResumableSampler(data, seed=5), DefaultSampler(data, seed=5)
    for epoch in range(3):
        ours.set_epoch(epoch), theirs.set_epoch(epoch)
        got = list(ours)
        assert [int(i) for i in got] == list(theirs)
        assert [i.seed for i in got] == [sample_augmentation_seed(5, epoch, int(i)) for i in got]


def test_skip_drops_the_first_indices_of_the_next_pass_only():
    s = ResumableSampler(list(range(20)), seed=1)
    s.set_epoch(2)
    full = [int(i) for i in s]
    s.skip(7)
    assert [int(i) for i in s] == full[7:]
    assert [int(i) for i in s] == full          # one pass only


def test_infinite_sampler_skip_restarts_the_stream_even_after_a_prefetch():
    data = list(range(6))
    ours, theirs = ResumableInfiniteSampler(data, seed=2), InfiniteSampler(data, seed=2)
    reference = list(itertools.islice(iter(theirs), 20))
    it = iter(ours)
    assert [int(i) for i in itertools.islice(it, 5)] == reference[:5]   # a prefetching iterator
    ours.skip(9)
    assert [int(i) for i in itertools.islice(iter(ours), 11)] == reference[9:20]
    # pass p of the stream seeds like epoch p
    s = ResumableInfiniteSampler(data, seed=2)
    first = list(itertools.islice(iter(s), 12))
    assert [i.seed for i in first[6:]] == [sample_augmentation_seed(2, 1, int(i))
                                          for i in first[6:]]
