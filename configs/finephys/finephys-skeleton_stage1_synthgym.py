# Stage 1: lifter + Phys-Net + fusion trained with 3D labels on SynthGym.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthgym_lifting.py',
    '../_base_/models/finephys_skeleton.py',
    '../_base_/schedules/adam_20e.py',
]
val_evaluator = [dict(type='Pose3DMetric'), dict(type='PhysicsMetric')]
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='pose3d/mpjpe', rule='less'))
