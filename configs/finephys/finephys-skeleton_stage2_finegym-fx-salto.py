# Stage 2 on FineGym FX-SALTO: the FX-JUMP stage-2 config with the other subset.
#   python tools/train.py configs/finephys/finephys-skeleton_stage2_finegym-fx-salto.py \
#       --cfg-options load_from=<stage-1 checkpoint>
_base_ = ['./finephys-skeleton_stage2_finegym-fx-jump.py']
subset = 'FX-SALTO'
train_dataloader = dict(dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = val_dataloader
