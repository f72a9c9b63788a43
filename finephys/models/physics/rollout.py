"""Central-difference integration of accelerations (the Euler-Lagrange rollouts of FinePhys).

Forward, from the first two frames:  ``q_{t+1} = 2 q_t − q_{t−1} + q̈_t dt²``.
Backward, from the last two frames:  ``q_{t−1} = 2 q_t − q_{t+1} + q̈_t dt²``.

Both are available as the plain loop (``mode='sequential'``) and in closed form
(``mode='parallel'``). With ``x_k = q̈_k dt²`` (``x_0 = 0``) the recurrence sums to

    ``q_t = q_0 + t (q_1 − q_0) + Σ_{k<t} (t − k) x_k``,

a fixed lower-triangular linear map of the accelerations. ``'parallel'`` evaluates it in blocks of
:data:`BLOCK` frames (:class:`BlockedRollout`): inside a block one small matrix product (the
block's own ``Σ (t − k) x_k``), across blocks a cumulative sum of each block's position and
velocity — ``T / BLOCK`` steps instead of ``T``, with every number in a block measured from the
block's start (fewer roundings than the loop's ``2 q_t − q_{t−1}``). The backward pass is the
transposed map, written out (no autograd graph of the pieces).

Tensors are ``(..., T, D)``; ``acc[..., t, :]`` is q̈ at frame t (the seed frames' entries are not
used: forward uses t = 1 … T−2, backward t = T−2 … 1). ``dt`` is a float or a tensor
broadcastable to ``(..., 1, 1)`` (one time step per sample).
"""
import math

import torch

MODES = ('parallel', 'sequential')

#: Frames per block of the parallel rollout. Its in-block product costs ``2 (BLOCK + 2)`` flops
#: per number and the cross-block sums ``T / BLOCK`` steps; 16 was the fastest of 4, 8, 16, 32
#: for T = 128 and 512 (``benchmark_physics.py``, one thread).
BLOCK = 16


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


_BLOCK_MATRICES = {}


def block_matrices(block: int, reverse: bool, dtype, device):
    """The four fixed matrices of :class:`BlockedRollout` for one block size.

    A block's buffer holds ``block`` rows of ``x`` (in time order), then two rows that the
    forward fills with the block's start position ``Q`` and velocity ``V``. With ``i`` the
    frame's step count from the block's start (counted backwards for the backward rollout):

    * ``sums (2, block + 2)``: the block's ``S = Σ x`` and ``L = Σ (block − i) x`` (what it
      adds to the next block's velocity and position);
    * ``out (block, block + 2)``: ``q_i = Q + i V + Σ_{i'<i} (i − i') x_{i'}``;
    * ``grad_sums (2, block + 2)`` and ``grad_x (block, block + 2)``: the same for the
      transposed map (the backward pass).

    Returns:
        tuple: ``(sums, out, grad_sums, grad_x)`` in ``dtype`` on ``device`` (cached).
    """
    key = (block, bool(reverse), dtype, torch.device(device))
    if key not in _BLOCK_MATRICES:
        i = torch.arange(block, dtype=torch.float64)
        ramp = (i[:, None] - i[None, :]).clamp(min=0)        # [i, i'] = max(i − i', 0)
        carry, steps = block - i, i
        if reverse:      # the block's frames run backwards in time
            ramp, carry, steps = ramp.T, carry.flip(0), steps.flip(0)
        ones, zeros = torch.ones(block, 1), torch.zeros(2)
        sums = torch.stack([torch.cat([ones[:, 0], zeros]), torch.cat([carry, zeros])])
        out = torch.cat([ramp, ones, steps[:, None]], 1)
        grad_sums = torch.stack([torch.cat([ones[:, 0], zeros]), torch.cat([steps, zeros])])
        grad_x = torch.cat([ramp.T, ones, carry[:, None]], 1)
        _BLOCK_MATRICES[key] = tuple(m.to(dtype=dtype, device=device)
                                     for m in (sums, out, grad_sums, grad_x))
    return _BLOCK_MATRICES[key]


