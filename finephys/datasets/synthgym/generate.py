"""``generate_clip``: one SynthGym sample, deterministic per (action, seed, settings)."""
import numpy as np

from finephys.structures import H36M17, estimator_head_from_h36m

from .actions import ACTIONS, check_action, describe
from .body import GRAVITY, BodyModel
from .camera import broadcast_camera, project
from .elements import ElementBuilder
from .kinematics import rot_z
from .noise import KeypointNoise
from .render import render_video

MIN_FRAMES = 4


def _check_size(render_size):
    if render_size is None:
        return None
    size = (render_size, render_size) if np.isscalar(render_size) else tuple(render_size)
    if len(size) != 2 or any((not float(s).is_integer()) or s <= 0 for s in size):
        raise ValueError(f'render_size={render_size!r}: expected a positive int or (W, H) of '
                         'positive ints')
    return tuple(int(s) for s in size)


def simulate_world(action, seed, fps=30.0, num_frames=None, body=None):
    """World-frame motion of one performance, sampled at ``fps``.

    Returns:
        dict: ``joints (T, 17, 3)`` world metres (z up), ``contacts (T, 2)``, ``flight (T,)``,
        ``times (T,)``, ``body``, ``heading``, ``meta``, ``max_reach_error``.
    """
    # the motion has its own random stream (camera and noise use another), so a simulated
    # motion can be memoised and viewed again without changing any sample
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), ACTIONS[action]['label'], 0]))
    body = body or BodyModel.sample(rng)
    builder = ElementBuilder(action, body, rng)
    phases = builder.build()
    t_end = phases[-1].t1
    # the element's core: the flight or the spin; a fixed-length window is centred on it
    core = [p for p in phases if p.flight] or phases[-1:]
    mid = 0.5 * (core[0].t0 + core[0].t1)
    natural = int(np.floor(t_end * fps)) + 1
    n = natural if num_frames is None else int(num_frames)
    start = 0.0 if num_frames is None else mid - 0.5 * (n - 1) / fps
    times = start + np.arange(n) / fps
    # before the first / after the last phase the gymnast stands still (both phases end at rest)
    t_eval = np.clip(times, 0.0, t_end)
    joints = np.empty((n, H36M17.num_joints, 3))
    contacts = np.zeros((n, 2), dtype=bool)
    flight = np.zeros(n, dtype=bool)
    for i, ph in enumerate(phases):
        last = i == len(phases) - 1
        m = (t_eval >= ph.t0) & ((t_eval < ph.t1) | (last & (t_eval <= ph.t1)))
        if m.any():
            joints[m] = ph.positions(t_eval[m])
            contacts[m] = ph.contacts(t_eval[m])
            flight[m] = ph.flight
    # random start position and heading on the floor (a rigid motion keeps all physics)
    heading = rng.uniform(-np.pi, np.pi)
    offset = np.array([rng.uniform(-2, 2), rng.uniform(-2, 2), 0.0])
    joints = joints @ rot_z(heading).T + offset
    reach = max(getattr(p, 'max_reach_error', 0.0) for p in phases)
    return dict(joints=joints, contacts=contacts, flight=flight, times=times, body=body,
                heading=heading, meta=builder.meta, max_reach_error=reach, action=action,
                seed=int(seed), fps=float(fps), num_frames=num_frames)


