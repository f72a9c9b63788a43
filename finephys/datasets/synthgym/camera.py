"""Perspective pinhole cameras placed like FineGym broadcast views.

Camera frame: x right, y down, z forward (OpenCV). ``X_cam = R X_world + t`` and
``u = K X_cam / Z``. The camera body never moves during a clip, so physics seen in the camera frame
is the world's physics rotated (gravity is the constant vector ``R (0, 0, -g)``). Broadcast-style
following is a *crop pan*: the principal point slides to keep the gymnast framed, so ``K`` varies
per frame while ``R, t`` are fixed.
"""
import numpy as np

from .body import GRAVITY


def look_at(position, target, up=(0.0, 0.0, 1.0)):
    """World→camera rotation and translation of a camera at ``position`` looking at ``target``.

    Returns:
        tuple: ``R (3, 3)``, ``t (3,)``.
    """
    position, target, up = (np.asarray(a, float) for a in (position, target, up))
    z = target - position
    z /= np.linalg.norm(z)
    x = np.cross(z, up)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    rot = np.stack([x, y, z])
    return rot, -rot @ position


def project(points_cam, intrinsics):
    """Pinhole projection.

    Args:
        points_cam: ``(..., T, J, 3)`` camera-frame points (Z > 0).
        intrinsics: ``(3, 3)`` or ``(T, 3, 3)`` K matrices.

    Returns:
        np.ndarray: ``(..., T, J, 2)`` pixels.
    """
    k = np.asarray(intrinsics, float)
    if k.ndim == 2:
        k = k[None]
    z = points_cam[..., 2:3]
    xy = points_cam[..., :2] / z
    fx, fy = k[:, 0, 0][:, None, None], k[:, 1, 1][:, None, None]
    cx, cy = k[:, 0, 2][:, None, None], k[:, 1, 2][:, None, None]
    return np.concatenate([fx * xy[..., :1] + cx, fy * xy[..., 1:] + cy], -1)


def broadcast_camera(world, heading, stature, image_size, rng, view=None, tilt_deg=0.0):
    """Place a broadcast-like camera for a performance.

    Args:
        world: ``(T, 17, 3)`` world joints (z up).
        heading (float): Element direction (radians about z).
        stature (float): Gymnast's height, m.
        image_size (tuple): ``(W, H)`` pixels.
        rng (np.random.Generator): Randomness for placement.
        view (str, optional): ``'side'`` or ``'diagonal'``; random when None.
        tilt_deg (float): 0: a broadcast camera (1–2.5 m high, looking at the gymnast's hips:
            pitched down by at most ~9°, never rolled). > 0: a tilted camera — raised or lowered
            so that it looks down by ``U(-0.25, 1) × tilt_deg`` degrees, and rolled about its
            optical axis by ``U(-1, 1) × tilt_deg`` (a balcony's or a handheld camera). The
            extra draws come after the broadcast ones, so ``tilt_deg=0`` keeps every earlier
            clip as it was.

    Returns:
        dict: ``K (T, 3, 3)``, ``R (3, 3)``, ``t (3,)``, ``position (3,)``, ``view``.
    """
    w, h = image_size
    view = view or ('side' if rng.random() < 0.6 else 'diagonal')
    base = np.pi / 2 if view == 'side' else np.pi / 4
    azimuth = heading + rng.choice([-1, 1]) * base + rng.choice([0, np.pi]) * (view == 'diagonal')
    azimuth += rng.uniform(-0.15, 0.15)
    distance = rng.uniform(9.0, 14.0)
    height = rng.uniform(1.0, 2.5)
    pelvis = world[:, 0]
    centre = 0.5 * (pelvis.min(0) + pelvis.max(0))
    target = np.array([centre[0], centre[1], 0.9])
    position = target + distance * np.array([np.cos(azimuth), np.sin(azimuth), 0.0])
    position[2] = height
    roll = 0.0
    if tilt_deg > 0:
        pitch = np.radians(rng.uniform(-0.25, 1.0) * tilt_deg)
        roll = np.radians(rng.uniform(-1.0, 1.0) * tilt_deg)
        position[2] = max(target[2] + distance * np.tan(pitch), 0.3)
    rot, trans = look_at(position, target)
    if roll:
        cr, sr = np.cos(roll), np.sin(roll)
        rot = np.array([[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]]) @ rot
        trans = -rot @ position
    cam = world @ rot.T + trans
    # focal length: gymnast ~50-65% of the frame height; the travel across the view must fit
    # once the crop pan has followed part of it
    f_size = rng.uniform(0.5, 0.65) * h * distance / stature
    lateral = cam[..., 0] / cam[..., 2]
    vertical = cam[..., 1] / cam[..., 2]
    spread_x = lateral.max() - lateral.min()
    spread_y = vertical.max() - vertical.min()
    follow = rng.uniform(0.75, 0.95)
    f_fit = min(0.85 * w / max(spread_x * (1 - follow) + stature / distance, 1e-6),
                0.9 * h / max(spread_y, 1e-6))
    focal = min(f_size, f_fit)
    # crop pan: shift the principal point against the pelvis' image motion (smoothed)
    px = lateral[:, 0]
    py = vertical[:, 0]
    kernel = np.hanning(9)
    kernel /= kernel.sum()
    pad = len(kernel) // 2
    px_s = np.convolve(np.pad(px, pad, mode='edge'), kernel, mode='valid')
    py_s = np.convolve(np.pad(py, pad, mode='edge'), kernel, mode='valid')
    cx = w / 2 - focal * follow * (px_s - px_s.mean()) - focal * px_s.mean()
    cy = h / 2 - focal * 0.5 * follow * (py_s - py_s.mean()) - focal * vertical.mean()
    k = np.zeros((len(world), 3, 3))
    k[:, 0, 0] = k[:, 1, 1] = focal
    k[:, 0, 2], k[:, 1, 2], k[:, 2, 2] = cx, cy, 1.0
    return dict(K=k, R=rot, t=trans, position=position, view=view,
                gravity=rot @ np.array([0.0, 0.0, -GRAVITY]))
