"""``ParameterSyncCheckHook``: verify that every rank holds the same parameters."""
import json
import os.path as osp

import torch
from mmengine.dist import all_gather, get_rank, get_world_size, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from finephys.registry import HOOKS


@HOOKS.register_module()
class ParameterSyncCheckHook(Hook):
    """After training (and every ``interval`` epochs), gather all parameters from every rank and
    report the largest difference; data-parallel training must keep it exactly 0. Writes
    ``<work_dir>/parameter_sync.json`` on rank 0 and raises if ``strict`` and ranks disagree.

    Args:
        interval (int): Also check every ``interval`` training epochs (0: only at the end).
        strict (bool): Raise ``RuntimeError`` when ranks differ.
    """

    def __init__(self, interval: int = 0, strict: bool = True):
        self.interval, self.strict = interval, strict

    def _check(self, runner, when):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        flat = torch.cat([p.detach().reshape(-1).double().cpu()
                          for p in model.parameters()])
        flats = all_gather(flat) if is_distributed() else [flat]
        diff = max(float((f - flats[0]).abs().max()) for f in flats)
        report = dict(when=when, world_size=get_world_size(), num_parameters=int(flat.numel()),
                      max_abs_diff=diff, checksum=float(flat.sum()))
        runner.logger.info(f'parameter sync ({when}): {report["world_size"]} rank(s), '
                           f'max |difference| = {diff:.3e}')
        if get_rank() == 0:
            with open(osp.join(runner.work_dir, 'parameter_sync.json'), 'w') as f:
                json.dump(report, f, indent=2)
        if self.strict and diff != 0.0:
            raise RuntimeError(f'parameters differ across ranks by up to {diff:.3e} ({when})')

    def after_train_epoch(self, runner):
        if self.interval and self.every_n_epochs(runner, self.interval):
            self._check(runner, f'epoch {runner.epoch + 1}')

    def after_train(self, runner):
        self._check(runner, 'end of training')
