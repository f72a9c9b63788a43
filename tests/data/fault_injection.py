"""A test-only hook that SIGKILLs its own training process at a chosen point.

Imported by test configs through ``custom_imports``; armed by ``FINEPHYS_TEST_KILL``:

* ``after_train_iter:N`` — right after training iteration N (1-based);
* ``during_save:N`` — while the checkpoint saved after iteration N is being written (the hook
  pads that checkpoint with 64 MB so the write takes long enough, and a thread kills the process
  as soon as the temporary file has bytes in it);
* ``after_val:E`` — right after the validation of epoch E (or of iteration E, iteration-based);
* ``poison:N`` — not a kill: before training iteration N one weight is set to NaN (what a
  diverging run looks like), for the non-finite guard.
"""
import glob
import os
import os.path as osp
import signal
import threading
import time

import torch
from mmcv.transforms import BaseTransform
from mmengine.hooks import Hook

from finephys.datasets.bad_samples import BadSampleError
from finephys.registry import HOOKS, TRANSFORMS


@TRANSFORMS.register_module()
class FailOnSamples(BaseTransform):
    """Raise :class:`BadSampleError` for the listed ``sample_idx`` (a broken file stand-in)."""

    def __init__(self, indices=()):
        self.indices = set(indices)

    def transform(self, results):
        if results.get('sample_idx') in self.indices:
            raise BadSampleError(f'FailOnSamples: sample {results["sample_idx"]} is broken')
        return results


def _kill():
    os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class FaultInjectionHook(Hook):
    priority = 'LOWEST'  # before_save_checkpoint: after every other hook filled the checkpoint

    def __init__(self):
        spec = os.environ.get('FINEPHYS_TEST_KILL', '')
        self.at, _, n = spec.partition(':')
        self.n = int(n) if n else -1

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.at == 'poison' and runner.iter + 1 == self.n:
            model = runner.model.module if hasattr(runner.model, 'module') else runner.model
            with torch.no_grad():
                next(model.parameters()).view(-1)[0] = float('nan')

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.at == 'after_train_iter' and runner.iter + 1 == self.n:
            _kill()

    def before_save_checkpoint(self, runner, checkpoint):
        if self.at != 'during_save' or checkpoint['meta']['iter'] != self.n:
            return
        checkpoint['test_padding'] = torch.ones(16 * 2 ** 20)
        work_dir = runner.work_dir

        def watch():
            while True:
                tmp = glob.glob(osp.join(work_dir, '.*.tmp-*'))
                if tmp and osp.getsize(tmp[0]) > 0:
                    _kill()
                time.sleep(1e-4)

        threading.Thread(target=watch, daemon=True).start()

    def after_val_epoch(self, runner, metrics=None):
        if self.at == 'after_val':
            step = runner.iter if runner.train_loop.__class__.__name__.startswith(
                'ResumableIter') else runner.epoch
            if step == self.n:
                _kill()
