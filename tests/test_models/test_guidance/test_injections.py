"""T2I-Adapter-style and pose-guider injections into a tiny UNetMotionModel through
AnimateDiffGenerator's hooks, checked against a hand-written UNet forward."""
import pytest
import torch

from finephys.models.generators import AnimateDiffGenerator
from finephys.models.guidance import GuidanceFeatures
from finephys.registry import GUIDANCE


class _Gen:
    """The generator's injection methods bound to a bare UNet (no folders needed)."""
    guidance_injected = AnimateDiffGenerator.guidance_injected
    predict_noise = AnimateDiffGenerator.predict_noise

    def __init__(self, unet):
        self.unet = unet


@pytest.fixture(scope='module')
def gen(tiny_unet):
    return _Gen(tiny_unet)


def _heatmaps(frames=4):
    torch.manual_seed(1)
    renderer = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=(64, 64),
                                   strides=(8, 16), sigma=6.0))
    return renderer(torch.rand(1, frames, 17, 2) * 64)


def _randomise(module):
    for p in module.parameters():
        torch.nn.init.normal_(p, std=0.1)


@pytest.mark.parametrize('cfg', [dict(type='T2ISkeletonAdapter', hidden=8),
                                 dict(type='PoseGuider', channels=(8, 16))])
def test_zero_init_is_the_base_model_and_trained_features_change_it(gen, cfg):
    adapter = GUIDANCE.build(dict(cfg, block_out_channels=(32, 64)))
    sample, text = torch.randn(1, 4, 4, 8, 8), torch.randn(1, 6, 32)
    with torch.no_grad():
        base = gen.predict_noise(sample, 10, text)
        torch.testing.assert_close(gen.predict_noise(sample, 10, text, adapter(_heatmaps())), base)
        _randomise(adapter)
        guided = gen.predict_noise(sample, 10, text, adapter(_heatmaps()))
    assert (guided - base).abs().max() > 1e-3
    # the hooks are gone after the call
    assert not gen.unet.conv_in._forward_hooks
    assert all(not b.motion_modules[-1]._forward_hooks for b in gen.unet.down_blocks)


def _manual_down_path(unet, sample, text, conv_in_add=None, block_add=None):
    """UNetMotionModel's encoder written out: conv_in (+ feature), then per down block each
    layer, adding block k's feature after its last layer — the reference for the hooks."""
    b, c, f, h, w = sample.shape
    temb = unet.time_embedding(unet.time_proj(torch.tensor([10])).to(sample.dtype))
    temb = temb.repeat_interleave(f, 0)
    x = unet.conv_in(sample.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w))
    if conv_in_add is not None:
        x = x + conv_in_add
    text = text.repeat_interleave(f, 0)
    for k, block in enumerate(unet.down_blocks):
        attns = getattr(block, 'attentions', [None] * len(block.resnets))
        for resnet, attn, motion in zip(block.resnets, attns, block.motion_modules):
            x = resnet(x, temb)
            if attn is not None:
                x = attn(x, encoder_hidden_states=text, return_dict=False)[0]
            x = motion(x, num_frames=f)
        if block_add is not None:
            x = x + block_add[k]
        if block.downsamplers is not None:
            x = block.downsamplers[0](x)
    return x


def test_hooks_add_features_exactly_where_documented(gen):
    unet = gen.unet
    sample, text = torch.randn(1, 4, 4, 8, 8), torch.randn(1, 6, 32)
    torch.manual_seed(3)
    features = GuidanceFeatures(conv_in=torch.randn(4, 32, 8, 8),
                                intrablock=[torch.randn(4, 32, 8, 8), torch.randn(4, 64, 4, 4)])
    captured = {}
    handle = unet.mid_block.register_forward_pre_hook(
        lambda m, args, kwargs: captured.__setitem__('mid_in', args[0] if args else
                                                    kwargs['hidden_states']), with_kwargs=True)
    try:
        with torch.no_grad():
            gen.predict_noise(sample, 10, text, features)
            expected = _manual_down_path(unet, sample, text, features.conv_in,
                                         features.intrablock)
    finally:
        handle.remove()
    torch.testing.assert_close(captured['mid_in'], expected, rtol=1e-4, atol=1e-5)


def test_wrong_feature_shape_is_a_clear_error(gen):
    sample, text = torch.randn(1, 4, 4, 8, 8), torch.randn(1, 6, 32)
    with pytest.raises(ValueError, match='conv_in'):
        gen.predict_noise(sample, 10, text, GuidanceFeatures(conv_in=torch.zeros(4, 16, 8, 8)))
    with pytest.raises(ValueError, match='2 down blocks'):
        gen.predict_noise(sample, 10, text,
                          GuidanceFeatures(intrablock=[torch.zeros(4, 32, 8, 8)]))
    assert not gen.unet.conv_in._forward_hooks


def test_guidance_features_select_and_repeat():
    f = GuidanceFeatures(down=[torch.arange(6.).view(6, 1, 1, 1)],
                         conv_in=torch.arange(6.).view(6, 1, 1, 1))
    one = f.select_frames(2, slice(1, 2))                  # B=2, F=3: frames 1 of each clip
    assert one.down[0].flatten().tolist() == [1.0, 4.0] and one.mid is None
    assert f.repeat_batch(2).conv_in.shape[0] == 12
    assert all(float(t.abs().sum()) == 0 for t in f.zeros_like().tensors())
