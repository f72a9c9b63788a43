"""Metric scale from gravity: the depth that makes a flight seen in 2D fall at ``g``.

Bieler et al., "Gravity as a Reference for Estimating a Person's Height from Video" (ICCV 2019):
the parabola ``c0 + v0 τ + ½ g τ²`` of the centre of mass through its observed rays is linear in
``(c0, v0)`` once ``g`` is known in metres, so the fit has a metric size.
"""
import numpy as np
import torch

from finephys.utils.sequences import flight_segments


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
    shift = (((keypoints_2d - proj) * good).sum(2, keepdim=True) /
             good.sum(2, keepdim=True).clamp_min(1))
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


def _fit_flight(ray, zhat, a, b, dt, g, min_frames, refine_ends):
    """One flight ``[a, b)``: fit, drop a bad end frame and refit (see :func:`gravity_scale`).
    Returns ``(k, rel_std, a, b, z)`` — the scale of the lifter's depth ``ẑ`` to the fitted
    ``z`` (``Σ z ẑ / Σ ẑ²``), its relative standard error, the frames used and their fitted
    depths — or None when a depth is not positive."""
    dropped = 0
    while True:                       # fit, then drop a bad end frame and refit, or stop
        tau = (np.arange(a, b) - 0.5 * (a + b - 1)) * dt
        theta, res, z, rel_std = _fit_flight_parabola(ray[a:b], tau, g)
        med = np.median(res) + 1e-12
        drop_a = res[0] > 3 * med and a < b - min_frames
        drop_b = res[-1] > 3 * med and a < b - min_frames
        if not (drop_a or drop_b) or dropped >= 2 * refine_ends:
            break
        if drop_a and (not drop_b or res[0] >= res[-1]):
            a += 1
        else:
            b -= 1
        dropped += 1
    zh = zhat[a:b]
    if not (np.all(np.isfinite(z)) and np.all(z > 0) and np.all(zh > 0)):
        return None
    return float((z * zh).sum() / (zh * zh).sum()), rel_std, a, b, z


def gravity_scale(rays, com_depth, flight, gravity, dt, min_frames=8, trim=0, refine_ends=2,
                  prior_std=0.05, bounds=(0.33, 3.0)):
    """Metric depth scale from a flight seen in 2D (gravity as the ruler; Bieler et al. 2019).

    On each flight ``[a, b)`` of at least ``min_frames``, the COM ``P_τ = c0 + v0 τ + ½ g τ²`` must lie on its
    observed rays (x/z, y/z): ``P_x − x P_z = 0`` and ``P_y − y P_z = 0`` — six unknowns, two
    linear equations per frame, least squares; ``g`` in metres fixes the size. Flight labels
    are least certain at take-off and landing, so ``trim`` frames are dropped at each end and up
    to ``refine_ends`` more are dropped where an end frame's ray residual exceeds 3× the median.
    Each flight's scale ``k_f`` maps the lifter's COM depth to the fitted one (``Σ Z ẑ / Σ ẑ²``);
    the clip gets **one** scale: the flights' ``log k_f`` fused by inverse variances (each fit's
    variance from its residuals) and, with ``prior_std``, with the lifter's own depth (``k = 1``,
    relative standard deviation ``prior_std``) — so a whole video with many flights is scaled
    once, by all of them.

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
        # one scale per clip: every usable flight's estimate, fused by inverse variances
        log_k, weight, used = 0.0, 0.0, []
        for a, b in segs:
            fit = _fit_flight(ray_np[i], zhat[i], a, b, dts[i], g[i], min_frames, refine_ends)
            if fit is None:
                continue
            k, rel_std, a, b, z = fit
            w_fit = 1.0 / max(rel_std, 1e-6) ** 2
            log_k += w_fit * np.log(max(k, 1e-6))
            weight += w_fit
            used.append((a, b, z))
        if not used:
            continue
        if prior_std is not None:
            # inverse-variance fusion (in log scale) with the lifter's own depth, k = 1: a
            # short or badly fitting flight (a contact frame called flight) barely moves it
            k = float(np.exp(log_k / (weight + 1.0 / prior_std ** 2)))
        else:
            k = float(np.exp(log_k / weight))
        if bounds[0] <= k <= bounds[1]:
            scale[i], valid[i] = k, True
            for a, b, z in used:
                depth[i, a:b] = z
    dev = rays.device
    return (torch.as_tensor(scale, dtype=rays.dtype, device=dev),
            torch.as_tensor(valid, device=dev), torch.as_tensor(depth, device=dev))
