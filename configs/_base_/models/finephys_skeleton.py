# FinePhys skeleton path: in-context lifter (S_dd) -> Phys-Net + Euler-Lagrange rollouts (S_pp)
# -> learned fusion (S). The lifter's prompt pool is built from SynthGym's train split on first
# use and cached in work_dirs/pools/ (configs for other data override pool_dataset / pool_file).
model = dict(
    type='FinePhysSkeleton',
    lifter=dict(type='InContextLifter', num_joints=17, dim=64, depth=2, heads=4,
                max_frames=128, train_prompt='random', test_prompt='nearest',
                pool_file='work_dirs/pools/synthgym_train_pool_128x32.npz',
                pool_dataset=dict(type='SynthGymDataset', split='train', seed=0,
                                  num_samples=128, num_frames=48),
                pool_size=128, pool_clip_len=32, depth_scale=10.0),
    physics=dict(type='EulerLagrangeSolver', num_joints=17, hidden=128, global_layers=4,
                 mass_structure='block', acceleration='phys_net', rollout='parallel',
                 merge='mean', noise=True, force_scale=10.0),
    fuser=dict(type='LearnedGateFuser', num_joints=17, hidden=64),
    loss_weights=dict(dd=1.0, pp=1.0, fused=1.0, noise=0.01, reproj=0.0, trajectory=0.5),
)
