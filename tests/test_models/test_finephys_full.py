"""The full FinePhys model on tiny stand-ins: guidance shapes, stage-3 training, sampling."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapperDict
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


def test_only_lora_and_adapter_train_in_stage3(setup):
    _, model, _, optim = setup
    assert isinstance(optim, OptimWrapperDict) and set(optim.keys()) == {'spatial', 'temporal'}
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all('lora_' in n or n.startswith('adapter.') for n in trainable)
    spatial = {id(p) for g in optim['spatial'].optimizer.param_groups for p in g['params']}
    temporal = {id(p) for g in optim['temporal'].optimizer.param_groups for p in g['params']}
    adapter = {id(p) for p in model.adapter.parameters()}
    assert adapter <= spatial and adapter <= temporal
    assert not ({id(p) for p in model.generator.lora_parameters('temporal')} & spatial)


def test_stage3_losses_decrease_on_a_fixed_batch(setup):
    _, model, batch, optim = setup
    model.train()
    losses = []
    for step in range(8):
        torch.manual_seed(123)                  # same noise and timesteps every step
        log = model.train_step(batch, optim)
        losses.append(float(log['loss']))
        assert set(log) >= {'loss_spatial', 'loss_temporal', 'loss_ad_temporal'}
    assert losses[-1] < losses[0], losses


def test_sampling_is_reproducible_and_guidance_shapes_fit(setup):
    _, model, batch, _ = setup
    model.eval()
    data = model.data_preprocessor(batch, False)
    down, mid = model(data['inputs'], data['data_samples'], mode='tensor')
    assert down[0].shape[0] == 2 * 8 and mid.shape[0] == 2 * 8
    model.num_inference_steps = 2
    a = model.predict(data['inputs'], data['data_samples'], torch.Generator().manual_seed(0))
    b = model.predict(data['inputs'], data['data_samples'], torch.Generator().manual_seed(0))
    assert a[0]['video'].shape == (8, 32, 32, 3)
    assert torch.equal(a[0]['video'], b[0]['video'])
