# Swap: no learned physics — finite-difference accelerations of S_dd, rolled out the same way.
_base_ = ['./finephys-skeleton_stage1_synthgym.py']
model = dict(physics=dict(_delete_=True, type='FiniteDifferenceSolver', rollout='parallel'))
