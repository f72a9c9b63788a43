"""Decoding keypoint heatmaps (the encoding is :class:`MultiScaleHeatmapRenderer`)."""
import torch


def decode_heatmaps(heatmaps: torch.Tensor, stride: int = 1):
    """Argmax with a quarter-pixel shift towards the higher neighbour (the classic
    SimpleBaseline / mmpose ``MSRAHeatmap`` refinement), in image pixels.

    Pixel ``i`` of a stride-``s`` map is centred at ``(i + 0.5)·s`` image pixels — the
    convention :class:`MultiScaleHeatmapRenderer` renders with — so encode → decode returns a
    keypoint within a quarter pixel of the map's sampling.

    Args:
        heatmaps: ``(N, J, h, w)``.
        stride (int): Image pixels per heatmap pixel.

    Returns:
        tuple: ``keypoints (N, J, 2)`` image pixels (x, y) and ``scores (N, J)`` (the maxima).
    """
    n, j, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, j, -1)
    scores, idx = flat.max(-1)
    y, x = (idx // w), (idx % w)
    pad = torch.nn.functional.pad(heatmaps, (1, 1, 1, 1), mode='replicate').reshape(n, j, -1)
    wp = w + 2

    def at(dy, dx):
        return torch.gather(pad, 2, ((y + 1 + dy) * wp + (x + 1 + dx)).unsqueeze(-1)).squeeze(-1)

    dx = 0.25 * torch.sign(at(0, 1) - at(0, -1))
    dy = 0.25 * torch.sign(at(1, 0) - at(-1, 0))
    keypoints = torch.stack([(x.to(heatmaps.dtype) + 0.5 + dx) * stride,
                             (y.to(heatmaps.dtype) + 0.5 + dy) * stride], -1)
    return keypoints, scores
