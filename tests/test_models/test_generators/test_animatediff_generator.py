import os.path as osp
import shutil

import pytest
import torch

from finephys.datasets.synthgym import ACTIONS
from finephys.models.generators import (SPATIAL_TARGETS, TEMPORAL_TARGETS,
                                        write_tiny_motion_adapter, write_tiny_sd15_folder)
from finephys.registry import GENERATORS


@pytest.fixture(scope='module')
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp('pretrained')
    sd = write_tiny_sd15_folder(str(root / 'sd15'), texts=list(ACTIONS))
    adapter = write_tiny_motion_adapter(str(root / 'motion_adapter'))
    return sd, adapter, root


@pytest.fixture(scope='module')
def generator(folders):
    sd, adapter, _ = folders
    return GENERATORS.build(dict(type='AnimateDiffGenerator', pretrained_model_path=sd,
                                 motion_adapter_path=adapter,
                                 spatial_lora=dict(rank=4, targets=SPATIAL_TARGETS),
                                 temporal_lora=dict(rank=4, targets=TEMPORAL_TARGETS)))


def test_folders_round_trip_through_from_pretrained(folders, generator):
    sd, _, _ = folders
    for sub in ('unet', 'vae', 'text_encoder', 'tokenizer', 'scheduler'):
        assert osp.isdir(osp.join(sd, sub))
    # the tokenizer learnt merges from the action texts: a class name is few tokens
    ids = generator.tokenizer('split leap').input_ids
    assert generator.tokenizer.decode(ids, skip_special_tokens=True).strip() == 'split leap'
    assert len(ids) < len('split leap') + 2


def test_only_lora_is_trainable_and_placed_like_motiondirector(generator):
    trainable = [n for n, p in generator.named_parameters() if p.requires_grad]
    assert trainable and all('lora_' in n for n in trainable)
    spatial = [n for n in trainable if '.spatial.' in n]
    temporal = [n for n in trainable if '.temporal.' in n]
    assert spatial and temporal
    assert all('motion_modules' not in n and 'attn2' not in n for n in spatial)
    assert all('motion_modules' in n for n in temporal)
    generator.use_adapters(['spatial'])
    assert not any(p.requires_grad for p in generator.lora_parameters('temporal'))
    assert all(p.requires_grad for p in generator.lora_parameters('spatial'))
    generator.use_adapters(['spatial', 'temporal'])


def test_sampling_is_reproducible_with_a_seed(generator):
    kw = dict(num_frames=4, height=64, width=64, steps=2, guidance_scale=2.0)
    a = generator.sample('split leap', generator=torch.Generator().manual_seed(0), **kw)
    b = generator.sample('split leap', generator=torch.Generator().manual_seed(0), **kw)
    c = generator.sample('split leap', generator=torch.Generator().manual_seed(1), **kw)
    assert a.shape == (1, 4, 64, 64, 3) and a.dtype == torch.uint8
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_bad_inputs(folders, generator, tmp_path):
    sd, adapter, root = folders
    broken = tmp_path / 'sd15'
    shutil.copytree(sd, broken)
    shutil.rmtree(broken / 'vae')
    with pytest.raises(FileNotFoundError, match=r"lacks sub-folder\(s\) \['vae'\]"):
        GENERATORS.build(dict(type='AnimateDiffGenerator', pretrained_model_path=str(broken),
                              motion_adapter_path=adapter))
    other = write_tiny_motion_adapter(str(tmp_path / 'adapter64'), block_out_channels=(32, 48))
    with pytest.raises(ValueError, match='made for UNet blocks'):
        GENERATORS.build(dict(type='AnimateDiffGenerator', pretrained_model_path=sd,
                              motion_adapter_path=other))
    with pytest.raises(ValueError, match='empty prompt'):
        generator.encode_prompt('  ')
    with pytest.raises(ValueError, match='multiples'):
        generator.sample('stag jump', num_frames=2, height=60, width=64, steps=1)


