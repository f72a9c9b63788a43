import numpy as np

from finephys.utils.triangulation import projection_matrices, triangulate_points


def _cameras(n=4, seed=0):
    rng = np.random.default_rng(seed)
    Ks, Rs, ts = [], [], []
    for i in range(n):
        a = 2 * np.pi * i / n + rng.uniform(-0.2, 0.2)
        centre = np.array([4 * np.cos(a), 4 * np.sin(a), 1.5])
        z = -centre / np.linalg.norm(centre)                # looking at the origin
        x = np.cross(z, [0, 0, 1.0])
        x /= np.linalg.norm(x)
        R = np.stack([x, np.cross(z, x), z])
        Ks.append(np.array([[1000.0, 0, 540], [0, 1000.0, 960], [0, 0, 1]]))
        Rs.append(R)
        ts.append(-R @ centre)
    return np.array(Ks), np.array(Rs), np.array(ts)


def _project(P, X):
    hom = np.concatenate([X, np.ones(X.shape[:-1] + (1,))], -1)
    p = np.einsum('vab,tjb->vtja', P, hom)
    return p[..., :2] / p[..., 2:]


def test_exact_views_give_the_point_back_and_missing_views_are_handled():
    K, R, t = _cameras()
    P = projection_matrices(K, R, t)
    X = np.random.default_rng(1).uniform(-0.5, 0.5, (5, 17, 3)) + [0, 0, 1]
    uv = _project(P, X)
    scores = np.ones(uv.shape[:-1])
    uv[0, 2, 3] = np.nan                 # one view misses a joint
    scores[1:, 4, 5] = 0                 # only one view sees this one: not triangulable
    out, err = triangulate_points(uv, scores, P)
    mask = np.ones((5, 17), bool)
    mask[4, 5] = False
    np.testing.assert_allclose(out[mask], X[mask], atol=1e-8)
    assert np.isnan(out[4, 5]).all() and np.isnan(err[4, 5])
    assert np.nanmax(err) < 1e-6


def test_a_wrong_view_is_outvoted():
    K, R, t = _cameras(seed=2)
    P = projection_matrices(K, R, t)
    X = np.random.default_rng(3).uniform(-0.5, 0.5, (3, 17, 3)) + [0, 0, 1]
    uv = _project(P, X)
    uv[2, :, 7] += 150.0                 # view 2 put joint 7 somewhere else (a left/right swap)
    plain, err = triangulate_points(uv, np.ones(uv.shape[:-1]), P)
    robust, err_r = triangulate_points(uv, np.ones(uv.shape[:-1]), P, max_error=5.0)
    assert np.abs(plain[:, 7] - X[:, 7]).max() > 0.02
    np.testing.assert_allclose(robust[:, 7], X[:, 7], atol=1e-8)
    np.testing.assert_allclose(robust[:, :7], X[:, :7], atol=1e-8)
