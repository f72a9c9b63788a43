import pytest
import torch

from finephys.models.physics import (finite_difference_acceleration, merge_rollouts,
                                     rollout_backward, rollout_forward)
from finephys.models.physics.fused_rollout import FusedRollout, fused_rollout_available
from finephys.models.physics.rollout import BLOCK, BlockedRollout, block_size, resolve_mode

G = torch.tensor([0.0, 9.80665, 0.0], dtype=torch.float64)   # camera frame, y down

#: the two closed forms: every test of one runs on the other (numba is a runtime requirement)
CLOSED_FORMS = ['blocked', 'fused']


def test_parallel_is_the_fused_pass_on_cpu_and_numba_is_installed():
    assert fused_rollout_available()
    assert resolve_mode('parallel', torch.zeros(3)) == 'fused'
    assert resolve_mode('blocked', torch.zeros(3)) == 'blocked'
    assert resolve_mode('sequential', torch.zeros(3)) == 'sequential'


def test_parallel_takes_the_blocked_form_for_half_precision_and_mixed_dtypes():
    """CPU autocast gives bfloat16 (numba has none): 'parallel' rolls it out with the blocked
    form, as it does mixed dtypes; 'fused' refuses them with one clear error."""
    torch.manual_seed(5)
    acc, q0, q1 = torch.randn(2, 40, 3), torch.randn(2, 3), torch.randn(2, 3)
    low = [t.bfloat16() for t in (q0, q1, acc)]
    assert resolve_mode('parallel', low[2], low[0], low[1]) == 'blocked'
    assert resolve_mode('parallel', acc, q0.double(), q1) == 'blocked'
    out = rollout_forward(*low, 0.1)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out, rollout_forward(*low, 0.1, 'blocked'), atol=0, rtol=0)
    torch.testing.assert_close(out.float(), rollout_forward(q0, q1, acc, 0.1), atol=0.1,
                               rtol=0.02)
    with pytest.raises(ValueError, match='float32 or float64'):
        rollout_forward(*low, 0.1, 'fused')


def test_parallel_falls_back_to_the_blocked_form_without_numba(monkeypatch):
    import finephys.models.physics.rollout as rollout_module
    monkeypatch.setattr(rollout_module, 'fused_rollout_available', lambda: False)
    assert resolve_mode('parallel', torch.zeros(3)) == 'blocked'
    torch.manual_seed(4)
    acc, q0, q1 = torch.randn(2, 40, 3), torch.randn(2, 3), torch.randn(2, 3)
    torch.testing.assert_close(rollout_forward(q0, q1, acc, 0.1),
                               rollout_forward(q0, q1, acc, 0.1, 'blocked'), atol=0, rtol=0)


@pytest.mark.parametrize('mode', ['parallel', 'blocked', 'fused', 'sequential'])
def test_finite_difference_accelerations_reproduce_the_input(mode):
    torch.manual_seed(0)
    q = torch.randn(3, 20, 51, dtype=torch.float64).cumsum(1) * 0.05
    acc = finite_difference_acceleration(q, 1 / 30)
    fwd = rollout_forward(q[:, 0], q[:, 1], acc, 1 / 30, mode)
    bwd = rollout_backward(q[:, -1], q[:, -2], acc, 1 / 30, mode)
    torch.testing.assert_close(fwd, q, atol=1e-5, rtol=0)
    torch.testing.assert_close(bwd, q, atol=1e-5, rtol=0)
    q32 = q.float()
    acc32 = finite_difference_acceleration(q32, 1 / 30)
    assert (rollout_forward(q32[:, 0], q32[:, 1], acc32, 1 / 30, mode) - q32).abs().max() < 1e-5