def generate_clip(action, seed, num_frames=None, fps=30.0, render_size=None, image_size=256,
                  noise=None, view=None, dtype=np.float32, motion=None, camera_tilt_deg=0.0):
    """Generate one SynthGym sample.

    Args:
        action (str): A name from :func:`list_actions`.
        seed (int): Sample seed; the same (action, seed, settings) gives the same sample.
        num_frames (int, optional): Frames T ≥ 4; the window is centred on the element's core
            (padded with standing still). Default: the whole performance.
        fps (float): Frame rate; ``dt = 1 / fps``.
        render_size (int | tuple, optional): Render RGB video at this size (W = H for an int);
            the camera's pixels are then those of the video. None: skeleton only.
        image_size (int | tuple): Pixel frame of the 2D keypoints when not rendering.
        noise (dict | KeypointNoise, optional): 2D noise parameters (:class:`KeypointNoise`).
        view (str, optional): ``'side'`` / ``'diagonal'`` camera; random by default.
        dtype: Float dtype of the arrays (physics always runs in float64).
        motion (dict, optional): This clip's :func:`simulate_world` output, when the caller
            memoised it (the expensive part); camera, noise and rendering are redone.
        camera_tilt_deg (float): > 0: a tilted camera (pitch and roll up to about this many
            degrees; :func:`~.camera.broadcast_camera`); 0: a broadcast camera.

    Returns:
        dict: ``keypoints_3d (T,17,3)`` camera frame m (root trajectory included),
        ``keypoints_3d_world (T,17,3)`` (z up), ``keypoints_2d (T,17,2)`` noisy pixels (the head
        as an estimator sees it: neck = nose tip, head = mid-ear; :func:`~finephys.structures.
        estimator_head_from_h36m`),
        ``keypoint_scores (T,17)``, ``keypoints_2d_clean``, ``visibility (T,17)``,
        ``camera`` (``K (T,3,3)``, ``R``, ``t``, ``gravity`` in the camera frame), ``video``
        ``(T,H,W,3) uint8`` or None, ``label`` (gym99), ``action``, ``subset``, ``text``,
        ``description``, ``contacts (T,2)`` (left, right foot), ``flight (T,)``, ``com (T,3)``
        camera frame, ``com_world``, ``masses (17,)`` kg, ``fps``, ``noise`` record, ``meta``.
    """
    check_action(action)
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f'fps={fps!r}: expected a positive frame rate')
    if num_frames is not None and int(num_frames) < MIN_FRAMES:
        raise ValueError(f'num_frames={num_frames!r}: expected at least {MIN_FRAMES} frames')
    size = _check_size(render_size) or _check_size(image_size)
    if isinstance(noise, dict) or noise is None:
        noise = KeypointNoise(**(noise or {}))
    if motion is None:
        motion = simulate_world(action, seed, fps=fps, num_frames=num_frames)
    elif (motion['action'], motion['seed'], motion['fps'], motion['num_frames']) != (
            action, int(seed), float(fps), num_frames):
        raise ValueError('generate_clip: the given motion was simulated for '
                         f'{(motion["action"], motion["seed"], motion["fps"], motion["num_frames"])}'
                         f', not {(action, seed, fps, num_frames)}')
    sim = motion
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), ACTIONS[action]['label'], 1]))
    body = sim['body']
    world = sim['joints']
    camera = broadcast_camera(world, sim['heading'], body.stature, size, rng, view=view,
                              tilt_deg=camera_tilt_deg)
    cam = world @ camera['R'].T + camera['t']
    # the 2D has the head a pose estimator gives (nose tip, mid-ear), the 3D the head's axis
    clean = project(estimator_head_from_h36m(cam), camera['K'])
    w, h = size
    visible = ((cam[..., 2] > 0.1) & (clean[..., 0] >= 0) & (clean[..., 0] < w) &
               (clean[..., 1] >= 0) & (clean[..., 1] < h))
    noisy = noise.apply(clean, rng)
    com_world = body.com(world)
    video = None
    if render_size is not None:
        video = render_video(cam, camera['K'], size, body=body, camera=camera)
    spec = ACTIONS[action]
    f = lambda a: np.asarray(a, dtype=dtype)
    return dict(
        keypoints_3d=f(cam), keypoints_3d_world=f(world),
        keypoints_2d=f(noisy['keypoints']), keypoint_scores=f(noisy['scores']),
        keypoints_2d_clean=f(clean), visibility=visible,
        camera=dict(K=f(camera['K']), R=f(camera['R']), t=f(camera['t']),
                    gravity=f(camera['gravity']), view=camera['view'], image_size=(w, h)),
        video=video, label=spec['label'], action=action, subset=spec['subset'],
        text=action, description=describe(action),
        contacts=sim['contacts'], flight=sim['flight'],
        com=f(com_world @ camera['R'].T + camera['t']), com_world=f(com_world),
        masses=f(body.joint_masses), stature=body.stature, fps=float(fps),
        noise=dict(dropout_mask=noisy['dropout_mask'], swap_mask=noisy['swap_mask'],
                   sigma=f(noisy['sigma']), params=noise.to_dict()),
        meta=dict(sim['meta'], seed=int(seed), heading=sim['heading'],
                  max_reach_error=sim['max_reach_error'], gravity=GRAVITY),
    )
