"""Small random evaluation networks saved in the real formats, so the real loading code of
every video metric runs where the real weights cannot be downloaded (tests, the CPU demo).
Numbers from them measure nothing; they are never reported."""
import os
import os.path as osp
from typing import Sequence

import torch
import torch.nn as nn

from finephys.models.generators.pretrained_folders import write_tiny_clip_tokenizer

from .inception_i3d import InceptionI3D


class TorchScriptI3DInterface(nn.Module):
    """A (traced) :class:`InceptionI3D` behind the call signature of the FVD literature's
    TorchScript I3D, ``detector(x, rescale, resize, return_features)``, for scripting tiny
    stand-ins."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, rescale: bool = False, resize: bool = False,
                return_features: bool = True) -> torch.Tensor:
        if rescale:
            x = x * 2.0 - 1.0
        logits = self.net(x)
        return logits if return_features else torch.softmax(logits, -1)


def calibration_clips(size=(16, 64, 64), num: int = 6, seed: int = 0) -> torch.Tensor:
    """Varied synthetic clips ``(num, 3, T, H, W)`` in [−1, 1]: flat colours, moving ramps and
    noise — enough variety that batch-norm statistics fitted on them keep a random network's
    features dependent on its input."""
    g = torch.Generator().manual_seed(seed)
    t, h, w = size
    clips = []
    for i in range(num):
        if i % 3 == 0:
            clip = torch.rand(3, 1, 1, 1, generator=g).expand(3, t, h, w)
        elif i % 3 == 1:
            x = torch.linspace(0, 1, w)[None, None, None] + torch.linspace(0, 1, t)[None, :,
                                                                                   None, None]
            clip = (x * torch.rand(3, 1, 1, 1, generator=g) * 3).sin().abs().expand(3, t, h, w)
        else:
            clip = torch.rand(3, t, h, w, generator=g)
        clips.append(clip * 2 - 1)
    return torch.stack(clips)


@torch.no_grad()
def calibrate_batch_norm(net: nn.Module, clips: torch.Tensor) -> None:
    """Set every ``BatchNorm3d``'s running statistics to those of ``clips`` (one pass in train
    mode, cumulative averaging), then put ``net`` in eval mode. Without it the default
    initialisation shrinks activations layer after layer and a random I3D maps every clip to
    almost the same logits."""
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm3d)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    net.train()
    net(clips)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    net.eval()


def write_tiny_i3d(path: str, width: float = 0.0625, seed: int = 0, torchscript: bool = False,
                   example_shape=(1, 3, 16, 64, 64)) -> str:
    """A random :class:`InceptionI3D` of channel multiplier ``width`` saved to ``path``: its
    state dict (``.safetensors`` / ``.pt`` by the extension) or, with ``torchscript``, a
    TorchScript archive with the reference call signature (the network traced at
    ``example_shape``, so it takes inputs of that clip length and size). Batch-norm statistics
    are calibrated on synthetic clips of that size (:func:`calibrate_batch_norm`). Returns
    ``path``."""
    torch.manual_seed(seed)
    net = InceptionI3D(width=width)
    calibrate_batch_norm(net, calibration_clips(example_shape[2:]))
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    if torchscript:
        import warnings
        with warnings.catch_warnings():          # the tracer's shape-constant notes
            warnings.simplefilter('ignore')
            traced = torch.jit.trace(net, torch.zeros(example_shape))
            torch.jit.script(TorchScriptI3DInterface(traced)).save(path)
    elif path.endswith('.safetensors'):
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, path)
    else:
        torch.save(net.state_dict(), path)
    return path


def write_tiny_clip_folder(path: str, texts: Sequence[str] = (), image_size: int = 32,
                           hidden_size: int = 32, projection_dim: int = 16, seed: int = 0) -> str:
    """A random two-layer ``CLIPModel`` with its tokenizer (BPE learnt from ``texts``,
    :func:`~finephys.models.generators.pretrained_folders.write_tiny_clip_tokenizer`) and
    ``CLIPImageProcessor`` (``image_size`` crop), all ``save_pretrained`` into ``path`` — the
    layout of ``openai/clip-vit-large-patch14`` and ``PickScore_v1``. Returns ``path``."""
    from transformers import (CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTextConfig,
                              CLIPVisionConfig)

    tokenizer = write_tiny_clip_tokenizer(path, texts)
    torch.manual_seed(seed)
    text_cfg = CLIPTextConfig(vocab_size=len(tokenizer), hidden_size=hidden_size,
                              intermediate_size=2 * hidden_size, num_hidden_layers=2,
                              num_attention_heads=2, max_position_embeddings=77,
                              bos_token_id=tokenizer.bos_token_id,
                              eos_token_id=tokenizer.eos_token_id,
                              pad_token_id=tokenizer.pad_token_id)
    vision_cfg = CLIPVisionConfig(hidden_size=hidden_size, intermediate_size=2 * hidden_size,
                                  num_hidden_layers=2, num_attention_heads=2,
                                  image_size=image_size, patch_size=8)
    model = CLIPModel(CLIPConfig(text_config=text_cfg.to_dict(),
                                 vision_config=vision_cfg.to_dict(),
                                 projection_dim=projection_dim)).eval()
    model.save_pretrained(path)
    CLIPImageProcessor(size={'shortest_edge': image_size},
                       crop_size={'height': image_size, 'width': image_size}).save_pretrained(path)
    return path
