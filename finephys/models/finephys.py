"""``FinePhys``: skeleton path → skeleton guidance → video generator (the full model, stage 3)."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper

from finephys.registry import GENERATORS, GUIDANCE, MODELS

from .fusion import project_points
from .guidance import GuidanceFeatures


def check_guidance_in_frame(keypoints_2d: torch.Tensor, width: int, height: int) -> None:
    """Refuse a clip whose guidance skeleton never enters the frame (every joint of every frame
    outside ``[0, W) × [0, H)``, or not finite): its heatmaps would be empty and the video
    unguided. ``keypoints_2d`` ``(B, F, J, 2)`` pixels."""
    finite = torch.isfinite(keypoints_2d).all(-1)
    inside = (finite & (keypoints_2d[..., 0] >= 0) & (keypoints_2d[..., 0] < width)
              & (keypoints_2d[..., 1] >= 0) & (keypoints_2d[..., 1] < height))
    for i in range(keypoints_2d.shape[0]):
        if not inside[i].any():
            kp = keypoints_2d[i][finite[i]]
            where = ('not finite' if kp.numel() == 0 else
                     f'x in [{float(kp[:, 0].min()):.1f}, {float(kp[:, 0].max()):.1f}], '
                     f'y in [{float(kp[:, 1].min()):.1f}, {float(kp[:, 1].max()):.1f}]')
            raise ValueError(f'FinePhys: the guidance skeleton of clip {i} lies outside the '
                             f'{width}x{height} frame in every frame ({where} pixels): check '
                             'the camera (camera_K) and the keypoints\' pixel frame')


@MODELS.register_module()
class FinePhys(BaseModel):
    """FinePhys (CVPR 2025): physics-aware skeletons guide a video diffusion model.

    ``FinePhysSkeleton`` gives fused 3D poses, projected to the video's pixels with the sample's
    camera; :class:`MultiScaleHeatmapRenderer` turns them into heatmaps at the UNet's
    resolutions and a GUIDANCE adapter into :class:`GuidanceFeatures` — once per video — that
    the :class:`AnimateDiffGenerator` injects at every denoising step: ControlNet-style skip
    residuals (:class:`SkeletonAdapter`), T2I-Adapter-style features inside the down path
    (:class:`T2ISkeletonAdapter`) or a pose guider at the input (:class:`PoseGuider`).

    Stage-3 training (:meth:`train_step`) follows MotionDirector: per iteration, ``L_spat`` on
    one frame with the temporal LoRA off, and ``L_temp + L_ad-temp`` on the clip, both at the
    same parameters; MotionDirector skips the spatial loss on a random 20 % of iterations
    (``spatial_skip_prob``) and then runs the temporal pass without the spatial LoRA. Gradients
    are isolated: the spatial LoRA is held frozen during the temporal pass (it acts but learns
    nothing from ``L_temp``), so it is stepped by ``∇L_spat`` alone, the temporal LoRA by
    ``∇L_temp`` alone, and the adapter (+ the skeleton path when it trains) by the sum, once per
    iteration. One optimiser with three parameter groups does the step
    (:class:`FinePhysOptimWrapperConstructor`): Adam's state is per parameter, so this equals
    MotionDirector's separate spatial / temporal optimisers, while the adapter, which both
    losses train, keeps one Adam state and one step per iteration (and AMP one loss scaler).

    Args:
        skeleton (dict): ``FinePhysSkeleton`` config.
        heatmaps (dict): GUIDANCE renderer config.
        adapter (dict): GUIDANCE adapter config.
        generator (dict): GENERATORS config.
        loss (dict): ``MotionDirectorLoss`` config.
        train_skeleton (bool): Fine-tune the skeleton path in stage 3 (else frozen).
        skeleton_checkpoint (str, optional): A stage-1/2 ``FinePhysSkeleton`` checkpoint loaded
            into the skeleton path (torch's safe loader).
        num_inference_steps (int), guidance_scale (float): Sampling settings of :meth:`predict`.
        zero_guidance (bool): :meth:`predict` drops the skeleton features (the no-guidance
            side of a comparison, e.g. ``--cfg-options model.zero_guidance=True``).
        spatial_skip_prob (float): Probability that an iteration skips ``L_spat`` and masks the
            spatial LoRA in the temporal pass (MotionDirector: 0.2).
        sample_adapters (Sequence[str]): LoRA sets active in :meth:`predict` (MotionDirector
            samples with the temporal LoRA only: the spatial LoRA fits the training clips'
            appearance and is dropped).
        train_timesteps (tuple[int, int], optional): Training timesteps drawn uniformly from
            ``[low, high)`` (None: the scheduler's whole range, as MotionDirector). Guidance
            only matters where the noise hides the body, so a budget-limited run may spend its
            iterations there.
        sample_seed (int, optional): Seeds the initial noise of every :meth:`predict` call (val
            and test are reproducible and comparable across models): clip ``i`` of the dataset
            (``data_samples['sample_idx']``) is sampled from ``sample_seed + i`` whatever batch
            or rank it falls in, so ``dist_test.sh`` equals one process (without
            ``sample_idx``: one RNG per batch); None: global RNG.
    """

    def __init__(self, skeleton: dict, heatmaps: dict, adapter: dict, generator: dict,
                 loss: dict = dict(type='MotionDirectorLoss'), train_skeleton: bool = False,
                 skeleton_checkpoint: Optional[str] = None,
                 num_inference_steps: int = 25, guidance_scale: float = 7.5,
                 zero_guidance: bool = False, sample_seed: Optional[int] = 0,
                 spatial_skip_prob: float = 0.2, sample_adapters: Sequence[str] = ('temporal',),
                 train_timesteps: Optional[Sequence[int]] = None,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.skeleton = MODELS.build(skeleton)
        if skeleton_checkpoint is not None:
            import os.path as osp

            from mmengine.runner import load_checkpoint
            if not osp.isfile(skeleton_checkpoint):
                raise FileNotFoundError(f'skeleton_checkpoint not found: {skeleton_checkpoint}')
            load_checkpoint(self.skeleton, skeleton_checkpoint, map_location='cpu')
        self.heatmap_renderer = GUIDANCE.build(heatmaps)
        self.adapter = GUIDANCE.build(adapter)
        self.generator = GENERATORS.build(generator)
        self.loss_module = MODELS.build(loss)
        self.train_skeleton = train_skeleton
        if not train_skeleton:
            self.skeleton.requires_grad_(False)
        self.num_inference_steps, self.guidance_scale = num_inference_steps, guidance_scale
        self.zero_guidance, self.sample_seed = zero_guidance, sample_seed
        if not 0.0 <= spatial_skip_prob <= 1.0:
            raise ValueError(f'FinePhys: spatial_skip_prob={spatial_skip_prob} is not in [0, 1]')
        unknown = set(sample_adapters) - {'spatial', 'temporal'}
        if unknown:
            raise ValueError(f'FinePhys: sample_adapters {sorted(unknown)} unknown (spatial, '
                             'temporal)')
        self.spatial_skip_prob = spatial_skip_prob
        num_train = self.generator.noise_scheduler.config.num_train_timesteps
        low, high = (0, num_train) if train_timesteps is None else map(int, train_timesteps)
        if not 0 <= low < high <= num_train:
            raise ValueError(f'FinePhys: train_timesteps={train_timesteps} must satisfy '
                             f'0 <= low < high <= {num_train} (the scheduler\'s timesteps)')
        self.train_timesteps = (low, high)
        self.sample_adapters = tuple(sample_adapters)

    def train(self, mode: bool = True):
        super().train(mode)
        if not self.train_skeleton:
            self.skeleton.eval()
        return self

    def guidance_keypoints(self, inputs, data_samples):
        """Fused 3D ``(B, T, J, 3)`` (camera frame) and its 2D pixels ``(B, T, J, 2)`` with the
        sample's camera."""
        with torch.set_grad_enabled(self.train_skeleton and self.training):
            fused = self.skeleton.forward_stages(inputs, data_samples)['fused']
        return fused, project_points(fused, data_samples['camera_K'])

    def guidance(self, inputs, data_samples, keypoints_2d=None,
                 heatmaps=None) -> GuidanceFeatures:
        """Skeleton features in ``UNetMotionModel``'s ``(B·F, C, h, w)`` layout (from
        ``heatmaps``, else ``keypoints_2d``, else the skeleton path)."""
        if heatmaps is None:
            heatmaps = self.guidance_heatmaps(inputs, data_samples, keypoints_2d)
        return self.adapter(heatmaps)

    def guidance_heatmaps(self, inputs, data_samples, keypoints_2d=None):
        """The renderer's pyramid, list of ``(B, F, C, H / s, W / s)``."""
        if keypoints_2d is None:
            keypoints_2d = self.guidance_keypoints(inputs, data_samples)[1]
        return self.heatmap_renderer(keypoints_2d, inputs.get('keypoint_scores'))

    @staticmethod
    def skeleton_coverage(heatmaps, latent_size):
        """Max over the finest level's channels, resized to the latents' ``(h, w)``:
        ``(B, 1, F, h, w)`` in [0, 1] (for ``MotionDirectorLoss.skeleton_weight``)."""
        finest = heatmaps[0].amax(dim=2)                            # (B, F, H0, W0)
        if tuple(finest.shape[-2:]) != tuple(latent_size):
            finest = torch.nn.functional.adaptive_max_pool2d(finest, latent_size)
        return finest.clamp(0, 1).unsqueeze(1)

    def train_step(self, data, optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """One MotionDirector iteration (see the class docstring).

        The random draws, in this order (a test replays them): noise ``randn_like``, timesteps
        ``randint``, the spatial skip ``rand`` (only when ``spatial_skip_prob`` > 0), the
        spatial frame and the temporal anchor inside :class:`MotionDirectorLoss`."""
        if getattr(optim_wrapper, '_accumulative_counts', 1) != 1:
            raise ValueError('FinePhys: gradient accumulation (accumulative_counts > 1) is not '
                             'supported by the MotionDirector step')
        data = self.data_preprocessor(data, True)
        inputs, samples = data['inputs'], data['data_samples']
        gen = self.generator
        latents = gen.encode_video(inputs['video'])
        text = gen.encode_prompt(samples['text'])
        noise = torch.randn_like(latents)
        t = torch.randint(*self.train_timesteps, (latents.shape[0],), device=latents.device)
        skip_spatial = (self.spatial_skip_prob > 0
                        and float(torch.rand(())) < self.spatial_skip_prob)
        # every gradient of the last iteration is gone before this one accumulates its own
        optim_wrapper.zero_grad()
        # a frozen skeleton path gives the same heatmaps to both passes: render them once
        heatmaps = None if self.train_skeleton else self.guidance_heatmaps(inputs, samples)
        coverage = None
        if self.loss_module.skeleton_weight > 0:
            with torch.no_grad():
                coverage = self.skeleton_coverage(
                    heatmaps if heatmaps is not None else self.guidance_heatmaps(inputs, samples),
                    latents.shape[-2:])
        log = {}
        # the adapter sets are held through backward: gradient checkpointing re-runs the forward
        if not skip_spatial:
            with gen.adapters_active(['spatial']), optim_wrapper.optim_context(self):
                l_spat = self.loss_module.spatial(
                    gen, latents, noise, t, text,
                    guidance=self.guidance(inputs, samples, heatmaps=heatmaps), coverage=coverage)
                optim_wrapper.backward(l_spat)
            log['loss_spatial'] = l_spat.detach()
        active = ('temporal',) if skip_spatial else ('spatial', 'temporal')
        with gen.adapters_active(active), gen.lora_frozen('spatial'), \
                optim_wrapper.optim_context(self):
            temporal = self.loss_module.temporal(
                gen, latents, noise, t, text,
                guidance=self.guidance(inputs, samples, heatmaps=heatmaps), adapters=active,
                coverage=coverage)
            l_temp = sum(temporal.values())
            optim_wrapper.backward(l_temp)
        optim_wrapper.step()
        optim_wrapper.zero_grad()
        log.update({k: v.detach() for k, v in temporal.items()})
        log['loss'] = l_temp.detach() + log.get('loss_spatial', 0.0)
        return log

    def forward(self, inputs, data_samples=None, mode: str = 'predict'):
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.guidance(inputs, data_samples)
        raise ValueError(f"FinePhys mode={mode!r}: stage-3 training goes through train_step; "
                         "forward supports 'predict' and 'tensor'")

    def sample_generators(self, data_samples, batch_size: int, device):
        """One noise RNG per clip, seeded ``sample_seed + sample_idx`` (a single one seeded
        ``sample_seed`` when the batch carries no ``sample_idx``)."""
        index = data_samples.get('sample_idx') if isinstance(data_samples, dict) else None
        if index is None:
            return torch.Generator(device).manual_seed(self.sample_seed)
        return [torch.Generator(device).manual_seed(self.sample_seed + int(i))
                for i in torch.as_tensor(index).reshape(batch_size).tolist()]

    @torch.no_grad()
    def predict(self, inputs, data_samples, generator: Optional[torch.Generator] = None,
                zero_guidance: Optional[bool] = None) -> List[dict]:
        """Sample one video per clip (text from ``data_samples['text']``, size and length from
        the packed video).

        Args:
            generator: Noise RNG (one, or one per clip); default: per clip, seeded with
                ``sample_seed + sample_idx``.
            zero_guidance: Drop the skeleton features (default: ``self.zero_guidance``).

        Returns:
            list[dict]: Per clip ``video`` ``(F, H, W, 3)`` uint8, ``guidance_keypoints_2d``
            ``(F, J, 2)`` pixels and ``guidance_keypoints_3d`` ``(F, J, 3)`` (camera frame).
        """
        video = inputs['video']
        b, f, h, w, _ = video.shape
        zero_guidance = self.zero_guidance if zero_guidance is None else zero_guidance
        if generator is None and self.sample_seed is not None:
            generator = self.sample_generators(data_samples, b, video.device)
        fused, kp = self.guidance_keypoints(inputs, data_samples)
        check_guidance_in_frame(kp, w, h)
        features = self.guidance(inputs, data_samples, kp)
        if zero_guidance:
            features = features.zeros_like()
        with self.generator.adapters_active(self.sample_adapters):
            out = self.generator.sample(list(data_samples['text']), f, h, w,
                                        steps=self.num_inference_steps,
                                        guidance_scale=self.guidance_scale, generator=generator,
                                        guidance=features)
        return [dict(video=out[i], guidance_keypoints_2d=kp[i], guidance_keypoints_3d=fused[i])
                for i in range(b)]
