"""``AnimateDiffGenerator``: SD1.5 + AnimateDiff motion modules with spatial / temporal LoRA."""
import contextlib
import os.path as osp
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from finephys.registry import GENERATORS

from ..guidance.guidance_features import GuidanceFeatures
from .pretrained_folders import check_pretrained_folder

# MotionDirector's placement: spatial LoRA on the spatial transformers' self-attention and
# feed-forward (not cross-attention), temporal LoRA on the motion modules' attention and FF.
SPATIAL_TARGETS = (r'.*\.attentions\.\d+\.transformer_blocks\.\d+\.'
                   r'(attn1\.(to_q|to_k|to_v|to_out\.0)|ff\.net\.(0\.proj|2))')
TEMPORAL_TARGETS = (r'.*\.motion_modules\.\d+\.transformer_blocks\.\d+\.'
                    r'((attn1|attn2)\.(to_q|to_k|to_v|to_out\.0)|ff\.net\.(0\.proj|2))')


def _adding_hook(feature: torch.Tensor, where: str):
    """A forward hook that adds ``feature`` to a module's output (shapes must match)."""
    def hook(module, args, output):
        if output.shape != feature.shape:
            raise ValueError(f'AnimateDiffGenerator: skeleton features for {where} have shape '
                             f'{tuple(feature.shape)}, the UNet computes {tuple(output.shape)} '
                             '(adapter block_out_channels / latent_stride / heatmap size)')
        return output + feature.to(output.dtype)
    return hook


