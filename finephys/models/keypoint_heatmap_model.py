"""``KeypointHeatmapModel``: train and run a 2D keypoint heatmap network on video frames."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from finephys.registry import GUIDANCE, MODELS

from .pose_estimators.heatmap_codec import decode_heatmaps


def gaussian_blur(images: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Blur each image with its own isotropic Gaussian (separable, 5 taps, reflect padding).

    Args:
        images: ``(N, C, H, W)``; sigma: ``(N,)`` pixels (0 leaves an image unchanged).
    """
    taps = torch.arange(-2, 3, dtype=images.dtype, device=images.device)
    s = sigma.clamp(min=1e-3).view(-1, 1)
    kernel = torch.exp(-0.5 * (taps / s) ** 2)
    kernel = kernel / kernel.sum(-1, keepdim=True)                          # (N, 5)
    n, c, h, w = images.shape
    x = F.pad(images.reshape(1, n * c, h, w), (2, 2, 2, 2), mode='reflect')
    kx = kernel.repeat_interleave(c, 0).view(n * c, 1, 1, 5)
    ky = kernel.repeat_interleave(c, 0).view(n * c, 1, 5, 1)
    x = F.conv2d(F.conv2d(x, kx, groups=n * c), ky, groups=n * c)
    return x.view(n, c, h, w)


@MODELS.register_module()
class KeypointHeatmapModel(BaseModel):
    """A bottom-up 2D pose model for one person per frame: ``net`` draws a heatmap per joint,
    trained with the visibility-weighted MSE to Gaussian targets (mmpose's ``KeypointMSELoss``
    with target weights), decoded by argmax + quarter-pixel shift.

    Training frames are degraded at random (Gaussian blur, pixel noise) so the detector also
    reads the blurry frames a small video model generates — it scores generated video in
    :class:`GuidanceFidelityMetric`.

    Args:
        net (dict): MODELS config of the heatmap network (e.g. :class:`HeatmapPoseNet`).
        target_sigma (float): σ of the Gaussian targets, image pixels.
        frames_per_clip (int, optional): Random frames per clip in training (None: all).
        blur_sigma_max (float): Training blur σ ~ U(0, max) on half of the frames.
        noise_std_max (float): Training noise std ~ U(0, max) (frames in [−1, 1]).
        keypoints_key / visibility_key (str): ``data_samples`` keys of the targets.

    Inputs: ``inputs['video']`` ``(B, T, H, W, 3)`` uint8 RGB; targets ``(B, T, J, 2)``
    pixels and ``(B, T, J)`` visibility.
    """

    def __init__(self, net: dict, target_sigma: float = 1.0,
                 frames_per_clip: Optional[int] = 4, blur_sigma_max: float = 1.5,
                 noise_std_max: float = 0.1, keypoints_key: str = 'keypoints_2d_clean',
                 visibility_key: str = 'visibility', data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.net = MODELS.build(net)
        self.target_sigma = target_sigma
        self.frames_per_clip = frames_per_clip
        self.blur_sigma_max, self.noise_std_max = blur_sigma_max, noise_std_max
        self.keypoints_key, self.visibility_key = keypoints_key, visibility_key
        self._target_renderers = {}        # (W, H) → renderer (not a submodule: no state)

    @staticmethod
    def frames_to_tensor(video: torch.Tensor) -> torch.Tensor:
        """``(N, H, W, 3)`` uint8 RGB → ``(N, 3, H, W)`` float in [−1, 1]."""
        return video.permute(0, 3, 1, 2).float() / 127.5 - 1.0

    def heatmaps(self, video: torch.Tensor) -> torch.Tensor:
        """``(N, H, W, 3)`` uint8 RGB → heatmaps ``(N, J, H, W)``."""
        return self.net(self.frames_to_tensor(video))

    @torch.no_grad()
    def detect(self, video: torch.Tensor):
        """``(N, H, W, 3)`` uint8 RGB → ``keypoints (N, J, 2)`` pixels, ``scores (N, J)``
        (the heatmap maxima, clipped to [0, 1])."""
        keypoints, scores = decode_heatmaps(self.heatmaps(video), stride=1)
        return keypoints, scores.clamp(0.0, 1.0)

    def _targets(self, keypoints, size):
        """Gaussian targets ``(N, J, H, W)``; one renderer per frame size, built once."""
        renderer = self._target_renderers.get(size)
        if renderer is None:
            renderer = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=size,
                                           strides=(1,), sigma=self.target_sigma, min_sigma=0.1))
            self._target_renderers[size] = renderer
        return renderer.to(keypoints.device)(keypoints.unsqueeze(1))[0][:, 0]

    def loss(self, inputs, data_samples) -> dict:
        video = inputs['video']
        b, t, h, w, _ = video.shape
        keypoints = data_samples[self.keypoints_key].float()
        visibility = data_samples[self.visibility_key].float()
        if self.frames_per_clip is not None and self.frames_per_clip < t:
            pick = torch.rand(b, t, device=video.device).argsort(1)[:, :self.frames_per_clip]
            rows = torch.arange(b, device=video.device).unsqueeze(1)
            video, keypoints = video[rows, pick], keypoints[rows, pick]
            visibility = visibility[rows, pick]
        frames = self.frames_to_tensor(video.reshape(-1, h, w, 3))
        n = frames.shape[0]
        blur = torch.rand(n, device=frames.device) * self.blur_sigma_max
        blur = torch.where(torch.rand(n, device=frames.device) < 0.5, blur, torch.zeros_like(blur))
        frames = gaussian_blur(frames, blur)
        noise = torch.rand(n, 1, 1, 1, device=frames.device) * self.noise_std_max
        frames = frames + noise * torch.randn_like(frames)
        target = self._targets(keypoints.reshape(n, -1, 2), (w, h))
        weight = visibility.reshape(n, -1, 1, 1)
        pred = self.net(frames)
        return dict(loss_heatmap=((pred - target) ** 2 * weight).mean() * 1e3)

    def predict(self, inputs, data_samples) -> List[dict]:
        video = inputs['video']
        b, t, h, w, _ = video.shape
        keypoints, scores = self.detect(video.reshape(-1, h, w, 3))
        out = []
        for i in range(b):
            item = dict(keypoints_2d=keypoints.view(b, t, -1, 2)[i],
                        keypoint_scores=scores.view(b, t, -1)[i])
            if self.keypoints_key in data_samples:
                item['gt_keypoints_2d'] = data_samples[self.keypoints_key][i]
                item['gt_visibility'] = data_samples[self.visibility_key][i]
            out.append(item)
        return out

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples or {})
        if mode == 'tensor':
            video = inputs['video']
            return self.heatmaps(video.reshape(-1, *video.shape[-3:]))
        raise ValueError(f'KeypointHeatmapModel: unknown mode {mode!r} (loss, predict, tensor)')
