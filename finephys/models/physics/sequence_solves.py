"""The structured solver's three least-squares problems as sparse systems: O(T) in time and
memory, for whole sequences at inference.

:mod:`.structured_dynamics` states each problem and solves it densely in torch (differentiable,
what training's short windows use). Every one of them couples a frame only to its two neighbours
on each side — a second difference — so its matrix is banded:

* the internal-force smoother ``diag(w) + μ DᵀD`` is symmetric positive definite and
  pentadiagonal: :func:`scipy.linalg.solveh_banded` (banded Cholesky);
* the COM's KKT systems (data + contact penalty, ``D c = g dt²`` on flight triples) are sparse
  saddle-point matrices with a bounded band: sparse LU (:func:`scipy.sparse.linalg.splu`,
  fill-reducing column order), factorised once per clip and reused for the three coordinates.

A dense solve of ``T = 1000`` frames would take gigabytes and minutes (the ray-constrained KKT is
``(6T − 6)²``); these take milliseconds. Inputs and outputs are float64 numpy; no gradients.
"""
import numpy as np
import scipy.sparse as sp
from scipy.linalg import solveh_banded
from scipy.sparse.linalg import splu


def second_difference_sparse(t):
    """``D (T−2, T)`` CSR with ``(D x)_k = x_k − 2 x_{k+1} + x_{k+2}``."""
    return sp.diags([1.0, -2.0, 1.0], [0, 1, 2], shape=(t - 2, t), format='csr')


def _contact_terms(d, pc, g_dt2):
    """``Dᵀ diag(pc) D (T, T)`` and ``Dᵀ diag(pc) 1 g dt² (T, 3)`` — the contact penalty's part
    of the normal equations."""
    dtp = d.T @ sp.diags(pc)
    return dtp @ d, dtp @ np.broadcast_to(g_dt2, (d.shape[0], 3))


def _kkt_solve(a, rhs_c, dm, mask, rhs_eq):
    """Solve ``[[2A, (MD)ᵀ], [MD, I − M]] [c; ν] = [2 rhs_c; rhs_eq]`` and return ``c``."""
    n = a.shape[0]
    kkt = sp.bmat([[2.0 * a, dm.T], [dm, sp.diags(1.0 - mask)]], format='csc')
    sol = splu(kkt).solve(np.concatenate([2.0 * rhs_c, rhs_eq], 0))
    return sol[:n]


def constrained_com_sparse(x, w, flight_mask, g_dt2, contact_smoothness):
    """Sparse :func:`~.structured_dynamics.constrained_com_trajectory`.

    Args:
        x (ndarray): ``(B, T, 3)`` data COM.
        w (ndarray): ``(B, T)`` data weights.
        flight_mask (ndarray): ``(B, T−2)`` float, 1 on flight triples.
        g_dt2 (ndarray): ``(B, 3)`` ``g dt²``.
        contact_smoothness (float): ``λ``.

    Returns:
        ndarray: ``(B, T, 3)``.
    """
    b, t, _ = x.shape
    d = second_difference_sparse(t)
    out = np.empty_like(x)
    for i in range(b):
        mask = flight_mask[i]
        smooth, smooth_rhs = _contact_terms(d, contact_smoothness * (1.0 - mask), g_dt2[i])
        a = sp.diags(w[i]) + smooth
        rhs_c = w[i][:, None] * x[i] + smooth_rhs
        dm = sp.diags(mask) @ d
        out[i] = _kkt_solve(a, rhs_c, dm, mask, mask[:, None] * g_dt2[i][None])
    return out


def ray_constrained_com_sparse(x, rays, w, flight_mask, g_dt2, contact_smoothness, ray_weight):
    """Sparse :func:`~.structured_dynamics.ray_constrained_com_trajectory` (unknowns ordered
    frame-major, ``3 t + axis``, as in the dense solve).

    Args:
        x (ndarray): ``(B, T, 3)`` data COM.
        rays (ndarray): ``(B, T, 2)`` observed COM rays (x/z, y/z).
        w, flight_mask, g_dt2, contact_smoothness: as in :func:`constrained_com_sparse`.
        ray_weight (float): ``ρ``.

    Returns:
        ndarray: ``(B, T, 3)``.
    """
    b, t, _ = x.shape
    d = second_difference_sparse(t)
    eye3 = sp.identity(3, format='csr')
    out = np.empty_like(x)
    for i in range(b):
        mask = flight_mask[i]
        u = np.concatenate([rays[i], np.ones((t, 1))], -1)
        u /= np.linalg.norm(u, axis=-1, keepdims=True)
        uut = u[:, :, None] * u[:, None, :]
        blocks = w[i][:, None, None] * (ray_weight * (np.eye(3) - uut) + uut)     # (T, 3, 3)
        data = sp.block_diag(list(blocks), format='csr')
        smooth, smooth_rhs = _contact_terms(d, contact_smoothness * (1.0 - mask), g_dt2[i])
        a = data + sp.kron(smooth, eye3)
        rhs_c = w[i][:, None] * u * (u * x[i]).sum(-1, keepdims=True) + smooth_rhs
        dm = sp.kron(sp.diags(mask) @ d, eye3)
        rhs_eq = (mask[:, None] * g_dt2[i][None]).reshape(-1)
        out[i] = _kkt_solve(a, rhs_c.reshape(-1), dm, np.repeat(mask, 3),
                            rhs_eq).reshape(t, 3)
    return out


def internal_force_smooth_banded(r, weights, smoothness):
    """Banded :func:`~.structured_dynamics.minimum_internal_force_smooth`: per clip and joint,
    ``(diag(w) + μ DᵀD) r = diag(w) r̂`` by banded Cholesky.

    Args:
        r (ndarray): ``(B, T, J, 3)``.
        weights (ndarray): ``(B, T, J)``.
        smoothness (float): ``μ``.

    Returns:
        ndarray: ``(B, T, J, 3)``.
    """
    b, t, j, _ = r.shape
    dtd = (second_difference_sparse(t).T @ second_difference_sparse(t)).tocsr()
    # upper banded storage: row 2 − k holds the k-th superdiagonal
    band = np.zeros((3, t))
    for k in range(3):
        band[2 - k, k:] = smoothness * dtd.diagonal(k)
    out = np.empty_like(r)
    for i in range(b):
        for jj in range(j):
            ab = band.copy()
            ab[2] += weights[i, :, jj]
            out[i, :, jj] = solveh_banded(ab, weights[i, :, jj, None] * r[i, :, jj],
                                          check_finite=False)
    return out
