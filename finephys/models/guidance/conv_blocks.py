"""Small convolution blocks shared by the skeleton adapters."""
import torch.nn as nn
import torch.nn.functional as F


class ResidualConvBlock(nn.Module):
    """``x + conv(silu(conv(silu(x))))`` with 3×3 convolutions, channels kept."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.silu(self.conv1(F.silu(x))))


def zero_conv(in_channels: int, out_channels: int) -> nn.Conv2d:
    """A 1×1 convolution initialised to zero: an injection that starts as the identity of the
    base model (ControlNet's zero convolution)."""
    conv = nn.Conv2d(in_channels, out_channels, 1)
    nn.init.zeros_(conv.weight)
    nn.init.zeros_(conv.bias)
    return conv
