"""Central-difference integration of accelerations (the Euler-Lagrange rollouts of FinePhys).

Forward, from the first two frames:  ``q_{t+1} = 2 q_t − q_{t−1} + q̈_t dt²``.
Backward, from the last two frames:  ``q_{t−1} = 2 q_t − q_{t+1} + q̈_t dt²``.

Both are available as the plain loop (``mode='sequential'``) and in closed form
(``mode='parallel'``): with ``d_t = q_{t+1} − q_t`` the recurrence is ``d_t = d_{t−1} + q̈_t dt²``,
so ``d_t = d_0 + dt² Σ_{1≤k≤t} q̈_k`` and ``q_t = q_0 + Σ_{s<t} d_s`` — two cumulative sums,
O(log T) depth on parallel hardware, and fewer roundings than the loop's ``2 q_t − q_{t−1}``.

Tensors are ``(..., T, D)``; ``acc[..., t, :]`` is q̈ at frame t (the seed frames' entries are not
used: forward uses t = 1 … T−2, backward t = T−2 … 1). ``dt`` is a float or a tensor
broadcastable to ``(..., 1, 1)`` (one time step per sample).
"""
import torch

MODES = ('parallel', 'sequential')


def _check(q0, q1, acc, mode):
    if mode not in MODES:
        raise ValueError(f'rollout mode={mode!r}: expected one of {MODES}')
    if acc.dim() < 2 or acc.shape[-2] < 4:
        raise ValueError(f'rollout: acc must be (..., T, D) with T >= 4, got {tuple(acc.shape)}')
    if q0.shape != acc.shape[:-2] + acc.shape[-1:] or q1.shape != q0.shape:
        raise ValueError(f'rollout: seeds {tuple(q0.shape)}, {tuple(q1.shape)} do not match acc '
                         f'{tuple(acc.shape)} (expected {tuple(acc.shape[:-2] + acc.shape[-1:])})')


def _dt2(dt, acc):
    dt = torch.as_tensor(dt, dtype=acc.dtype, device=acc.device)
    if dt.dim() > 0:
        dt = dt.reshape(dt.shape + (1,) * (acc.dim() - dt.dim()))
    return dt * dt


def rollout_forward(q0, q1, acc, dt, mode='parallel'):
    """Integrate forward from frames 0 and 1.

    Args:
        q0, q1 (Tensor): ``(..., D)`` the first two frames.
        acc (Tensor): ``(..., T, D)`` accelerations per frame.
        dt (float | Tensor): Time step, seconds.
        mode (str): ``'parallel'`` (cumulative sums) or ``'sequential'`` (the loop).

    Returns:
        Tensor: ``(..., T, D)`` with ``out[..., 0, :] = q0`` and ``out[..., 1, :] = q1``.
    """
    _check(q0, q1, acc, mode)
    dt2 = _dt2(dt, acc)
    t = acc.shape[-2]
    if mode == 'sequential':
        step = dt2[..., 0, :] if dt2.dim() > 0 else dt2
        out = [q0, q1]
        for k in range(1, t - 1):
            out.append(2 * out[-1] - out[-2] + acc[..., k, :] * step)
        return torch.stack(out, dim=-2)
    # time as the last, contiguous axis: torch's CPU cumsum is ~5x faster there than along a
    # strided axis (benchmark_physics.py)
    a = (acc[..., 1:t - 1, :] * dt2).transpose(-1, -2).contiguous()     # (..., D, T−2)
    d0 = (q1 - q0).unsqueeze(-1)                                         # (..., D, 1)
    steps = torch.cat([q0.unsqueeze(-1), d0, d0 + torch.cumsum(a, dim=-1)], dim=-1)  # q0, d_0..
    return torch.cumsum(steps, dim=-1).transpose(-1, -2)


def rollout_backward(q_last, q_second_last, acc, dt, mode='parallel'):
    """Integrate backward from the last two frames (``q_last`` = frame T−1).

    Returns:
        Tensor: ``(..., T, D)`` with the seeds at frames T−1 and T−2.
    """
    _check(q_last, q_second_last, acc, mode)
    rev = rollout_forward(q_last, q_second_last, torch.flip(acc, dims=[-2]), dt, mode)
    return torch.flip(rev, dims=[-2])


def merge_rollouts(forward, backward, merge='mean'):
    """Combine the two rollouts ``(..., T, D)``.

    ``'mean'``: the paper's average. ``'seed_distance'``: a linear weight that trusts each
    direction near its own seed frames (forward weight 1 at t = 0, 0 at t = T−1), since a
    rollout's error grows with the distance from its seeds.
    """
    if merge == 'mean':
        return 0.5 * (forward + backward)
    if merge == 'seed_distance':
        t = forward.shape[-2]
        w = torch.linspace(1.0, 0.0, t, dtype=forward.dtype, device=forward.device)[:, None]
        return w * forward + (1 - w) * backward
    raise ValueError(f"merge={merge!r}: expected 'mean' or 'seed_distance'")


def finite_difference_acceleration(q, dt):
    """Central second differences ``(q_{t+1} − 2 q_t + q_{t−1}) / dt²`` ``(..., T, D)``; the two
    end frames copy their neighbours (they are never used by the rollouts)."""
    dt2 = _dt2(dt, q)
    inner = (q[..., 2:, :] - 2 * q[..., 1:-1, :] + q[..., :-2, :]) / dt2
    return torch.cat([inner[..., :1, :], inner, inner[..., -1:, :]], dim=-2)
