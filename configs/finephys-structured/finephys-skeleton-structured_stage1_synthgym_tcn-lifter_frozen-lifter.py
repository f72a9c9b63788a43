# The structured solver trained on top of a stage-1 checkpoint's lifter (kept frozen), so the
# physics report compares the paper's Phys-Net and the structured solver on identical S_dd:
#   python tools/train.py THIS_CONFIG --cfg-options load_from=<paper stage-1 checkpoint>
_base_ = ['./finephys-skeleton-structured_stage1_synthgym_tcn-lifter.py']
model = dict(frozen=['lifter'], loss_weights=dict(dd=0.0))
# 30 epochs: the contact predictor's accuracy at take-off and landing is what limits the ballistic
# error (val: 10 epochs 1.48 m/s², 30 epochs 0.56 m/s²)
train_cfg = dict(max_epochs=30, val_interval=30)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=30, eta_min=1e-5),
]
