# The real-motion structured config with the in-context lifter (Skeleton-in-Context) instead of
# the TCN: trained on SynthGym **plus real mocap** (Isaac Lab's AMP dance/run/walk, holosoma's
# climbs; the same .npz as the real-motion TCN config, written at set-up, nothing committed):
#   python tools/dataset_converters/generate_realmotion.py --out data/realmotion/train.npz \
#       --deepmimic --isaaclab dance run walk --holosoma 0 1 2 3 4 --holosoma-stride 48 --seed 1 \
#       --contact-effectors feet
# Prompts: PromptPoolHook takes 128 evenly spaced clips of this training set — SynthGym
# performances and real-motion windows, about half each — so a real clip is prompted with real
# motion. No training clip is ever prompted with its own motion: every clip carries its
# source_id (one SynthGym performance, or one named capture: all windows of 'holosoma/climb_2'
# share one) and the lifter draws among the other motions' entries
# (finephys/datasets/clip_source.py). That makes nearest prompts in training possible, as at
# test; chosen on SynthGym val (best of every 5 epochs): nearest 132.7 mm, random 152.8
# (docs/real_video.md#the-in-context-lifter-with-real-motion-prompts).
_base_ = ['./finephys-skeleton-structured_stage1_synthgym-realmotion_tcn-lifter.py']
model = dict(
    lifter=dict(_delete_=True, type='InContextLifter', num_joints=17, dim=32, rep_dim=64,
                heads=4, mlp_ratio=4.0, merge_depth=2, post_merge_depth=3, max_frames=128,
                task_prompt='mean', train_prompt='nearest', test_prompt='nearest',
                depth_scale=10.0),
    # SiC's / MotionBERT's extra lifter terms on S_dd (as the in-context stage-1 config)
    loss_weights=dict(dd_n_mpjpe=0.5, dd_velocity=20.0))
# the in-context lifter trains at a tenth of the rate (its lr, 1e-4, chosen on SynthGym val:
# configs/lifters/README.md)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'lifter.': dict(lr_mult=0.1)}))
# (the training pipeline is the TCN config's: it packs each clip's source_id)
