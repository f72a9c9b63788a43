# FinePhys skeleton path: lifter (S_dd) -> Phys-Net + Euler-Lagrange rollouts (S_pp) -> fusion.
model = dict(
    type='FinePhysSkeleton',
    lifter=dict(type='TemporalConvLifter', num_joints=17, channels=256, num_blocks=3,
                dropout=0.1, depth_scale=10.0),
    physics=dict(type='EulerLagrangeSolver', num_joints=17, hidden=128, global_layers=4,
                 mass_structure='block', acceleration='phys_net', rollout='parallel',
                 merge='mean', noise=True, force_scale=10.0),
    fuser=dict(type='LearnedGateFuser', num_joints=17, hidden=64),
    loss_weights=dict(dd=1.0, pp=1.0, fused=1.0, noise=0.01, reproj=0.0, trajectory=0.5),
)
