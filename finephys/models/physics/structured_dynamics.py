"""The pieces of the physics-structured solver, each an exact statement about rigid-body motion.

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
* :func:`conserve_angular_momentum` — in each flight, the discrete angular momentum about the COM
  ``L_{t+½} = Σ m_j r_t × r_{t+1} / dt`` held at the flight's mean value **exactly** by a rigid
  rotation per frame (Newton on the 3 rotation parameters), integrated from the flight's middle
  forward and backward, blended back to the data in the contact frames around it.
* :func:`gravity_scale` — the metric depth that makes the observed 2D flight of the COM fall at
  ``g`` (Bieler et al., ICCV 2019): the parabola ``c0 + v0 τ + ½ g τ²`` through the COM's rays is
  linear in ``(c0, v0)`` once ``g`` is known in metres.
"""
import math

import numpy as np
import torch

from finephys.structures import H36M17


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
    x = com.double()
    w = torch.ones(b, t, dtype=torch.float64, device=com.device) if weights is None \
        else weights.double()
    lam = torch.as_tensor(contact_smoothness, dtype=torch.float64, device=com.device)
    d = second_difference_matrix(t, device=com.device)                   # (T−2, T)
    mask = flight_triples(flight.bool()).double()                        # (B, T−2)
    g_dt2 = gravity.double()[:, None, :] * (dt.double() ** 2)[:, None, None]   # (B, 1, 3)
    pc = lam * (1.0 - mask)                                              # (B, T−2)
    a = torch.diag_embed(w) + torch.einsum('kt,bk,ks->bts', d, pc, d)    # (B, T, T)
    rhs_c = w[..., None] * x + torch.einsum('kt,bk,bkc->btc', d, pc, g_dt2.expand(b, t - 2, 3))
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
    x = com.double()
    w = torch.ones(b, t, dtype=torch.float64, device=com.device) if weights is None \
        else weights.double()
    lam = torch.as_tensor(contact_smoothness, dtype=torch.float64, device=com.device)
    d = torch.cat([rays.double(), torch.ones_like(rays[..., :1]).double()], -1)
    d = d / torch.linalg.vector_norm(d, dim=-1, keepdim=True)                 # (B, T, 3)
    eye = torch.eye(3, dtype=torch.float64, device=com.device)
    ddt = d[..., :, None] * d[..., None, :]
    blocks = w[..., None, None] * (ray_weight * (eye - ddt) + ddt)            # (B, T, 3, 3)
    data_rhs = w[..., None] * d * (d * x).sum(-1, keepdim=True)               # (B, T, 3)
    dmat = second_difference_matrix(t, device=com.device)                     # (T−2, T)
    mask = flight_triples(flight.bool()).double()                             # (B, T−2)
    g_dt2 = gravity.double()[:, None, :] * (dt.double() ** 2)[:, None, None]   # (B, 1, 3)
    pc = lam * (1.0 - mask)
    n = 3 * t
    a_mat = torch.zeros(b, n, n, dtype=torch.float64, device=com.device)
    idx = torch.arange(t, device=com.device)
    a_view = a_mat.view(b, t, 3, t, 3)
    a_view[:, idx, :, idx, :] = blocks.permute(1, 0, 2, 3)
    smooth = torch.einsum('kt,bk,ks->bts', dmat, pc, dmat)                    # (B, T, T)
    a_mat = a_mat + torch.einsum('bts,cd->btcsd', smooth, eye).reshape(b, n, n)
    rhs_c = data_rhs + torch.einsum('kt,bk,bkc->btc', dmat, pc, g_dt2.expand(b, t - 2, 3))
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


