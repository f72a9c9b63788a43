# The tiny lifter config made for kill-and-resume tests: 4 epochs of 6 iterations, two
# persistent DataLoader workers, dropout on (a random training stream), mid-epoch checkpoints
# every 2 iterations, validation every epoch; tests/data/fault_injection.py kills the process.
_base_ = ['./tiny_temporal_conv_synthgym.py']
custom_imports = dict(imports=['tests.data.fault_injection'], allow_failed_imports=False)
model = dict(lifter=dict(dropout=0.2))
train_dataloader = dict(num_workers=2, persistent_workers=True, dataset=dict(num_samples=24))
train_cfg = dict(max_epochs=4, val_interval=1)
param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=10),
                   dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=4, eta_min=1e-5)]
default_hooks = dict(checkpoint=dict(interval=1, iter_interval=2, max_keep_ckpts=1))
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='FaultInjectionHook')]
