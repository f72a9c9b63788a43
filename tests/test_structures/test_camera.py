"""structures/camera.py: the one guessed camera and the one pixel ↔ camera mapping."""
import numpy as np
import pytest

from finephys.structures import (camera_to_pixels, default_intrinsics, normalized_to_pixels,
                                 pixels_to_normalized)


def test_default_intrinsics_use_the_longer_side_so_portrait_and_landscape_agree():
    land, port = default_intrinsics(1920, 1080), default_intrinsics(1080, 1920)
    assert land[0, 0] == land[1, 1] == pytest.approx(1.2 * 1920)
    assert port[0, 0] == land[0, 0]                    # the same lens turned on its side
    np.testing.assert_array_equal(land[:2, 2], [960, 540])
    np.testing.assert_array_equal(port[:2, 2], [540, 960])
    assert default_intrinsics(64, 48, focal_factor=2.0, dtype=np.float32).dtype == np.float32
    assert default_intrinsics(64, 48, focal_factor=2.0)[0, 0] == 128.0


def test_normalisation_is_k_inverse_and_round_trips():
    rng = np.random.default_rng(0)
    K = np.array([[800.0, 0, 330], [0, 780, 250], [0, 0, 1]])
    px = rng.uniform(0, 640, (5, 17, 2))
    norm = pixels_to_normalized(px, K)
    homog = np.concatenate([px, np.ones((5, 17, 1))], -1) @ np.linalg.inv(K).T
    np.testing.assert_allclose(norm, homog[..., :2], rtol=1e-12)          # K⁻¹ [u, v, 1]
    np.testing.assert_allclose(normalized_to_pixels(norm, K), px, rtol=1e-12)
    # per-frame K (a zoom): each frame with its own camera
    K_t = np.repeat(K[None], 5, 0)
    K_t[:, 0, 0] = K_t[:, 1, 1] = 800 + 10 * np.arange(5)
    norm_t = pixels_to_normalized(px, K_t)
    for t in range(5):
        np.testing.assert_allclose(norm_t[t], pixels_to_normalized(px[t], K_t[t]), rtol=1e-12)
    np.testing.assert_allclose(normalized_to_pixels(norm_t, K_t), px, rtol=1e-12)


def test_projection_of_camera_points_matches_the_matrix_form_and_keeps_float32():
    rng = np.random.default_rng(1)
    pts = rng.normal(0, 0.5, (4, 17, 3)) + [0, 0, 6]
    K = default_intrinsics(640, 360)
    h = pts @ K.T
    np.testing.assert_allclose(camera_to_pixels(pts, K), h[..., :2] / h[..., 2:], rtol=1e-12)
    out = pixels_to_normalized(np.ones((2, 17, 2), np.float32), K.astype(np.float32))
    assert out.dtype == np.float32
