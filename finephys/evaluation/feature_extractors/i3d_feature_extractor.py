"""Load Inception-I3D weights from a local file and embed clips for FVD."""
import hashlib
import warnings
import os.path as osp
import zipfile
from typing import Optional

import torch
import torch.nn as nn

from .fvd_preprocessing import FVD_NUM_FRAMES, FVD_RESOLUTION, preprocess_fvd_video
from .inception_i3d import InceptionI3D


def file_sha1(path: str, chunk: int = 1 << 20) -> str:
    """SHA-1 of a file's bytes (the weights' identity in feature caches)."""
    h = hashlib.sha1()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            h.update(block)
    return h.hexdigest()


def is_torchscript_archive(path: str) -> bool:
    """Whether ``path`` is a TorchScript archive (``torch.jit.save``: a zip with a ``code/``
    folder) rather than a ``torch.save`` state dict (a zip without one)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return any('/code/' in n or n.startswith('code/') for n in z.namelist())


def load_i3d_state_dict(path: str) -> dict:
    """A state dict from ``.safetensors`` or a ``torch.save`` file (``weights_only=True``; a
    ``{'state_dict': ...}`` checkpoint is unwrapped)."""
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path)
    state = torch.load(path, map_location='cpu', weights_only=True)
    if isinstance(state, dict) and isinstance(state.get('state_dict'), dict):
        state = state['state_dict']
    if not isinstance(state, dict):
        raise ValueError(f'{path}: expected a state dict, found {type(state).__name__}')
    return state


class I3DFeatureExtractor(nn.Module):
    """Inception-I3D logits (400-d for Kinetics-400) of clips, the features FVD compares.

    ``checkpoint`` is either

    * a state dict of :class:`InceptionI3D` (``.safetensors``, ``.pt`` / ``.pth``; e.g. the
      public PyTorch port's ``rgb_imagenet.pt`` — keys ``Conv3d_1a_7x7.conv3d.weight`` …), or
    * the TorchScript I3D of the FVD literature (``i3d_torchscript.pt``, StyleGAN-V's release
      of the original TF-Hub network), called as ``detector(x, rescale=False, resize=False,
      return_features=True)``: its 400 pre-softmax logits.

    Both take :func:`preprocess_fvd_video`'s input (16 frames, 224 px, [−1, 1]).

    Args:
        checkpoint (str): Weights file.
        width (float): :class:`InceptionI3D` channel multiplier of a state dict (1.0: the real
            network; tests save smaller ones).
        num_frames (int): Frames per clip (16: FVD16).
        resolution (int): Input side (224).
        device (str, optional): Where to run (default: CUDA when available).
    """

    def __init__(self, checkpoint: str, width: float = 1.0, num_frames: int = FVD_NUM_FRAMES,
                 resolution: int = FVD_RESOLUTION, device: Optional[str] = None):
        super().__init__()
        if not checkpoint or not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'I3D weights not found: {checkpoint!r} (FVD needs a local Inception-I3D file: '
                'the TorchScript i3d_torchscript.pt or a state dict; see docs/evaluation.md)')
        self.checkpoint, self.num_frames, self.resolution = checkpoint, num_frames, resolution
        self.device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
        self.torchscript = is_torchscript_archive(checkpoint)
        if self.torchscript:
            with warnings.catch_warnings():      # torch 2.x's deprecation note on torch.jit
                warnings.simplefilter('ignore', FutureWarning)
                self.net = torch.jit.load(checkpoint, map_location=self.device).eval()
        else:
            self.net = InceptionI3D(width=width)
            state = load_i3d_state_dict(checkpoint)
            own = self.net.state_dict()
            missing = [k for k in own if k not in state]
            unexpected = [k for k in state if k not in own]
            wrong = [f'{k} {tuple(state[k].shape)} vs {tuple(v.shape)}' for k, v in own.items()
                     if k in state and tuple(state[k].shape) != tuple(v.shape)]
            if missing or unexpected or wrong:
                raise ValueError(f'{checkpoint}: not an InceptionI3D(width={width}) state dict '
                                 f'(missing {missing[:3]}, unexpected {unexpected[:3]}, shapes '
                                 f'{wrong[:3]}; a smaller network needs its i3d_width)')
            self.net.load_state_dict(state)
            self.net.to(self.device).eval()
        self.fingerprint = (f'{file_sha1(checkpoint)}-f{num_frames}-r{resolution}'
                            f'-{"ts" if self.torchscript else "sd"}')

    @torch.no_grad()
    def forward(self, videos, batch_size: int = 8) -> torch.Tensor:
        """``(B, T, H, W, 3)`` uint8 clips → ``(B, D)`` float64 features (CPU), ``batch_size``
        clips at a time."""
        videos = torch.as_tensor(videos)
        out = []
        for start in range(0, len(videos), batch_size):
            x = preprocess_fvd_video(videos[start:start + batch_size], self.num_frames,
                                     self.resolution).to(self.device)
            if self.torchscript:
                feats = self.net(x, rescale=False, resize=False, return_features=True)
            else:
                feats = self.net(x)
            out.append(feats.double().cpu())
        return torch.cat(out) if out else torch.zeros(0, 0, dtype=torch.float64)
