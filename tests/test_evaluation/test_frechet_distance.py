"""frechet_distance against an independent computation and closed forms."""
import numpy as np
import pytest

from finephys.evaluation.functional import (InsufficientSamplesError, frechet_distance,
                                            frechet_distance_from_features, gaussian_statistics)


def _psd_sqrt(a):
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def _reference(mu1, s1, mu2, s2):
    # tr (s1 s2)^{1/2} = tr (s1^{1/2} s2 s1^{1/2})^{1/2}: symmetric, so eigh alone suffices
    r = _psd_sqrt(s1)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
                 - 2 * np.trace(_psd_sqrt(r @ s2 @ r)))


def _random_gaussian(rng, d):
    a = rng.normal(size=(d, d))
    return rng.normal(size=d), a @ a.T / d + 0.1 * np.eye(d)


@pytest.mark.parametrize('d', [1, 3, 16])
def test_matches_an_independent_eigh_computation(d):
    rng = np.random.default_rng(d)
    (mu1, s1), (mu2, s2) = _random_gaussian(rng, d), _random_gaussian(rng, d)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(_reference(mu1, s1, mu2, s2),
                                                               rel=1e-8, abs=1e-10)


def test_closed_forms_of_known_gaussians():
    # 1-D: (m1 − m2)² + (σ1 − σ2)²
    assert frechet_distance([1.0], [[4.0]], [-2.0], [[9.0]]) == pytest.approx(9 + 1)
    # diagonal covariances: Σ (Δμ)² + Σ (√a − √b)²
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected)
    # identical Gaussians, and a pure shift of the mean
    mu, s = _random_gaussian(np.random.default_rng(0), 5)
    assert abs(frechet_distance(mu, s, mu, s)) < 1e-9
    assert frechet_distance(mu, s, mu + 2, s) == pytest.approx(5 * 4)


def test_singular_covariances_use_the_regularised_root_and_stay_finite():
    s = np.diag([1.0, 0.0, 0.0])             # rank 1: (s s)^{1/2} exists, s1·s2 may not
    t = np.diag([0.0, 1.0, 0.0])
    value = frechet_distance(np.zeros(3), s, np.zeros(3), t)
    assert np.isfinite(value) and value == pytest.approx(2.0, abs=1e-3)


def test_bad_shapes_and_invalid_covariances_raise():
    with pytest.raises(ValueError, match='do not match'):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match='imaginary'):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.diag([-1.0, -4.0]))


def test_feature_statistics_and_sample_count_policy():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(50, 4))
    mu, sigma = gaussian_statistics(feats)
    assert np.allclose(mu, feats.mean(0)) and np.allclose(sigma, np.cov(feats.T))
    assert frechet_distance_from_features(feats, feats) == pytest.approx(0, abs=1e-8)
    few = rng.normal(size=(3, 4))
    with pytest.warns(UserWarning, match='needs ≥ 5 samples'):
        assert np.isfinite(frechet_distance_from_features(few, few + 1))
    with pytest.raises(InsufficientSamplesError, match='3 samples of 4-d'):
        frechet_distance_from_features(few, few, min_samples='raise')
    with pytest.raises(InsufficientSamplesError, match='at least 2'):
        gaussian_statistics(few[:1])
