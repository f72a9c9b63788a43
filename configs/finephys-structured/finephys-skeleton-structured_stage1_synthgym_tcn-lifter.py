# Stage 1 with the physics-structured solver (this project's extension) instead of Phys-Net:
# gravity explicit, de Leva masses, contact-only ground forces (ContactNet, supervised by
# SynthGym's contact labels), exact ballistic COM and constant angular momentum in flight,
# constant bones, metric root depth from gravity. Same TCN lifter and complementary fuser as the
# paper-faithful comparison config, so the two differ only in the physics.
_base_ = ['../finephys/finephys-skeleton_stage1_synthgym_tcn-lifter_complementary.py']
model = dict(
    physics=dict(_delete_=True, type='StructuredPhysicsSolver', num_joints=17, contact_hidden=64,
                 contact_layers=3, contact_threshold=0.5, gravity='camera',
                 learn_mass_correction=False, contact_smoothness=30.0, internal_smoothness=1.0,
                 learn_smoothness=True, score_weighting=True, rigid_bones=True,
                 angular_momentum=True, metric_scale=True, min_scale_flight_frames=8,
                 scale_trim_frames=0, min_keypoint_score=0.4, lifter_depth_std=0.05,
                 ray_weight=100.0, blend_frames=4, angular_momentum_trim=0,
                 # off here (SynthGym has no support but the feet): a fifth contact channel for
                 # the back, knees, ... and the acceleration cues of flight (the real-mocap
                 # contacts config turns the first on), angular momentum in training too
                 body_support=False, acceleration_features=False,
                 angular_momentum_in_training=False,
                 # a predicted flight of >= 6 frames is dropped where the lifter's centre of
                 # mass clearly does not fall at 0.4-2 g (by 2 standard errors of the fit; off
                 # here: SynthGym's supports are the feet)
                 flight_fall_check=False, flight_check_min_frames=6,
                 flight_fall_range=(0.4, 2.0), flight_fall_confidence=2.0,
                 # frames where the lifter's centre of mass falls at 0.6-1.5 g (a quadratic over
                 # 10 frames, by 1 standard error) are flight while every contact probability is
                 # below 0.9 (off here: the SynthGym-trained predictor finds SynthGym's flights)
                 flight_free_fall=False, free_fall_window=10, free_fall_range=(0.6, 1.5),
                 free_fall_confidence=1.0, free_fall_mark=4, free_fall_max_contact=0.9),
    loss_weights=dict(noise=0.0, contact=1.0),
    # lost frames (filled by interpolation before the model): the lifter trusts the filled 2D
    # (score 1.0), the solver ignores it (score 0 < min_keypoint_score) and carries the body
    # through the gap, and the fuser takes half of the physics there. Chosen on SynthGym val with
    # 8-frame gaps (eval_missing_frames.py): 225.3 → 193.7 mm MPJPE on the lost frames,
    # 1952 → 821 mm absolute error (docs/real_video.md#bridging-lost-frames).
    lifter_missing_score=1.0,
    # the fused output keeps the physics' centre of mass (ballistic in flight, exactly; the
    # pose about the COM is fused). Measured on the demo's checkpoint (SynthGym test, fused):
    # ballistic 35.35 → 0.32 m/s², accel 59.22 → 39.41 mm/f², MPJPE 89.15 = 89.15
    # (docs/benchmarks.md#fusion-that-keeps-the-physics-com)
    fuser=dict(missing_gate=0.5, keep_physics_com=True))
