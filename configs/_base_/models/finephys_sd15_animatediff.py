# The full FinePhys model on Stable Diffusion 1.5 + AnimateDiff (users with weights). Put the
# diffusers-format folders under data/pretrained/ (local paths; nothing is downloaded):
#   data/pretrained/stable-diffusion-v1-5/{unet,vae,text_encoder,tokenizer,scheduler}
#   data/pretrained/animatediff-motion-adapter-v1-5-2/   (a diffusers MotionAdapter)
#   data/pretrained/finephys/finephys-skeleton_stage1.pth (a FinePhysSkeleton checkpoint, e.g.
#       tools/train.py configs/finephys/finephys-skeleton_stage1_synthgym.py)
_base_ = ['./finephys_skeleton.py']
guidance_size = 512  # = the frame size of the dataset config
model = dict(
    _delete_=True,              # the base file's `model` is the skeleton path, nested below
    type='FinePhys',
    skeleton=_base_.model,
    skeleton_checkpoint='data/pretrained/finephys/finephys-skeleton_stage1.pth',
    # Joint + limb heatmaps, ControlNet-style residuals on the skips (once per video, no
    # timestep): of the three injections measured on the CPU default at the demo's budget it
    # followed the skeleton best, T2I-style close behind and ahead at 150 iterations
    # (docs/benchmarks.md#skeleton-guidance-on-cpu; no SD1.5 run here). T2I-Adapter-style:
    # adapter=dict(type='T2ISkeletonAdapter', ...); a pose guider at conv_in:
    # adapter=dict(type='PoseGuider', ...).
    heatmaps=dict(type='MultiScaleHeatmapRenderer', image_size=(guidance_size, guidance_size),
                  strides=(8, 16, 32, 64), sigma=6.0, min_sigma=1.0, limbs='h36m17'),
    adapter=dict(type='SkeletonAdapter', num_joints=33, block_out_channels=(320, 640, 1280, 1280),
                 layers_per_block=2, hidden=64, latent_stride=8),
    generator=dict(type='AnimateDiffGenerator',
                   pretrained_model_path='data/pretrained/stable-diffusion-v1-5',
                   motion_adapter_path='data/pretrained/animatediff-motion-adapter-v1-5-2',
                   spatial_lora=dict(rank=32, alpha=32), temporal_lora=dict(rank=32, alpha=32),
                   gradient_checkpointing=True, dtype='float16'),
    # MotionDirector as published: plain MSE over all timesteps, spatial step skipped on 20 % of
    # iterations, sampling with the temporal LoRA only
    loss=dict(type='MotionDirectorLoss', spatial_weight=1.0, temporal_weight=1.0,
              ad_temporal_weight=1.0, beta=1.0, skeleton_weight=0.0),
    train_skeleton=False, num_inference_steps=25, guidance_scale=7.5, sample_seed=0,
    zero_guidance=False, spatial_skip_prob=0.2, sample_adapters=('temporal',),
    train_timesteps=None)
# FinePhys runs its own MotionDirector step (two passes); this wrapper keeps it under
# dist_train.sh and averages gradients across ranks before each step
model_wrapper_cfg = dict(type='finephys.TrainStepDistributedDataParallel')
