"""``BadSampleSummaryHook``: how many training samples were skipped, per epoch."""
import logging

from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

from finephys.registry import HOOKS


@HOOKS.register_module()
class BadSampleSummaryHook(Hook):
    """Log, after every training epoch (iteration-based: every ``interval`` iterations), the
    number of samples the training dataset skipped (``num_bad_samples`` of
    :class:`~finephys.datasets.bad_samples.SkipBadSamplesMixin`) as a warning when any was, and
    write the running total to the visualizer backends (TensorBoard, ``scalars.json``) as
    ``data/bad_samples``.

    Args:
        interval (int): Iteration interval for iteration-based runs.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 500):
        self.interval = int(interval)
        self._last = 0

    def _summary(self, runner, where: str) -> None:
        dataset = runner.train_dataloader.dataset
        total = getattr(dataset, 'num_bad_samples', None)
        if total is None:
            return
        new, self._last = total - self._last, total
        runner.visualizer.add_scalars({'data/bad_samples': total}, step=runner.iter)
        if new:   # a clean epoch stays quiet (the scalar still records the total)
            runner.logger.log(logging.WARNING, f'{where}: {new} bad training sample(s) skipped '
                                               f'({total} in this run)')

    def after_train_epoch(self, runner) -> None:
        if not isinstance(runner.train_loop, IterBasedTrainLoop):
            self._summary(runner, f'epoch {runner.epoch + 1}')

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if isinstance(runner.train_loop, IterBasedTrainLoop) and \
                self.every_n_train_iters(runner, self.interval):
            self._summary(runner, f'iteration {runner.iter + 1}')
