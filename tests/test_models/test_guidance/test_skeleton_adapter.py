import pytest
import torch
from diffusers import UNet2DConditionModel

from finephys.registry import GUIDANCE


def _inputs(b=1, frames=4):
    torch.manual_seed(1)
    renderer = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=(64, 64),
                                   strides=(8, 16), sigma=6.0))
    heatmaps = renderer(torch.rand(b, frames, 17, 2) * 64)
    return heatmaps, torch.randn(b, 4, frames, 8, 8), torch.randn(b * frames, 6, 32)


def test_residuals_fit_the_unet_and_zero_init_leaves_it_unchanged(tiny_unet):
    adapter = GUIDANCE.build(dict(type='SkeletonAdapter', block_out_channels=(32, 64),
                                  layers_per_block=1, hidden=16))
    heatmaps, sample, text = _inputs()
    features = adapter(heatmaps)
    down, mid = features.down, features.mid
    with torch.no_grad():
        base = tiny_unet(sample, 10, encoder_hidden_states=text).sample
        guided = tiny_unet(sample, 10, encoder_hidden_states=text,
                           down_block_additional_residuals=down,
                           mid_block_additional_residual=mid).sample
    torch.testing.assert_close(guided, base)            # step 0 equals the base model
    # once the output convs are non-zero the residuals change the prediction
    for conv in adapter.down_proj:
        torch.nn.init.normal_(conv.weight, std=0.1)
    features = adapter(heatmaps)
    down, mid = features.down, features.mid
    with torch.no_grad():
        guided = tiny_unet(sample, 10, encoder_hidden_states=text,
                           down_block_additional_residuals=down,
                           mid_block_additional_residual=mid).sample
    assert (guided - base).abs().max() > 1e-3


def test_sd15_shaped_spec_matches_a_meta_device_unet():
    from finephys.models.guidance import unet_residual_spec
    with torch.device('meta'):
        unet = UNet2DConditionModel()             # SD1.5's default config, no weights
    spec, mid = unet_residual_spec(unet.config.block_out_channels, unet.config.layers_per_block)
    n_expected = 1 + sum(len(b.resnets) + (1 if b.downsamplers else 0) for b in unet.down_blocks)
    assert len(spec) == n_expected == 12
    assert spec[0] == (320, 8) and spec[-1] == (1280, 64) and mid == (1280, 64)
    adapter = GUIDANCE.build(dict(type='SkeletonAdapter'))
    renderer = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=(256, 256)))
    features = adapter(renderer(torch.rand(1, 2, 17, 2) * 256))
    down, mid_res = features.down, features.mid
    assert [tuple(d.shape[1:2]) for d in down] == [(c,) for c, _ in spec]
    assert [d.shape[-1] for d in down] == [256 // s for _, s in spec]
    assert mid_res.shape == (2, 1280, 4, 4)


def test_too_few_levels_is_a_clear_error():
    adapter = GUIDANCE.build(dict(type='SkeletonAdapter', block_out_channels=(32, 64),
                                  layers_per_block=1, hidden=8))
    with pytest.raises(ValueError, match='heatmap levels'):
        adapter([torch.zeros(1, 2, 17, 8, 8)])
