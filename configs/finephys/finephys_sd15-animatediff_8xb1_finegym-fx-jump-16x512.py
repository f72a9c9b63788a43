# Stage 3 on FineGym FX-JUMP: SD1.5 + AnimateDiff with spatial/temporal LoRA and the skeleton
# adapter, 8 GPUs x 1 clip of 16 frames at 512 px. Needs the pretrained folders listed in
# configs/_base_/models/finephys_sd15_animatediff.py and the FineGym layout in
# configs/_base_/datasets/finegym_video.py, and the stage-2 checkpoint of
# finephys-skeleton_stage2_finegym-fx-jump.py (docs/datasets.md walks through the whole chain).
#   tools/dist_train.sh configs/finephys/finephys_sd15-animatediff_8xb1_finegym-fx-jump-16x512.py 8
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/finephys_sd15_animatediff.py',
    '../_base_/datasets/finegym_video.py',
    '../_base_/schedules/adamw-amp_lora_3k-iters.py',
]
subset = 'FX-JUMP'
train_dataloader = dict(dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = dict(dataset=dict(subset=subset))
# the frozen skeleton path: stage 2 on this subset's FineGym skeletons (its last checkpoint)
model = dict(skeleton_checkpoint='work_dirs/finephys-skeleton_stage2_finegym-fx-jump/epoch_5.pth')
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook', interval=500, by_epoch=False,
                                     max_keep_ckpts=3, save_best=None),
                     logger=dict(type='LoggerHook', interval=20))
log_processor = dict(by_epoch=False)
custom_hooks = [dict(type='SafeCheckpointHook'),
                dict(type='GenerationVisualizationHook', interval=500, num_clips=2)]
test_evaluator = _base_.video_metrics + [dict(
    _base_.motion_plausibility,
    skeleton_config='configs/finephys/finephys-skeleton_stage2_finegym-fx-jump.py',
    skeleton_checkpoint='work_dirs/finephys-skeleton_stage2_finegym-fx-jump/epoch_5.pth')]
