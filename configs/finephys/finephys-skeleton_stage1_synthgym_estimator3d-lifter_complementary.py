# Swap: Estimator3DLifter — the 2D estimator's own metric 3D (MediaPipe's world landmarks) placed
# in the camera frame (ray correction, median bone lengths, root by least squares of the
# reprojection) — then Phys-Net + complementary fusion, as the TCN comparison config.
# The lifter has no weights: the physics and the fuser of a `_tcn-lifter_complementary`
# checkpoint run on it as they are (what `make demo` scores on real video); training this config
# trains them on SynthGym with a simulated estimator 3D (SimulateEstimator3D):
#   python tools/train.py THIS_CONFIG --cfg-options load_from=<tcn-lifter_complementary ckpt>
_base_ = ['./finephys-skeleton_stage1_synthgym_tcn-lifter_complementary.py',
          '../_base_/datasets/estimator3d_lifting_pipelines.py']
model = dict(lifter=dict(_delete_=True, type='Estimator3DLifter', num_joints=17,
                         ray_correction=True, constant_bones=True, snap_to_rays=True),
             loss_weights=dict(dd=0.0))
train_dataloader = dict(dataset=dict(pipeline={{_base_.estimator3d_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.estimator3d_test_pipeline}}))
test_dataloader = dict(dataset=dict(pipeline={{_base_.estimator3d_test_pipeline}}))
# videos and frames (tools/infer_skeleton.py, the app) go through BlazePose's heavy landmark
# model (make env installs it from npm) with its flip test: the world landmarks this lifter
# places are averaged with those of the person's mirror image. Pose2Sim single-person, P-MPJPE
# of the world landmarks: full 80.6, heavy 76.1, heavy + flip 72.3 mm (docs/real_video.md);
# 128 ms a 1080p frame on 2 cores (the bundled full model alone: 22 ms)
pose_estimator = dict(type='MediaPipePoseEstimator', model_complexity=2, flip_test=True)
