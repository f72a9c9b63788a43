"""``NonFiniteGuardHook``: a NaN or inf loss or parameter stops training before it is saved."""
import math

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from finephys.registry import HOOKS


class NonFiniteTrainingError(RuntimeError):
    """Training produced a NaN/inf loss or parameter; the message names it."""


@HOOKS.register_module()
class NonFiniteGuardHook(Hook):
    """Stop a run at the first iteration whose logged losses or parameters are not finite.

    Runs before the checkpoint hook (priority ``ABOVE_NORMAL``), so the poisoned weights are
    never written: the last checkpoint on disk, named in the message, is the last good one, and
    ``--resume`` continues from it. ``tools/train.py`` prints the message as one line and exits
    with status 3.

    Args:
        check_params_interval (int): Check every trainable parameter every this many iterations
            (the loss check runs every iteration; a finite loss can still come with inf
            gradients). 0: only the losses.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, check_params_interval: int = 1):
        if int(check_params_interval) < 0:
            raise ValueError('NonFiniteGuardHook: check_params_interval must be >= 0, got '
                             f'{check_params_interval}')
        self.check_params_interval = int(check_params_interval)

    @staticmethod
    def first_non_finite_loss(outputs):
        """``(name, value)`` of the first non-finite entry of ``outputs`` (or None)."""
        for name, value in (outputs or {}).items():
            v = value.detach().float() if isinstance(value, torch.Tensor) else value
            if isinstance(v, torch.Tensor):
                if not bool(torch.isfinite(v).all()):
                    return name, v.flatten()[~torch.isfinite(v.flatten())][0].item()
            elif isinstance(v, (int, float)) and not math.isfinite(v):
                return name, v
        return None

    @staticmethod
    def first_non_finite_parameter(model, trainable_only: bool = True):
        """Name of the first parameter of ``model`` holding a NaN/inf (or None).

        Only trainable parameters by default (frozen ones cannot be poisoned by training: for
        stage 3 that is the LoRA and the adapter, not the whole UNet), with one device sync for
        all of them."""
        named = [(n, p) for n, p in model.named_parameters()
                 if p.requires_grad or not trainable_only]
        if not named:
            return None
        finite = torch.stack([torch.isfinite(p.detach()).all() for _, p in named])
        if bool(finite.all()):
            return None
        return named[int(torch.nonzero(~finite)[0])][0]

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        where = f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}, batch {batch_idx + 1})'
        last = runner.message_hub.get_info('last_ckpt') or 'none saved yet'
        bad = self.first_non_finite_loss(outputs)
        if bad is not None:
            raise NonFiniteTrainingError(
                f'non-finite loss {bad[0]}={bad[1]} at {where}; training stopped before saving; '
                f'last good checkpoint: {last}')
        if self.check_params_interval and (runner.iter + 1) % self.check_params_interval == 0:
            model = runner.model.module if is_model_wrapper(runner.model) else runner.model
            name = self.first_non_finite_parameter(model)
            if name is not None:
                raise NonFiniteTrainingError(
                    f'non-finite parameter {name} after {where}; training stopped before '
                    f'saving; last good checkpoint: {last}')
