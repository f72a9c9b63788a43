# Skeleton-in-Context lifter at MotionBERT's size (dim 512, head 512, 8 heads, MLP ratio 4,
# depth 5 = 2 + 3), for GPUs; MotionBERT weights convert onto it with
# tools/model_converters/motionbert_to_finephys.py (then load_from=<converted>.pth).
_base_ = ['./in-context-dstformer_c32-n2n3_adamw-20e_synthgym.py']
model = dict(lifter=dict(dim=512, rep_dim=512, heads=8, drop=0.0))
