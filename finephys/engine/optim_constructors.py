"""``FinePhysOptimWrapperConstructor``: MotionDirector's two optimisers for stage 3."""
from mmengine.optim import OptimWrapperDict

from finephys.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class FinePhysOptimWrapperConstructor:
    """Build ``OptimWrapperDict(spatial=..., temporal=...)`` for :class:`FinePhys`: the spatial
    wrapper steps the spatial LoRA + skeleton adapter (+ the skeleton path when it trains), the
    temporal wrapper the temporal LoRA + skeleton adapter.

    Config: ``optim_wrapper = dict(constructor='FinePhysOptimWrapperConstructor',
    spatial=dict(optimizer=dict(type='AdamW', lr=...)), temporal=dict(optimizer=...))``.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None):
        missing = [k for k in ('spatial', 'temporal') if k not in optim_wrapper_cfg]
        if missing:
            raise KeyError(f'FinePhysOptimWrapperConstructor: optim_wrapper needs {missing} '
                           'entries (one optimiser config each)')
        self.cfg = optim_wrapper_cfg

    def __call__(self, model) -> OptimWrapperDict:
        model = getattr(model, 'module', model)
        shared = list(model.adapter.parameters())
        if model.train_skeleton:
            shared += [p for p in model.skeleton.parameters() if p.requires_grad]
        wrappers = {}
        for name in ('spatial', 'temporal'):
            cfg = dict(self.cfg[name])
            optimizer_cfg = dict(cfg.pop('optimizer'))
            params = model.generator.lora_parameters(name) + shared
            optimizer_cfg['params'] = params
            optimizer = OPTIMIZERS.build(optimizer_cfg)
            cfg.setdefault('type', 'OptimWrapper')
            wrappers[name] = OPTIM_WRAPPERS.build(dict(cfg, optimizer=optimizer))
        return OptimWrapperDict(**wrappers)
