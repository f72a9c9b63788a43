"""Fusion that keeps the physics' centre of mass: ballistic in flight by construction."""
import numpy as np
import pytest
import torch

from finephys.datasets.synthgym import generate_clip
from finephys.evaluation.functional import mpjpe
from finephys.models.fusion import centre_of_mass
from finephys.registry import FUSERS
from finephys.structures.anthropometry import joint_mass_fractions


@pytest.fixture(scope='module')
def salto():
    clip = generate_clip('salto backward stretched with 1.5 twist', 3, num_frames=40,
                         dtype=np.float64)
    s_pp = torch.tensor(clip['keypoints_3d'])[None]               # exact physics: COM ballistic
    rng = np.random.default_rng(0)
    s_dd = s_pp + 0.03 * torch.tensor(rng.normal(size=s_pp.shape))  # a jittery lifter
    return clip, s_dd, s_pp


def _com_accel_error_in_flight(poses, clip):
    """max |COM acceleration − g| (m/s²) over flight frames, with the solver's de Leva masses
    (independent of the fuser: numpy)."""
    w = joint_mass_fractions()
    com = np.einsum('j,tjc->tc', w / w.sum(), poses[0].detach().numpy())
    acc = (com[2:] - 2 * com[1:-1] + com[:-2]) * clip['fps'] ** 2
    fl = clip['flight'].astype(bool)
    inside = fl[1:-1] & fl[2:] & fl[:-2]
    assert inside.sum() >= 5
    return float(np.linalg.norm(acc[inside] - clip['camera']['gravity'], axis=-1).max())


@pytest.mark.parametrize('fuser', ['ComplementaryFuser', 'LearnedGateFuser'])
def test_fused_output_keeps_the_physics_com_and_the_fused_shape(salto, fuser):
    clip, s_dd, s_pp = salto
    plain = FUSERS.build(dict(type=fuser)).double()
    kept = FUSERS.build(dict(type=fuser, keep_physics_com=True)).double()
    kept.load_state_dict(plain.state_dict())      # same checkpoint keys: no new parameters
    scores = torch.ones(s_dd.shape[:-1], dtype=torch.float64)
    s_plain, gate_plain = plain(s_dd, s_pp, scores)
    s_kept, gate_kept = kept(s_dd, s_pp, scores)
    torch.testing.assert_close(gate_kept, gate_plain)
    # plain fusion drags the COM toward the lifter's: no longer ballistic
    assert _com_accel_error_in_flight(s_plain, clip) > 1.0
    assert _com_accel_error_in_flight(s_kept, clip) < 1e-6
    m = torch.tensor(joint_mass_fractions())
    torch.testing.assert_close(centre_of_mass(s_kept, m), centre_of_mass(s_pp, m))
    # the pose about the COM is the fusion's: root-relative MPJPE unchanged
    a, b = s_kept[0].detach().numpy(), s_plain[0].detach().numpy()
    np.testing.assert_allclose(mpjpe(a, b, root_index=0), 0.0, atol=1e-12)
