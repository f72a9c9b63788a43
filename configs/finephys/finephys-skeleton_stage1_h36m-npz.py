# Stage 1 on real 3D-labelled sequences (Pose3DNpzDataset layout in data/h36m/); the prompt pool
# is built from the same training file (PromptPoolHook reads train_dataloader.dataset).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/h36m_npz_lifting.py',
    '../_base_/models/finephys_skeleton.py',
    '../_base_/schedules/adam_20e.py',
]
default_hooks = dict(checkpoint=dict(save_best='pose3d/mpjpe', rule='less'))
# the in-context lifter's val-tuned lr (1e-4, configs/lifters/README.md)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'lifter.': dict(lr_mult=0.1)}))
