"""Centre-of-mass and body pieces of the physics-structured solver, each an exact statement about
rigid-body motion (angular momentum: :mod:`.angular_momentum`; metric scale:
:mod:`.gravity_scale`).

Notation (camera frame, metres, seconds): ``q (B, T, J, 3)`` joints, ``m (J,)`` point masses,
``c = Σ m_j q_j / Σ m`` the centre of mass, ``r_j = q_j − c`` the body about it, ``g (B, 3)``
gravity, ``dt (B,)``. A frame is *in flight* when no end effector touches the ground; a
*flight triple* ``(t−1, t, t+1)`` has all three frames in flight.

* :func:`constrained_com_trajectory` — ``c`` closest to the data with ``c̈ = g`` **exactly** on
  every flight triple (equality constraints, solved by KKT), and the ground-reaction force
  ``m (c̈ − g)`` penalised (not forbidden) on contact frames.
* :func:`minimum_internal_force_smooth` — the body about the COM with a penalty on the internal
  forces ``m_j r̈_j`` (score-weighted data term).
* :func:`rigidify` — constant bone lengths (the clip's median, left/right averaged).
* :func:`ray_constrained_com_trajectory` — the same with the COM held on its observed 2D ray.

Each solve is dense and differentiable up to :data:`DENSE_MAX_FRAMES` frames (training's windows)
or whenever gradients are needed; longer sequences without gradients (a whole video at inference)
go through the same problems' sparse, O(T) solves in :mod:`.sequence_solves`.
"""
import numpy as np
import torch

from finephys.structures import H36M17

from .sequence_solves import (constrained_com_sparse, internal_force_smooth_banded,
                              ray_constrained_com_sparse)

#: Longest sequence solved densely when no gradient is needed (dense costs O(T³)).
DENSE_MAX_FRAMES = 64


def use_sparse_solve(t, *tensors):
    """Whether a solve over ``t`` frames goes through :mod:`.sequence_solves`: longer than
    :data:`DENSE_MAX_FRAMES` and no input needs a gradient."""
    needs_grad = torch.is_grad_enabled() and any(
        isinstance(x, torch.Tensor) and x.requires_grad for x in tensors)
    return t > DENSE_MAX_FRAMES and not needs_grad


def _numpy(x):
    return x.detach().double().cpu().numpy()


def second_difference_matrix(t, dtype=torch.float64, device=None):
    """``D (T−2, T)`` with ``(D x)_k = x_k − 2 x_{k+1} + x_{k+2}`` (row k ↔ frame k+1)."""
    d = torch.zeros(t - 2, t, dtype=dtype, device=device)
    idx = torch.arange(t - 2, device=device)
    d[idx, idx] = 1.0
    d[idx, idx + 1] = -2.0
    d[idx, idx + 2] = 1.0
    return d


def flight_triples(flight):
    """``(B, T)`` bool → ``(B, T−2)`` bool: frame t+1's triple ``(t, t+1, t+2)`` all in flight."""
    return flight[:, :-2] & flight[:, 1:-1] & flight[:, 2:]


def _ballistic_terms(com, flight, gravity, dt, weights, contact_smoothness):
    """What both COM solves share: the data in float64 ``x (B, T, 3)``, weights ``w (B, T)``,
    ``D (T−2, T)``, the flight-triple mask ``(B, T−2)``, ``g dt² (B, 1, 3)``, and the contact
    penalty's normal-equation terms ``λ Dᵀ P D (B, T, T)`` and ``λ Dᵀ P g dt² (B, T, 3)``
    (``P`` the contact rows)."""
    b, t, _ = com.shape
    x = com.double()
    w = torch.ones(b, t, dtype=torch.float64, device=com.device) if weights is None \
        else weights.double()
    lam = torch.as_tensor(contact_smoothness, dtype=torch.float64, device=com.device)
    d = second_difference_matrix(t, device=com.device)
    mask = flight_triples(flight.bool()).double()
    g_dt2 = gravity.double()[:, None, :] * (dt.double() ** 2)[:, None, None]
    pc = lam * (1.0 - mask)
    smooth = torch.einsum('kt,bk,ks->bts', d, pc, d)
    smooth_rhs = torch.einsum('kt,bk,bkc->btc', d, pc, g_dt2.expand(b, t - 2, 3))
    return x, w, d, mask, g_dt2, smooth, smooth_rhs


def _sparse_terms(com, flight, gravity, dt, weights, contact_smoothness):
    """The sparse solves' inputs (float64 numpy): ``w (B, T)``, the flight-triple mask
    ``(B, T−2)``, ``g dt² (B, 3)`` and ``λ`` (float)."""
    b, t, _ = com.shape
    w = np.ones((b, t)) if weights is None else _numpy(weights)
    mask = _numpy(flight_triples(flight.bool()))
    g_dt2 = _numpy(gravity) * (_numpy(dt) ** 2)[:, None]
    lam = float(torch.as_tensor(contact_smoothness).detach())
    return w, mask, g_dt2, lam


