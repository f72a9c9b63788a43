"""``TrainStepDistributedDataParallel``: data parallelism for models that own their train step."""
from typing import Dict

import torch
import torch.distributed as dist
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper

from finephys.registry import MODEL_WRAPPERS


def average_gradients(module: torch.nn.Module, group=None, bucket_numel: int = 2 ** 22) -> int:
    """All-reduce and average the gradients of ``module``'s trainable parameters across ranks.

    A parameter without a gradient on one rank but with one elsewhere is reduced with zeros there
    (every rank must join the same collectives); one without a gradient on every rank keeps
    ``grad=None`` (an optimiser then skips it, as in one process).

    Args:
        module: The model.
        group: Process group (default: the world).
        bucket_numel (int): Elements per all-reduce call.

    Returns:
        int: Number of parameters averaged.
    """
    world = dist.get_world_size(group)
    params = [p for p in module.parameters() if p.requires_grad]
    if world == 1 or not params:
        return 0
    has = torch.tensor([p.grad is not None for p in params], dtype=torch.int32,
                       device=params[0].device)
    dist.all_reduce(has, group=group)
    params = [p for p, n in zip(params, has.tolist()) if n > 0]
    for p in params:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    buckets = []   # consecutive parameters of one dtype, up to bucket_numel elements each
    for p in params:
        last = buckets[-1] if buckets else None
        if (last is None or last[0].grad.dtype != p.grad.dtype
                or sum(q.numel() for q in last) + p.numel() > bucket_numel):
            buckets.append([p])
        else:
            last.append(p)
    for bucket in buckets:
        flat = torch.cat([q.grad.reshape(-1) for q in bucket])
        dist.all_reduce(flat, group=group)
        flat /= world
        for q, g in zip(bucket, flat.split([q.numel() for q in bucket])):
            q.grad.copy_(g.view_as(q.grad))
    return len(params)


class _AverageGradientsBeforeStep:
    """The model's optimiser wrapper, with gradients averaged across ranks before each step."""

    def __init__(self, optim_wrapper: OptimWrapper, module: torch.nn.Module, group):
        self._optim_wrapper, self._module, self._group = optim_wrapper, module, group

    def __getattr__(self, name):
        return getattr(self._optim_wrapper, name)

    def step(self, **kwargs):
        average_gradients(self._module, self._group)
        return self._optim_wrapper.step(**kwargs)

    def update_params(self, loss, step_kwargs=None, zero_kwargs=None):
        # OptimWrapper.update_params calls its own step: reproduce it around ours
        self._optim_wrapper.backward(loss)
        if self._optim_wrapper.should_update():
            self.step(**(step_kwargs or {}))
            self._optim_wrapper.zero_grad(**(zero_kwargs or {}))


@MODEL_WRAPPERS.register_module()
class TrainStepDistributedDataParallel(MMDistributedDataParallel):
    """Distributed data parallelism for a model whose ``train_step`` runs its own passes.

    mmengine's :class:`~mmengine.model.MMDistributedDataParallel` replaces the model's
    ``train_step`` with one forward in ``'loss'`` mode and one ``update_params``; FinePhys's
    stage-3 step (MotionDirector: a spatial and a temporal pass, each with its own adapters and
    backward) cannot be expressed that way. This wrapper calls the model's own ``train_step``
    and averages every gradient across ranks right before the optimiser steps
    (:func:`average_gradients`): the same update as DDP's bucketed all-reduce, without DDP's
    forward hooks. Parameters start identical (DDP's broadcast at construction).

    Same arguments as :class:`~mmengine.model.MMDistributedDataParallel`.
    """

    def train_step(self, data, optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        return self.module.train_step(
            data, _AverageGradientsBeforeStep(optim_wrapper, self.module, self.process_group))
