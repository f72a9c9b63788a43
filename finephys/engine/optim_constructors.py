"""``FinePhysOptimWrapperConstructor``: MotionDirector's stage-3 optimisation, one optimiser."""
from mmengine.optim import OptimWrapper

from finephys.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

GROUPS = ('spatial', 'temporal', 'adapter')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class FinePhysOptimWrapperConstructor:
    """One optimiser wrapper for :class:`FinePhys` with three parameter groups, named by a
    ``'name'`` key: ``'spatial'`` (spatial LoRA), ``'temporal'`` (temporal LoRA) and
    ``'adapter'`` (skeleton adapter, + the skeleton path when it trains).

    Why one optimiser: MotionDirector steps a spatial and a temporal optimiser, each on its own
    loss, both computed at the same parameters. Adam(W)'s state is per parameter, so per-group
    learning rates with isolated gradients (:meth:`FinePhys.train_step`) give the same LoRA
    updates — and the adapter, trained by both losses, is stepped once per iteration on the
    summed gradient with one Adam state (two optimisers holding it would step it twice with two
    moment estimates), under one AMP loss scaler.

    Config::

        optim_wrapper = dict(constructor='FinePhysOptimWrapperConstructor',
                             type='OptimWrapper',               # or AmpOptimWrapper, ...
                             optimizer=dict(type='AdamW', lr=5e-4, weight_decay=1e-2),
                             groups=dict(adapter=dict(lr=1e-3)))  # per-group overrides

    ``groups`` may override any optimiser hyper-parameter (``lr``, ``weight_decay``,
    ``betas``…) per group; param schedulers scale every group's own ``lr``.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None):
        cfg = dict(optim_wrapper_cfg)
        cfg.pop('constructor', None)            # mmengine pops it; a direct build may not
        legacy = [k for k in ('spatial', 'temporal') if isinstance(cfg.get(k), dict)
                  and 'optimizer' in cfg[k]]
        if legacy:
            raise KeyError('FinePhysOptimWrapperConstructor: optim_wrapper has per-wrapper '
                           f'entries {legacy} (the old two-optimiser format); give one '
                           "optimizer=dict(...) and per-group overrides "
                           "groups=dict(spatial=..., temporal=..., adapter=...)")
        if 'optimizer' not in cfg:
            raise KeyError('FinePhysOptimWrapperConstructor: optim_wrapper needs an optimizer '
                           'entry, e.g. optimizer=dict(type="AdamW", lr=5e-4)')
        groups = cfg.pop('groups', None) or {}
        unknown = set(groups) - set(GROUPS)
        if unknown:
            raise KeyError(f'FinePhysOptimWrapperConstructor: groups {sorted(unknown)} unknown '
                           f'(expected {list(GROUPS)})')
        self.groups = groups
        self.optimizer_cfg = dict(cfg.pop('optimizer'))
        self.wrapper_cfg = cfg

    def __call__(self, model) -> OptimWrapper:
        model = getattr(model, 'module', model)
        adapter = list(model.adapter.parameters())
        if model.train_skeleton:
            adapter += [p for p in model.skeleton.parameters() if p.requires_grad]
        params = dict(spatial=model.generator.lora_parameters('spatial'),
                      temporal=model.generator.lora_parameters('temporal'), adapter=adapter)
        param_groups = [dict(params=params[name], name=name, **self.groups.get(name, {}))
                        for name in GROUPS if params[name]]
        optimizer = OPTIMIZERS.build(dict(self.optimizer_cfg, params=param_groups))
        wrapper_cfg = dict(self.wrapper_cfg)
        wrapper_cfg.setdefault('type', 'OptimWrapper')
        return OPTIM_WRAPPERS.build(dict(wrapper_cfg, optimizer=optimizer))
