"""The Fréchet distance between two Gaussians (FID / FVD) and the statistics it is taken of."""
import warnings

import numpy as np
from scipy import linalg

from finephys.utils.errors import InputDataError


class InsufficientSamplesError(InputDataError):
    """Too few feature vectors for the statistics a Fréchet distance needs (a ``ValueError``;
    the tools report it in one line, exit 2)."""


def gaussian_statistics(features, min_samples='warn', name='features'):
    """Mean and (unbiased, ``N − 1``) covariance of feature vectors.

    A covariance of ``N`` samples in ``D`` dimensions has rank at most ``N − 1``; below
    ``N = D + 1`` it is singular and the Fréchet distance between two such estimates is biased
    (it depends on ``N``) even when :func:`frechet_distance`'s regularised square root makes it
    finite. FVD papers use thousands of clips for 400-d I3D logits.

    Args:
        features: ``(N, D)`` array.
        min_samples (str): What to do when ``N < D + 1``: ``'warn'`` (a ``UserWarning`` naming
            ``N`` and ``D``; the rank-deficient estimate is returned and
            :func:`frechet_distance` regularises it) or ``'raise'``
            (:class:`InsufficientSamplesError`). ``N < 2`` always raises.
        name (str): What the features are, for the messages.

    Returns:
        tuple: ``mu (D,)`` and ``sigma (D, D)``, float64.
    """
    features = np.asarray(features, np.float64)
    if features.ndim != 2:
        raise ValueError(f'{name}: expected an (N, D) array, got shape {features.shape}')
    n, d = features.shape
    if n < 2:
        raise InsufficientSamplesError(
            f'{name}: {n} sample(s); a covariance needs at least 2 (a full-rank one {d + 1})')
    if n < d + 1:
        message = (f'{name}: {n} samples of {d}-d features: the covariance has rank ≤ {n - 1} '
                   f'< {d} (needs ≥ {d + 1} samples for full rank); the Fréchet distance is '
                   'computed with a regularised square root and is biased by the sample count '
                   '— compare it only with values from the same number of samples')
        if min_samples == 'raise':
            raise InsufficientSamplesError(message)
        if min_samples != 'warn':
            raise ValueError(f"min_samples={min_samples!r}: expected 'warn' or 'raise'")
        warnings.warn(message, UserWarning, stacklevel=2)
    return features.mean(0), np.cov(features, rowvar=False).reshape(d, d)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """Fréchet (2-Wasserstein) distance between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)``:

    ``||mu1 − mu2||² + tr(sigma1 + sigma2 − 2 (sigma1 sigma2)^{1/2})``

    (Dowson & Landau 1982; Heusel et al. 2017 for FID, Unterthiner et al. 2018 for FVD).

    The square root of ``sigma1 sigma2`` is scipy's ``sqrtm``. When it is not finite (singular
    product, e.g. covariances of fewer samples than dimensions) it is recomputed on
    ``(sigma1 + eps I)(sigma2 + eps I)``, as the FID reference code does; the tiny imaginary
    part round-off leaves is dropped, and a large one raises.

    Args:
        mu1, mu2: ``(D,)`` means.
        sigma1, sigma2: ``(D, D)`` covariances.
        eps (float): Diagonal offset used only when the plain square root is not finite.

    Returns:
        float: The squared distance (≥ 0 up to round-off), in the features' units squared.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(
        np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(
        np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or \
            sigma1.shape != (mu1.size, mu1.size):
        raise ValueError(f'frechet_distance: shapes mu1 {mu1.shape}, sigma1 {sigma1.shape}, '
                         f'mu2 {mu2.shape}, sigma2 {sigma2.shape} do not match')
    diff = mu1 - mu2
    with warnings.catch_warnings():     # a singular product: judged by finiteness below
        warnings.simplefilter('ignore', linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        offset = np.eye(mu1.size) * eps
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        imag = np.max(np.abs(covmean.imag))
        scale = max(1.0, float(np.max(np.abs(covmean.real))))
        if imag > 1e-3 * scale:
            raise ValueError(f'frechet_distance: the square root of sigma1·sigma2 has an '
                             f'imaginary part of {imag:.3g}; the covariances are not valid '
                             '(symmetric positive semi-definite)')
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def frechet_distance_from_features(features1, features2, min_samples='warn', eps=1e-6):
    """:func:`frechet_distance` of the Gaussians fitted to two ``(N, D)`` feature sets
    (:func:`gaussian_statistics`)."""
    mu1, sigma1 = gaussian_statistics(features1, min_samples, 'generated features')
    mu2, sigma2 = gaussian_statistics(features2, min_samples, 'reference features')
    return frechet_distance(mu1, sigma1, mu2, sigma2, eps)
