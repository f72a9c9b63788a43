# Loads the plugin package (projects/example_project must be importable: pip install -e it or
# put it on PYTHONPATH) and swaps the lifter of the baseline config.
_base_ = ['../../../configs/lifters/temporal-conv_c256-b3_adam-20e_synthgym.py']

custom_imports = dict(imports=['example_project'], allow_failed_imports=False)

model = dict(lifter=dict(_delete_=True, type='FrameMLPLifter', num_joints=17, hidden=256,
                         num_blocks=2))