@GENERATORS.register_module()
class AnimateDiffGenerator(nn.Module):
    """Video backbone: a Stable Diffusion 1.5 folder plus an AnimateDiff MotionAdapter, loaded with
    diffusers / transformers ``from_pretrained``, turned into a ``UNetMotionModel``.

    VAE, text encoder and the base UNet are frozen; two peft LoRA adapters are added to the
    UNet — ``'spatial'`` and ``'temporal'`` (:data:`SPATIAL_TARGETS`, :data:`TEMPORAL_TARGETS`) —
    and only they train. :meth:`use_adapters` switches which are active (MotionDirector's spatial
    step runs with the temporal LoRA off).

    Args:
        pretrained_model_path (str): SD1.5-layout folder (``unet/``, ``vae/``, ``text_encoder/``,
            ``tokenizer/``, ``scheduler/``).
        motion_adapter_path (str): MotionAdapter folder.
        spatial_lora (dict): ``rank``, ``alpha``, ``targets`` (regex) of the spatial LoRA.
        temporal_lora (dict): Same for the temporal LoRA.
        gradient_checkpointing (bool): Recompute UNet activations in backward.
        dtype (str): ``'float32'``, ``'float16'`` or ``'bfloat16'`` for the frozen parts.
        pixel_space (bool): No VAE: the UNet denoises RGB frames scaled to [−1, 1] (the CPU
            default — a randomly initialised VAE cannot reconstruct frames, and a pixel-space
            tiny UNet trains on SynthGym in minutes without first training a VAE).
    """

    def __init__(self, pretrained_model_path: str, motion_adapter_path: str,
                 spatial_lora: dict = dict(rank=16, alpha=16, targets=SPATIAL_TARGETS),
                 temporal_lora: dict = dict(rank=16, alpha=16, targets=TEMPORAL_TARGETS),
                 gradient_checkpointing: bool = False, dtype: str = 'float32',
                 pixel_space: bool = False):
        super().__init__()
        from diffusers import (AutoencoderKL, DDIMScheduler, DDPMScheduler, MotionAdapter,
                               UNet2DConditionModel, UNetMotionModel)
        from peft import LoraConfig
        from transformers import CLIPTextModel, CLIPTokenizer
        subfolders = ('unet', 'text_encoder', 'tokenizer', 'scheduler') + (() if pixel_space
                                                                           else ('vae',))
        check_pretrained_folder(pretrained_model_path, subfolders)
        self.pixel_space = pixel_space
        if not osp.isfile(osp.join(motion_adapter_path, 'config.json')):
            raise FileNotFoundError(f'motion adapter folder {motion_adapter_path} has no '
                                    'config.json (expected a MotionAdapter saved with '
                                    'save_pretrained)')
        p = pretrained_model_path
        self.tokenizer = CLIPTokenizer.from_pretrained(p, subfolder='tokenizer')
        self.text_encoder = CLIPTextModel.from_pretrained(p, subfolder='text_encoder')
        self.vae = None if pixel_space else AutoencoderKL.from_pretrained(p, subfolder='vae')
        unet2d = UNet2DConditionModel.from_pretrained(p, subfolder='unet')
        adapter = MotionAdapter.from_pretrained(motion_adapter_path)
        ours, theirs = (tuple(unet2d.config.block_out_channels),
                        tuple(adapter.config.block_out_channels))
        if ours != theirs:
            raise ValueError(f'motion adapter {motion_adapter_path} was made for UNet blocks '
                             f'{theirs}, but {p}/unet has {ours}')
        self.unet = UNetMotionModel.from_unet2d(unet2d, adapter)
        self.noise_scheduler = DDPMScheduler.from_pretrained(p, subfolder='scheduler')
        kind = self.noise_scheduler.config.prediction_type
        if kind not in ('epsilon', 'v_prediction', 'sample'):
            raise ValueError(f'{p}/scheduler: prediction_type {kind!r} is not supported '
                             '(epsilon, v_prediction, sample)')
        self.sampler = DDIMScheduler.from_config(self.noise_scheduler.config)
        frozen_dtype = dict(float32=torch.float32, float16=torch.float16,
                            bfloat16=torch.bfloat16)[dtype]
        for module in (self.vae, self.text_encoder, self.unet):
            if module is not None:
                module.requires_grad_(False)
        if self.vae is not None:
            self.vae.to(frozen_dtype)
        self.text_encoder.to(frozen_dtype)
        for name, cfg, targets in (('spatial', spatial_lora, SPATIAL_TARGETS),
                                   ('temporal', temporal_lora, TEMPORAL_TARGETS)):
            self.unet.add_adapter(LoraConfig(r=cfg['rank'], lora_alpha=cfg.get('alpha', cfg['rank']),
                                             target_modules=cfg.get('targets', targets),
                                             init_lora_weights=True), adapter_name=name)
        self.use_adapters(('spatial', 'temporal'))
        if gradient_checkpointing:
            self.unet.enable_gradient_checkpointing()
        self.latent_scale = 1.0 if pixel_space else float(self.vae.config.scaling_factor)
        self.vae_stride = 1 if pixel_space else 2 ** (len(self.vae.config.block_out_channels) - 1)
        # frames must survive the VAE and every UNet downsampling exactly
        self.size_multiple = self.vae_stride * 2 ** (len(self.unet.config.block_out_channels) - 1)

    def use_adapters(self, names: Sequence[str]):
        """Activate (and make trainable) exactly these LoRA adapters."""
        self.unet.set_adapter(list(names))
        self.active_adapter_names = tuple(names)

    @contextlib.contextmanager
    def adapters_active(self, names: Sequence[str]):
        """Only these LoRA adapters inside the block; the previous set afterwards.

        With gradient checkpointing the forward is recomputed during ``backward()``, so a
        training step must hold this context through its backward as well."""
        previous = self.active_adapter_names
        if tuple(names) == previous:
            yield
            return
        self.use_adapters(names)
        try:
            yield
        finally:
            self.use_adapters(previous)

    @contextlib.contextmanager
    def lora_frozen(self, name: str):
        """The ``name`` LoRA still acts in the forward but receives no gradient inside the block
        (MotionDirector's temporal step: the spatial LoRA shapes the prediction, only the
        temporal LoRA and the adapter learn from ``L_temp``)."""
        params = [p for p in self.lora_parameters(name) if p.requires_grad]
        for p in params:
            p.requires_grad_(False)
        try:
            yield
        finally:
            for p in params:
                p.requires_grad_(True)

    def lora_parameters(self, name: str) -> List[nn.Parameter]:
        return [p for n, p in self.unet.named_parameters() if 'lora_' in n and f'.{name}.' in n]

    @torch.no_grad()
    def encode_prompt(self, prompts: Union[str, Sequence[str]]) -> torch.Tensor:
        """Text → CLIP hidden states ``(B, seq, dim)``."""
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        if any(not p.strip() for p in prompts):
            raise ValueError('AnimateDiffGenerator: empty prompt')
        ids = self.tokenizer(prompts, padding='max_length', truncation=True,
                             max_length=self.tokenizer.model_max_length,
                             return_tensors='pt').input_ids.to(self.text_encoder.device)
        return self.text_encoder(ids)[0].float()

    def prediction_target(self, latents, noise, timesteps):
        """What the UNet is trained to output, by the scheduler's ``prediction_type``: the noise
        (``'epsilon'``, SD1.5), the velocity ``α·ε − σ·x₀`` (``'v_prediction'``) or the clean
        latents (``'sample'``). Shapes ``(B, C, F, h, w)``; ``timesteps`` ``(B,)``."""
        kind = self.noise_scheduler.config.prediction_type
        if kind == 'epsilon':
            return noise
        if kind == 'sample':
            return latents
        if kind == 'v_prediction':
            return self.noise_scheduler.get_velocity(latents, noise, timesteps)
        raise ValueError(f'AnimateDiffGenerator: scheduler prediction_type {kind!r} is not '
                         "supported (epsilon, v_prediction, sample)")

    @contextlib.contextmanager
    def guidance_injected(self, guidance: Optional[GuidanceFeatures]):
        """Add ``guidance.conv_in`` to ``conv_in``'s output and ``guidance.intrablock[k]`` to down
        block k's last-layer output (its last motion module's output) inside the block, with
        forward hooks — ``UNetMotionModel.forward`` takes neither. The skip (``down``/``mid``)
        residuals go through the UNet's own arguments in :meth:`predict_noise`.

        The hooked modules are never gradient-checkpointed by diffusers (only resnets are),
        so a backward outside this block is still correct; holding it through backward costs
        nothing either."""
        handles = []
        if guidance is not None and guidance.conv_in is not None:
            handles.append(self.unet.conv_in.register_forward_hook(
                _adding_hook(guidance.conv_in, 'conv_in')))
        if guidance is not None and guidance.intrablock is not None:
            blocks = self.unet.down_blocks
            if len(guidance.intrablock) != len(blocks):
                raise ValueError(f'AnimateDiffGenerator: {len(guidance.intrablock)} intrablock '
                                 f'features for a UNet with {len(blocks)} down blocks')
            for k, (block, feat) in enumerate(zip(blocks, guidance.intrablock)):
                handles.append(block.motion_modules[-1].register_forward_hook(
                    _adding_hook(feat, f'down block {k}')))
        try:
            yield
        finally:
            for h in handles:
                h.remove()

    def predict_noise(self, latents, timesteps, text, guidance: Optional[GuidanceFeatures] = None,
                      text_per_frame=False):
        """UNet prediction (noise, velocity or clean sample: the scheduler's ``prediction_type``).

        Args:
            latents: ``(B, C, F, h, w)``; timesteps ``(B,)`` or int; text ``(B, seq, dim)``
                (repeated per frame here, as UNetMotionModel expects ``(B·F, seq, dim)``,
                unless ``text_per_frame``).
            guidance: Skeleton features, every tensor ``(B·F, C_i, h_i, w_i)``
                (:class:`GuidanceFeatures`); None: the base model.
        """
        if not text_per_frame:
            text = text.repeat_interleave(latents.shape[2], dim=0)
        down = mid = None
        if guidance is not None:
            down, mid = guidance.down, guidance.mid
        with self.guidance_injected(guidance):
            return self.unet(latents, timesteps, encoder_hidden_states=text,
                             down_block_additional_residuals=down,
                             mid_block_additional_residual=mid).sample

    @torch.no_grad()
    def sample(self, prompts, num_frames: int, height: int, width: int, steps: int = 25,
               guidance_scale: float = 7.5,
               generator: Union[torch.Generator, Sequence[torch.Generator], None] = None,
               guidance: Optional[GuidanceFeatures] = None,
               negative_prompt: str = 'blurry') -> torch.Tensor:
        """DDIM sampling with classifier-free guidance; skeleton features (computed once per
        video) are injected at every step into both halves of the guidance batch (the skeleton
        is a condition of both, as in ControlNet; CFG contrasts the text only).

        ``generator`` may be one RNG for the batch or one per video (a video's noise then
        depends only on its own RNG, not on which clips share its batch: what makes sharded
        evaluation equal to a single process).

        Returns:
            Tensor: ``(B, F, H, W, 3)`` uint8 frames.
        """
        if height % self.size_multiple or width % self.size_multiple:
            raise ValueError(f'AnimateDiffGenerator: height/width ({height}, {width}) must be '
                             f'multiples of {self.size_multiple}')
        text = self.encode_prompt(prompts)
        b = len(text)
        use_cfg = guidance_scale > 1.0
        if use_cfg:
            text = torch.cat([self.encode_prompt([negative_prompt] * b), text])
            if guidance is not None:
                guidance = guidance.repeat_batch(2)
        shape = (b, self.unet.config.in_channels, num_frames, height // self.vae_stride,
                 width // self.vae_stride)
        if isinstance(generator, (list, tuple)):
            if len(generator) != b:
                raise ValueError(f'AnimateDiffGenerator: {len(generator)} generators for {b} '
                                 'prompts')
            latents = torch.cat([torch.randn((1,) + shape[1:], generator=g, device=text.device)
                                 for g in generator])
        else:
            latents = torch.randn(shape, generator=generator, device=text.device)
        self.sampler.set_timesteps(steps)
        latents = latents * self.sampler.init_noise_sigma
        text = text.repeat_interleave(num_frames, dim=0)       # once, not at every step
        for t in self.sampler.timesteps:
            model_in = torch.cat([latents, latents]) if use_cfg else latents
            eps = self.predict_noise(model_in, t, text, guidance, text_per_frame=True)
            if use_cfg:
                uncond, cond = eps.chunk(2)
                eps = uncond + guidance_scale * (cond - uncond)
            latents = self.sampler.step(eps, t, latents).prev_sample
        return self.decode(latents)

    @torch.no_grad()
    def encode_video(self, frames):
        """``(B, F, H, W, 3)`` uint8 → latents ``(B, C, F, h, w)`` (the frames themselves in
        [−1, 1] for a pixel-space backbone)."""
        b, f, h, w, _ = frames.shape
        x = frames.permute(0, 1, 4, 2, 3).reshape(b * f, 3, h, w).float() / 127.5 - 1.0
        if not self.pixel_space:
            x = self.vae.encode(x.to(self.vae.dtype)).latent_dist.sample().float()
            x = x * self.latent_scale
        return x.reshape(b, f, *x.shape[1:]).permute(0, 2, 1, 3, 4)

    @torch.no_grad()
    def decode(self, latents):
        """Latents ``(B, C, F, h, w)`` → ``(B, F, H, W, 3)`` uint8."""
        b, c, f, h, w = latents.shape
        flat = latents.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w) / self.latent_scale
        images = flat if self.pixel_space else self.vae.decode(flat.to(self.vae.dtype)).sample
        images = images.float()
        images = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        return images.reshape(b, f, 3, *images.shape[-2:]).permute(0, 1, 3, 4, 2)
