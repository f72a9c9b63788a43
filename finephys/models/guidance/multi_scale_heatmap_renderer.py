"""``MultiScaleHeatmapRenderer``: per-joint Gaussian heatmaps at every resolution a video UNet's
down blocks need."""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn

from finephys.registry import GUIDANCE
from finephys.structures.skeleton import COCO17, H36M17


@GUIDANCE.register_module()
class MultiScaleHeatmapRenderer(nn.Module):
    """Render 2D keypoints as Gaussian heatmaps at several strides, vectorised.

    A 2D Gaussian is separable, ``exp(−((x−u)² + (y−v)²) / 2σ²) = g_y(y) · g_x(x)``, so each
    heatmap is the outer product of two 1D profiles: ``O(J (h + w))`` exponentials per frame
    instead of ``O(J h w)``, then one batched outer product writes the output. Centres are
    sub-pixel (pixel centres at ``(i + 0.5) · stride`` in image pixels); ``truncate`` zeroes
    values beyond ±truncate·σ as mmpose's codec does; joints whose score is below ``score_thr``
    (or outside the image by more than 3σ) give all-zero maps.

    With ``truncate`` set, each map is zero outside a ``(2·truncate·σ + 2)²`` window: the output
    is allocated zeroed and only the windows are computed and written (one scatter per level),
    so the cost is close to that of writing the output at all.

    Args:
        image_size (tuple[int, int]): ``(W, H)`` of the keypoints' pixel frame (the video).
        strides (Sequence[int]): Downsampling of each level (e.g. SD's VAE 8 × down blocks
            1, 2, 4, 8 → 8, 16, 32, 64).
        sigma (float): Gaussian σ in image pixels at stride 1; each level uses
            ``max(sigma / stride, min_sigma)`` in its own pixels.
        min_sigma (float): Lower bound of a level's σ (keeps coarse maps non-degenerate).
        score_thr (float): Joints scored below this are masked.
        truncate (float, optional): Zero the Gaussian beyond this many σ (None: no cut).
        limbs (str, optional): Also draw one limb map per bone of this skeleton (``'h36m17'``,
            ``'coco17'``): a Gaussian of the distance to the bone's segment, with the level's σ
            — the line drawing AnimateAnyone / ControlNet-pose condition on, as heatmaps. A
            bone is drawn only when both its joints are visible. Appended after the J joint
            maps.

    Shapes: ``keypoints (B, T, J, 2)`` pixels, ``scores (B, T, J)`` → list over levels of
    ``(B, T, J + L, H / s, W / s)`` (L = 0 without ``limbs``).
    """

    def __init__(self, image_size: Tuple[int, int] = (256, 256),
                 strides: Sequence[int] = (8, 16, 32, 64), sigma: float = 12.0,
                 min_sigma: float = 0.75, score_thr: float = 0.3,
                 truncate: Optional[float] = 3.0, limbs: Optional[str] = None):
        super().__init__()
        self.bones = None
        if limbs is not None:
            specs = {'h36m17': H36M17, 'coco17': COCO17}
            if limbs not in specs:
                raise ValueError(f'MultiScaleHeatmapRenderer: limbs={limbs!r} unknown '
                                 f'(expected one of {sorted(specs)})')
            self.bones = specs[limbs].bones
            self.register_buffer('bone_index', torch.tensor(self.bones, dtype=torch.long).T,
                                 persistent=False)
        w, h = image_size
        for s in strides:
            if w % s or h % s:
                raise ValueError(f'MultiScaleHeatmapRenderer: image_size {image_size} is not '
                                 f'divisible by stride {s}')
        self.image_size, self.strides = (w, h), tuple(strides)
        self.sigma, self.min_sigma, self.score_thr, self.truncate = sigma, min_sigma, score_thr, truncate
        # the pixel-centre grids of every level, concatenated, with each level's σ (image px):
        # fixed by the config, so built once
        for axis, length in (('x', w), ('y', h)):
            grids, sigmas = [], []
            for stride in self.strides:
                n = length // stride
                grids.append((torch.arange(n, dtype=torch.float32) + 0.5) * stride)
                sigmas.append(torch.full((n,), self.level_sigma(stride) * stride))
            self.register_buffer(f'grid_{axis}', torch.cat(grids), persistent=False)
            self.register_buffer(f'inv_sigma_{axis}', 1.0 / torch.cat(sigmas), persistent=False)
        self.sizes_x = [w // st for st in self.strides]
        self.sizes_y = [h // st for st in self.strides]

    def level_sigma(self, stride):
        return max(self.sigma / stride, self.min_sigma)

    def _profiles(self, coord, axis):
        """1D Gaussian profiles of every level at once (one ``exp`` for all levels), split per
        level. ``coord (B, T, J)`` image pixels → tuple of ``(B, T, J, n_level)``."""
        grid = getattr(self, f'grid_{axis}').to(coord.dtype)
        inv_sigma = getattr(self, f'inv_sigma_{axis}').to(coord.dtype)
        d = (grid - coord[..., None]) * inv_sigma              # distance in σ units
        d2 = d * d
        # beyond |d| ≈ 9.3σ the profile is < 1e-19: make it exactly 0 without ever computing
        # float32 denormals (exp of very negative inputs and products of tiny values produce
        # them, and they make CPU arithmetic ~50x slower)
        cut = 87.0 if self.truncate is None else min(87.0, self.truncate ** 2 + 1e-6)
        far = d2 > cut
        g = torch.exp(-0.5 * d2.clamp_(max=cut)).masked_fill_(far, 0.0)
        return torch.split(g, self.sizes_x if axis == 'x' else self.sizes_y, dim=-1)

    def forward(self, keypoints: torch.Tensor, scores: Optional[torch.Tensor] = None):
        if keypoints.dim() != 4 or keypoints.shape[-1] != 2:
            raise ValueError(f'MultiScaleHeatmapRenderer: keypoints must be (B, T, J, 2), got '
                             f'{tuple(keypoints.shape)}')
        if not torch.isfinite(keypoints).all():
            raise ValueError('MultiScaleHeatmapRenderer: keypoints contain NaN/inf')
        joints = self._joint_maps(keypoints, scores)
        if self.bones is None:
            return joints
        limbs = self._limb_maps(keypoints, scores)
        return [torch.cat([j, l], dim=2) for j, l in zip(joints, limbs)]

    def _limb_maps(self, keypoints, scores):
        """Per level ``(B, T, L, h, w)``: ``exp(−d² / 2σ²)``, d the distance of the pixel centre
        to the bone segment (image pixels), σ the level's."""
        a = keypoints[..., self.bone_index[0], :]                   # (B, T, L, 2)
        ab = keypoints[..., self.bone_index[1], :] - a
        if scores is not None:
            visible = scores >= self.score_thr
            visible = visible[..., self.bone_index[0]] & visible[..., self.bone_index[1]]
        out = []
        for stride, w, h in zip(self.strides, self.sizes_x, self.sizes_y):
            xs = (torch.arange(w, dtype=keypoints.dtype, device=keypoints.device) + 0.5) * stride
            ys = (torch.arange(h, dtype=keypoints.dtype, device=keypoints.device) + 0.5) * stride
            px = xs.view(1, 1, 1, 1, w) - a[..., 0, None, None]      # (B, T, L, 1, w)
            py = ys.view(1, 1, 1, h, 1) - a[..., 1, None, None]      # (B, T, L, h, 1)
            bx, by = ab[..., 0, None, None], ab[..., 1, None, None]
            t = ((px * bx + py * by) / (bx * bx + by * by).clamp(min=1e-6)).clamp(0, 1)
            d2 = (px - t * bx) ** 2 + (py - t * by) ** 2
            sigma = self.level_sigma(stride) * stride
            maps = torch.exp(-0.5 * d2 / sigma ** 2)
            if self.truncate is not None:
                maps = maps * (d2 <= (self.truncate * sigma) ** 2)
            if scores is not None:
                maps = maps * visible[..., None, None]
            out.append(maps)
        return out

    def _joint_maps(self, keypoints, scores):
        if self.truncate is not None:
            visible = None if scores is None else scores >= self.score_thr
            return self._render_windows(keypoints, visible)
        gxs = self._profiles(keypoints[..., 0], 'x')
        y = keypoints[..., 1]
        if scores is not None:   # masked joints: push them far away, their profile is all zero
            y = torch.where(scores >= self.score_thr, y, torch.full_like(y, -1e9))
        gys = self._profiles(y, 'y')
        # (B, T, J, h, 1) * (B, T, J, 1, w): the one write of every output value
        return [gy.unsqueeze(-1) * gx.unsqueeze(-2) for gx, gy in zip(gxs, gys)]

    def _render_windows(self, keypoints, visible):
        """Every level with truncation: one zeroed buffer holding all levels; per level, each
        joint's ``n × n`` window (``n = ⌊2·truncate·σ⌋ + 2`` covers ``|d| ≤ truncate·σ``) is
        computed and scattered once.

        Returns list over levels of ``(B, T, J, h, w)`` (contiguous views of the buffer)."""
        lead = keypoints.shape[:-1]                                  # (B, T, J)
        m, dt, dev = lead.numel(), keypoints.dtype, keypoints.device
        numel = [m * h * w for h, w in zip(self.sizes_y, self.sizes_x)]
        spare = sum(numel)
        # window cells off the image go to one spare slot past the maps (their values are 0),
        # so every real cell is written at most once: a plain scatter, no accumulation
        out = torch.zeros(spare + 1, dtype=dt, device=dev)
        maps = torch.arange(m, device=dev).view(-1, 1, 1)
        x, y = keypoints[..., 0].reshape(-1), keypoints[..., 1].reshape(-1)
        if visible is not None:
            visible = visible.reshape(-1, 1)
        base = 0
        for stride, w, h, size in zip(self.strides, self.sizes_x, self.sizes_y, numel):
            sigma = self.level_sigma(stride)                         # in this level's pixels
            n = int(math.floor(2 * self.truncate * sigma)) + 2
            steps = torch.arange(n, device=dev)

            def profile(coord, length):
                c = (coord / stride - 0.5).unsqueeze(-1)             # pixel i's centre: i + 0.5
                idx = torch.ceil(c - self.truncate * sigma).long() + steps
                d = (idx.to(dt) - c) / sigma
                inside = (idx >= 0) & (idx < length)
                g = torch.exp(-0.5 * d * d) * ((d * d <= self.truncate ** 2 + 1e-6) & inside)
                return idx, g, inside

            xi, gx, x_in = profile(x, w)
            yi, gy, y_in = profile(y, h)
            if visible is not None:
                gy = gy * visible
            patch = gy.unsqueeze(-1) * gx.unsqueeze(-2)               # (M, n, n)
            flat = (maps * h + yi.unsqueeze(-1)) * w + xi.unsqueeze(-2) + base
            flat = flat.masked_fill_(~(y_in.unsqueeze(-1) & x_in.unsqueeze(-2)), spare)
            out.scatter_(0, flat.view(-1), patch.view(-1))
            base += size
        views, base = [], 0
        for h, w, size in zip(self.sizes_y, self.sizes_x, numel):
            views.append(out[base:base + size].view(*lead, h, w))
            base += size
        return views
