# FinePhys skeleton path: in-context lifter (S_dd) -> Phys-Net + Euler-Lagrange rollouts (S_pp)
# -> learned fusion (S). The lifter is Skeleton-in-Context's (DSTformer, n1 = 2 layers on prompt
# and query separately, n2 = 3 after the merge); its prompt pool is built from the config's own
# training set by PromptPoolHook (configs/_base_/default_runtime.py) and saved with the weights.
model = dict(
    type='FinePhysSkeleton',
    lifter=dict(type='InContextLifter', num_joints=17, dim=32, rep_dim=64, heads=4,
                mlp_ratio=4.0, merge_depth=2, post_merge_depth=3, max_frames=128,
                task_prompt='mean', train_prompt='random', test_prompt='nearest',
                depth_scale=10.0),
    physics=dict(type='EulerLagrangeSolver', num_joints=17, hidden=128, global_layers=4,
                 mass_structure='block', acceleration='phys_net', rollout='parallel',
                 merge='mean', noise=True, force_scale=10.0),
    fuser=dict(type='LearnedGateFuser', num_joints=17, hidden=64),
    # dd_n_mpjpe / dd_velocity: SiC's / MotionBERT's extra lifter terms on S_dd (0.5, 20)
    loss_weights=dict(dd=1.0, pp=1.0, fused=1.0, noise=0.01, reproj=0.0, trajectory=0.5,
                      dd_n_mpjpe=0.5, dd_velocity=20.0),
)
