# Stage 3 on FineGym FX-SALTO: the FX-JUMP config with the other subset.
#   tools/dist_train.sh configs/finephys/finephys_sd15-animatediff_8xb1_finegym-fx-salto-16x512.py 8
_base_ = ['./finephys_sd15-animatediff_8xb1_finegym-fx-jump-16x512.py']
subset = 'FX-SALTO'
train_dataloader = dict(dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = dict(dataset=dict(subset=subset))
# the frozen skeleton path: stage 2 on this subset's FineGym skeletons (its last checkpoint)
model = dict(skeleton_checkpoint='work_dirs/finephys-skeleton_stage2_finegym-fx-salto/epoch_5.pth')
test_evaluator = _base_.video_metrics + [dict(
    _base_.motion_plausibility,
    skeleton_config='configs/finephys/finephys-skeleton_stage2_finegym-fx-salto.py',
    skeleton_checkpoint='work_dirs/finephys-skeleton_stage2_finegym-fx-salto/epoch_5.pth')]
