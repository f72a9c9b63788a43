# The CPU default with ControlNet-style injection: zero-initialised residuals added to the
# UNet's skip connections and mid block (SkeletonAdapter), everything else as the default.
# Measured against the T2I-style default and the pose guider by
# tools/analysis_tools/benchmark_guidance.py.
_base_ = ['./finephys_tiny_synthgym.py']

model = dict(adapter=dict(_delete_=True, type='SkeletonAdapter', num_joints=33,
                          block_out_channels=(32, 64), layers_per_block=1, hidden=16,
                          latent_stride=1))
