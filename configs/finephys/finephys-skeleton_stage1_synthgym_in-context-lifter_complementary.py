# Swap: the in-context lifter (Skeleton-in-Context, as in the structured real-motion config:
# dim 32, 2 + 3 layers, SiC's N-MPJPE and velocity terms, lr 1e-4) under Phys-Net + complementary
# fusion. make demo --in-context-lifter scores it on real video with a checkpoint that holds a
# `_tcn-lifter_complementary` model's Phys-Net and fuser and the real-motion in-context lifter's
# weights and prompt pool (finephys.utils.weight_transplant.transplant_weights), as the
# estimator-3D rows run that model's physics on MediaPipe's 3D. Trained on its own here, its
# prompts are SynthGym's (PromptPoolHook) and drawn at random in training (SiC's way: nearest
# training prompts need each clip's source_id, which the real-motion configs' pipelines pack).
_base_ = ['./finephys-skeleton_stage1_synthgym_tcn-lifter_complementary.py']
model = dict(
    lifter=dict(_delete_=True, type='InContextLifter', num_joints=17, dim=32, rep_dim=64,
                heads=4, mlp_ratio=4.0, merge_depth=2, post_merge_depth=3, max_frames=128,
                task_prompt='mean', train_prompt='random', test_prompt='nearest',
                depth_scale=10.0),
    loss_weights=dict(dd_n_mpjpe=0.5, dd_velocity=20.0))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'lifter.': dict(lr_mult=0.1)}))
