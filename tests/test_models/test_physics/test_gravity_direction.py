"""Gravity's direction from the scene: each cue against a scene built with a known camera tilt,
the perspective geometry of the upright body in the image, invariances, fallbacks and the bad
inputs of the physics issue (no flight, no stance, a camera looking straight down)."""
import numpy as np
import pytest

from finephys.datasets.synthgym import generate_clip
from finephys.datasets.synthgym.camera import project
from finephys.models.physics.gravity_direction import (LEVEL_UP, angle_deg,
                                                       estimate_gravity_direction,
                                                       flight_accelerations, image_axis_angles,
                                                       smooth_depth_along_rays, stance_points)
from finephys.structures import pixels_to_normalized
from finephys.structures.anthropometry import joint_mass_fractions

FPS = 30.0
K = np.array([[1000.0, 0, 960], [0, 1000.0, 540], [0, 0, 1]])


def camera(pitch_deg, roll_deg):
    """World (z up) → camera (x right, y down, z forward) looking horizontally along world +y,
    then pitched down and rolled: ``R``, and the camera's ``up`` (``R @ (0, 0, 1)``)."""
    base = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])       # level camera
    p, r = np.radians(pitch_deg), np.radians(roll_deg)
    pitch = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    roll = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    rot = roll @ pitch @ base
    return rot, rot @ [0, 0, 1.0]


@pytest.fixture(scope='module')
def template():
    """A standing body (H36M-17, world metres, z up, feet on z = 0, pelvis over the origin),
    turned so that its feet→head line is exactly vertical."""
    from finephys.structures.skeleton import H36M17
    w = generate_clip('salto forward tucked', 0, dtype=np.float64)['keypoints_3d_world'][0]
    feet = w[H36M17.indices(['left_ankle', 'right_ankle'])].mean(0)
    axis = w[H36M17.index('head')] - feet
    axis /= np.linalg.norm(axis)
    v, c = np.cross(axis, [0, 0, 1.0]), axis[2]                   # Rodrigues: axis → z
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    w = (w - feet) @ (np.eye(3) + vx + vx @ vx / (1 + c)).T
    return w - [w[0, 0], w[0, 1], w[:, 2].min()]


def walk(template, stops, stand=15, speed=1.6):
    """The body standing at each stop for ``stand`` frames and gliding between them (feet moving
    faster than any stance) — world ``(T, 17, 3)``."""
    frames = []
    for i, stop in enumerate(stops):
        frames += [template + [stop[0], stop[1], 0.0]] * stand
        if i + 1 < len(stops):
            d = np.subtract(stops[i + 1], stop)
            n = max(int(np.linalg.norm(d) / speed * FPS), 2)
            frames += [template + [stop[0] + d[0] * k / n, stop[1] + d[1] * k / n, 0.0]
                       for k in range(1, n)]
    return np.array(frames)


def to_camera(world, rot, distance=8.0):
    """Camera-frame poses of a world sequence, the camera ``distance`` m before the scene."""
    centre = world[:, 0].mean(0)
    t = -rot @ (centre + [0.0, -distance, 0.0])
    return world @ rot.T + t


STOPS = [(0.0, 0.0), (2.0, 0.5), (3.0, 2.5), (0.5, 3.0)]


@pytest.mark.parametrize('pitch,roll', [(25.0, -15.0), (10.0, 20.0), (-5.0, 0.0)])
def test_stances_and_upright_body_fix_a_tilted_camera(template, pitch, roll):
    """A body standing in four places on a floor filmed by a pitched and rolled camera: the 3D
    alone (stance plane + upright body) and the 2D-and-3D estimate both find "up" to 0.3°."""
    rot, up = camera(pitch, roll)
    poses = to_camera(walk(template, STOPS), rot)
    est = estimate_gravity_direction(poses, FPS)
    assert est['from_scene'] and est['num_stances'] >= 4, est['source']
    assert angle_deg(est['up'], up) < 0.3
    np.testing.assert_allclose(est['gravity_dir'], -est['up'])
    assert est['tilt_deg'] == pytest.approx(angle_deg(up, LEVEL_UP), abs=0.3)
    kp = pixels_to_normalized(project(poses, K), K)
    with_2d = estimate_gravity_direction(poses, FPS, keypoints_2d_norm=kp)
    assert angle_deg(with_2d['up'], up) < 0.3 and with_2d['num_upright_frames'] > 40


def test_a_flight_fixes_gravity_through_its_parabola(template):
    """A body thrown through the air (no stance, no upright frame): the centre of mass's
    parabola alone gives gravity's direction, to 0.1° with a noise-free depth."""
    rot, up = camera(20.0, 12.0)
    t = np.arange(24) / FPS
    world = np.array([template + [3.0 * s, 0.5 * s, 2.0 + 4.0 * s - 0.5 * 9.80665 * s ** 2]
                      for s in t])
    poses = to_camera(world, rot)
    flight = np.ones(len(t), bool)
    est = estimate_gravity_direction(poses, FPS, flight=flight, flight_depth_std=0.0,
                                     smooth_seconds=0.0)
    assert est['num_flights'] == 1 and est['num_stances'] == 0 and est['from_scene']
    assert angle_deg(est['up'], up) < 0.1
    # the fit itself: the acceleration is g, along −up (to rounding)
    com = np.einsum('tjc,j->tc', poses, joint_mass_fractions())
    (acc, cov, span), = flight_accelerations(com, FPS, flight)
    np.testing.assert_allclose(acc, -9.80665 * up, atol=1e-6)
    assert span == (1, 23) and np.all(np.diag(cov) > 0)
    # a "flight" falling at 10 g is no fall at a plausible scale: rejected, counted
    fast = np.array([template + [3.0 * s, 0.5 * s, 2.0 - 5 * 9.80665 * s ** 2] for s in t])
    est = estimate_gravity_direction(to_camera(fast, rot), FPS, flight=flight,
                                     smooth_seconds=0.0)
    assert est['num_flights'] == 0 and est['flights_rejected'] == 1 and not est['from_scene']


