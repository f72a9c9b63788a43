"""``EvalProgressBarHook``: a progress bar over the test / val iterations."""
from mmengine.dist import get_world_size, is_main_process
from mmengine.hooks import Hook
from tqdm import tqdm

from finephys.registry import HOOKS


@HOOKS.register_module()
class EvalProgressBarHook(Hook):
    """A ``tqdm`` bar on the main process over the test (and val) loop's batches — sampling a
    test set of videos takes hours on real models. Under ``dist_test.sh`` it counts the main
    rank's shard (every rank holds one); the total in clips is shown as the description.

    Args:
        val (bool): Also over val loops.
    """

    priority = 'VERY_LOW'

    def __init__(self, val: bool = False):
        self.val = val
        self._bar = None

    def _open(self, runner, loop, mode):
        if not is_main_process():
            return
        dataloader = loop.dataloader
        clips = len(dataloader.dataset)
        self._bar = tqdm(total=len(dataloader), unit='batch', dynamic_ncols=True,
                         desc=f'{mode}: {clips} clips over {get_world_size()} process(es)')

    def _step(self):
        if self._bar is not None:
            self._bar.update(1)

    def _close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def before_test(self, runner) -> None:
        self._open(runner, runner.test_loop, 'test')

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._step()

    def after_test(self, runner) -> None:
        self._close()

    def before_val(self, runner) -> None:
        if self.val:
            self._open(runner, runner.val_loop, 'val')

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._step()

    def after_val(self, runner) -> None:
        self._close()
