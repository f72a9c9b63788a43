"""``GuidanceFeatures``: what a skeleton adapter hands the video UNet, by injection point."""
from dataclasses import dataclass, fields
from typing import Callable, List, Optional

import torch


@dataclass
class GuidanceFeatures:
    """Skeleton features for :class:`AnimateDiffGenerator`, grouped by where they enter the UNet.
    Every tensor is in ``UNetMotionModel``'s frame-flattened layout ``(B·F, C, h, w)``,
    batch-major; a field left None injects nothing there.

    Attributes:
        down (list[Tensor], optional): ControlNet-style residuals, one per skip connection
            (``down_block_additional_residuals``: ``conv_in``'s output, every down resnet,
            every downsampler) — they reach the decoder only.
        mid (Tensor, optional): ControlNet-style mid-block residual.
        intrablock (list[Tensor], optional): T2I-Adapter-style features, one per down block
            at its input resolution and output channels, added to the block's last layer
            output before its downsampler (diffusers' ``down_intrablock_additional_residuals``
            placement), so they flow through the rest of the encoder as well as the skips.
        conv_in (Tensor, optional): Pose-guider features (AnimateAnyone) added to ``conv_in``'s
            output, ``(B·F, C_0, H_latent, W_latent)``: the whole UNet sees them.
    """

    down: Optional[List[torch.Tensor]] = None
    mid: Optional[torch.Tensor] = None
    intrablock: Optional[List[torch.Tensor]] = None
    conv_in: Optional[torch.Tensor] = None

    def map(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> 'GuidanceFeatures':
        """A new container with ``fn`` applied to every tensor (lists element-wise)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                out[f.name] = None
            elif isinstance(value, (list, tuple)):
                out[f.name] = [fn(v) for v in value]
            else:
                out[f.name] = fn(value)
        return GuidanceFeatures(**out)

    def tensors(self) -> List[torch.Tensor]:
        """Every tensor held, in field order."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (list, tuple)):
                out.extend(value)
            elif value is not None:
                out.append(value)
        return out

    def zeros_like(self) -> 'GuidanceFeatures':
        """The same layout with every tensor zero (guidance switched off)."""
        return self.map(torch.zeros_like)

    def select_frames(self, batch_size: int, frames: slice) -> 'GuidanceFeatures':
        """Keep ``frames`` of every clip: ``(B·F, ...)`` → ``(B·F', ...)``."""
        def pick(t):
            clip = t.reshape(batch_size, -1, *t.shape[1:])[:, frames]
            return clip.reshape(-1, *t.shape[1:])
        return self.map(pick)

    def repeat_batch(self, times: int) -> 'GuidanceFeatures':
        """``(B·F, ...)`` → ``(times·B·F, ...)``, e.g. both halves of a classifier-free-guidance
        batch."""
        return self.map(lambda t: torch.cat([t] * times))
