import pytest
import torch

from finephys.models.physics.mass_matrix import (apply_inverse_mass, build_inverse_mass,
                                                 num_params)
from finephys.registry import PHYSICS_SOLVERS


def _dense(m_inv, structure, j):
    if structure == 'full':
        return m_inv
    if structure == 'diag':
        return torch.diag_embed(m_inv)
    return torch.block_diag(*m_inv)


@pytest.mark.parametrize('structure', ['full', 'block', 'diag'])
def test_inverse_mass_is_symmetric_positive_definite_and_applied_correctly(structure):
    torch.manual_seed(0)
    j = 5
    raw = torch.randn(7, num_params(structure, j), dtype=torch.float64) * 3
    m_inv = build_inverse_mass(raw, structure, j)
    force = torch.randn(7, 3 * j, dtype=torch.float64)
    for i in range(7):
        dense = _dense(m_inv[i], structure, j)
        torch.testing.assert_close(dense, dense.T)
        assert torch.linalg.eigvalsh(dense).min() > 0
        torch.testing.assert_close(apply_inverse_mass(m_inv[i], force[i], structure, j),
                                   dense @ force[i])


def _seq(b=2, t=12):
    torch.manual_seed(0)
    q = torch.randn(b, t, 17, 3).cumsum(1) * 0.02
    return q + torch.tensor([0.0, 0.0, 10.0])


@pytest.mark.parametrize('rollout', ['parallel', 'sequential'])
def test_finite_difference_option_reproduces_the_input(rollout):
    solver = PHYSICS_SOLVERS.build(dict(type='EulerLagrangeSolver', hidden=16,
                                        acceleration='finite_difference', rollout=rollout))
    q = _seq()
    out = solver(q, torch.tensor([1 / 30, 1 / 25]))
    assert (out['poses'] - q).abs().max() < 1e-5
    assert (out['forward'] - q).abs().max() < 1e-5 and (out['backward'] - q).abs().max() < 1e-5
    fd = PHYSICS_SOLVERS.build(dict(type='FiniteDifferenceSolver'))
    assert (fd(q, 1 / 30)['poses'] - q).abs().max() < 1e-5
    assert sum(p.numel() for p in fd.parameters()) == 0


@pytest.mark.parametrize('structure', ['full', 'block', 'diag'])
def test_gradients_reach_every_trainable_head(structure):
    solver = PHYSICS_SOLVERS.build(dict(type='EulerLagrangeSolver', hidden=16,
                                        mass_structure=structure)).train()
    q = _seq()
    out = solver(q, 1 / 30)
    loss = (out['poses'] - q).norm(dim=-1).mean() + 0.1 * out['loss_noise']
    loss.backward()
    for name, p in solver.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert out['loss_noise'] > 0
    # seed frames of each rollout are the input's
    torch.testing.assert_close(out['forward'][:, :2], q[:, :2])
    torch.testing.assert_close(out['backward'][:, -2:], q[:, -2:])


def test_parallel_and_sequential_solvers_agree_and_eval_has_no_noise():
    a = PHYSICS_SOLVERS.build(dict(type='EulerLagrangeSolver', hidden=16, rollout='parallel'))
    b = PHYSICS_SOLVERS.build(dict(type='EulerLagrangeSolver', hidden=16, rollout='sequential'))
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    q = _seq().double()
    a.double(), b.double()
    oa, ob = a(q, 1 / 30), b(q, 1 / 30)
    torch.testing.assert_close(oa['poses'], ob['poses'])
    assert oa['loss_noise'] == 0


def test_autoregressive_rollout_runs_and_differs_from_one_shot():
    solver = PHYSICS_SOLVERS.build(dict(type='EulerLagrangeSolver', hidden=16,
                                        rollout='autoregressive')).eval()
    q = _seq(t=8)
    out = solver(q, 1 / 30)
    assert out['poses'].shape == q.shape and torch.isfinite(out['poses']).all()
    torch.testing.assert_close(out['forward'][:, :2], q[:, :2])


@pytest.mark.parametrize('q, match', [
    (torch.zeros(1, 3, 17, 3), 'at least 4'),
    (torch.zeros(1, 8, 17, 2), r'\(B, T, J, 3\)'),
    (torch.full((1, 8, 17, 3), float('nan')), 'NaN'),
])
def test_bad_solver_input(q, match):
    solver = PHYSICS_SOLVERS.build(dict(type='EulerLagrangeSolver', hidden=8))
    with pytest.raises(ValueError, match=match):
        solver(q, 1 / 30)
