# Stage 2 on FineGym FX-JUMP: the stage-1 skeleton path (lifter + Phys-Net + fusion) fine-tuned on
# FineGym's 2D skeletons — no 3D labels: the score-weighted reprojection loss L_2D on the fused S
# and on the physics rollout S_pp, + L_noise; the lifter is frozen. Prompts: the training clips'
# 2D with 3D lifted by the loaded stage-1 lifter (PromptPoolHook targets='lifted').
#   python tools/train.py configs/finephys/finephys-skeleton_stage2_finegym-fx-jump.py \
#       --cfg-options load_from=<stage-1 checkpoint>
# (default load_from: data/pretrained/finephys/finephys-skeleton_stage1.pth). The FineGym
# stage-3 config of this subset reads this run's last checkpoint.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/finegym_skeleton.py',
    '../_base_/models/finephys_skeleton.py',
    '../_base_/schedules/adam_20e.py',
]
subset = 'FX-JUMP'
train_dataloader = dict(dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = val_dataloader
load_from = 'data/pretrained/finephys/finephys-skeleton_stage1.pth'
model = dict(loss_weights=dict(dd=0.0, pp=0.0, fused=0.0, dd_n_mpjpe=0.0, dd_velocity=0.0,
                               reproj=1.0, reproj_pp=0.1, noise=0.01),
             detach_physics_input=True, frozen=('lifter',))
default_hooks = dict(
    checkpoint=dict(save_best='reproj2d/px_fused', rule='less'),
    prompt_pool=dict(type='PromptPoolHook', num_clips=128, clip_len={{_base_.clip_len}},
                     targets='lifted'))
train_cfg = dict(max_epochs=5, val_interval=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=5)]
optim_wrapper = dict(optimizer=dict(lr=1e-4), clip_grad=dict(max_norm=20.0))