def constrained_com_trajectory(com, flight, gravity, dt, weights=None, contact_smoothness=1.0):
    """Centre-of-mass trajectory: ballistic exactly in flight, least-squares close to the data.

    Solves, per clip and coordinate, ``min_c Σ_t w_t (c_t − ĉ_t)² + λ Σ_{contact rows}
    (D c − g dt²)²`` subject to ``D c = g dt²`` on every flight triple, through the KKT system
    ``[[2A, Dᵀ M], [M D, I − M]] [c; ν] = [2b; M g dt²]`` (``M`` the diagonal flight-triple mask:
    unmasked rows pin their multiplier to 0, so one batched solve serves every clip).

    Args:
        com (Tensor): ``(B, T, 3)`` data COM ``ĉ``.
        flight (Tensor): ``(B, T)`` bool.
        gravity (Tensor): ``(B, 3)`` m/s².
        dt (Tensor): ``(B,)`` s.
        weights (Tensor, optional): ``(B, T)`` data weights ``w_t`` (default 1).
        contact_smoothness (float | Tensor): ``λ`` (scalar), penalty on ``(c̈ − g) dt²`` in
            contact, relative to the data term.

    Returns:
        Tensor: ``(B, T, 3)`` in ``com``'s dtype (solved in float64).
    """
    b, t, _ = com.shape
    if use_sparse_solve(t, com, weights, contact_smoothness, gravity):
        w, mask, g_dt2, lam = _sparse_terms(com, flight, gravity, dt, weights,
                                            contact_smoothness)
        out = constrained_com_sparse(_numpy(com), w, mask, g_dt2, lam)
        return torch.as_tensor(out, device=com.device).to(com.dtype)
    x, w, d, mask, g_dt2, smooth, smooth_rhs = _ballistic_terms(com, flight, gravity, dt, weights,
                                                                contact_smoothness)
    a = torch.diag_embed(w) + smooth                                     # (B, T, T)
    rhs_c = w[..., None] * x + smooth_rhs
    dm = mask[..., None] * d                                             # (B, T−2, T)
    kkt = torch.cat([torch.cat([2 * a, dm.transpose(1, 2)], 2),
                     torch.cat([dm, torch.diag_embed(1.0 - mask)], 2)], 1)
    rhs = torch.cat([2 * rhs_c, mask[..., None] * g_dt2], 1)             # (B, 2T−2, 3)
    sol = torch.linalg.solve(kkt, rhs)
    return sol[:, :t].to(com.dtype)


def ray_constrained_com_trajectory(com, rays, flight, gravity, dt, weights=None,
                                   contact_smoothness=1.0, ray_weight=100.0):
    """:func:`constrained_com_trajectory` with the data term split along the observed COM ray.

    The 2D is precise across the ray and the lifter's depth is not, so the data term is
    ``Σ_t w_t [ρ ||P_t c_t||² + (d_tᵀ (c_t − ĉ_t))²]`` with ``d_t`` the unit ray through the
    observed 2D COM, ``P_t = I − d_t d_tᵀ`` and ``ρ = ray_weight``: the COM is held on its ray,
    and its depth along it is the lifter's except where the ballistic constraints decide it — in
    flight, gravity fixes the depth (the 2D drop of a fall at ``g`` has a metric size).

    Args:
        com (Tensor): ``(B, T, 3)`` data COM ``ĉ``.
        rays (Tensor): ``(B, T, 2)`` observed COM in normalised camera coordinates (x/z, y/z).
        flight, gravity, dt, weights, contact_smoothness: as in
            :func:`constrained_com_trajectory`.
        ray_weight (float): ``ρ``.

    Returns:
        Tensor: ``(B, T, 3)`` (solved in float64).
    """
    b, t, _ = com.shape
    if use_sparse_solve(t, com, rays, weights, contact_smoothness, gravity):
        w, mask, g_dt2, lam = _sparse_terms(com, flight, gravity, dt, weights,
                                            contact_smoothness)
        out = ray_constrained_com_sparse(_numpy(com), _numpy(rays), w, mask, g_dt2, lam,
                                         float(ray_weight))
        return torch.as_tensor(out, device=com.device).to(com.dtype)
    x, w, dmat, mask, g_dt2, smooth, smooth_rhs = _ballistic_terms(com, flight, gravity, dt,
                                                                   weights, contact_smoothness)
    d = torch.cat([rays.double(), torch.ones_like(rays[..., :1]).double()], -1)
    d = d / torch.linalg.vector_norm(d, dim=-1, keepdim=True)                 # (B, T, 3)
    eye = torch.eye(3, dtype=torch.float64, device=com.device)
    ddt = d[..., :, None] * d[..., None, :]
    blocks = w[..., None, None] * (ray_weight * (eye - ddt) + ddt)            # (B, T, 3, 3)
    data_rhs = w[..., None] * d * (d * x).sum(-1, keepdim=True)               # (B, T, 3)
    n = 3 * t
    a_mat = torch.zeros(b, n, n, dtype=torch.float64, device=com.device)
    idx = torch.arange(t, device=com.device)
    a_view = a_mat.view(b, t, 3, t, 3)
    a_view[:, idx, :, idx, :] = blocks.permute(1, 0, 2, 3)
    a_mat = a_mat + torch.einsum('bts,cd->btcsd', smooth, eye).reshape(b, n, n)
    rhs_c = data_rhs + smooth_rhs
    dm = torch.einsum('bk,kt,cd->bkctd', mask, dmat, eye).reshape(b, 3 * (t - 2), n)
    mask3 = mask.repeat_interleave(3, dim=1)
    kkt = torch.cat([torch.cat([2 * a_mat, dm.transpose(1, 2)], 2),
                     torch.cat([dm, torch.diag_embed(1.0 - mask3)], 2)], 1)
    rhs = torch.cat([2 * rhs_c.reshape(b, n),
                     (mask[..., None] * g_dt2).reshape(b, 3 * (t - 2))], 1)
    sol = torch.linalg.solve(kkt, rhs[..., None])[..., 0]
    return sol[:, :n].reshape(b, t, 3).to(com.dtype)


