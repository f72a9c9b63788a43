"""A checkpoint of one model's physics and fuser with another model's lifter."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from finephys.registry import MODELS
from finephys.utils.errors import UserInputError
from finephys.utils.weight_transplant import transplant_weights

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PHYSNET = osp.join(ROOT, 'configs/finephys/finephys-skeleton_stage1_synthgym_tcn-lifter_'
                         'complementary.py')
REALMOTION_TCN = osp.join(ROOT, 'configs/finephys-structured/finephys-skeleton-structured_'
                                'stage1_synthgym-realmotion_tcn-lifter_blazepose-noise.py')
IN_CONTEXT = osp.join(ROOT, 'configs/finephys-structured/finephys-skeleton-structured_stage1_'
                            'synthgym-realmotion_in-context-lifter.py')
IN_CONTEXT_PHYSNET = osp.join(ROOT, 'configs/finephys/finephys-skeleton_stage1_synthgym_'
                                    'in-context-lifter_complementary.py')


def build(config, seed):
    torch.manual_seed(seed)
    return MODELS.build(Config.fromfile(config).model)


def save(model, path):
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=3)), path)
    return str(path)


def test_the_lifter_comes_from_the_donor_and_the_rest_from_the_base(tmp_path):
    from finephys.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    base, donor = build(PHYSNET, 0), build(REALMOTION_TCN, 1)
    out = str(tmp_path / 'crossed.pth')
    counts = transplant_weights(save(base, tmp_path / 'base.pth'),
                                save(donor, tmp_path / 'donor.pth'), out)
    crossed = build(PHYSNET, 2)
    crossed.load_state_dict(torch.load(out, weights_only=True)['state_dict'])   # strict
    for name, value in crossed.state_dict().items():
        source = donor if name.startswith('lifter.') else base
        torch.testing.assert_close(value, source.state_dict()[name], rtol=0, atol=0)
    lifter_keys = [k for k in base.state_dict() if k.startswith('lifter.')]
    assert counts == dict(taken=len(lifter_keys), dropped=len(lifter_keys),
                          kept=len(base.state_dict()) - len(lifter_keys))
    # a donor without that module is one clear error
    with pytest.raises(UserInputError, match="no weights under 'fuser_x.'"):
        transplant_weights(out, out, str(tmp_path / 'x.pth'), prefix='fuser_x.')
    with pytest.raises(UserInputError, match='checkpoint not found'):
        transplant_weights(str(tmp_path / 'missing.pth'), out, str(tmp_path / 'x.pth'))


def test_the_in_context_lifter_runs_under_physnet_with_its_prompt_pool(tmp_path):
    from finephys.datasets import SkeletonPool, SynthGymDataset
    from finephys.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    donor = build(IN_CONTEXT, 1)
    pool = SkeletonPool.from_dataset(SynthGymDataset(num_samples=3, num_frames=14,
                                                     split='train'), clip_len=12)
    donor.lifter.set_prompt_pool(pool)
    out = str(tmp_path / 'crossed.pth')
    transplant_weights(save(build(PHYSNET, 0), tmp_path / 'base.pth'),
                       save(donor, tmp_path / 'donor.pth'), out)
    crossed = build(IN_CONTEXT_PHYSNET, 2)
    crossed.load_state_dict(torch.load(out, weights_only=True)['state_dict'])
    torch.testing.assert_close(crossed.lifter.prompt_pool_3d, donor.lifter.prompt_pool_3d)
    kp = torch.as_tensor(pool.keypoints_2d[:1, :10]).float()
    crossed.lifter.eval()
    donor.lifter.eval()
    torch.testing.assert_close(crossed.lifter(kp), donor.lifter(kp))
