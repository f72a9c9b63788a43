"""The rollout as one compiled pass per direction (CPU tensors; numba).

The blocked closed form (:class:`~finephys.models.physics.rollout.BlockedRollout`) replaces the
loop's ``T`` framework calls by a few large ones, but on a CPU it still reads and writes the
sequence several times (the in-block product is 2 × 16 flops per number, plus the block sums
and the scan across blocks): at T = 512 a training step through both rollouts spent ~3× the
time of the least any rollout can do (read every acceleration once, write every position once;
``benchmark_physics.py``). Here the same recurrence runs as one loop compiled by numba — for
each sample, frame after frame, the D coordinates side by side — so each direction reads the
accelerations once and writes the positions once, like the floor.

The velocity and position are carried in float64 whatever the input's dtype (``v += x``,
``q += v`` with ``x = q̈ dt²``): for float32 input the error is that of one rounding per
output, below the blocked form's and far below the loop's ``2 q_t − q_{t−1}``.

The gradient is the transposed map, also one compiled pass: with ``g`` the gradient of the
positions (in the rollout's order, frame ``p`` steps from the first seed),

    ``dL/dx_k = Σ_{t>k} (t − k) g_t``,  ``dL/dq_1 = Σ_t t g_t``,  ``dL/dq_0 = Σ_t (1 − t) g_t``,

two running sums from the far end. Numba is imported on first use; without it
:func:`fused_rollout_available` is False and the ``'parallel'`` mode of
:func:`~finephys.models.physics.rollout_forward` keeps the blocked form.
"""
import math

import numpy as np
import torch

_KERNELS = None
_IMPORT_ERROR = None


def _compile_kernels():
    """Define the two kernels with numba's ``njit`` (compiled per dtype on first call; cached
    on disk next to this file, or numba's user-wide cache where that is not writable)."""
    from numba import njit

    @njit(cache=True, nogil=True)
    def rollout_kernel(q0, q1, acc, s, out, reverse):
        n, t, d = acc.shape
        v = np.empty(d, np.float64)
        q = np.empty(d, np.float64)
        step = -1 if reverse else 1
        first = t - 1 if reverse else 0
        for i in range(n):
            si = s[i]
            for j in range(d):
                v[j] = np.float64(q1[i, j]) - np.float64(q0[i, j])
                q[j] = q1[i, j]
                out[i, first, j] = q0[i, j]
                out[i, first + step, j] = q1[i, j]
            f = first + step
            for _ in range(t - 2):
                nxt = f + step
                for j in range(d):
                    v[j] += np.float64(acc[i, f, j]) * si
                    q[j] += v[j]
                    out[i, nxt, j] = q[j]
                f = nxt

    @njit(cache=True, nogil=True)
    def adjoint_kernel(grad, s, g_acc, g_q0, g_q1, reverse):
        n, t, d = grad.shape
        r = np.empty(d, np.float64)     # Σ_{t' ≥ p} g_t'
        c = np.empty(d, np.float64)     # Σ_{t' > k} (t' − k) g_t'
        w = np.empty(d, np.float64)     # Σ_t t g_t
        step = -1 if reverse else 1
        first = t - 1 if reverse else 0
        last = first + (t - 1) * step
        for i in range(n):
            si = s[i]
            for j in range(d):
                r[j] = 0.0
                c[j] = 0.0
                w[j] = 0.0
                g_acc[i, first, j] = 0.0            # the seeds' q̈ is not used
                g_acc[i, last, j] = 0.0
            f = last
            for p in range(t - 1, 1, -1):           # p: steps from the first seed
                prev = f - step
                for j in range(d):
                    g = np.float64(grad[i, f, j])
                    r[j] += g
                    c[j] += r[j]
                    w[j] += p * g
                    g_acc[i, prev, j] = c[j] * si
                f = prev
            second = first + step
            for j in range(d):
                g1 = np.float64(grad[i, second, j])
                total = r[j] + g1 + np.float64(grad[i, first, j])
                g_q1[i, j] = w[j] + g1
                g_q0[i, j] = total - g_q1[i, j]

    return rollout_kernel, adjoint_kernel