def to_blocks(src, block: int, front: int, scale=None):
    """Lay a sequence out in blocks, time outermost (one large matrix product per block).

    Args:
        src (Tensor): ``(N, T, D)``.
        block (int): Frames per block.
        front (int): Zero frames before the sequence (the rest of the last block is zero too).
        scale (Tensor | float, optional): Multiplies the frames on the way (``(N, 1)`` or a
            scalar).

    Returns:
        Tensor: ``(ceil((front + T) / block), block + 2, N, D)``; padded frame ``p`` at
        ``[p // block, p % block]``, the last two rows of each block zero.
    """
    n, t, d = src.shape
    num_blocks = -(-(front + t) // block)
    buf = src.new_empty(num_blocks, block + 2, n, d)
    buf[:, block:].zero_()

    def put(dst, piece):
        if scale is None:
            dst.copy_(piece)
        else:
            torch.mul(piece, scale, out=dst)

    p, stop_all = 0, num_blocks * block
    while p < stop_all:
        j, r = divmod(p, block)
        if p < front or p >= front + t:                       # padding
            stop = min(front if p < front else stop_all, (j + 1) * block)
            buf[j, r:r + stop - p].zero_()
        elif r == 0 and front + t - p >= block:               # whole blocks at once
            k = (front + t - p) // block
            stop = p + k * block
            put(buf[j:j + k, :block],
                src[:, p - front:stop - front].view(n, k, block, d).permute(1, 2, 0, 3))
        else:                                                 # part of one block
            stop = min((j + 1) * block, front + t)
            put(buf[j, r:r + stop - p], src[:, p - front:stop - front].transpose(0, 1))
        p = stop
    return buf


def _per_sample(dt2, lead, n):
    """``dt²`` as the blocks' column factor: ``(N, 1)`` per sample, or the scalar as is."""
    return dt2.expand(lead + (1, 1)).reshape(n, 1) if dt2.dim() else dt2


class BlockedRollout(torch.autograd.Function):
    """The closed-form rollout (see the module's docstring), forward or backward in time.

    ``apply(q0, q1, acc, dt2, reverse, block)``: seeds ``(..., D)`` (for ``reverse``, frames
    T−1 and T−2), ``acc (..., T, D)``, ``dt2`` a scalar tensor or broadcastable to
    ``(..., 1, 1)`` → ``(..., T, D)``. Differentiable in all four tensors (once).
    """

    @staticmethod
    def forward(ctx, q0, q1, acc, dt2, reverse, block):
        lead, t, d = acc.shape[:-2], acc.shape[-2], acc.shape[-1]
        n = math.prod(lead)
        scale = _per_sample(dt2, lead, n)
        num_blocks = -(-t // block)
        front = num_blocks * block - t if reverse else 0       # blocks end at the last frame
        sums_m, out_m, _, _ = block_matrices(block, reverse, acc.dtype, acc.device)
        buf = to_blocks(acc.reshape(n, t, d), block, front, scale)
        for p in (front, front + t - 1):                       # the seeds' q̈ is not used
            buf[p // block, p % block].zero_()
        flat = buf.view(num_blocks, block + 2, n * d)
        s, carry = torch.matmul(sums_m, flat).unbind(1)        # (num_blocks, N D) each
        if reverse:
            s, carry = s.flip(0), carry.flip(0)
        # each block's start: velocity d0 + Σ earlier S; position q0 + Σ earlier (block V + L)
        v = (q1 - q0).reshape(1, n * d) + torch.cumsum(s, 0) - s
        w = block * v + carry
        q = q0.reshape(1, n * d) + torch.cumsum(w, 0) - w
        if reverse:
            v, q = v.flip(0), q.flip(0)
        flat[:, block] = q
        flat[:, block + 1] = v
        out = torch.matmul(out_m, flat).view(num_blocks * block, n, d)[front:front + t]
        ctx.save_for_backward(acc if ctx.needs_input_grad[3] else None, dt2)
        ctx.layout = (reverse, block, lead, t, d, n, front)
        return out.transpose(0, 1).reshape(lead + (t, d))

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        acc, dt2 = ctx.saved_tensors
        reverse, block, lead, t, d, n, front = ctx.layout
        _, _, grad_sums_m, grad_x_m = block_matrices(block, reverse, grad.dtype, grad.device)
        buf = to_blocks(grad.reshape(n, t, d), block, front)
        num_blocks = buf.shape[0]
        flat = buf.view(num_blocks, block + 2, n * d)
        g_q, g_v = torch.matmul(grad_sums_m, flat).unbind(1)   # dL/dQ, dL/dV per block
        if reverse:
            g_q, g_v = g_q.flip(0), g_v.flip(0)
        g_w = g_q.sum(0, keepdim=True) - torch.cumsum(g_q, 0)   # Σ over later blocks
        g_v = g_v + block * g_w
        g_s = g_v.sum(0, keepdim=True) - torch.cumsum(g_v, 0)
        g_d0 = g_v.sum(0)
        g_q0 = g_q.sum(0) - g_d0
        if reverse:
            g_w, g_s = g_w.flip(0), g_s.flip(0)
        flat[:, block] = g_s
        flat[:, block + 1] = g_w
        g_x = torch.matmul(grad_x_m, flat).view(num_blocks * block, n, d)[front:front + t]
        scale = _per_sample(dt2, lead, n)
        g_acc = g_x * scale
        g_acc[0].zero_()
        g_acc[-1].zero_()
        g_dt2 = None
        if ctx.needs_input_grad[3]:
            per = (g_x[1:-1] * acc.reshape(n, t, d)[:, 1:-1].transpose(0, 1)).sum((0, 2))
            per = per.reshape(lead + (1, 1))
            g_dt2 = per.sum_to_size(dt2.shape) if dt2.dim() else per.sum()
        return (g_q0.reshape(lead + (d,)), g_d0.reshape(lead + (d,)),
                g_acc.transpose(0, 1).reshape(lead + (t, d)), g_dt2, None, None)


def rollout_forward(q0, q1, acc, dt, mode='parallel'):
    """Integrate forward from frames 0 and 1.

    Args:
        q0, q1 (Tensor): ``(..., D)`` the first two frames.
        acc (Tensor): ``(..., T, D)`` accelerations per frame.
        dt (float | Tensor): Time step, seconds.
        mode (str): ``'parallel'`` (the blocked closed form) or ``'sequential'`` (the loop).

    Returns:
        Tensor: ``(..., T, D)`` with ``out[..., 0, :] = q0`` and ``out[..., 1, :] = q1``.
    """
    _check(q0, q1, acc, mode)
    dt2 = _dt2(dt, acc)
    if mode == 'sequential':
        step = dt2[..., 0, :] if dt2.dim() > 0 else dt2
        out = [q0, q1]
        for k in range(1, acc.shape[-2] - 1):
            out.append(2 * out[-1] - out[-2] + acc[..., k, :] * step)
        return torch.stack(out, dim=-2)
    return BlockedRollout.apply(q0, q1, acc, dt2, False, BLOCK)


def rollout_backward(q_last, q_second_last, acc, dt, mode='parallel'):
    """Integrate backward from the last two frames (``q_last`` = frame T−1).

    Returns:
        Tensor: ``(..., T, D)`` with the seeds at frames T−1 and T−2.
    """
    _check(q_last, q_second_last, acc, mode)
    if mode == 'sequential':
        rev = rollout_forward(q_last, q_second_last, torch.flip(acc, dims=[-2]), dt, mode)
        return torch.flip(rev, dims=[-2])
    return BlockedRollout.apply(q_last, q_second_last, acc, _dt2(dt, acc), True, BLOCK)


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