@pytest.mark.parametrize('mode', CLOSED_FORMS)
def test_parallel_equals_sequential_for_random_accelerations_and_per_sample_dt(mode):
    torch.manual_seed(1)
    acc = torch.randn(4, 33, 6, dtype=torch.float64) * 5
    q0, q1 = torch.randn(4, 6, dtype=torch.float64), torch.randn(4, 6, dtype=torch.float64)
    dt = torch.tensor([1 / 25, 1 / 30, 1 / 50, 1 / 60], dtype=torch.float64)
    for fn in (rollout_forward, rollout_backward):
        torch.testing.assert_close(fn(q0, q1, acc, dt, mode),
                                   fn(q0, q1, acc, dt, 'sequential'), atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize('mode', CLOSED_FORMS)
@pytest.mark.parametrize('t', [4, 5, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK - 1, 2 * BLOCK,
                               2 * BLOCK + 3, 3 * BLOCK, 70])
def test_parallel_gradients_equal_the_loops(t, mode):
    """The hand-written backward of each closed form against autograd through the loop, for
    every input (seeds, accelerations, a per-sample dt) and lengths on both sides of the block
    size."""
    torch.manual_seed(t)
    acc = torch.randn(3, t, 5, dtype=torch.float64, requires_grad=True)
    q0 = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    q1 = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    dt = torch.tensor([1 / 25, 1 / 30, 0.1], dtype=torch.float64, requires_grad=True)
    weights = torch.randn(3, t, 5, dtype=torch.float64)
    for fn in (rollout_forward, rollout_backward):
        fast, slow = fn(q0, q1, acc, dt, mode), fn(q0, q1, acc, dt, 'sequential')
        torch.testing.assert_close(fast, slow, atol=1e-10, rtol=1e-10)
        g_fast = torch.autograd.grad((fast * weights).sum(), (q0, q1, acc, dt))
        g_slow = torch.autograd.grad((slow * weights).sum(), (q0, q1, acc, dt))
        for a, b in zip(g_fast, g_slow):
            torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)


def test_parallel_rollout_passes_gradcheck_with_extra_leading_dims_and_a_scalar_dt():
    torch.manual_seed(2)
    acc = torch.randn(2, 2, BLOCK + 5, 3, dtype=torch.float64, requires_grad=True)
    q0 = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
    q1 = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
    dt2 = torch.tensor(0.04, dtype=torch.float64, requires_grad=True)
    for reverse in (False, True):
        assert torch.autograd.gradcheck(
            lambda a, b, c, s: BlockedRollout.apply(a, b, c, s, reverse, BLOCK),
            (q0, q1, acc, dt2))
        assert torch.autograd.gradcheck(
            lambda a, b, c, s: FusedRollout.apply(a, b, c, s, reverse), (q0, q1, acc, dt2))
    # a non-contiguous input gives the same result as its contiguous copy
    view = acc.detach().transpose(-1, -2).contiguous().transpose(-1, -2)
    for mode in CLOSED_FORMS:
        torch.testing.assert_close(rollout_forward(q0, q1, view, 0.2, mode),
                                   rollout_forward(q0, q1, acc, 0.2, mode))


@pytest.mark.parametrize('mode', CLOSED_FORMS)
@pytest.mark.parametrize('t', [BLOCK + 3, 3 * BLOCK + 5])
def test_per_sample_dt_over_several_leading_dims(t, mode):
    """``dt`` of shape (B,) for ``acc (B, P, T, D)``: one step per sample, broadcast over P."""
    torch.manual_seed(t)
    acc = torch.randn(2, 3, t, 4, dtype=torch.float64, requires_grad=True)
    q0, q1 = torch.randn(2, 3, 4, dtype=torch.float64), torch.randn(2, 3, 4, dtype=torch.float64)
    dt = torch.tensor([1 / 30, 1 / 60], dtype=torch.float64).reshape(2, 1, 1, 1)
    weights = torch.randn(2, 3, t, 4, dtype=torch.float64)
    for fn in (rollout_forward, rollout_backward):
        fast, slow = fn(q0, q1, acc, dt, mode), fn(q0, q1, acc, dt, 'sequential')
        torch.testing.assert_close(fast, slow, atol=1e-10, rtol=1e-10)
        g_fast, = torch.autograd.grad((fast * weights).sum(), acc)
        g_slow, = torch.autograd.grad((slow * weights).sum(), acc)
        torch.testing.assert_close(g_fast, g_slow, atol=1e-9, rtol=1e-9)


