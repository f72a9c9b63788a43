# Stage 2 on FineGym FX-JUMP for the TemporalConvLifter + ComplementaryFuser skeleton path (the
# stage-1 swap finephys-skeleton_stage1_synthgym_tcn-lifter_complementary.py, the one `make demo`
# trains): same losses and frozen lifter; a TCN needs no prompts (PromptPoolHook does nothing).
#   python tools/train.py \
#       configs/finephys/finephys-skeleton_stage2_finegym-fx-jump_tcn-lifter-complementary.py \
#       --cfg-options load_from=<stage-1 checkpoint of the _tcn-lifter_complementary config>
_base_ = ['./finephys-skeleton_stage2_finegym-fx-jump.py']
model = dict(lifter=dict(_delete_=True, type='TemporalConvLifter', num_joints=17, channels=256,
                         num_blocks=3, dropout=0.1, depth_scale=10.0),
             fuser=dict(_delete_=True, type='ComplementaryFuser', num_joints=17, window=9,
                        sigma=2.0),
             lifter_missing_score=0.9)