def _kernels():
    global _KERNELS, _IMPORT_ERROR
    if _KERNELS is None and _IMPORT_ERROR is None:
        try:
            _KERNELS = _compile_kernels()
        except ImportError as exc:           # numba missing or broken: the blocked form serves
            _IMPORT_ERROR = exc
    if _KERNELS is None:
        raise RuntimeError("rollout mode='fused' needs numba (pip install numba; it is in "
                           f'requirements/runtime.txt): {_IMPORT_ERROR}')
    return _KERNELS


def fused_rollout_available() -> bool:
    """Whether the compiled rollout can run here (numba imports)."""
    try:
        _kernels()
    except RuntimeError:
        return False
    return True


def _per_sample_dt2(dt2, lead, n):
    """``dt²`` (a 0-dim tensor or one broadcastable to ``lead + (1, 1)``) as a float64 array
    of ``n`` values, one per sample."""
    if dt2.dim() == 0:
        return np.full(n, float(dt2), np.float64)
    return dt2.detach().expand(lead + (1, 1)).reshape(n).to('cpu', torch.float64).numpy()


def _as_array(x, shape):
    """A C-contiguous numpy view (or copy) of ``x`` reshaped to ``shape``."""
    return np.ascontiguousarray(x.detach().reshape(shape).numpy())


class FusedRollout(torch.autograd.Function):
    """The rollout, forward or backward in time, as one compiled pass (CPU tensors).

    ``apply(q0, q1, acc, dt2, reverse)``: seeds ``(..., D)`` (for ``reverse``, frames T−1 and
    T−2), ``acc (..., T, D)`` float32 or float64, ``dt2`` a 0-dim tensor or broadcastable to
    ``(..., 1, 1)`` → positions ``(..., T, D)``. Differentiable in all four tensors (once).
    """

    @staticmethod
    def forward(ctx, q0, q1, acc, dt2, reverse):
        rollout_kernel, _ = _kernels()
        lead, t, d = acc.shape[:-2], acc.shape[-2], acc.shape[-1]
        n = math.prod(lead)
        s = _per_sample_dt2(dt2, lead, n)
        out = torch.empty((n, t, d), dtype=acc.dtype)
        rollout_kernel(_as_array(q0, (n, d)), _as_array(q1, (n, d)), _as_array(acc, (n, t, d)),
                       s, out.numpy(), bool(reverse))
        ctx.save_for_backward(acc if ctx.needs_input_grad[3] else None, dt2)
        ctx.layout = (bool(reverse), lead, t, d, n)
        return out.reshape(lead + (t, d))

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        _, adjoint_kernel = _kernels()
        acc, dt2 = ctx.saved_tensors
        reverse, lead, t, d, n = ctx.layout
        need_dt2 = ctx.needs_input_grad[3]
        # with dt²'s gradient the kernel gives dL/dx (s = 1); dq̈ = dt² dx after
        s = np.ones(n, np.float64) if need_dt2 else _per_sample_dt2(dt2, lead, n)
        g_acc = torch.empty((n, t, d), dtype=grad.dtype)
        g_q0 = torch.empty((n, d), dtype=grad.dtype)
        g_q1 = torch.empty((n, d), dtype=grad.dtype)
        adjoint_kernel(_as_array(grad, (n, t, d)), s, g_acc.numpy(), g_q0.numpy(),
                       g_q1.numpy(), reverse)
        g_dt2 = None
        if need_dt2:
            per = (g_acc * acc.reshape(n, t, d)).sum((1, 2)).reshape(lead + (1, 1))
            g_dt2 = per.sum_to_size(dt2.shape) if dt2.dim() else per.sum()
            g_acc = g_acc * (dt2.expand(lead + (1, 1)).reshape(n, 1, 1) if dt2.dim() else dt2)
        return (g_q0.reshape(lead + (d,)), g_q1.reshape(lead + (d,)),
                g_acc.reshape(lead + (t, d)), g_dt2, None)
