# Stage 2 on FineGym FX-TURN: the FX-JUMP stage-2 config with the other subset.
#   python tools/train.py configs/finephys/finephys-skeleton_stage2_finegym-fx-turn.py \
#       --cfg-options load_from=<stage-1 checkpoint>
_base_ = ['./finephys-skeleton_stage2_finegym-fx-jump.py']
subset = 'FX-TURN'
train_dataloader = dict(dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = val_dataloader
