"""``AtomicCheckpointHook``: checkpoints a kill cannot corrupt, and mid-epoch checkpoints."""
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from finephys.registry import HOOKS
from finephys.utils.atomic_file import write_text_atomically

_MID_EPOCH_KEY = 'finephys_mid_epoch_ckpt'


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's :class:`~mmengine.hooks.CheckpointHook`, safe to kill at any point.

    * every file is written atomically (temporary file + rename: backend ``'atomic_local'`` of
      :mod:`finephys.utils.atomic_file` unless ``backend_args`` names another) — a kill during a
      save leaves the previous checkpoint and ``last_checkpoint`` intact;
    * the new checkpoint is written *before* the oldest is pruned (mmengine prunes first: with
      ``max_keep_ckpts=1`` a kill during the save left no checkpoint at all);
    * ``iter_interval``: in an epoch-based run, also save every ``iter_interval`` iterations
      inside an epoch (``iter_{n}.pth``; only the newest is kept, and it is removed once an
      epoch checkpoint supersedes it). ``ResumableEpochBasedTrainLoop`` resumes from it at the
      next batch.

    Args:
        iter_interval (int, optional): Mid-epoch checkpoint interval in iterations (epoch-based
            runs only). None: only mmengine's ``interval``.
        **kwargs: :class:`~mmengine.hooks.CheckpointHook` arguments.

    Caveat: a new *best* checkpoint still replaces the old one mmengine's way (old removed
    first), so a kill at that moment can leave no ``best_*.pth``; the resume chain is unaffected.
    """

    def __init__(self, *args, iter_interval: Optional[int] = None, **kwargs):
        if kwargs.get('backend_args') is None and kwargs.get('file_client_args') is None:
            out_dir = kwargs.get('out_dir')
            if out_dir is None or '://' not in str(out_dir):
                kwargs['backend_args'] = dict(backend='atomic_local')
        super().__init__(*args, **kwargs)
        if iter_interval is not None and int(iter_interval) <= 0:
            raise ValueError(f'AtomicCheckpointHook: iter_interval must be > 0, got '
                             f'{iter_interval}')
        self.iter_interval = None if iter_interval is None else int(iter_interval)
        self._mid_epoch_ckpt = None

    def before_train(self, runner) -> None:
        super().before_train(runner)
        self._mid_epoch_ckpt = runner.message_hub.get_info(_MID_EPOCH_KEY)

    def _write_last_checkpoint(self, runner, path: str) -> None:
        write_text_atomically(path, osp.join(runner.work_dir, 'last_checkpoint'))

    def _remove(self, path: Optional[str]) -> None:
        if path and is_main_process() and self.file_backend.isfile(path):
            self.file_backend.remove(path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        stale = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        superseded, self._mid_epoch_ckpt = self._mid_epoch_ckpt, None
        runner.message_hub.update_info(_MID_EPOCH_KEY, None)
        runner.save_checkpoint(
            self.out_dir, ckpt_filename, self.file_client_args,
            save_optimizer=self.save_optimizer, save_param_scheduler=self.save_param_scheduler,
            meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
        if not is_main_process():
            return
        self._write_last_checkpoint(runner, self.last_ckpt)
        if stale is not None:
            self._remove(self.file_backend.join_path(self.out_dir,
                                                     self.filename_tmpl.format(stale)))
        self._remove(superseded)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
        if not (self.by_epoch and self.iter_interval):
            return
        in_epoch = batch_idx + 1
        if in_epoch % self.iter_interval or in_epoch >= len(runner.train_dataloader):
            return  # the epoch checkpoint follows right after the last batch
        path = self.file_backend.join_path(self.out_dir, f'iter_{runner.iter + 1}.pth')
        runner.logger.info(f'Saving mid-epoch checkpoint at {runner.iter + 1} iterations '
                           f'(epoch {runner.epoch + 1}, batch {in_epoch})')
        previous, self._mid_epoch_ckpt = self._mid_epoch_ckpt, path
        runner.message_hub.update_info(_MID_EPOCH_KEY, path)
        runner.save_checkpoint(
            self.out_dir, osp.basename(path), self.file_client_args,
            save_optimizer=self.save_optimizer, save_param_scheduler=self.save_param_scheduler,
            by_epoch=False, backend_args=self.backend_args, **self.args)
        if is_main_process():
            self._write_last_checkpoint(runner, path)
            if previous != path:
                self._remove(previous)
