"""The video preprocessing of FVD (Unterthiner et al. 2018) as the literature's PyTorch
evaluations apply it before Inception-I3D."""
import torch
import torch.nn.functional as F

#: Frames per clip and frame size of the standard FVD ("FVD16" at 224 × 224).
FVD_NUM_FRAMES = 16
FVD_RESOLUTION = 224


def check_same_video_shape(videos, what='videos'):
    """Raise a ``ValueError`` naming the first video whose ``(T, H, W, C)`` differs from the
    first one's (a batch of clips of different lengths or sizes cannot share one embedding)."""
    shapes = [tuple(v.shape) for v in videos]
    for i, shape in enumerate(shapes):
        if len(shape) != 4 or shape[-1] != 3:
            raise ValueError(f'{what}[{i}]: expected a (T, H, W, 3) RGB video, got shape {shape}')
        if shape != shapes[0]:
            raise ValueError(f'{what}[{i}] has shape {shape} but {what}[0] has {shapes[0]}: '
                             'every clip of one evaluation must have the same length and size '
                             '(resample or crop them the same way)')
    return shapes[0] if shapes else None


def preprocess_fvd_video(videos, num_frames: int = FVD_NUM_FRAMES,
                         resolution: int = FVD_RESOLUTION) -> torch.Tensor:
    """Clips → Inception-I3D input.

    The first ``num_frames`` frames (all of a shorter clip), values ``/255`` to [0, 1], each
    frame resized so its shorter side is ``resolution`` (bilinear, ``align_corners=False``, no
    antialiasing), centre-cropped to ``resolution × resolution``, mapped to [−1, 1]
    (``2x − 1``) and laid out channels-first — the input of the TorchScript I3D used by
    StyleGAN-V and its successors, called with ``rescale=False, resize=False``.

    Args:
        videos: ``(B, T, H, W, 3)`` uint8 tensor / array, or a list of ``(T, H, W, 3)`` ones of
            one shape.
        num_frames (int): Frames kept per clip.
        resolution (int): Output side.

    Returns:
        Tensor: ``(B, 3, min(T, num_frames), resolution, resolution)`` float32 in [−1, 1].
    """
    if isinstance(videos, (list, tuple)):
        check_same_video_shape(videos)
        videos = torch.stack([torch.as_tensor(v) for v in videos])
    videos = torch.as_tensor(videos)
    if videos.ndim != 5 or videos.shape[-1] != 3:
        raise ValueError(f'preprocess_fvd_video: expected (B, T, H, W, 3) uint8 videos, got '
                         f'shape {tuple(videos.shape)}')
    x = videos[:, :num_frames].float() / 255.0
    b, t, h, w, _ = x.shape
    x = x.permute(0, 1, 4, 2, 3).reshape(b * t, 3, h, w)
    scale = resolution / min(h, w)
    size = (max(resolution, int(round(h * scale))), max(resolution, int(round(w * scale))))
    x = F.interpolate(x, size=size, mode='bilinear', align_corners=False)
    top, left = (size[0] - resolution) // 2, (size[1] - resolution) // 2
    x = x[:, :, top:top + resolution, left:left + resolution]
    x = x * 2.0 - 1.0
    return x.reshape(b, t, 3, resolution, resolution).permute(0, 2, 1, 3, 4).contiguous()
