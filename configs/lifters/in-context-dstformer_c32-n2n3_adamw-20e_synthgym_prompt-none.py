# Ablation: the same lifter without context — the prompt branch is skipped in training and at
# test (residual Q_in only); everything else, the budget included, as the prompted config.
_base_ = ['./in-context-dstformer_c32-n2n3_adamw-20e_synthgym.py']
model = dict(lifter=dict(train_prompt='none', test_prompt='none'))
