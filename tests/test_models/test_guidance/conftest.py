import pytest
import torch
from diffusers import MotionAdapter, UNet2DConditionModel, UNetMotionModel

# A tiny SD1.5-layout UNet: blocks (32, 64), one cross-attention down block, latent 8x8
TINY = dict(block_out_channels=(32, 64), layers_per_block=1, cross_attention_dim=32,
            down_block_types=('CrossAttnDownBlock2D', 'DownBlock2D'),
            up_block_types=('UpBlock2D', 'CrossAttnUpBlock2D'), norm_num_groups=8,
            sample_size=8, attention_head_dim=8)


@pytest.fixture(scope='module')
def tiny_unet():
    """``UNetMotionModel`` from the tiny UNet and a tiny MotionAdapter (seeded, eval mode)."""
    torch.manual_seed(0)
    unet2d = UNet2DConditionModel(in_channels=4, out_channels=4, **TINY)
    adapter = MotionAdapter(block_out_channels=(32, 64), motion_layers_per_block=1,
                            motion_norm_num_groups=8, motion_num_attention_heads=2,
                            motion_max_seq_length=8)
    return UNetMotionModel.from_unet2d(unet2d, adapter).eval()
