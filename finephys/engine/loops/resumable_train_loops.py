"""Train loops that continue a killed run exactly where its last checkpoint left it.

mmengine's loops restart an epoch-based run at the start of the checkpoint's epoch (a mid-epoch
checkpoint would repeat the iterations already done) and advance an iteration-based run by
*loading* every batch already trained on. These continue from the checkpoint's iteration:
the sampler skips the indices already consumed (:meth:`~finephys.datasets.ResumableSampler.
skip`, nothing is loaded); with another sampler the batches are drawn and dropped, with a
warning. Together with the ``Resumable*Sampler`` s (seeded per-sample augmentation) and
:class:`~finephys.engine.hooks.TrainRandomStateHook` (the training random stream) a resumed run
ends with the weights of the uninterrupted one, bit for bit on CPU (docs/reliability.md).
"""
import itertools
import logging

from mmengine.dataset import InfiniteSampler
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from finephys.registry import LOOPS


def _skip_samples(dataloader, num_batches: int) -> bool:
    """Tell ``dataloader``'s sampler to skip ``num_batches`` batches of its next pass.

    Returns:
        bool: False when the sampler cannot skip (the caller drops batches instead).
    """
    if num_batches <= 0:
        return True
    sampler = getattr(dataloader, 'sampler', None)
    if not hasattr(sampler, 'skip') or dataloader.batch_size is None:
        return False
    sampler.skip(num_batches * dataloader.batch_size)
    return True


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """:class:`~mmengine.runner.EpochBasedTrainLoop` that resumes mid-epoch.

    Same arguments. A checkpoint written after iteration ``i`` of epoch ``e`` (an
    :class:`~finephys.engine.hooks.AtomicCheckpointHook` with ``iter_interval``) resumes at
    batch ``i + 1`` of epoch ``e``; batch indices passed to hooks are those of the uninterrupted
    run, so logging intervals line up.
    """

    def run_epoch(self) -> None:
        done = self._iter - self._epoch * len(self.dataloader)
        if not 0 <= done < len(self.dataloader):
            done = 0
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        batches = self.dataloader
        if done and not _skip_samples(self.dataloader, done):
            print_log(f'resume: the sampler cannot skip; loading and dropping {done} batches',
                      logger='current', level=logging.WARNING)
            batches = itertools.islice(self.dataloader, done, None)
        elif done:
            print_log(f'resume: continuing epoch {self._epoch + 1} at batch {done + 1}/'
                      f'{len(self.dataloader)}', logger='current')
        for idx, data_batch in enumerate(batches, start=done):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """:class:`~mmengine.runner.IterBasedTrainLoop` that resumes without re-loading the data.

    Same arguments. With a :class:`~finephys.datasets.ResumableInfiniteSampler` the stream skips
    ``iter × batch_size`` indices; with a finite :class:`~finephys.datasets.ResumableSampler`
    (the loop restarts the dataloader at each pass, as mmengine's does) the pass and the position
    inside it are restored.
    """

    def run(self):
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        if self._iter > 0:
            self._advance_to(self._iter)
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0 or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def _advance_to(self, num_iters: int) -> None:
        """Position the data stream after ``num_iters`` batches."""
        loader, sampler = self.dataloader, getattr(self.dataloader, 'sampler', None)
        if not isinstance(sampler, InfiniteSampler) and hasattr(sampler, 'set_epoch'):
            passes, within = divmod(num_iters, len(loader))
            sampler.set_epoch(passes)
            can_skip = _skip_samples(loader, within)
        else:
            passes, within = 0, num_iters
            can_skip = _skip_samples(loader, num_iters)
        if not can_skip:
            print_log(f'resume: the sampler cannot skip; loading and dropping {num_iters} '
                      'batches', logger='current', level=logging.WARNING)
            for _ in range(num_iters):
                next(self.dataloader_iterator)
            return
        # a fresh iterator reads the sampler after the skip was set (mmengine's own wrapper; its
        # pass counter must continue from the checkpoint's pass for set_epoch)
        self.dataloader_iterator = _InfiniteDataloaderIterator(loader)
        self.dataloader_iterator._epoch = passes
        print_log(f'resume: data stream positioned at iteration {num_iters} '
                  f'(pass {passes}, batch {within}) without loading it', logger='current')
