# Stage-3 schedule: MotionDirector's two optimiser wrappers (spatial / temporal LoRA, adapter in
# both), fp16 AMP, 3000 iterations, val sampling + sample grids every 500.
optim_wrapper = dict(constructor='FinePhysOptimWrapperConstructor',
                     spatial=dict(type='AmpOptimWrapper', dtype='float16',
                                  optimizer=dict(type='AdamW', lr=5e-4, weight_decay=1e-2)),
                     temporal=dict(type='AmpOptimWrapper', dtype='float16',
                                   optimizer=dict(type='AdamW', lr=5e-4, weight_decay=1e-2)))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=3000, val_interval=500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
