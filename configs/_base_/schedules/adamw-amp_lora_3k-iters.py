# Stage-3 schedule: MotionDirector's losses stepped by one AdamW with three parameter groups
# (spatial LoRA, temporal LoRA, skeleton adapter; see FinePhysOptimWrapperConstructor), fp16
# AMP, 3000 iterations, val sampling + sample grids every 500.
optim_wrapper = dict(constructor='FinePhysOptimWrapperConstructor',
                     type='AmpOptimWrapper', dtype='float16',
                     optimizer=dict(type='AdamW', lr=5e-4, weight_decay=1e-2),
                     groups=dict(spatial=dict(lr=5e-4), temporal=dict(lr=5e-4),
                                 adapter=dict(lr=5e-4)))
param_scheduler = []
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=3000, val_interval=500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
