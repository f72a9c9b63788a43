import numpy as np
import pytest
from scipy import signal

from finephys.evaluation.functional import (SMOOTHER_GRIDS, angular_momentum_drift,
                                            butterworth_smooth, discrete_angular_momentum,
                                            rts_smooth, savgol_smooth, select_smoother_params,
                                            smoother_grid)
from finephys.evaluation.functional.smoothers import constant_acceleration_model


@pytest.fixture
def noisy():
    rng = np.random.default_rng(0)
    t = np.arange(40) / 30.0
    clean = np.stack([np.sin(2 * t), 0.5 * t ** 2, np.cos(3 * t)], -1)[:, None].repeat(4, 1)
    return clean + 0.02 * rng.normal(size=clean.shape)


def test_savgol_matches_scipy(noisy):
    ref = signal.savgol_filter(noisy, 9, 2, axis=0, mode='interp')
    np.testing.assert_allclose(savgol_smooth(noisy, 9, 2), ref, atol=1e-12)
    # a window longer than the clip is clipped to the largest odd length
    short = noisy[:6]
    np.testing.assert_allclose(savgol_smooth(short, 15, 2),
                               signal.savgol_filter(short, 5, 2, axis=0, mode='interp'))


def test_butterworth_matches_scipy_and_is_zero_phase(noisy):
    sos = signal.butter(4, 3.0 / 15.0, output='sos')
    ref = signal.sosfiltfilt(sos, noisy, axis=0, padlen=min(3 * (2 * len(sos) + 1), 39))
    np.testing.assert_allclose(butterworth_smooth(noisy, 3.0, 30.0, order=4), ref, atol=1e-12)
    # zero phase: a slow sine passes without lag
    t = np.arange(120) / 30.0
    x = np.sin(2 * np.pi * 0.5 * t)[:, None]
    y = butterworth_smooth(x, 4.0, 30.0)
    assert np.abs(y[20:-20] - x[20:-20]).max() < 1e-2
    with pytest.raises(ValueError, match='cutoff_hz'):
        butterworth_smooth(x, 20.0, 30.0)


def _batch_map_smoother(y, fps, process_noise, prior_std):
    """Independent reference: the RTS smoother's mean is the MAP estimate of the linear-Gaussian
    state-space model, i.e. the solution of one big weighted least-squares problem over all
    states (x_0 prior, measurements, transitions)."""
    f, q = constant_acceleration_model(1.0 / fps, process_noise)
    t = len(y)
    n = 3 * t
    rows, rhs = [], []
    p0 = np.diag(1.0 / np.asarray(prior_std)) 
    for k in range(3):
        r = np.zeros(n)
        r[k] = p0[k, k]
        rows.append(r)
        rhs.append(p0[k, k] * (y[0] if k == 0 else 0.0))
    for k in range(t):
        r = np.zeros(n)
        r[3 * k] = 1.0
        rows.append(r)
        rhs.append(y[k])
    lq = np.linalg.cholesky(np.linalg.inv(q)).T          # ||lq e||² = eᵀ Q⁻¹ e
    for k in range(t - 1):
        block = np.zeros((3, n))
        block[:, 3 * (k + 1):3 * (k + 2)] = np.eye(3)
        block[:, 3 * k:3 * (k + 1)] = -f
        rows.extend(lq @ block)
        rhs.extend([0.0] * 3)
    sol = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    return sol[0::3]


@pytest.mark.parametrize('process_noise', [1e2, 1e4])
def test_rts_equals_batch_least_squares(noisy, process_noise):
    prior = (10.0, 10.0, 10.0)
    y = noisy[:, 0, 1]
    ref = _batch_map_smoother(y, 30.0, process_noise, prior)
    out = rts_smooth(y[:, None], 30.0, process_noise, prior_std=prior)[:, 0]
    np.testing.assert_allclose(out, ref, atol=1e-7)
    # vectorised over trailing dims = per-coordinate runs
    full = rts_smooth(noisy, 30.0, process_noise, prior_std=prior)
    np.testing.assert_allclose(full[:, 0, 1], out, atol=1e-12)


def test_rts_keeps_a_parabola():
    t = np.arange(30) / 30.0
    x = (1.0 + 2.0 * t - 4.9 * t ** 2)[:, None]
    np.testing.assert_allclose(rts_smooth(x, 30.0, 10.0), x, atol=1e-4)


def test_grid_and_selection():
    assert all(p['polyorder'] < p['window'] for p in smoother_grid('savgol'))
    assert len(smoother_grid('rts')) == len(SMOOTHER_GRIDS['rts']['process_noise'])
    cands = {'a': dict(params='a', mpjpe=10.0, accel=5.0), 'b': dict(params='b', mpjpe=9.0,
                                                                     accel=7.0),
             'c': dict(params='c', mpjpe=12.0, accel=1.0)}
    assert select_smoother_params(cands, 10.0)['params'] == 'a'      # c breaks the MPJPE bound
    assert select_smoother_params(cands, 8.0)['params'] == 'b'       # none qualifies: best MPJPE


def test_angular_momentum_drift_is_zero_for_rigid_rotation():
    rng = np.random.default_rng(1)
    body = rng.normal(size=(17, 3))
    masses = rng.uniform(1, 5, 17)
    body -= (masses[:, None] * body).sum(0) / masses.sum()
    body[:, 2] = 0.0          # planar: z is a principal axis, so spinning about it is torque-free
    w = 6.0
    t = np.arange(20) / 30.0
    rot = np.stack([np.array([[np.cos(w * s), -np.sin(w * s), 0], [np.sin(w * s),
                                                                     np.cos(w * s), 0],
                              [0, 0, 1]]) for s in t])
    x = np.einsum('tab,jb->tja', rot, body) + np.array([0.0, 0.0, 5.0]) + t[:, None, None]
    flight = np.ones(20, bool)
    assert angular_momentum_drift(x, masses, flight, 30.0) < 1e-12
    lm = discrete_angular_momentum(x, masses, 30.0)
    assert np.linalg.norm(lm[0]) > 0.1
    # a change of rotation speed shows as drift
    x2 = x.copy()
    x2[10:] = np.einsum('tab,jb->tja', rot[10:] @ rot[1], body) + 5.0
    assert angular_momentum_drift(x2, masses, flight, 30.0) > 0.01
    assert angular_momentum_drift(x, masses, np.zeros(20, bool), 30.0) is None