def minimum_internal_force_smooth(r, weights, smoothness):
    """``min_r Σ_t w_{t,j} ||r_{t,j} − r̂_{t,j}||² + μ Σ_t ||D r_j||²`` per joint (closed form;
    Whittaker–Henderson smoothing, i.e. the least internal-force path through weighted data).

    Args:
        r (Tensor): ``(B, T, J, 3)``.
        weights (Tensor): ``(B, T, J)`` data weights.
        smoothness (float | Tensor): ``μ``.

    Returns:
        Tensor: ``(B, T, J, 3)``.
    """
    b, t, j, _ = r.shape
    if use_sparse_solve(t, r, weights, smoothness):
        out = internal_force_smooth_banded(_numpy(r), _numpy(weights),
                                           float(torch.as_tensor(smoothness).detach()))
        return torch.as_tensor(out, device=r.device).to(r.dtype)
    d = second_difference_matrix(t, dtype=r.dtype, device=r.device)
    mu = torch.as_tensor(smoothness, dtype=r.dtype, device=r.device)
    w = weights.permute(0, 2, 1)                                          # (B, J, T)
    a = torch.diag_embed(w) + mu * (d.T @ d)                              # (B, J, T, T)
    rhs = w[..., None] * r.permute(0, 2, 1, 3)                            # (B, J, T, 3)
    return torch.linalg.solve(a, rhs).permute(0, 2, 1, 3)


def centre_of_mass(q, masses):
    """``(B, T, J, 3)``, ``(J,)`` or ``(B, J)`` → ``(B, T, 3)``."""
    w = masses / masses.sum(-1, keepdim=True)
    if w.dim() == 1:
        return torch.einsum('j,btjc->btc', w, q)
    return torch.einsum('bj,btjc->btc', w, q)


def bone_lengths(q, symmetric=True, skeleton=H36M17):
    """Each bone's median length over the clip, ``(B, J)`` (entry ``child``; 0 for the root),
    averaged over left/right pairs when ``symmetric``.

    Args:
        q (Tensor): ``(B, T, J, 3)``.
    """
    parents = skeleton.parents
    lengths = torch.zeros(q.shape[0], len(parents), dtype=q.dtype, device=q.device)
    for child, parent in enumerate(parents):
        if parent >= 0:
            lengths[:, child] = torch.linalg.vector_norm(q[:, :, child] - q[:, :, parent],
                                                         dim=-1).median(dim=1).values
    if symmetric:
        perm = torch.as_tensor(skeleton.flip_permutation, device=q.device)
        lengths = 0.5 * (lengths + lengths[:, perm])
    return lengths


def rigidify(q, symmetric=True, skeleton=H36M17, lengths=None):
    """Give every bone a constant length — the clip's median length (averaged over left/right
    pairs when ``symmetric``; :func:`bone_lengths`) or the given ``lengths`` — directions kept,
    rebuilt from the root down the tree.

    Args:
        q (Tensor): ``(B, T, J, 3)``; parents must precede children in the joint order.
        lengths (Tensor, optional): ``(B, J)`` bone lengths (entry ``child``).

    Returns:
        Tensor: ``(B, T, J, 3)`` with the root unchanged.
    """
    parents = skeleton.parents
    if lengths is None:
        lengths = bone_lengths(q, symmetric, skeleton)
    out = [None] * len(parents)
    for child, parent in enumerate(parents):
        if parent < 0:
            out[child] = q[:, :, child]
        else:
            vec = q[:, :, child] - q[:, :, parent]
            unit = vec / torch.linalg.vector_norm(vec, dim=-1, keepdim=True).clamp_min(1e-9)
            out[child] = out[parent] + lengths[:, child, None, None].to(q.dtype) * unit
    return torch.stack(out, dim=2)
