_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthgym_lifting.py',
    '../_base_/models/temporal_conv_lifter.py',
    '../_base_/schedules/adam_20e.py',
]
default_hooks = dict(checkpoint=dict(save_best='pose3d/mpjpe', rule='less'))
