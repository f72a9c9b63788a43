"""MotionDirector losses (Zhao et al., "MotionDirector: Motion Customization of Text-to-Video
Diffusion Models", ECCV 2024), as FinePhys trains its video backbone.

* ``L_spat``: a one-frame forward (a random frame shared across the batch) with the temporal
  LoRA switched off — it steps the spatial LoRA (+ adapter) to learn appearance;
* ``L_temp``: the whole clip with both LoRAs on — it steps the temporal LoRA (+ adapter);
* ``L_ad-temp``: the appearance-debiased temporal loss, MSE after
  ``φ(x) = √(β²+1)·x − β·x_anchor`` applied to prediction and target with the same random
  anchor frame (β = 1): the shared per-clip appearance component cancels, motion remains.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from finephys.registry import MODELS


def debias_appearance(x, anchor, beta=1.0):
    """``φ(x) = √(β² + 1)·x − β·x[:, :, anchor]`` per sample.

    Args:
        x: ``(B, C, F, h, w)`` noise (prediction or target).
        anchor: ``(B,)`` long tensor of anchor frame indices.
    """
    idx = anchor.view(-1, 1, 1, 1, 1).expand(-1, x.shape[1], 1, *x.shape[3:])
    x_anchor = torch.gather(x, 2, idx)
    return math.sqrt(beta ** 2 + 1) * x - beta * x_anchor


@MODELS.register_module()
class MotionDirectorLoss(nn.Module):
    """Computes the three losses against an :class:`AnimateDiffGenerator`.

    Args:
        spatial_weight, temporal_weight, ad_temporal_weight (float): Loss weights.
        beta (float): Appearance-debiasing strength of ``φ``.
        skeleton_weight (float): This project's extension (0: MotionDirector's plain MSE):
            every squared error is weighted by ``1 + skeleton_weight · m`` (normalised to mean
            1 per clip), ``m ∈ [0, 1]`` the guidance skeleton's heatmap coverage at the
            latent resolution. The body is a few percent of a frame; unweighted, the loss —
            and the adapter's gradient — is dominated by background the skeleton cannot
            predict.
    """

    def __init__(self, spatial_weight=1.0, temporal_weight=1.0, ad_temporal_weight=1.0,
                 beta=1.0, skeleton_weight=0.0):
        super().__init__()
        self.spatial_weight, self.temporal_weight = spatial_weight, temporal_weight
        self.ad_temporal_weight, self.beta = ad_temporal_weight, beta
        if skeleton_weight < 0:
            raise ValueError(f'MotionDirectorLoss: skeleton_weight={skeleton_weight} < 0')
        self.skeleton_weight = skeleton_weight

    def pixel_weights(self, coverage):
        """``coverage (B, 1, F, h, w)`` in [0, 1] → weights of the same shape, mean 1 per
        clip (None without ``skeleton_weight`` or coverage)."""
        if coverage is None or self.skeleton_weight == 0:
            return None
        w = 1.0 + self.skeleton_weight * coverage
        return w / w.mean(dim=(1, 2, 3, 4), keepdim=True)

    @staticmethod
    def weighted_mse(pred, target, weights=None):
        if weights is None:
            return F.mse_loss(pred, target)
        return ((pred - target) ** 2 * weights).mean()

    @staticmethod
    def _noisy(generator, latents, noise, timesteps):
        return generator.noise_scheduler.add_noise(latents, noise, timesteps)

    def spatial(self, generator, latents, noise, timesteps, text, frame=None, guidance=None,
                coverage=None):
        """``L_spat`` on one frame (index ``frame``, random when None) with only the spatial
        LoRA active. ``guidance``: :class:`GuidanceFeatures` of the whole clip, ``(B·F, ...)``;
        ``coverage``: ``(B, 1, F, h, w)`` skeleton coverage for ``skeleton_weight``.

        The spatial-only state lasts for this call; a caller that uses gradient checkpointing
        holds ``generator.adapters_active(['spatial'])`` through ``backward()`` too."""
        b, _, f = latents.shape[:3]
        frame = int(torch.randint(0, f, ())) if frame is None else frame
        one = slice(frame, frame + 1)
        if guidance is not None:
            guidance = guidance.select_frames(b, one)
        with generator.adapters_active(['spatial']):
            noisy = self._noisy(generator, latents[:, :, one], noise[:, :, one], timesteps)
            pred = generator.predict_noise(noisy, timesteps, text, guidance)
        target = generator.prediction_target(latents[:, :, one], noise[:, :, one], timesteps)
        weights = self.pixel_weights(None if coverage is None else coverage[:, :, one])
        return self.spatial_weight * self.weighted_mse(pred, target, weights)

    def temporal(self, generator, latents, noise, timesteps, text, anchor=None, guidance=None,
                 adapters=('spatial', 'temporal'), coverage=None):
        """``L_temp`` and ``L_ad-temp`` on the whole clip with the ``adapters`` LoRA sets active
        (both, except on MotionDirector's iterations that mask the spatial LoRA)."""
        b, _, f = latents.shape[:3]
        anchor = (torch.randint(0, f, (b,), device=latents.device) if anchor is None
                  else anchor.to(latents.device))
        with generator.adapters_active(adapters):
            noisy = self._noisy(generator, latents, noise, timesteps)
            pred = generator.predict_noise(noisy, timesteps, text, guidance)
        target = generator.prediction_target(latents, noise, timesteps)
        weights = self.pixel_weights(coverage)
        l_temp = self.weighted_mse(pred, target, weights)
        l_ad = self.weighted_mse(debias_appearance(pred, anchor, self.beta),
                                 debias_appearance(target, anchor, self.beta), weights)
        return dict(loss_temporal=self.temporal_weight * l_temp,
                    loss_ad_temporal=self.ad_temporal_weight * l_ad)
