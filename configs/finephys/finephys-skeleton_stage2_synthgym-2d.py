# Stage 2: fine-tune on 2D-only data — the 3D losses are off (their labels are never read), the
# score-weighted reprojection loss L_2D and L_noise train the fused output. Start from a stage-1
# checkpoint: --cfg-options load_from=work_dirs/finephys-skeleton_stage1_synthgym/best_*.pth
_base_ = ['./finephys-skeleton_stage1_synthgym.py']
model = dict(loss_weights=dict(dd=0.0, pp=0.0, fused=0.0, noise=0.01, reproj=1.0,
                               dd_n_mpjpe=0.0, dd_velocity=0.0),
             frozen=('lifter',))
train_cfg = dict(max_epochs=5, val_interval=5)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=5)]
optim_wrapper = dict(optimizer=dict(lr=1e-4))
