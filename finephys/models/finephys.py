"""``FinePhys``: skeleton path → skeleton guidance → video generator (the full model, stage 3)."""
from typing import Dict, List, Optional

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from finephys.registry import GENERATORS, GUIDANCE, MODELS

from .fusion import project_points


@MODELS.register_module()
class FinePhys(BaseModel):
    """FinePhys (CVPR 2025): physics-aware skeletons guide a video diffusion model.

    ``FinePhysSkeleton`` gives fused 3D poses, projected to the video's pixels with the sample's
    camera; :class:`MultiScaleHeatmapRenderer` turns them into heatmaps at the UNet's
    resolutions and :class:`SkeletonAdapter` into residuals — once per video — that the
    :class:`AnimateDiffGenerator` adds at every denoising step.

    Stage-3 training (:meth:`train_step`) follows MotionDirector with two optimiser wrappers
    (``optim_wrapper['spatial']`` / ``['temporal']``, see
    :class:`FinePhysOptimWrapperConstructor`): a spatial step on one frame with the temporal LoRA
    off, then a temporal step on the clip (``L_temp + L_ad-temp``). The adapter trains in both.

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
        zero_guidance (bool): :meth:`predict` drops the skeleton residuals (the no-guidance
            side of a comparison, e.g. ``--cfg-options model.zero_guidance=True``).
        sample_seed (int, optional): Seeds the initial noise of every :meth:`predict` call (val
            and test are reproducible and comparable across models); None: global RNG.
    """

    def __init__(self, skeleton: dict, heatmaps: dict, adapter: dict, generator: dict,
                 loss: dict = dict(type='MotionDirectorLoss'), train_skeleton: bool = False,
                 skeleton_checkpoint: Optional[str] = None,
                 num_inference_steps: int = 25, guidance_scale: float = 7.5,
                 zero_guidance: bool = False, sample_seed: Optional[int] = 0,
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

    def train(self, mode: bool = True):
        super().train(mode)
        if not self.train_skeleton:
            self.skeleton.eval()
        return self

    def guidance_keypoints(self, inputs, data_samples):
        """Fused 3D ``(B, T, J, 3)`` (camera frame) and its 2D pixels ``(B, T, J, 2)`` with the
        sample's camera."""
        with torch.set_grad_enabled(self.train_skeleton and self.training):
            fused = self.skeleton._run(inputs, data_samples)['fused']
        return fused, project_points(fused, data_samples['camera_K'])

    def guidance(self, inputs, data_samples, keypoints_2d=None):
        """Residuals ``(down list, mid)`` in ``UNetMotionModel``'s ``(B·F, C, h, w)`` layout
        (from ``keypoints_2d`` when given, else from the skeleton path)."""
        if keypoints_2d is None:
            keypoints_2d = self.guidance_keypoints(inputs, data_samples)[1]
        heatmaps = self.heatmap_renderer(keypoints_2d, inputs.get('keypoint_scores'))
        return self.adapter(heatmaps)

    def train_step(self, data, optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        data = self.data_preprocessor(data, True)
        inputs, samples = data['inputs'], data['data_samples']
        gen = self.generator
        latents = gen.encode_video(inputs['video'])
        text = gen.encode_prompt(samples['text'])
        noise = torch.randn_like(latents)
        t = torch.randint(0, gen.noise_scheduler.config.num_train_timesteps,
                          (latents.shape[0],), device=latents.device)
        log = {}
        # the adapter sets are held through backward: gradient checkpointing re-runs the forward
        with gen.adapters_active(['spatial']):
            with optim_wrapper['spatial'].optim_context(self):
                l_spat = self.loss_module.spatial(gen, latents, noise, t, text,
                                                  residuals=self.guidance(inputs, samples))
            optim_wrapper['spatial'].update_params(l_spat)
        log['loss_spatial'] = l_spat.detach()
        with gen.adapters_active(['spatial', 'temporal']):
            with optim_wrapper['temporal'].optim_context(self):
                temporal = self.loss_module.temporal(gen, latents, noise, t, text,
                                                     residuals=self.guidance(inputs, samples))
                l_temp = sum(temporal.values())
            optim_wrapper['temporal'].update_params(l_temp)
        log.update({k: v.detach() for k, v in temporal.items()})
        log['loss'] = log['loss_spatial'] + l_temp.detach()
        return log

    def forward(self, inputs, data_samples=None, mode: str = 'predict'):
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.guidance(inputs, data_samples)
        raise ValueError(f"FinePhys mode={mode!r}: stage-3 training goes through train_step; "
                         "forward supports 'predict' and 'tensor'")

    @torch.no_grad()
    def predict(self, inputs, data_samples, generator: Optional[torch.Generator] = None,
                zero_guidance: Optional[bool] = None) -> List[dict]:
        """Sample one video per clip (text from ``data_samples['text']``, size and length from
        the packed video).

        Args:
            generator: Noise RNG; default: seeded with ``sample_seed``.
            zero_guidance: Drop the skeleton residuals (default: ``self.zero_guidance``).

        Returns:
            list[dict]: Per clip ``video`` ``(F, H, W, 3)`` uint8, ``guidance_keypoints_2d``
            ``(F, J, 2)`` pixels and ``guidance_keypoints_3d`` ``(F, J, 3)`` (camera frame).
        """
        video = inputs['video']
        b, f, h, w, _ = video.shape
        zero_guidance = self.zero_guidance if zero_guidance is None else zero_guidance
        if generator is None and self.sample_seed is not None:
            generator = torch.Generator(video.device).manual_seed(self.sample_seed)
        fused, kp = self.guidance_keypoints(inputs, data_samples)
        down, mid = self.guidance(inputs, data_samples, kp)
        if zero_guidance:
            down, mid = [torch.zeros_like(d) for d in down], torch.zeros_like(mid)
        out = self.generator.sample(list(data_samples['text']), f, h, w,
                                    steps=self.num_inference_steps,
                                    guidance_scale=self.guidance_scale, generator=generator,
                                    down_residuals=down, mid_residual=mid)
        return [dict(video=out[i], guidance_keypoints_2d=kp[i], guidance_keypoints_3d=fused[i])
                for i in range(b)]
