"""A 2D pose estimator's noise on real multi-view video, in :class:`~finephys.datasets.synthgym.
noise.KeypointNoise`'s terms.

Each view's 2D is compared with the triangulation of the *other* views projected into it
(leave-one-view-out: the view never votes for the point it is judged against). The residual, as
a fraction of the person's size (the larger side of the projected box, as ``KeypointNoise``
measures it), is split the way the noise model generates it:

* **swaps**: frames whose left/right-exchanged 2D fits the projection clearly better (median
  error below 0.8 × that of the 2D as given; ``KeypointNoise.swap``);
* **jitter and bias**: the robust standard deviation (1.4826 × median absolute deviation) of the
  residual's x and y components over the other frames is the total; its frame-to-frame part,
  from differences of frames ``step`` apart (÷ √2), is the jitter (``KeypointNoise.jitter``), and
  the rest, ``√(total² − jitter²)``, the part that stays (``KeypointNoise.bias``);
* **dropouts**: joints whose residual exceeds ``outlier_sigmas`` total σ (a 2D Gaussian passes
  4 σ with probability e⁻⁸ ≈ 3·10⁻⁴), their rate and their RMS displacement per axis
  (``KeypointNoise.dropout``, ``dropout_offset``).

The leave-one-out reference has its own error (it is a triangulation of three noisy views), so
the numbers are upper bounds of the view's own noise; with V views and the same noise in each the
projected reference adds roughly 1 / (V − 1) of the variance (``views`` given: the ``*_corrected``
values take it out).
"""
import warnings

import numpy as np

from finephys.structures import H36M17, camera_to_pixels
from finephys.utils.triangulation import triangulate_points

#: Residuals beyond this many total σ count as dropouts.
OUTLIER_SIGMAS = 4.0


def leave_one_out_residuals(keypoints, scores, cams, P, max_error=15.0):
    """Each view's 2D minus the other views' triangulation projected into it.

    Args:
        keypoints: ``(V, T, J, 2)`` undistorted pixels (NaN: not detected).
        scores: ``(V, T, J)``.
        cams (list): ``V`` calibrations with ``K``, ``R``, ``t``.
        P: ``(V, 3, 4)`` projection matrices.
        max_error (float): Triangulation's outvoting threshold (px).

    Returns:
        tuple: ``residual (V, T, J, 2)`` px, ``projected (V, T, J, 2)`` px and ``size (V, T)``
        px (NaN where the others could not triangulate a joint / a frame).
    """
    v_count = len(cams)
    residual = np.full(keypoints.shape, np.nan)
    projected = np.full(keypoints.shape, np.nan)
    for v, cam in enumerate(cams):
        others = [o for o in range(v_count) if o != v]
        ref, _ = triangulate_points(keypoints[others], scores[others], P[others],
                                    max_error=max_error)
        proj = camera_to_pixels(ref @ np.asarray(cam['R']).T + np.asarray(cam['t']), cam['K'])
        projected[v] = proj
        residual[v] = keypoints[v] - proj
    with np.errstate(invalid='ignore'):
        size = np.nanmax(np.nanmax(projected, 2) - np.nanmin(projected, 2), -1)
    return residual, projected, size


def _robust_sigma(values):
    """1.4826 × the median absolute deviation: a Gaussian's σ, not moved by outliers."""
    values = np.asarray(values).ravel()
    if not len(values):
        return float('nan')
    return 1.4826 * float(np.median(np.abs(values - np.median(values))))


def fit_keypoint_noise(keypoints, projected, size, views=None, step=2,
                       outlier_sigmas=OUTLIER_SIGMAS):
    """Fit :class:`KeypointNoise`'s parameters to the residuals ``keypoints − projected``.

    Args:
        keypoints, projected: ``(V, T, J, 2)`` px: each view's 2D and the reference projected
            into it (:func:`leave_one_out_residuals`).
        size: ``(V, T)`` px.
        views (int, optional): Views in the triangulation (for the ``*_corrected`` values).
        step (int): Frames between the two of a difference (the jitter at ``fps / step``: 2 for
            60 fps video judged at the 30 fps the models run at).
        outlier_sigmas (float): Dropout threshold in total σ.

    Returns:
        dict: ``total`` (σ of the residual), ``jitter`` (its frame-to-frame part), ``bias`` (the
        part that stays), ``dropout``, ``dropout_offset``, ``swap`` (fractions as
        ``KeypointNoise`` takes them), with ``views``: ``jitter_corrected``, ``bias_corrected``;
        ``per_joint_sigma`` (``{joint: total σ}``, fraction of size), ``frames`` and ``joints``
        (counted).
    """
    residual = keypoints - projected
    rel = residual / size[..., None, None]
    good_frame = np.isfinite(size) & (size > 0)
    # a swap: the mirrored 2D fits the projection clearly better (0.8: 93 % of the swaps of a
    # KeypointNoise(swap=0.1) test found, no false one; 0.5 found half)
    swapped = keypoints[..., H36M17.flip_permutation, :] - projected
    with np.errstate(invalid='ignore'), warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)     # frames the others could not see
        err = np.nanmedian(np.linalg.norm(residual, axis=-1), -1)
        err_swapped = np.nanmedian(np.linalg.norm(swapped, axis=-1), -1)
        swap = good_frame & (err_swapped < 0.8 * err)
    keep = good_frame & ~swap
    comp = rel[keep]                                          # (N, J, 2)
    finite = np.isfinite(comp).all(-1)
    total = _robust_sigma(comp[finite])
    dist = np.linalg.norm(comp, axis=-1)
    out = finite & (dist > outlier_sigmas * total)
    per_joint = {name: _robust_sigma(comp[:, j][finite[:, j]])
                 for j, name in enumerate(H36M17.joint_names)}
    # the frame-to-frame part: differences of kept frames `step` apart, same view
    pair = keep[..., step:] & keep[..., :-step]
    diff = (rel[..., step:, :, :] - rel[..., :-step, :, :])[pair] / np.sqrt(2.0)
    inlier = np.isfinite(diff).all(-1) & (np.linalg.norm(diff, axis=-1) < outlier_sigmas * total)
    jitter = _robust_sigma(diff[inlier])
    fit = dict(total=total, jitter=jitter, bias=float(np.sqrt(max(total ** 2 - jitter ** 2, 0))),
               dropout=float(out.sum() / finite.sum()),
               dropout_offset=float(np.sqrt(np.mean(dist[out] ** 2) / 2)) if out.any() else 0.0,
               swap=float(swap.sum() / good_frame.sum()), per_joint_sigma=per_joint,
               frames=int(good_frame.sum()), joints=int(finite.sum()))
    if views is not None and views > 1:
        # the projected triangulation of the other V - 1 views adds ~1 / (V - 1) of a view's
        # variance to every part
        share = 1.0 / np.sqrt(1.0 + 1.0 / (views - 1))
        fit.update(jitter_corrected=fit['jitter'] * share, bias_corrected=fit['bias'] * share)
    return fit
