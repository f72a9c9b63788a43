# The CPU default with T2I-Adapter-style injection: skeleton features added inside the UNet's
# down path (after each down block's last layer), everything else as the default. Measured
# against the ControlNet-style default and the pose guider by
# tools/analysis_tools/benchmark_guidance.py.
_base_ = ['./finephys_tiny_synthgym.py']

model = dict(adapter=dict(_delete_=True, type='T2ISkeletonAdapter', num_joints=33,
                          block_out_channels=(32, 64), hidden=16, latent_stride=1))
