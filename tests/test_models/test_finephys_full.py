"""The full FinePhys model on tiny stand-ins: guidance shapes, stage-3 training, sampling."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from torch.utils.data import default_collate

from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
from finephys.registry import DATASETS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(ROOT, 'configs/finephys/finephys_tiny_synthgym.py')


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('tiny')
    cfg = Config.fromfile(CFG)
    cfg.model.generator.pretrained_model_path = write_tiny_sd15_folder(
        str(root / 'sd'), pixel_space=True, texts=['stag jump', 'split leap'])
    cfg.model.generator.motion_adapter_path = write_tiny_motion_adapter(str(root / 'ma'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ds_cfg = dict(cfg.train_dataloader.dataset, num_samples=2)
    batch = default_collate([DATASETS.build(ds_cfg)[i] for i in range(2)])
    optim = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(type=cfg.optim_wrapper.constructor,
                                                  optim_wrapper_cfg=cfg.optim_wrapper.to_dict()))(model)
    return cfg, model, batch, optim


def test_only_lora_and_adapter_train_in_stage3_in_three_groups_of_one_optimiser(setup):
    _, model, _, optim = setup
    assert isinstance(optim, OptimWrapper)
    groups = {g['name']: {id(p) for p in g['params']} for g in optim.optimizer.param_groups}
    assert set(groups) == {'spatial', 'temporal', 'adapter'}
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all('lora_' in n or n.startswith('adapter.') for n in trainable)
    assert groups['adapter'] == {id(p) for p in model.adapter.parameters()}
    assert groups['spatial'] == {id(p) for p in model.generator.lora_parameters('spatial')}
    assert groups['temporal'] == {id(p) for p in model.generator.lora_parameters('temporal')}
    # every parameter in exactly one group: the adapter has one Adam state
    assert sum(map(len, groups.values())) == len(set().union(*groups.values()))
    lrs = {g['name']: g['lr'] for g in optim.optimizer.param_groups}
    assert lrs['adapter'] == 1e-2 and lrs['spatial'] == lrs['temporal'] == 3e-3


def test_old_two_optimiser_config_is_a_clear_error():
    with pytest.raises(KeyError, match='old two-optimiser format'):
        OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
            type='FinePhysOptimWrapperConstructor', optim_wrapper_cfg=dict(
                spatial=dict(optimizer=dict(type='AdamW')),
                temporal=dict(optimizer=dict(type='AdamW')))))


def _sgd(model, lr):
    return OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='FinePhysOptimWrapperConstructor',
        optim_wrapper_cfg=dict(optimizer=dict(type='SGD', lr=lr))))(model)


def test_iteration_updates_each_group_by_its_own_loss_step_by_step(setup):
    """SGD makes an update −lr·grad: the spatial LoRA must move by ∇L_spat only (the temporal
    pass's gradient on it, non-zero, must not leak into it), the temporal LoRA by ∇L_temp, the
    adapter by ∇(L_spat + L_temp) — all at the iteration's starting parameters, with the random
    draws of FinePhys.train_step replayed in its documented order."""
    _, model, batch, _ = setup
    model.train()
    model.spatial_skip_prob = 0.0
    lr = 0.5
    optim = _sgd(model, lr)
    gen, loss = model.generator, model.loss_module
    names = {'spatial': [n for n, p in model.named_parameters() if 'lora_' in n
                         and '.spatial.' in n],
             'temporal': [n for n, p in model.named_parameters() if 'lora_' in n
                          and '.temporal.' in n],
             'adapter': [n for n, _ in model.named_parameters() if n.startswith('adapter.')]}
    params = dict(model.named_parameters())
    torch.manual_seed(1)
    model.train_step(batch, optim)         # LoRA B and the zero convs become non-zero
    start = {n: p.detach().clone() for n, p in params.items() if p.requires_grad}
    torch.manual_seed(2)
    model.train_step(batch, optim)
    update = {n: params[n].detach() - start[n] for n in start}

    with torch.no_grad():                  # back to the iteration's starting point
        for n, v in start.items():
            params[n].copy_(v)
    torch.manual_seed(2)
    data = model.data_preprocessor(batch, True)
    inputs, samples = data['inputs'], data['data_samples']
    latents = gen.encode_video(inputs['video'])
    text = gen.encode_prompt(samples['text'])
    noise = torch.randn_like(latents)
    t = torch.randint(*model.train_timesteps, (latents.shape[0],))
    assert loss.skeleton_weight > 0                      # the default's weighted loss
    coverage = model.skeleton_coverage(model.guidance_heatmaps(inputs, samples),
                                       latents.shape[-2:])
    with gen.adapters_active(['spatial']):
        l_spat = loss.spatial(gen, latents, noise, t, text,
                              guidance=model.guidance(inputs, samples), coverage=coverage)
        wrt = names['spatial'] + names['adapter']
        g_spat = dict(zip(wrt, torch.autograd.grad(l_spat, [params[n] for n in wrt])))
    with gen.adapters_active(['spatial', 'temporal']):
        temporal = loss.temporal(gen, latents, noise, t, text,
                                 guidance=model.guidance(inputs, samples), coverage=coverage)
        wrt = names['spatial'] + names['temporal'] + names['adapter']
        g_temp = dict(zip(wrt, torch.autograd.grad(sum(temporal.values()),
                                                   [params[n] for n in wrt])))
    leak = max(float(g_temp[n].abs().max()) for n in names['spatial'])
    assert leak > 1e-6                      # the temporal pass does reach the spatial LoRA
    close = dict(rtol=1e-4, atol=1e-6)
    for n in names['spatial']:
        torch.testing.assert_close(update[n], -lr * g_spat[n], **close)
    for n in names['temporal']:
        torch.testing.assert_close(update[n], -lr * g_temp[n], **close)
    for n in names['adapter']:
        torch.testing.assert_close(update[n], -lr * (g_spat[n] + g_temp[n]), **close)
    model.spatial_skip_prob = 0.2


def test_skipped_spatial_step_leaves_the_spatial_lora_alone(setup):
    _, model, batch, _ = setup
    model.train()
    model.spatial_skip_prob = 1.0
    optim = _sgd(model, 0.5)
    spatial = [p for p in model.generator.lora_parameters('spatial')]
    adapter = [p for p in model.adapter.parameters()]
    before = [p.detach().clone() for p in spatial + adapter]
    log = model.train_step(batch, optim)
    assert 'loss_spatial' not in log and 'loss_temporal' in log
    assert all(torch.equal(p, b) for p, b in zip(spatial, before[:len(spatial)]))
    assert any(not torch.equal(p, b) for p, b in zip(adapter, before[len(spatial):]))
    model.spatial_skip_prob = 0.2


def test_stage3_losses_decrease_on_a_fixed_batch(setup):
    _, model, batch, optim = setup
    model.train()
    losses = []
    model.spatial_skip_prob = 0.0
    for step in range(4):
        torch.manual_seed(123)                  # same noise and timesteps every step
        log = model.train_step(batch, optim)
        losses.append(float(log['loss']))
        assert set(log) >= {'loss_spatial', 'loss_temporal', 'loss_ad_temporal'}
    model.spatial_skip_prob = 0.2
    # every step lowers it (4 steps: 1.01 → 0.75; was checked first-vs-last over 8)
    assert all(b < a for a, b in zip(losses, losses[1:])), losses


def test_sampling_is_reproducible_and_guidance_shapes_fit(setup):
    _, model, batch, _ = setup
    model.eval()
    data = model.data_preprocessor(batch, False)
    features = model(data['inputs'], data['data_samples'], mode='tensor')   # ControlNet-style
    assert [tuple(f.shape) for f in features.down] == [(16, 32, 32, 32), (16, 32, 32, 32),
                                                       (16, 32, 16, 16), (16, 64, 16, 16)]
    assert features.mid.shape == (16, 64, 16, 16)
    assert features.intrablock is None and features.conv_in is None
    model.num_inference_steps = 2
    a = model.predict(data['inputs'], data['data_samples'], torch.Generator().manual_seed(0))
    b = model.predict(data['inputs'], data['data_samples'], torch.Generator().manual_seed(0))
    assert a[0]['video'].shape == (8, 32, 32, 3)
    assert torch.equal(a[0]['video'], b[0]['video'])
