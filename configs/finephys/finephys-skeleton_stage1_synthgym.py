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
# The rollout loss starts at metres and its gradients are 30-100x the lifter's; with joint
# training and a global clip they starve the lifter (measured: S_dd MPJPE 190 mm vs 93 mm for
# the lifter alone). Seeding the physics with a detached S_dd and a wider clip fixes that.
model = dict(detach_physics_input=True)
optim_wrapper = dict(clip_grad=dict(max_norm=20.0))
# the in-context lifter trains at a tenth of the rate (1e-4, its lr chosen on val in
# configs/lifters/README.md); the TCN swap resets this
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'lifter.': dict(lr_mult=0.1)}))