def test_debias_appearance_closed_form_and_cancels_shared_appearance():
    from finephys.models.losses import debias_appearance
    x = torch.randn(2, 4, 5, 3, 3)
    anchor = torch.tensor([1, 4])
    out = debias_appearance(x, anchor, beta=1.0)
    for i in range(2):
        torch.testing.assert_close(out[i], 2 ** 0.5 * x[i] - x[i, :, anchor[i]][:, None])
    # a per-clip constant appearance a added to every frame: φ(x + a) − φ(x) = (√2 − 1)·a,
    # i.e. the appearance is scaled down by 0.41 instead of kept whole
    a = torch.randn(2, 4, 1, 3, 3)
    torch.testing.assert_close(debias_appearance(x + a, anchor) - out,
                               (2 ** 0.5 - 1) * a.expand_as(x), atol=1e-5, rtol=0)


def test_motion_director_steps_reach_the_right_lora(generator):
    from finephys.models.losses import MotionDirectorLoss
    loss = MotionDirectorLoss()
    torch.manual_seed(0)
    latents, noise = torch.randn(1, 4, 3, 8, 8), torch.randn(1, 4, 3, 8, 8)
    t = torch.tensor([500])
    text = generator.encode_prompt('stag jump')
    generator.unet.zero_grad(set_to_none=True)
    loss.spatial(generator, latents, noise, t, text, frame=1).backward()
    assert all(p.grad is None for p in generator.lora_parameters('temporal'))
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in generator.lora_parameters('spatial'))
    generator.unet.zero_grad(set_to_none=True)
    out = loss.temporal(generator, latents, noise, t, text, anchor=torch.tensor([0]))
    sum(out.values()).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in generator.lora_parameters('temporal'))
    generator.unet.zero_grad(set_to_none=True)


def test_skeleton_weighted_loss_against_a_hand_computation(generator):
    from finephys.models.losses import MotionDirectorLoss
    from finephys.models.losses.motion_director_losses import debias_appearance
    torch.manual_seed(0)
    latents, noise = torch.randn(1, 4, 3, 8, 8), torch.randn(1, 4, 3, 8, 8)
    t, text = torch.tensor([700]), generator.encode_prompt('stag jump')
    coverage = torch.zeros(1, 1, 3, 8, 8)
    coverage[..., 2:5, 3:6] = 1.0
    plain, weighted = MotionDirectorLoss(), MotionDirectorLoss(skeleton_weight=4.0)
    anchor = torch.tensor([1])
    with torch.no_grad():
        a = plain.temporal(generator, latents, noise, t, text, anchor=anchor, coverage=coverage)
        b = weighted.temporal(generator, latents, noise, t, text, anchor=anchor,
                              coverage=coverage)
        with generator.adapters_active(['spatial', 'temporal']):
            noisy = generator.noise_scheduler.add_noise(latents, noise, t)
            pred = generator.predict_noise(noisy, t, text)
    target = generator.prediction_target(latents, noise, t)
    w = 1 + 4.0 * coverage
    w = w / w.mean()
    torch.testing.assert_close(a['loss_temporal'], ((pred - target) ** 2).mean())
    torch.testing.assert_close(b['loss_temporal'], ((pred - target) ** 2 * w).mean())
    d = debias_appearance(pred, anchor) - debias_appearance(target, anchor)
    torch.testing.assert_close(b['loss_ad_temporal'], (d ** 2 * w).mean())
    with pytest.raises(ValueError, match='skeleton_weight'):
        MotionDirectorLoss(skeleton_weight=-1.0)


def test_pixel_space_backbone_for_the_cpu_default(tmp_path):
    sd = write_tiny_sd15_folder(str(tmp_path / 'px'), pixel_space=True)
    assert not osp.exists(osp.join(sd, 'vae'))
    ma = write_tiny_motion_adapter(str(tmp_path / 'ma'))
    gen = GENERATORS.build(dict(type='AnimateDiffGenerator', pretrained_model_path=sd,
                                motion_adapter_path=ma, pixel_space=True))
    frames = torch.randint(0, 256, (1, 3, 16, 16, 3), dtype=torch.uint8)
    latents = gen.encode_video(frames)
    assert latents.shape == (1, 3, 3, 16, 16)
    assert torch.equal(gen.decode(latents), frames)         # exact round trip in pixel space
    video = gen.sample('stag jump', num_frames=3, height=16, width=16, steps=1,
                       generator=torch.Generator().manual_seed(0))
    assert video.shape == (1, 3, 16, 16, 3)


