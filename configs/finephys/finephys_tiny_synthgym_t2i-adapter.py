# The CPU default with T2I-Adapter-style injection: skeleton features added inside the UNet's
# down path (after each down block's last layer), not to the skips only. Measured against the
# ControlNet-style residuals and the pose guider by tools/analysis_tools/benchmark_guidance.py.
_base_ = ['./finephys_tiny_synthgym.py']

model = dict(adapter=dict(_delete_=True, type='T2ISkeletonAdapter', num_joints=17,
                          block_out_channels=(32, 64), hidden=16, latent_stride=1))
