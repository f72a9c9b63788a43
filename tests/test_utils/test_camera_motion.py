"""Camera pan/zoom from the background, checked against SynthGym's crop-pan camera (known K)."""
import cv2
import numpy as np
import pytest

from finephys.datasets.synthgym import generate_clip
from finephys.datasets.synthgym.camera import project
from finephys.datasets.synthgym.render import render_silhouette
from finephys.utils.camera_motion import CameraMotionEstimator, apply_homography


def panned_clip(seed, size=256, frames=40, zoom=0.0):
    """A SynthGym salto filmed by its crop-pan camera (per-frame K), over a textured arena. The
    arena is a static plane far away: a principal-point shift (and a focal change, ``zoom`` per
    frame about the principal point) moves its image exactly as ``K_t K_0⁻¹``."""
    c = generate_clip('salto forward tucked', seed, num_frames=frames, render_size=size)
    K = np.array(c['camera']['K'], float)
    if zoom:
        K[:, 0, 0] *= (1 + zoom) ** np.arange(frames)
        K[:, 1, 1] = K[:, 0, 0]
    rng = np.random.default_rng(seed)
    big = cv2.GaussianBlur(rng.random((3 * size, 3 * size, 3)).astype(np.float32), (0, 0), 3.0)
    big = (255 * (big - big.min()) / (big.max() - big.min())).astype(np.uint8)
    offset = np.array([[1, 0, size], [0, 1, size], [0, 0, 1.0]])   # arena pixel of frame-0 pixel
    body = render_silhouette(c['keypoints_3d'], K, size, c['stature'])[..., None]
    from finephys.datasets.synthgym.render import render_video
    bodies = render_video(c['keypoints_3d'], K, size, stature=c['stature'])
    video = []
    for i in range(frames):
        to_arena = offset @ K[0] @ np.linalg.inv(K[i])     # frame-i pixel → arena pixel
        m = to_arena @ np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])   # pixel indices
        m = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]]) @ m
        bg = cv2.warpPerspective(big, m, (size, size),
                                 flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        video.append((bg * (1 - body[i]) + bodies[i] * body[i] + 0.5).astype(np.uint8))
    kp = project(c['keypoints_3d'], K)
    return c, K, np.stack(video), kp


@pytest.mark.parametrize('seed,zoom,model', [(0, 0.0, 'similarity'), (1, 0.0, 'similarity'),
                                             (2, 0.004, 'similarity'), (3, 0.004, 'homography')])
def test_stabilised_2d_is_the_frame0_camera_projection(seed, zoom, model):
    c, K, video, kp = panned_clip(seed, zoom=zoom)
    est = CameraMotionEstimator(model=model)
    boxes = np.concatenate([kp.min(1), kp.max(1)], -1)
    H = np.stack([est.update(f, b) for f, b in zip(video, boxes)])
    assert est.unknown_steps == 0
    pan = np.abs(K[:, :2, 2] - K[0, :2, 2]).max()
    assert pan > 30                         # the camera really pans (pixels)
    stabilised = apply_homography(H, kp)
    expected = project(c['keypoints_3d'], K[0])     # a static camera: K of frame 0 throughout
    err = np.linalg.norm(stabilised - expected, axis=-1)
    assert err.max() < 1.0, err.max()
    raw_err = np.linalg.norm(kp - expected, axis=-1)
    assert raw_err.max() > 20 * err.max()


def test_a_static_camera_stays_still_while_the_body_moves():
    c = generate_clip('salto forward tucked', 0, num_frames=24, render_size=128)
    rng = np.random.default_rng(0)
    bg = cv2.GaussianBlur(rng.random((128, 128, 3)).astype(np.float32), (0, 0), 2.0)
    bg = (255 * (bg - bg.min()) / np.ptp(bg)).astype(np.uint8)
    mask = render_silhouette(c['keypoints_3d'], c['camera']['K'][0], 128, c['stature'])[..., None]
    # a static camera (K of frame 0 for every frame): the body moves, the background does not
    from finephys.datasets.synthgym.render import render_video
    bodies = render_video(c['keypoints_3d'], c['camera']['K'][0], 128, stature=c['stature'])
    video = (bg * (1 - mask) + bodies * mask + 0.5).astype(np.uint8)
    kp = project(c['keypoints_3d'], c['camera']['K'][0])
    est = CameraMotionEstimator()
    H = [est.update(f, np.r_[k.min(0), k.max(0)]) for f, k in zip(video, kp)]
    grid = np.stack(np.meshgrid(np.linspace(0, 127, 5), np.linspace(0, 127, 5)), -1)
    drift = apply_homography(np.stack(H), np.broadcast_to(grid.reshape(1, -1, 2), (24, 25, 2)))
    assert np.abs(drift - grid.reshape(1, -1, 2)).max() < 0.3


def test_apply_homography_keeps_nan_and_matches_a_loop():
    rng = np.random.default_rng(0)
    H = np.eye(3) + 0.01 * rng.standard_normal((5, 3, 3))
    pts = rng.random((5, 4, 2)) * 100
    pts[2, 1] = np.nan
    out = apply_homography(H, pts)
    for t in range(5):
        for j in range(4):
            p = H[t] @ np.r_[pts[t, j], 1.0]
            np.testing.assert_allclose(out[t, j], p[:2] / p[2]) if np.isfinite(p).all() else \
                np.testing.assert_(np.isnan(out[t, j]).all())


def test_an_unknown_step_repeats_the_last_one_and_the_skeleton_mask_covers_the_bones():
    from finephys.utils.camera_motion import skeleton_mask
    rng = np.random.default_rng(0)
    big = cv2.GaussianBlur(rng.random((400, 400)).astype(np.float32), (0, 0), 2.0)
    big = (255 * (big - big.min()) / np.ptp(big)).astype(np.uint8)
    est = CameraMotionEstimator()
    shifts = 3.0 * np.arange(6)                            # a steady 3 px/frame pan
    for i, d in enumerate(shifts):
        frame = big[50:250, int(50 + d):int(250 + d)].copy()
        if i == 4:
            frame[:] = 128                                 # a blank frame: nothing to track
        H = est.update(frame)
    assert est.unknown_steps == 2                          # into and out of the blank frame
    # the two unknown steps repeated the known 3 px/frame: the chain is still right at the end
    np.testing.assert_allclose(H[0, 2], shifts[-1], atol=0.3)
    kp = np.full((17, 2), np.nan)
    kp[[0, 7, 8]] = [[50, 100], [50, 70], [50, 40]]      # pelvis, spine, thorax: a vertical line
    mask = skeleton_mask(kp, np.ones(17), (100, 150))
    assert mask[40:100, 50].all() and mask[70, 52] and not mask[70, 90] and not mask[140, 50]
    assert skeleton_mask(kp, np.zeros(17), (100, 150)) is None
