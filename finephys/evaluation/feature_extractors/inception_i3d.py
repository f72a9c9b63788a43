"""Inception-I3D (Carreira & Zisserman 2017), the video network behind FVD.

Written for this project in the Kinetics-400 layout of the public PyTorch ports of DeepMind's
release, so their state dicts load with matching keys (``Conv3d_1a_7x7.conv3d.weight``,
``Mixed_3b.b1b.bn.running_mean``, ``logits.conv3d.bias`` ...): a unit is a 3D convolution
(``conv3d``) + batch norm (``bn``, eps 1e-3) + ReLU with TensorFlow's ``'SAME'`` padding, an
Inception block has branches ``b0`` (1×1×1), ``b1a→b1b`` (1×1×1 → 3×3×3), ``b2a→b2b`` and
``b3a→b3b`` (3×3×3 max pool → 1×1×1).
"""
from collections import OrderedDict
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from finephys.registry import FEATURE_EXTRACTORS

# (name, out channels of b0, b1a, b1b, b2a, b2b, b3b) of the Kinetics-400 network
INCEPTION_BLOCKS = OrderedDict([
    ('Mixed_3b', (64, 96, 128, 16, 32, 32)),
    ('Mixed_3c', (128, 128, 192, 32, 96, 64)),
    ('Mixed_4b', (192, 96, 208, 16, 48, 64)),
    ('Mixed_4c', (160, 112, 224, 24, 64, 64)),
    ('Mixed_4d', (128, 128, 256, 24, 64, 64)),
    ('Mixed_4e', (112, 144, 288, 32, 64, 64)),
    ('Mixed_4f', (256, 160, 320, 32, 128, 128)),
    ('Mixed_5b', (256, 160, 320, 32, 128, 128)),
    ('Mixed_5c', (384, 192, 384, 48, 128, 128)),
])


def same_padding(size: Sequence[int], kernel: Sequence[int], stride: Sequence[int]) -> list:
    """TensorFlow ``'SAME'`` padding of a ``(T, H, W)`` input as ``F.pad``'s list (last dim
    first): output size ``ceil(n / s)``, the odd pixel padded after."""
    pad = []
    for n, k, s in zip(reversed(list(size)), reversed(list(kernel)), reversed(list(stride))):
        total = max(k - s, 0) if n % s == 0 else max(k - n % s, 0)
        pad += [total // 2, total - total // 2]
    return pad


class Unit3D(nn.Module):
    """Conv3d (no bias) + BatchNorm3d + ReLU, ``'SAME'`` padded; the logits unit has a bias
    and neither norm nor activation."""

    def __init__(self, in_channels: int, out_channels: int, kernel=(1, 1, 1), stride=(1, 1, 1),
                 use_bn: bool = True, activation: bool = True, bias: bool = False):
        super().__init__()
        self.kernel, self.stride, self.activation = tuple(kernel), tuple(stride), activation
        self.conv3d = nn.Conv3d(in_channels, out_channels, self.kernel, self.stride, padding=0,
                                bias=bias)
        self.bn = nn.BatchNorm3d(out_channels, eps=1e-3, momentum=0.01) if use_bn else None

    def forward(self, x):
        x = self.conv3d(F.pad(x, same_padding(x.shape[2:], self.kernel, self.stride)))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.activation else x


class MaxPool3dSame(nn.Module):
    """Max pool with ``'SAME'`` padding (zeros: every input is a ReLU output, ≥ 0)."""

    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = tuple(kernel), tuple(stride)

    def forward(self, x):
        x = F.pad(x, same_padding(x.shape[2:], self.kernel, self.stride))
        return F.max_pool3d(x, self.kernel, self.stride)


class InceptionBlock3D(nn.Module):
    """Four branches concatenated on channels (see the module docstring)."""

    def __init__(self, in_channels: int, channels: Sequence[int]):
        super().__init__()
        c0, c1a, c1b, c2a, c2b, c3b = channels
        self.b0 = Unit3D(in_channels, c0)
        self.b1a = Unit3D(in_channels, c1a)
        self.b1b = Unit3D(c1a, c1b, kernel=(3, 3, 3))
        self.b2a = Unit3D(in_channels, c2a)
        self.b2b = Unit3D(c2a, c2b, kernel=(3, 3, 3))
        self.b3a = MaxPool3dSame((3, 3, 3), (1, 1, 1))
        self.b3b = Unit3D(in_channels, c3b)
        self.out_channels = c0 + c1b + c2b + c3b

    def forward(self, x):
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)),
                          self.b3b(self.b3a(x))], 1)