def test_the_image_of_the_vertical_is_the_perspective_one():
    """Vertical segments filmed off-centre by a pitched camera converge to the vanishing point
    of "up": their image directions match :func:`image_axis_angles` of the true up exactly, and
    a level camera's "up" is off by the perspective angle."""
    rot, up = camera(30.0, 0.0)
    feet = np.array([[x, 0.0, 0.0] for x in (-4.0, -2.0, 2.0, 4.0)]) + [0, 6.0, 0]
    heads = feet + [0, 0, 1.7]
    cam_feet, cam_heads = (p @ rot.T + [0, 0, 0] for p in (feet, heads))
    f2 = project(cam_feet[None], K)[0]
    h2 = project(cam_heads[None], K)[0]
    fn, hn = pixels_to_normalized(f2, K), pixels_to_normalized(h2, K)
    d = hn - fn
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    middles = 0.5 * (fn + hn)
    np.testing.assert_allclose(image_axis_angles(up, d, middles), 0.0, atol=1e-9)
    level = np.degrees(np.abs(image_axis_angles(LEVEL_UP, d, middles)))
    assert level.max() > 5.0


def test_a_camera_looking_straight_down(template):
    """Gravity along the optical axis (a camera on the ceiling): finite, found (the prior is a
    level camera, 90° away), the head towards the camera."""
    rot, up = camera(90.0, 0.0)
    poses = to_camera(walk(template, STOPS), rot)
    est = estimate_gravity_direction(poses, FPS)
    assert np.isfinite(est['up']).all() and est['from_scene']
    assert angle_deg(est['up'], up) < 2.0 and angle_deg(up, [0, 0, -1]) < 1e-6


def test_no_stance_no_flight_falls_back_to_a_level_camera(template):
    """A body that never stands still and never flies, no 2D: nothing fixes a direction — the
    level camera, with the reason."""
    rot, _ = camera(25.0, 10.0)
    t = np.arange(40) / FPS
    world = np.array([template + [2.0 * s, 1.5 * s, 0.0] for s in t])
    est = estimate_gravity_direction(to_camera(world, rot), FPS)
    assert not est['from_scene'] and est['num_stances'] == 0
    np.testing.assert_allclose(est['up'], LEVEL_UP)
    assert est['source'].startswith('level camera (fallback: ')
    # flight only in the first and last frames (too short to fit): the same fallback
    flight = np.zeros(40, bool)
    flight[:3] = flight[-3:] = True
    est = estimate_gravity_direction(to_camera(world, rot), FPS, flight=flight)
    assert not est['from_scene'] and est['num_flights'] == 0


def test_scale_about_the_camera_and_roll_equivariance(template):
    """The monocular depth ambiguity (a uniform scale about the camera centre) leaves the
    estimate unchanged; rolling the camera rolls the estimate by the same angle (2D included)."""
    rot, up = camera(15.0, 5.0)
    poses = to_camera(walk(template, STOPS), rot)
    kp = pixels_to_normalized(project(poses, K), K)
    a = estimate_gravity_direction(poses, FPS, keypoints_2d_norm=kp)['up']
    b = estimate_gravity_direction(1.25 * poses, FPS, keypoints_2d_norm=kp)['up']
    assert angle_deg(a, b) < 0.05
    r = np.radians(30.0)
    z = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    rolled = poses @ z.T
    kp_rolled = kp @ z[:2, :2].T
    c = estimate_gravity_direction(rolled, FPS, keypoints_2d_norm=kp_rolled)['up']
    assert angle_deg(c, z @ a) < 0.1


def test_helpers_and_bad_input(template):
    rot, _ = camera(10.0, 0.0)
    poses = to_camera(walk(template, STOPS), rot)
    # depth smoothing moves poses along their rays only: the 2D projection is unchanged
    jitter = poses * (1 + 0.05 * np.sin(np.arange(len(poses)))[:, None, None])
    smooth = smooth_depth_along_rays(jitter, FPS)
    np.testing.assert_allclose(smooth[..., :2] / smooth[..., 2:], jitter[..., :2] / jitter[..., 2:],
                               atol=1e-12)
    assert np.std(smooth[:, 0, 2] - poses[:, 0, 2]) < 0.5 * np.std(jitter[:, 0, 2] - poses[:, 0, 2])
    points, stances = stance_points(poses, FPS)
    assert len(points) == 2 * len(STOPS) and all(b - a >= 5 for _, a, b in stances)
    # frames bridged over a lost stretch hold no stance; inputs too short for any cue fall back
    valid = np.ones(len(poses), bool)
    valid[:15] = False                                      # the first stop was not seen
    assert estimate_gravity_direction(poses, FPS, valid=valid)['num_stances'] == len(points) - 2
    for t in (1, 2, 4):
        est = estimate_gravity_direction(poses[:t], FPS, flight=np.ones(t, bool))
        assert not est['from_scene'] and np.isfinite(est['up']).all()
    with pytest.raises(ValueError, match=r'\(T, 17, 3\)'):
        estimate_gravity_direction(poses[..., :2], FPS)
    bad = poses.copy()
    bad[3, 4, 1] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        estimate_gravity_direction(bad, FPS)