def rigidify(q, symmetric=True, skeleton=H36M17):
    """Give every bone a constant length: the clip's median length (averaged over left/right
    pairs when ``symmetric``), directions kept, rebuilt from the root down the tree.

    Args:
        q (Tensor): ``(B, T, J, 3)``; parents must precede children in the joint order.

    Returns:
        Tensor: ``(B, T, J, 3)`` with the root unchanged.
    """
    parents = skeleton.parents
    vec = [None] * len(parents)
    lengths = torch.zeros(q.shape[0], len(parents), dtype=q.dtype, device=q.device)
    for child, parent in enumerate(parents):
        if parent >= 0:
            vec[child] = q[:, :, child] - q[:, :, parent]
            lengths[:, child] = torch.linalg.vector_norm(vec[child], dim=-1).median(dim=1).values
    if symmetric:
        perm = torch.as_tensor(skeleton.flip_permutation, device=q.device)
        lengths = 0.5 * (lengths + lengths[:, perm])
    out = [None] * len(parents)
    for child, parent in enumerate(parents):
        if parent < 0:
            out[child] = q[:, :, child]
        else:
            unit = vec[child] / torch.linalg.vector_norm(vec[child], dim=-1,
                                                         keepdim=True).clamp_min(1e-9)
            out[child] = out[parent] + lengths[:, child, None, None] * unit
    return torch.stack(out, dim=2)


def _rodrigues(v):
    """Rotation matrix of the rotation vector ``v (3,)`` (numpy float64)."""
    theta = np.linalg.norm(v)
    if theta < 1e-12:
        k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
        return np.eye(3) + k
    a = v / theta
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + math.sin(theta) * k + (1 - math.cos(theta)) * (k @ k)


def _log_rotation(rot):
    """Rotation vector of a rotation matrix (numpy float64)."""
    cos = np.clip(0.5 * (np.trace(rot) - 1.0), -1.0, 1.0)
    theta = math.acos(cos)
    w = np.array([rot[2, 1] - rot[1, 2], rot[0, 2] - rot[2, 0], rot[1, 0] - rot[0, 1]])
    if theta < 1e-9:
        return 0.5 * w
    if math.pi - theta < 1e-6:          # near π: the axis from the symmetric part
        axis = np.sqrt(np.clip((np.diag(rot) + 1) / 2, 0, None))
        axis *= np.sign(w + 1e-300) if np.any(w) else 1.0
        return theta * axis / max(np.linalg.norm(axis), 1e-12)
    return theta / (2 * math.sin(theta)) * w


def _solve_rotation(anchor, point, target, m, sign, iters=30):
    """Rotation ``R`` with ``sign · Σ_j m_j anchor_j × (R point_j) = target`` (Newton on the
    left-multiplied rotation vector with step halving; the Jacobian ``Σ m [(a·p) I − p aᵀ]`` is
    the inertia tensor when ``p ≈ a``). Returns ``R (3, 3)`` and the final residual norm."""
    def residual(rot):
        return sign * np.einsum('j,jc->c', m, np.cross(anchor, point @ rot.T)) - target

    rot = np.eye(3)
    f = residual(rot)
    res = np.linalg.norm(f)
    tol = 1e-14 * max(1.0, np.linalg.norm(target))
    for _ in range(iters):
        if res < tol:
            break
        p = point @ rot.T
        dots = np.einsum('jc,jc->j', anchor, p)
        jac = sign * (np.einsum('j,j->', m, dots) * np.eye(3) -
                      np.einsum('j,ja,jb->ab', m, p, anchor))
        try:
            eps = np.linalg.lstsq(jac, -f, rcond=None)[0]
        except np.linalg.LinAlgError:
            break
        step = 1.0
        while step > 1e-4:
            cand = _rodrigues(step * eps) @ rot
            f_new = residual(cand)
            if np.linalg.norm(f_new) < res:
                rot, f, res = cand, f_new, np.linalg.norm(f_new)
                break
            step *= 0.5
        else:
            break
    return rot, res


def _rollout_segment(x, m, a, b, target, start_rotation=None):
    """Integrate the flight ``[a, b)`` of ``x (T, J, 3)`` from its middle frame (rotated by
    ``start_rotation``, default identity) at constant ``L̄ dt = target`` (see
    :func:`conserve_angular_momentum`). Returns the frames ``(b−a, J, 3)``, their rotations
    relative to the data ``(b−a, 3, 3)`` and the largest residual."""
    out = x[a:b].copy()
    rots = np.tile(np.eye(3), (b - a, 1, 1))
    mid = (a + b - 1) // 2
    start = np.eye(3) if start_rotation is None else start_rotation
    out[mid - a] = x[mid] @ start.T
    rots[mid - a] = start
    worst = 0.0
    for direction in (1, -1):
        carry = start
        t = mid
        while a <= t + direction < b:
            nxt = t + direction
            point = x[nxt] @ carry.T
            # forward: r_t × r_{t+1} = L̄dt; backward: r_{t−1} × r_t = L̄dt
            rot, res = _solve_rotation(out[t - a], point, target, m,
                                       1.0 if direction == 1 else -1.0)
            worst = max(worst, res)
            carry = rot @ carry
            out[nxt - a] = point @ rot.T
            rots[nxt - a] = carry
            t = nxt
    return out, rots, worst


