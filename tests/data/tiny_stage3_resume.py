# Stage 3 (FinePhys, MotionDirector step with one AdamW over three parameter groups) made tiny
# for kill-and-resume tests: 6 iterations over 8 clips (the finite sampler restarts after 4),
# checkpoints every 2, no validation sampling. The tiny backbone folders come from the test
# (--cfg-options model.generator.pretrained_model_path=... motion_adapter_path=...).
_base_ = ['../../configs/finephys/finephys_tiny_synthgym.py']
custom_imports = dict(imports=['tests.data.fault_injection'], allow_failed_imports=False)
train_dataloader = dict(dataset=dict(num_samples=8))
train_cfg = dict(max_iters=6, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=1), logger=dict(interval=1))
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='FaultInjectionHook')]
# no validation: IterBasedTrainLoop would sample the val clips after the last iteration (13 s
# per run), which has nothing to do with resuming
val_dataloader = None
val_cfg = None
val_evaluator = None