def test_mixed_precision_and_gradient_checkpointing_switches(folders, generator):
    """bfloat16 frozen VAE/text encoder + autocast UNet (the CPU stand-in for fp16 on a GPU),
    and gradient checkpointing: same loss as the fp32 reference within bf16 precision, and the
    same LoRA gradients as without checkpointing."""
    sd, adapter, _ = folders
    torch.manual_seed(0)
    frames = torch.randint(0, 255, (1, 2, 16, 16, 3), dtype=torch.uint8)
    kw = dict(type='AnimateDiffGenerator', pretrained_model_path=sd,
              motion_adapter_path=adapter, spatial_lora=dict(rank=4), temporal_lora=dict(rank=4))
    half = GENERATORS.build(dict(kw, dtype='bfloat16'))
    assert half.vae.dtype == half.text_encoder.dtype == torch.bfloat16
    assert all(p.dtype == torch.float32 for p in half.unet.parameters())   # master weights
    torch.manual_seed(1)                    # the VAE samples its posterior: same draw for both
    lat32 = generator.encode_video(frames)
    torch.manual_seed(1)
    lat16 = half.encode_video(frames)
    assert lat16.dtype == torch.float32
    assert torch.allclose(lat16, lat32, atol=0.1 * float(lat32.abs().max()))
    text = half.encode_prompt(['stag jump'])
    assert text.dtype == torch.float32
    t = torch.tensor([500])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        eps16 = half.predict_noise(lat32, t, text)
    eps32 = half.predict_noise(lat32, t, text)
    assert eps16.dtype == torch.bfloat16
    assert torch.allclose(eps16.float(), eps32, atol=0.05 * float(eps32.abs().max()))

    def lora_grads(gen):
        # nonzero LoRA B so both factors get gradients
        for p in gen.lora_parameters('spatial') + gen.lora_parameters('temporal'):
            p.data = torch.linspace(-0.1, 0.1, p.numel()).view_as(p)
            p.grad = None
        gen.predict_noise(lat32, t, text).square().mean().backward()
        return [p.grad.clone() for p in gen.lora_parameters('spatial')]

    plain = lora_grads(half)
    half.unet.enable_gradient_checkpointing()
    half.unet.train()
    ckpt = lora_grads(half)
    assert half.unet.is_gradient_checkpointing
    for a, b in zip(plain, ckpt):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('kind', ['epsilon', 'v_prediction', 'sample', 'flow'])
def test_prediction_target_follows_the_scheduler(kind, tmp_path):
    sd = write_tiny_sd15_folder(str(tmp_path / 'sd'), pixel_space=True,
                                prediction_type='epsilon' if kind == 'flow' else kind)
    ma = write_tiny_motion_adapter(str(tmp_path / 'ma'))
    if kind == 'flow':                          # a value diffusers' DDPM would not know either
        cfg_path = osp.join(sd, 'scheduler', 'scheduler_config.json')
        text = open(cfg_path).read().replace('"epsilon"', '"flow"')
        open(cfg_path, 'w').write(text)
        with pytest.raises(ValueError, match="prediction_type 'flow'"):
            GENERATORS.build(dict(type='AnimateDiffGenerator', pretrained_model_path=sd,
                                  motion_adapter_path=ma, pixel_space=True))
        return
    gen = GENERATORS.build(dict(type='AnimateDiffGenerator', pretrained_model_path=sd,
                                motion_adapter_path=ma, pixel_space=True))
    x0, noise = torch.randn(2, 3, 2, 8, 8), torch.randn(2, 3, 2, 8, 8)
    t = torch.tensor([10, 900])
    ab = gen.noise_scheduler.alphas_cumprod[t].view(2, 1, 1, 1, 1)
    expected = dict(epsilon=noise, sample=x0,
                    v_prediction=ab.sqrt() * noise - (1 - ab).sqrt() * x0)[kind]
    torch.testing.assert_close(gen.prediction_target(x0, noise, t), expected)