def _fit_momentum(x, m, a, b, iters=4, step=1e-4):
    """``L̄ dt`` and the middle frame's rotation minimising the mass-weighted squared distance
    between the integrated flight and the data (Gauss–Newton on 6 parameters, finite-difference
    Jacobian), started from the data's mean momentum and no rotation."""
    seg = x[a:b]
    theta = np.zeros(6)
    theta[:3] = np.einsum('j,tjc->tc', m, np.cross(seg[:-1], seg[1:])).mean(0)
    sw = np.sqrt(m)[None, :, None]

    def resid(th):
        out = _rollout_segment(x, m, a, b, th[:3], _rodrigues(th[3:]))[0]
        return ((out - seg) * sw).reshape(-1)

    base = resid(theta)
    for _ in range(iters):
        scales = np.array([step * max(np.linalg.norm(theta[:3]), 1e-3)] * 3 + [1e-5] * 3)
        jac = np.stack([(resid(theta + h * e) - base) / h for h, e in zip(scales, np.eye(6))], 1)
        delta = np.linalg.lstsq(jac, -base, rcond=None)[0]
        new = resid(theta + delta)
        if new @ new >= base @ base:
            break
        theta, base = theta + delta, new
    return theta[:3], _rodrigues(theta[3:])


def conserve_angular_momentum(r, masses, flight, dt, min_length=3, blend_frames=4,
                              fit_momentum=True, trim=0):
    """Hold the discrete angular momentum about the COM constant in every flight, exactly.

    For a flight segment ``[a, b)`` the middle frame is kept and each next frame is the data
    frame carried by the rotation so far, then rotated once more so that
    ``Σ m_j r_t × r_{t+1} = L̄ dt`` (the same backward from the middle). The shape (internal
    motion) is the data's; only the global rotation — what angular momentum governs — is
    integrated. ``L̄`` is the data's mean angular momentum over the flight, refined with
    ``fit_momentum`` to the value whose integrated flight stays closest to the data (a noisy
    mean makes the integrated orientation drift). The corrections at the flight's ends fade to
    the identity over ``blend_frames`` contact frames (external torques may act there).

    Runs in float64 numpy without gradient: the caller passes gradients straight through.

    Args:
        r (Tensor): ``(B, T, J, 3)`` body about its COM (``Σ m_j r_j = 0``).
        masses (Tensor): ``(J,)`` or ``(B, J)``.
        flight (Tensor): ``(B, T)`` bool.
        dt (Tensor): ``(B,)`` (unused: ``L̄ dt`` is what is held; kept for the signature).
        min_length (int): Shortest flight (frames) to treat.
        blend_frames (int): Contact frames over which a correction fades out.
        fit_momentum (bool): Refine ``L̄`` by least squares to the data.
        trim (int): Frames at each end of a (predicted) flight left to the contact blend: the
            take-off and landing frames are the ones a contact predictor gets wrong.

    Returns:
        tuple: corrected ``r`` ``(B, T, J, 3)`` (same dtype), and the largest residual
        ``|Σ m r_t × r_{t+1} − L̄ dt|`` (float) over all treated frames.
    """
    from finephys.evaluation.functional import flight_segments

    x = r.detach().double().cpu().numpy()
    m_all = masses.detach().double().cpu().numpy()
    m_all = np.broadcast_to(m_all / m_all.sum(-1, keepdims=True), (x.shape[0], x.shape[2]))
    fl = flight.detach().cpu().numpy().astype(bool)
    out = x.copy()
    worst = 0.0
    t_total = x.shape[1]
    for i in range(x.shape[0]):
        m = m_all[i]
        for a, b in flight_segments(fl[i], min_length + 2 * trim):
            a, b = a + trim, b - trim
            if fit_momentum:
                target, start = _fit_momentum(x[i], m, a, b)
            else:
                seg = x[i, a:b]
                target = np.einsum('j,tjc->tc', m, np.cross(seg[:-1], seg[1:])).mean(0)
                start = None
            out[i, a:b], rots, res = _rollout_segment(x[i], m, a, b, target, start)
            worst = max(worst, res)
            # fade the end corrections out into the contact frames around the flight
            for end_rot, end, step in ((rots[-1], b - 1, 1), (rots[0], a, -1)):
                v = _log_rotation(end_rot)
                for k in range(1, blend_frames + 1):
                    f = end + step * k
                    if not 0 <= f < t_total or fl[i, f]:
                        break
                    frac = 1.0 - k / (blend_frames + 1)
                    out[i, f] = x[i, f] @ _rodrigues(frac * v).T
    return torch.as_tensor(out, dtype=r.dtype, device=r.device), float(worst)


