default_scope = 'finephys'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # atomic writes, save-then-prune; iter_interval=N adds mid-epoch checkpoints (long epochs)
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=3, save_best='auto',
                    iter_interval=None),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # exact resume: the training random stream is checkpointed (docs/reliability.md)
    random_state=dict(type='TrainRandomStateHook'),
    # a NaN/inf loss or parameter stops the run before it is saved
    non_finite_guard=dict(type='NonFiniteGuardHook'),
    # per-epoch count of training samples skipped as unreadable (logged, never a crash)
    bad_samples=dict(type='BadSampleSummaryHook'),
    # in-context lifters: prompt pool from this config's own training set (no-op otherwise)
    prompt_pool=dict(type='PromptPoolHook', num_clips=128),
)
# SafeCheckpointHook: checkpoints load with torch's weights_only=True (resume on torch >= 2.6)
custom_hooks = [dict(type='SafeCheckpointHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # tools/train.py switches to gloo on machines without CUDA
)

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=10, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