def test_block_size_divides_the_sequence_or_pads_it():
    assert block_size(4 * BLOCK, BLOCK) == BLOCK                 # whole blocks, no copy
    assert block_size(BLOCK - 3, BLOCK) == BLOCK - 3             # up to two blocks: one
    assert block_size(2 * BLOCK, BLOCK) == 2 * BLOCK
    assert block_size(2 * BLOCK + 3, BLOCK) == BLOCK             # padded to 3 blocks


@pytest.mark.parametrize('mode', CLOSED_FORMS)
def test_parallel_rollout_keeps_the_input_layout_and_float32_accuracy(mode):
    """A float32 rollout of T = 512 stays within 1e-3 of the float64 loop (the loop's own
    float32 error is ~0.3 there), both directions, contiguous and float32 out."""
    torch.manual_seed(3)
    acc = torch.randn(4, 32 * BLOCK, 6, dtype=torch.float64) * 5
    q0, q1 = torch.randn(4, 6, dtype=torch.float64), torch.randn(4, 6, dtype=torch.float64)
    for fn in (rollout_forward, rollout_backward):
        ref = fn(q0, q1, acc, 1 / 30, 'sequential')
        fast = fn(q0.float(), q1.float(), acc.float(), 1 / 30, mode)
        assert fast.is_contiguous() and fast.dtype == torch.float32
        assert (fast.double() - ref).abs().max() < 1e-3
        loop32 = fn(q0.float(), q1.float(), acc.float(), 1 / 30, 'sequential')
        assert (loop32.double() - ref).abs().max() > 30 * (fast.double() - ref).abs().max()


def test_ballistic_trajectory_is_exact_from_two_seed_frames():
    dt, t = 1 / 30, torch.arange(40, dtype=torch.float64)[:, None] / 30
    v0 = torch.tensor([1.0, -4.5, 0.3], dtype=torch.float64)
    p0 = torch.tensor([0.2, 1.0, 10.0], dtype=torch.float64)
    traj = p0 + v0 * t + 0.5 * G * t ** 2                       # (T, 3)
    acc = G.expand(40, 3)
    for mode in ('parallel', 'blocked', 'fused', 'sequential'):
        fwd = rollout_forward(traj[0], traj[1], acc, dt, mode)
        bwd = rollout_backward(traj[-1], traj[-2], acc, dt, mode)
        torch.testing.assert_close(fwd, traj, atol=1e-10, rtol=0)
        torch.testing.assert_close(bwd, traj, atol=1e-10, rtol=0)


def test_merge_weights():
    f, b = torch.zeros(5, 1), torch.ones(5, 1)
    assert torch.allclose(merge_rollouts(f, b, 'mean'), torch.full((5, 1), 0.5))
    w = merge_rollouts(f, b, 'seed_distance')[:, 0]
    assert w[0] == 0 and w[-1] == 1 and torch.all(w[1:] > w[:-1])


@pytest.mark.parametrize('bad, match', [
    (dict(acc=torch.zeros(2, 3, 4)), 'T >= 4'),
    (dict(q0=torch.zeros(2, 5)), 'do not match'),
    (dict(mode='euler'), 'mode'),
    (dict(acc=torch.zeros(2, 8, 4, device='meta'), q0=torch.zeros(2, 4, device='meta'),
          q1=torch.zeros(2, 4, device='meta'), mode='fused'), 'CPU tensors'),
])
def test_bad_rollout_input(bad, match):
    args = dict(q0=torch.zeros(2, 4), q1=torch.zeros(2, 4), acc=torch.zeros(2, 8, 4), dt=0.1,
                mode='parallel')
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        rollout_forward(**args)