def centre_of_mass_rays(keypoints_2d, scores, q, masses, min_score=0.4):
    """The observed COM ray per frame: the mass-weighted mean of the normalised 2D keypoints,
    joints with a score below ``min_score`` replaced by the lifter's joint projected and shifted
    onto the detections (a lost joint would pull the mean by its displacement × its mass).

    Args:
        keypoints_2d (Tensor): ``(B, T, J, 2)`` normalised camera coordinates.
        scores (Tensor | None): ``(B, T, J)``.
        q (Tensor): ``(B, T, J, 3)`` the lifter's 3D.
        masses (Tensor): ``(J,)``.

    Returns:
        Tensor: ``(B, T, 2)``.
    """
    w = masses / masses.sum()
    if scores is None:
        return torch.einsum('j,btjc->btc', w, keypoints_2d)
    proj = q[..., :2] / q[..., 2:].clamp_min(1e-3)
    good = (scores >= min_score).to(keypoints_2d.dtype)[..., None]
    shift = ((keypoints_2d - proj) * good).sum(2, keepdim=True) / good.sum(2, keepdim=True).clamp_min(1)
    filled = good * keypoints_2d + (1 - good) * (proj + shift)
    return torch.einsum('j,btjc->btc', w, filled)


def _fit_flight_parabola(ray, tau, g):
    """Least-squares ``(c0, v0)`` of ``P_τ = c0 + v0 τ + ½ g τ²`` through rays ``(n, 2)``.
    Returns θ (6,), the per-frame ray residuals (n,), the depths (n,) and the relative standard
    error of the mid-flight depth ``c0_z`` (from the residuals and ``(AᵀA)⁻¹``)."""
    rows, rhs = [], []
    for axis in (0, 1):
        u = ray[:, axis]
        row = np.zeros((len(tau), 6))
        row[:, axis], row[:, 2] = 1.0, -u
        row[:, 3 + axis], row[:, 5] = tau, -u * tau
        rows.append(row)
        rhs.append(-0.5 * tau ** 2 * (g[axis] - u * g[2]))
    a_mat, b_vec = np.concatenate(rows), np.concatenate(rhs)
    theta = np.linalg.lstsq(a_mat, b_vec, rcond=None)[0]
    resid = a_mat @ theta - b_vec
    res = resid.reshape(2, -1)
    z = theta[2] + theta[5] * tau + 0.5 * g[2] * tau ** 2
    dof = max(len(b_vec) - 6, 1)
    cov = (resid @ resid / dof) * np.linalg.pinv(a_mat.T @ a_mat)
    rel_std = np.sqrt(max(cov[2, 2], 0.0)) / max(abs(theta[2]), 1e-6)
    return theta, np.linalg.norm(res, axis=0) / np.maximum(np.abs(z), 1e-6), z, rel_std


