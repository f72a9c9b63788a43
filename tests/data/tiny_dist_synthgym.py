# The tiny lifter for distributed-equivalence tests: GroupNorm instead of BatchNorm (per-sample
# statistics: a batch split over processes trains like the whole batch; torch's SyncBatchNorm
# needs a GPU), no dropout (per-rank random masks), 16 clips in batches of 8 (one process) or
# 4 + 4 (two processes: --cfg-options train_dataloader.batch_size=4).
_base_ = ['./tiny_temporal_conv_synthgym.py']
model = dict(lifter=dict(dropout=0.0, norm_cfg=dict(type='GN', num_groups=4)))
train_dataloader = dict(batch_size=8, dataset=dict(num_samples=16))
val_dataloader = dict(batch_size=2, dataset=dict(num_samples=6))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=3, val_interval=3)
