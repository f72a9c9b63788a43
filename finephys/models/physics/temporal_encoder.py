"""``DilatedTemporalEncoder``: the temporal convolution stack of Phys-Net and ContactNet."""
import torch.nn as nn
import torch.nn.functional as F


class DilatedTemporalEncoder(nn.Module):
    """A 1×1 projection, then residual dilated temporal convolutions (dilations 1, 2, 4, ...;
    replicate padding; GELU): linear in T, receptive field ``2^layers + 1`` frames.

    Args:
        in_dim (int): Input features.
        hidden (int): Channels.
        layers (int): Residual dilated layers.

    Shapes: ``(B, T, in_dim)`` → ``(B, T, hidden)``.
    """

    def __init__(self, in_dim, hidden, layers):
        super().__init__()
        self.inp = nn.Conv1d(in_dim, hidden, 1)
        self.convs = nn.ModuleList(nn.Conv1d(hidden, hidden, 3, dilation=2 ** i)
                                   for i in range(layers))

    def forward(self, x):                       # (B, T, F) → (B, T, H)
        h = self.inp(x.transpose(1, 2))
        for conv in self.convs:
            d = conv.dilation[0]
            h = h + F.gelu(conv(F.pad(h, (d, d), mode='replicate')))
        return h.transpose(1, 2)
