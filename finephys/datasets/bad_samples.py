"""Bad samples met mid-epoch: skipped, logged and counted — never a crash in epoch 37."""
import logging
import multiprocessing

from mmengine.logging import print_log

from finephys.utils.errors import InputDataError


class BadSampleError(InputDataError):
    """A sample whose data cannot be used (too few frames, a video whose size disagrees with its
    skeleton, ...). Raised by loaders and transforms with a message naming the file; a training
    dataset skips it, an evaluation dataset stops with it."""


class SkipBadSamplesMixin:
    """Put before :class:`mmengine.dataset.BaseDataset` in a dataset's bases.

    In training (``test_mode=False``) a sample whose loading raises :class:`BadSampleError` or
    ``OSError`` (undecodable video, truncated file) is logged with the reason, counted, and
    replaced by another sample (mmengine's refetch; deterministic under the seeded samplers). In
    evaluation the error propagates: silently evaluating on fewer samples would change the
    result. ``num_bad_samples`` counts across DataLoader workers (a shared counter inherited by
    forked workers); :class:`~finephys.engine.hooks.BadSampleSummaryHook` logs it per epoch.

    When more than half of the samples (distinct indices, counted per process) turn out bad,
    the problem is the data or the config (say ``clip_len`` above every clip's length), not a
    few broken files: loading stops with :class:`BadSampleError` naming the last reason.

    Args:
        skip_bad_samples (bool, optional): Skip (True) or raise (False). None: skip when
            ``test_mode`` is False.
    """

    def __init__(self, *args, skip_bad_samples=None, **kwargs):
        self.skip_bad_samples = skip_bad_samples
        try:   # shared with forked workers; platforms without fork count per process
            self._bad_count = multiprocessing.get_context('fork').Value('q', 0)
        except ValueError:
            self._bad_count = None
        self._bad_local = 0
        self._bad_indices = set()
        super().__init__(*args, **kwargs)
        if self.skip_bad_samples is None:
            self.skip_bad_samples = not self.test_mode
        if self.skip_bad_samples and self.test_mode:
            raise InputDataError(f'{type(self).__name__}: skip_bad_samples=True needs '
                                 'test_mode=False (an evaluation must not silently drop samples)')

    @property
    def num_bad_samples(self) -> int:
        """Samples skipped so far, in this process and every forked worker."""
        return (int(self._bad_count.value) if self._bad_count is not None
                else self._bad_local)

    def __getstate__(self):
        # a spawned worker cannot share the counter: it counts locally (its log lines remain)
        state = dict(self.__dict__)
        state['_bad_count'] = None
        return state

    def prepare_data(self, idx):
        try:
            return super().prepare_data(idx)
        except (BadSampleError, OSError) as err:
            if not self.skip_bad_samples:
                raise
            self._bad_indices.add(int(idx))
            if len(self._bad_indices) > len(self) // 2:
                raise BadSampleError(f'{type(self).__name__}: {len(self._bad_indices)} of '
                                     f'{len(self)} samples are bad — a data or config problem, '
                                     f'not a few broken files; last: {err}') from err
            self._bad_local += 1
            if self._bad_count is not None:
                with self._bad_count.get_lock():
                    self._bad_count.value += 1
            print_log(f'{type(self).__name__}: skipped sample {int(idx)} ({err}); '
                      f'{self.num_bad_samples} skipped so far', logger='current',
                      level=logging.WARNING)
            return None
