"""Central-difference integration of accelerations (the Euler-Lagrange rollouts of FinePhys).

Forward, from the first two frames:  ``q_{t+1} = 2 q_t − q_{t−1} + q̈_t dt²``.
Backward, from the last two frames:  ``q_{t−1} = 2 q_t − q_{t+1} + q̈_t dt²``.

Modes: the plain loop (``'sequential'``: one framework call per frame); the closed form
(``'blocked'``, any device); one compiled pass per direction (``'fused'``, CPU tensors, numba:
:mod:`~finephys.models.physics.fused_rollout`); and ``'parallel'`` — what configs and
:class:`~finephys.models.physics.EulerLagrangeSolver` use — which runs ``'fused'`` on float32 /
float64 CPU tensors where numba imports and ``'blocked'`` everywhere else (the faster of the
two on each: ``tools/analysis_tools/benchmark_physics.py``). All give the same numbers up to
rounding, and the same gradients. With ``x_k = q̈_k dt²`` (``x_0 = 0``) the recurrence sums to

    ``q_t = q_0 + t (q_1 − q_0) + Σ_{k<t} (t − k) x_k``,

a fixed lower-triangular linear map of the accelerations. ``'blocked'`` evaluates it in blocks of
:data:`BLOCK` frames (:class:`BlockedRollout`), read where they lie in the ``(..., T, D)``
input: inside a block one small matrix product (the block's own ``Σ (t − k) x_k``, one batched
product for all blocks), across blocks a cumulative sum of each block's position and velocity —
``T / BLOCK`` steps instead of ``T``, with every number in a block measured from the block's
start (fewer roundings than the loop's ``2 q_t − q_{t−1}``). The backward pass is the
transposed map, written out (no autograd graph of the pieces).

Tensors are ``(..., T, D)``; ``acc[..., t, :]`` is q̈ at frame t (the seed frames' entries are not
used: forward uses t = 1 … T−2, backward t = T−2 … 1). ``dt`` is a float or a tensor
broadcastable to ``(..., 1, 1)`` (one time step per sample).
"""
import math

import torch

from .fused_rollout import FusedRollout, fused_rollout_available

MODES = ('parallel', 'blocked', 'fused', 'sequential')

#: Frames per block of the parallel rollout (sequences of up to two blocks are one block, see
#: :func:`block_size`). Its in-block product costs ``2 BLOCK`` flops per number and the
#: cross-block sums ``T / BLOCK`` steps; 16 and 32 were the fastest of 8, 16, 32, 64 for
#: T = 128 and 512, within each other's noise (``benchmark_physics.py``, one thread).
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
    """The fixed matrices of :class:`BlockedRollout` for one block size.

    With ``i`` a frame's step count from its block's start (counted backwards for the backward
    rollout, whose blocks run backwards in time), for a block's accelerations ``x`` (times dt²):

    * ``ramp (block, block)``: ``[i, i'] = max(i − i', 0)`` — the block's own
      ``Σ_{i'<i} (i − i') x_{i'}``, so ``q_i = Q + i V + (ramp x)_i`` from the block's start
      position ``Q`` and velocity ``V``;
    * ``sums (2, block)``: the block's ``S = Σ x`` and ``L = Σ (block − i) x`` (what it adds to
      the next block's velocity and position);
    * ``steps (block,)``: ``i``; ``carry (block,)``: ``block − i``;
    * ``grad_sums (2, block)``: ``[1, steps]``, the gradients of ``Q`` and ``V`` from the
      block's outputs (the backward pass).

    Rows and columns are in time order within the block.

    Returns:
        tuple: ``(ramp, sums, grad_sums, steps, carry)`` in ``dtype`` on ``device`` (cached).
    """
    key = (block, bool(reverse), dtype, torch.device(device))
    if key not in _BLOCK_MATRICES:
        i = torch.arange(block, dtype=torch.float64)
        ramp = (i[:, None] - i[None, :]).clamp(min=0)        # [i, i'] = max(i − i', 0)
        carry, steps = block - i, i
        if reverse:      # the block's frames run backwards in time
            ramp, carry, steps = ramp.T, carry.flip(0), steps.flip(0)
        sums = torch.stack([torch.ones(block, dtype=torch.float64), carry])
        grad_sums = torch.stack([torch.ones(block, dtype=torch.float64), steps])
        _BLOCK_MATRICES[key] = tuple(m.to(dtype=dtype, device=device).contiguous()
                                     for m in (ramp, sums, grad_sums, steps, carry))
    return _BLOCK_MATRICES[key]


