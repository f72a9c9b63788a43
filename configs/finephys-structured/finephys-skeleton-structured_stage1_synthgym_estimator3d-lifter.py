# The structured solver on Estimator3DLifter (the 2D estimator's own metric 3D placed in the
# camera frame): the default real-video path. The lifter has no weights: the solver and fuser of
# a `_synthgym-realmotion-contacts_tcn-lifter_frozen-lifter` checkpoint (contacts learnt from
# real mocap, a body-support channel) run on it as they are (what `make demo` scores on real
# video; a `_tcn-lifter_frozen-lifter` checkpoint with model.physics.body_support=False);
# training this config trains them on SynthGym with a simulated estimator 3D
# (SimulateEstimator3D):
#   python tools/train.py THIS_CONFIG --cfg-options load_from=<structured checkpoint>
_base_ = ['./finephys-skeleton-structured_stage1_synthgym_tcn-lifter_frozen-lifter.py',
          '../_base_/datasets/estimator3d_lifting_pipelines.py']
model = dict(lifter=dict(_delete_=True, type='Estimator3DLifter', num_joints=17,
                         ray_correction=True, constant_bones=True, snap_to_rays=True),
             # as the real-mocap contacts config whose checkpoint it runs with
             physics=dict(body_support=True, flight_fall_check=True, flight_free_fall=True),
             frozen=[], loss_weights=dict(dd=0.0),
             # and the physics' constant bones (chosen on Pose2Sim's two-person trial, fused:
             # bone variation 3.05 → 0.0 %, MPJPE 123.9 → 123.0, P-MPJPE 68.1 → 68.7 mm)
             fuser=dict(keep_physics_bones=True))
train_dataloader = dict(dataset=dict(pipeline={{_base_.estimator3d_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.estimator3d_test_pipeline}}))
test_dataloader = dict(dataset=dict(pipeline={{_base_.estimator3d_test_pipeline}}))
# videos and frames (tools/infer_skeleton.py, the app) go through BlazePose's heavy landmark
# model (make env installs it from npm) with its flip test: the world landmarks this lifter
# places are averaged with those of the person's mirror image. Pose2Sim single-person, P-MPJPE
# of the world landmarks: full 80.6, heavy 76.1, heavy + flip 72.3 mm (docs/real_video.md);
# 128 ms a 1080p frame on 2 cores (the bundled full model alone: 22 ms)
pose_estimator = dict(type='MediaPipePoseEstimator', model_complexity=2, flip_test=True)
