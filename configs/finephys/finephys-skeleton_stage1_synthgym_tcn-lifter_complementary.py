# Swap: TemporalConvLifter + ComplementaryFuser (S = S_pp + LowPass(S_dd - S_pp)) instead of the
# per-frame learned gate.
_base_ = ['./finephys-skeleton_stage1_synthgym_tcn-lifter.py']
# lifter_missing_score: missing joints (lost frames, filled by interpolation) reach the lifter with
# score 0.9 — chosen on SynthGym val with 8-frame gaps (tools/analysis_tools/eval_missing_frames.py;
# score 0 → 222.6 mm MPJPE on the lost frames, 0.9 → 202.5; the fuser's own gate beat forcing
# this Phys-Net's rollout in: docs/real_video.md#bridging-lost-frames)
# keep_physics_com=True re-centres the fused output on the physics' centre of mass (ballistic in
# flight with the structured solver; docs/benchmarks.md#fusion-that-keeps-the-physics-com)
model = dict(fuser=dict(_delete_=True, type='ComplementaryFuser', num_joints=17, window=9,
                        sigma=2.0, keep_physics_com=False),
             lifter_missing_score=0.9)