def block_size(t: int, block: int) -> int:
    """The block a rollout of ``t`` frames uses: the whole sequence up to two blocks (one
    product and no scan: at T = 32, Phys-Net's training window, 20 % faster for a training
    step than two blocks), else ``block``, the sequence padded to whole blocks when ``block``
    does not divide it."""
    return block if t > 2 * block else t


def _per_sample(dt2, lead):
    """``dt²`` as a Python number (one for every sample), or ``(N, 1, 1)`` per sample (``dt2``
    broadcast over the leading dims ``lead``, N their product)."""
    if dt2.dim() == 0:
        return float(dt2)
    return dt2.expand(lead + (1, 1)).reshape(math.prod(lead), 1, 1)


def _scaled_ramp(ramp, s, n, num_blocks):
    """``ramp`` (times ``s``) for every block, the first operand of one batched product:
    ``(N · num_blocks, b, b)`` (an expanded view for a scalar ``s``)."""
    b = ramp.shape[0]
    if isinstance(s, float):
        return (ramp * s).expand(n * num_blocks, b, b)
    return (ramp * s).unsqueeze(1).expand(n, num_blocks, b, b).reshape(n * num_blocks, b, b)


def _in_blocks(x, block, front):
    """``(N, T, D)`` → ``(N, num_blocks, block, D)`` (a view when ``block`` divides T; else a
    copy with ``front`` zero frames before the sequence and the rest after it)."""
    n, t, d = x.shape
    num_blocks = -(-t // block)
    pad = num_blocks * block - t
    if pad:
        x = torch.nn.functional.pad(x, (0, 0, front, pad - front))
    return x.contiguous().view(n, num_blocks, block, d)


class BlockedRollout(torch.autograd.Function):
    """The closed-form rollout (see the module's docstring), forward or backward in time.

    ``apply(q0, q1, acc, dt2, reverse, block)``: seeds ``(..., D)`` (for ``reverse``, frames
    T−1 and T−2), ``acc (..., T, D)``, ``dt2`` a scalar tensor or broadcastable to
    ``(..., 1, 1)`` → ``(..., T, D)``. Differentiable in all four tensors (once).

    The sequence stays in its own ``(N, T, D)`` layout, cut into consecutive blocks of ``b``
    frames (:func:`block_size`; the backward rollout's blocks end at the last frame): per block
    one small product with ``ramp`` (a batched matrix product over all blocks at once, written
    on top of each frame's ``Q + i V``), and across blocks a cumulative sum of the blocks'
    ``S`` and ``L`` (``T / b`` steps). No change of layout; the sequence is copied only
    when it must be padded to whole blocks.
    """

    @staticmethod
    def forward(ctx, q0, q1, acc, dt2, reverse, block):
        lead, t, d = acc.shape[:-2], acc.shape[-2], acc.shape[-1]
        n = math.prod(lead)
        b = block_size(t, block)
        num_blocks = -(-t // b)
        front = num_blocks * b - t if reverse else 0          # blocks end at the last frame
        ramp, sums_m, _, steps, _ = block_matrices(b, reverse, acc.dtype, acc.device)
        s = _per_sample(dt2, lead)
        a = acc.reshape(n, t, d)
        blocks = _in_blocks(a, b, front)                       # (N, blocks, b, D)
        flat = blocks.view(n * num_blocks, b, d)
        # the seeds' q̈ is not used. The first frame in the rollout's order (frame 0, or T−1
        # backwards) adds ``m x`` to the frame m steps on, for every m, like a velocity: it is
        # taken out of the seeds' velocity instead of out of its block. The last one (T−1, or
        # 0) reaches only frames after it in its own block and later blocks: none, or padding
        a_first = a[:, t - 1] if reverse else a[:, 0]
        v = (q1 - q0).reshape(n, 1, d) - s * a_first.unsqueeze(1)
        q = q0.reshape(n, 1, d)
        if num_blocks > 1:                  # one block starts at the seeds: no sums, no scan
            if isinstance(s, float):
                sl = torch.matmul(sums_m * s, flat).view(n, num_blocks, 2, d)
            else:
                sl = torch.matmul(sums_m, flat).view(n, num_blocks, 2, d) * s.unsqueeze(-1)
            if reverse:
                sl = sl.flip(1)
            big_s, big_l = sl.unbind(2)                        # (N, blocks, D) each
            # each block's start: velocity d0 + Σ earlier S; position q0 + Σ earlier (b V + L)
            v = v + torch.cumsum(big_s, 1) - big_s
            w = torch.add(big_l, v, alpha=b)
            q = q + torch.cumsum(w, 1) - w
            if reverse:
                v, q = v.flip(1), q.flip(1)
        out = torch.addcmul(q.unsqueeze(2), steps.view(1, 1, b, 1), v.unsqueeze(2))
        out.view(n * num_blocks, b, d).baddbmm_(_scaled_ramp(ramp, s, n, num_blocks), flat)
        ctx.save_for_backward(acc if ctx.needs_input_grad[3] else None, dt2)
        ctx.layout = (reverse, b, lead, t, d, n, front)
        out = out.view(n, num_blocks * b, d)
        if num_blocks * b != t:
            out = out[:, front:front + t]
        return out.reshape(lead + (t, d))

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        acc, dt2 = ctx.saved_tensors
        reverse, b, lead, t, d, n, front = ctx.layout
        ramp, _, grad_sums_m, _, carry = block_matrices(b, reverse, grad.dtype, grad.device)
        gblocks = _in_blocks(grad.reshape(n, t, d), b, front)
        num_blocks = gblocks.shape[1]
        flat = gblocks.view(n * num_blocks, b, d)
        gqv = torch.matmul(grad_sums_m, flat).view(n, num_blocks, 2, d)
        if reverse:
            gqv = gqv.flip(1)
        g_q, g_v = gqv.unbind(2)                               # dL/dQ, dL/dV per block
        need_dt2 = ctx.needs_input_grad[3]
        s = 1.0 if need_dt2 else _per_sample(dt2, lead)       # with dt²'s gradient: dt² after
        ramp_t = _scaled_ramp(ramp.T, s, n, num_blocks)
        if num_blocks == 1:                  # nothing after the block: only rampᵀ g
            g_d0 = g_v[:, 0]
            g_q0 = g_q[:, 0] - g_d0
            g_x = torch.bmm(ramp_t, flat)
        else:
            g_w = g_q.sum(1, keepdim=True) - torch.cumsum(g_q, 1)   # Σ over later blocks
            g_v = torch.add(g_v, g_w, alpha=b)
            g_s = g_v.sum(1, keepdim=True) - torch.cumsum(g_v, 1)
            g_d0 = g_v.sum(1)
            g_q0 = g_q.sum(1) - g_d0
            if reverse:
                g_w, g_s = g_w.flip(1), g_s.flip(1)
            # dL/dx = rampᵀ g + S's and L's gradients (1 and carry per frame); dq̈ = dt² dx
            if not (isinstance(s, float) and s == 1.0):
                g_s, g_w = g_s * s, g_w * s
            g_x = torch.addcmul(g_s.unsqueeze(2), carry.view(1, 1, b, 1), g_w.unsqueeze(2))
            g_x.view(n * num_blocks, b, d).baddbmm_(ramp_t, flat)
        g_x = g_x.view(n, num_blocks * b, d)
        if num_blocks * b != t:
            g_x = g_x[:, front:front + t]
        g_dt2 = None
        if need_dt2:
            per = (g_x[:, 1:-1] * acc.reshape(n, t, d)[:, 1:-1]).sum((1, 2))
            per = per.reshape(lead + (1, 1))
            g_dt2 = per.sum_to_size(dt2.shape) if dt2.dim() else per.sum()
            g_x = g_x * _per_sample(dt2, lead)
        g_x[:, 0] = 0                                          # the seeds' q̈ is not used
        g_x[:, -1] = 0
        return (g_q0.reshape(lead + (d,)), g_d0.reshape(lead + (d,)),
                g_x.reshape(lead + (t, d)), g_dt2, None, None)


def rollout_forward(q0, q1, acc, dt, mode='parallel'):
    """Integrate forward from frames 0 and 1.

    Args:
        q0, q1 (Tensor): ``(..., D)`` the first two frames.
        acc (Tensor): ``(..., T, D)`` accelerations per frame.
        dt (float | Tensor): Time step, seconds.
        mode (str): ``'parallel'`` (``'fused'`` for float32/float64 CPU tensors where numba
            imports, else ``'blocked'``: :func:`resolve_mode`), ``'blocked'`` (the closed form
            in blocks), ``'fused'`` (one compiled pass, CPU) or ``'sequential'`` (the loop).

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
    return _closed_form(q0, q1, acc, dt2, False, mode)


def rollout_backward(q_last, q_second_last, acc, dt, mode='parallel'):
    """Integrate backward from the last two frames (``q_last`` = frame T−1).

    Returns:
        Tensor: ``(..., T, D)`` with the seeds at frames T−1 and T−2.
    """
    _check(q_last, q_second_last, acc, mode)
    if mode == 'sequential':
        rev = rollout_forward(q_last, q_second_last, torch.flip(acc, dims=[-2]), dt, mode)
        return torch.flip(rev, dims=[-2])
    return _closed_form(q_last, q_second_last, acc, _dt2(dt, acc), True, mode)


#: dtypes the compiled pass takes (numba has no bfloat16; half precision goes to the blocked form)
FUSED_DTYPES = (torch.float32, torch.float64)


def resolve_mode(mode: str, acc: torch.Tensor, *seeds: torch.Tensor) -> str:
    """The implementation a rollout ``mode`` runs for ``acc`` (and its seeds): ``'parallel'`` is
    ``'fused'`` for float32/float64 CPU tensors of one dtype where numba imports (e.g. not under
    CPU autocast's bfloat16), else ``'blocked'``; other modes are themselves."""
    if mode != 'parallel':
        return mode
    fused = (acc.device.type == 'cpu' and acc.dtype in FUSED_DTYPES
             and all(s.dtype == acc.dtype for s in seeds) and fused_rollout_available())
    return 'fused' if fused else 'blocked'


def _closed_form(q0, q1, acc, dt2, reverse, mode):
    mode = resolve_mode(mode, acc, q0, q1)
    if mode == 'fused':
        if acc.device.type != 'cpu':
            raise ValueError(f"rollout mode='fused' runs on CPU tensors, got {acc.device}: "
                             "use 'parallel' or 'blocked'")
        if acc.dtype not in FUSED_DTYPES or q0.dtype != acc.dtype or q1.dtype != acc.dtype:
            raise ValueError(f"rollout mode='fused' takes float32 or float64 seeds and "
                             f'accelerations of one dtype, got {q0.dtype}, {q1.dtype}, '
                             f"{acc.dtype}: use 'parallel' or 'blocked'")
        return FusedRollout.apply(q0, q1, acc, dt2, reverse)
    return BlockedRollout.apply(q0, q1, acc, dt2, reverse, BLOCK)


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
