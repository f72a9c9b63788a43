# The CPU default with an AnimateAnyone-style pose guider: skeleton features added to the UNet's
# conv_in output, so every layer sees them; everything else as the default. Measured against the
# ControlNet-style default and the T2I-style injection by
# tools/analysis_tools/benchmark_guidance.py.
_base_ = ['./finephys_tiny_synthgym.py']

model = dict(adapter=dict(_delete_=True, type='PoseGuider', num_joints=33,
                          block_out_channels=(32, 64), channels=(16, 32, 32), latent_stride=1))
