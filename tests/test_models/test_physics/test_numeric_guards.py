"""Phys-Net and the rollouts stay finite for T = 512, extreme poses and degenerate inputs; the
conditioning of M⁻¹ is bounded as documented."""
import pytest
import torch

from finephys.models.physics.mass_matrix import build_inverse_mass, inverse_mass_condition_bound
from finephys.registry import MODELS

T = 512


def _walk(seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.cumsum(torch.randn(1, T, 17, 3, generator=g) * 0.01, 1) + torch.tensor(
        [0.0, 0.0, 4.0])


CASES = {
    'walk': lambda: _walk(),
    'kilometre_scale': lambda: _walk() * 1e3,
    'all_joints_at_one_point': lambda: torch.zeros(1, T, 17, 3) + torch.tensor([0.0, 0.0, 4.0]),
    'frozen_frame': lambda: _walk()[:, :1].repeat(1, T, 1, 1),
    'micrometre_scale': lambda: _walk() * 1e-6,
    '50m_jumps_every_frame': lambda: _walk() + 50.0 * (torch.arange(T) % 2)[None, :, None, None],
}


@pytest.mark.parametrize('solver', [
    dict(type='EulerLagrangeSolver', hidden=32, global_layers=2),
    dict(type='EulerLagrangeSolver', hidden=32, global_layers=2, rollout='autoregressive'),
    dict(type='StructuredPhysicsSolver'),
])
@pytest.mark.parametrize('case', sorted(CASES))
def test_outputs_and_gradients_are_finite(solver, case):
    torch.manual_seed(0)
    model = MODELS.build(solver).train()
    q = CASES[case]().requires_grad_(True)
    out = model(q, 1 / 30.0)
    for key in ('poses', 'forward', 'backward', 'acc_forward', 'acc_backward'):
        if key in out:
            assert torch.isfinite(out[key]).all(), key
    out['poses'].square().mean().backward()
    assert torch.isfinite(q.grad).all()
    for name, p in model.named_parameters():
        assert p.grad is None or torch.isfinite(p.grad).all(), name


def test_without_the_acceleration_bound_the_autoregressive_rollout_explodes():
    """The control: the finiteness above is the bound's doing."""
    torch.manual_seed(0)
    model = MODELS.build(dict(type='EulerLagrangeSolver', hidden=32, global_layers=2,
                              rollout='autoregressive')).eval()
    q = CASES['kilometre_scale']()
    model.phys_net.max_acceleration = None
    model.phys_net.max_mass_entry = None
    assert not torch.isfinite(model(q, 1 / 30.0)['poses']).all()


@pytest.mark.parametrize('structure', ['block', 'full', 'diag'])
def test_inverse_mass_is_spd_with_bounded_condition_number(structure):
    j = 4
    n = {'block': 6 * j, 'full': 3 * j * (3 * j + 1) // 2, 'diag': 3 * j}[structure]
    g = torch.Generator().manual_seed(0)
    raw = torch.randn(64, n, generator=g, dtype=torch.float64) * torch.logspace(
        -3, 4, 64, dtype=torch.float64)[:, None]
    raw[0] = 1e6  # every entry far beyond the clamp: the bound is nearly reached
    m = build_inverse_mass(raw, structure, j, eps=1e-3, max_entry=30.0)
    if structure == 'diag':
        eig = m
    elif structure == 'block':
        eig = torch.linalg.eigvalsh(m).flatten(1)
    else:
        eig = torch.linalg.eigvalsh(m)
    # smallest eigenvalue ≥ ε (up to eigvalsh's round-off, relative to the largest)
    assert (eig.min(-1).values >= 1e-3 - 1e-12 * eig.max(-1).values).all()
    cond = eig.max(-1).values / eig.min(-1).values
    bound = inverse_mass_condition_bound(structure, j, eps=1e-3, max_entry=30.0)
    assert (cond <= bound * (1 + 1e-9)).all()
    assert cond.max() > 0.1 * bound  # the bound is not vacuous
    # inside the clamp range the clamp is the identity
    small = raw[1:2].clamp(-5, 5)
    assert torch.equal(build_inverse_mass(small, structure, j, 1e-3, 30.0),
                       build_inverse_mass(small, structure, j, 1e-3, None))
