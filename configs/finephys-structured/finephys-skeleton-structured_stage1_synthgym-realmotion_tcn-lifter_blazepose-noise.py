# The real-motion TCN config with the 2D noise MediaPipe BlazePose makes on real video
# (``finephys.datasets.synthgym.noise.BLAZEPOSE_NOISE``, measured by
# tools/analysis_tools/measure_2d_noise.py on Pose2Sim's two-person trial): half SynthGym's
# frame-to-frame jitter and BlazePose's dropouts (no per-clip offset: training with the measured
# one made every real set worse). Both the SynthGym clips and the real mocap get it:
#   python tools/dataset_converters/generate_realmotion.py \
#       --out data/realmotion/train_blazepose.npz --deepmimic --isaaclab dance run walk \
#       --holosoma 0 1 2 3 4 --holosoma-stride 48 --seed 1 --contact-effectors feet \
#       --noise blazepose
_base_ = ['./finephys-skeleton-structured_stage1_synthgym-realmotion_tcn-lifter.py']
realmotion_train = 'data/realmotion/train_blazepose.npz'
# BLAZEPOSE_NOISE (a test keeps the two equal)
blazepose_noise = dict(jitter=0.005, bias=0.0, dropout=0.027, dropout_offset=0.23, swap=0.02)
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(type='SynthGymDataset', split='train', num_samples=512, num_frames=48, fps=30.0,
             seed=0, data_root=None, noise=blazepose_noise,
             pipeline={{_base_.mixed_pipeline}}),
        dict(type='Pose3DNpzDataset', ann_file=realmotion_train,
             pipeline={{_base_.mixed_pipeline}}),
    ]))