def gravity_scale(rays, com_depth, flight, gravity, dt, min_frames=8, trim=0, refine_ends=2,
                  prior_std=0.05, bounds=(0.33, 3.0)):
    """Metric depth scale from a flight seen in 2D (gravity as the ruler; Bieler et al. 2019).

    On the longest flight ``[a, b)``, the COM ``P_τ = c0 + v0 τ + ½ g τ²`` must lie on its
    observed rays (x/z, y/z): ``P_x − x P_z = 0`` and ``P_y − y P_z = 0`` — six unknowns, two
    linear equations per frame, least squares; ``g`` in metres fixes the size. Flight labels
    are least certain at take-off and landing, so ``trim`` frames are dropped at each end and up
    to ``refine_ends`` more are dropped where an end frame's ray residual exceeds 3× the median.
    The scale ``k`` maps the lifter's COM depth to the fitted one (``Σ Z ẑ / Σ ẑ²``); with
    ``prior_std`` it is fused with the lifter's own depth (``k = 1``, relative standard
    deviation ``prior_std``) by inverse variances in log scale, the fit's variance from its
    residuals.

    Args:
        rays (Tensor): ``(B, T, 2)`` observed COM rays (:func:`centre_of_mass_rays`).
        com_depth (Tensor): ``(B, T)`` the lifter's COM depth ``ẑ``.
        flight (Tensor): ``(B, T)`` bool.
        gravity (Tensor): ``(B, 3)``.
        dt (Tensor): ``(B,)``.
        min_frames (int): Shortest usable flight.
        trim (int): Frames dropped at each end.
        refine_ends (int): Most extra frames dropped per end by the residual test.
        prior_std (float | None): Relative depth uncertainty of the lifter (None: trust the fit
            alone).
        bounds (tuple): A scale outside is rejected (fallback 1).

    Returns:
        tuple: ``scale (B,)`` (1 where no estimate), ``valid (B,)`` bool, ``depth (B, T)`` the
        fitted COM depth on the used frames (NaN elsewhere).
    """
    from finephys.evaluation.functional import flight_segments

    ray_np = rays.detach().double().cpu().numpy()
    zhat = com_depth.detach().double().cpu().numpy()
    fl = flight.detach().cpu().numpy().astype(bool)
    g = gravity.detach().double().cpu().numpy()
    dts = np.broadcast_to(dt.detach().double().cpu().numpy().reshape(-1), (ray_np.shape[0],))
    scale = np.ones(ray_np.shape[0])
    valid = np.zeros(ray_np.shape[0], bool)
    depth = np.full(fl.shape, np.nan)
    for i in range(ray_np.shape[0]):
        segs = [(a + trim, b - trim) for a, b in flight_segments(fl[i])]
        segs = [s for s in segs if s[1] - s[0] >= min_frames]
        if not segs:
            continue
        a, b = max(segs, key=lambda s: s[1] - s[0])
        for _ in range(2 * refine_ends + 1):
            tau = (np.arange(a, b) - 0.5 * (a + b - 1)) * dts[i]
            theta, res, z, _ = _fit_flight_parabola(ray_np[i, a:b], tau, g[i])
            med = np.median(res) + 1e-12
            drop_a = res[0] > 3 * med and a < b - min_frames
            drop_b = res[-1] > 3 * med and a < b - min_frames
            if not (drop_a or drop_b):
                break
            if drop_a and (not drop_b or res[0] >= res[-1]):
                a += 1
            else:
                b -= 1
        tau = (np.arange(a, b) - 0.5 * (a + b - 1)) * dts[i]
        theta, res, z, rel_std = _fit_flight_parabola(ray_np[i, a:b], tau, g[i])
        zh = zhat[i, a:b]
        if not (np.all(np.isfinite(z)) and np.all(z > 0) and np.all(zh > 0)):
            continue
        k = float((z * zh).sum() / (zh * zh).sum())
        if prior_std is not None:
            # inverse-variance fusion (in log scale) with the lifter's own depth, k = 1: a
            # short or badly fitting flight (a contact frame called flight) barely moves it
            w_fit, w_prior = 1.0 / max(rel_std, 1e-6) ** 2, 1.0 / prior_std ** 2
            k = float(np.exp(w_fit * np.log(max(k, 1e-6)) / (w_fit + w_prior)))
        if bounds[0] <= k <= bounds[1]:
            scale[i], valid[i] = k, True
            depth[i, a:b] = z
    dev = rays.device
    return (torch.as_tensor(scale, dtype=rays.dtype, device=dev),
            torch.as_tensor(valid, device=dev), torch.as_tensor(depth, device=dev))