@FEATURE_EXTRACTORS.register_module()
class InceptionI3D(nn.Module):
    """RGB Inception-I3D; ``forward`` returns the clip's logits averaged over time.

    Input ``(B, 3, T, H, W)`` in [-1, 1] (FVD's preprocessing, see
    :func:`~finephys.evaluation.feature_extractors.preprocess_fvd_video`: 16 frames, 224 × 224).
    At 224 px and ``T ≥ 9`` the layers give a ``(T', 7, 7)`` map, pooled by a ``2 × 7 × 7``
    average (stride 1, valid), the 1×1×1 logits conv, then the mean over the remaining ``T'−1``
    positions — the reference network exactly (16 frames: one position). For smaller inputs
    (tests, tiny models) the pool kernel is clipped to the map.

    Args:
        num_classes (int): 400 (Kinetics-400).
        width (float): Channel multiplier (1.0: the real network; smaller for tests).
        in_channels (int): 3 (RGB).
    """

    def __init__(self, num_classes: int = 400, width: float = 1.0, in_channels: int = 3):
        super().__init__()

        def c(n):
            return max(1, int(round(n * width)))

        self.num_classes, self.width = num_classes, width
        self.Conv3d_1a_7x7 = Unit3D(in_channels, c(64), (7, 7, 7), (2, 2, 2))
        self.MaxPool3d_2a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Conv3d_2b_1x1 = Unit3D(c(64), c(64))
        self.Conv3d_2c_3x3 = Unit3D(c(64), c(192), (3, 3, 3))
        self.MaxPool3d_3a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        channels = c(192)
        for name, widths in INCEPTION_BLOCKS.items():
            if name == 'Mixed_4b':
                self.MaxPool3d_4a_3x3 = MaxPool3dSame((3, 3, 3), (2, 2, 2))
            if name == 'Mixed_5b':
                self.MaxPool3d_5a_2x2 = MaxPool3dSame((2, 2, 2), (2, 2, 2))
            block = InceptionBlock3D(channels, [c(w) for w in widths])
            setattr(self, name, block)
            channels = block.out_channels
        self.feature_channels = channels
        self.logits = Unit3D(channels, num_classes, use_bn=False, activation=False, bias=True)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, 3, T, H, W)`` → the ``Mixed_5c`` map ``(B, C, T', H', W')``."""
        x = self.MaxPool3d_2a_3x3(self.Conv3d_1a_7x7(x))
        x = self.MaxPool3d_3a_3x3(self.Conv3d_2c_3x3(self.Conv3d_2b_1x1(x)))
        for name in INCEPTION_BLOCKS:
            if name == 'Mixed_4b':
                x = self.MaxPool3d_4a_3x3(x)
            if name == 'Mixed_5b':
                x = self.MaxPool3d_5a_2x2(x)
            x = getattr(self, name)(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, 3, T, H, W)`` in [-1, 1] → ``(B, num_classes)`` pre-softmax logits."""
        x = self.features(x)
        kernel: Tuple[int, int, int] = (min(2, x.shape[2]), min(7, x.shape[3]),
                                        min(7, x.shape[4]))
        x = F.avg_pool3d(x, kernel, stride=1)
        return self.logits(x).mean((2, 3, 4))
