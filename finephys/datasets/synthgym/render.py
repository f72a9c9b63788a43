"""Anti-aliased RGB rendering of a 3D skeleton as a shaded body on a gym floor.

The renderer draws any camera-frame 3D sequence (SynthGym's own, a lifted one, a generated one),
so videos can be compared under one look. Limbs are capsules (a cylinder with round caps) of
per-segment radius, projected with the clip's pinhole camera; each capsule is shaded like a
cylinder lit from the camera side (brightness falls with distance from its axis), coverage gives
1-pixel anti-aliased edges, and capsules are composited far to near (painter's algorithm on mean
depth). The floor (z = 0 in the world) is ray-traced per pixel with a mat and line pattern.
"""
import numpy as np

from finephys.structures import H36M17
from finephys.visualization.skeleton import draw_skeleton

J = H36M17.index

# (joint a, joint b, radius as a fraction of stature, colour RGB)
_SKIN = (224, 172, 140)
_LEFT = (38, 98, 196)     # leotard, left side lighter than right so a flip is visible
_RIGHT = (24, 64, 150)
_TRUNK = (30, 80, 175)
LIMBS = [
    ('pelvis', 'spine', 0.075, _TRUNK), ('spine', 'thorax', 0.08, _TRUNK),
    ('left_hip', 'right_hip', 0.06, _TRUNK), ('left_shoulder', 'right_shoulder', 0.045, _TRUNK),
    ('thorax', 'neck', 0.03, _SKIN), ('neck', 'head', 0.058, _SKIN),
    ('left_hip', 'left_knee', 0.045, _LEFT), ('left_knee', 'left_ankle', 0.032, _LEFT),
    ('right_hip', 'right_knee', 0.045, _RIGHT), ('right_knee', 'right_ankle', 0.032, _RIGHT),
    ('left_shoulder', 'left_elbow', 0.026, _SKIN), ('left_elbow', 'left_wrist', 0.022, _SKIN),
    ('right_shoulder', 'right_elbow', 0.026, _SKIN), ('right_elbow', 'right_wrist', 0.022, _SKIN),
]
_SKY_TOP = np.array([22, 26, 40], float)
_SKY_BOTTOM = np.array([70, 78, 100], float)
_FLOOR = np.array([52, 92, 160], float)    # blue competition carpet
_LINE = np.array([235, 235, 235], float)


def _floor_and_background(K, R, t, size):
    """Per-pixel background: floor plane z = 0 ray-traced, sky/arena gradient above."""
    w, h = size
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    rays_cam = np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones_like(u)], -1)
    rays = rays_cam @ R          # camera → world directions (R is world→camera)
    origin = -R.T @ t
    grad = (v / h)[..., None]
    img = _SKY_TOP * (1 - grad) + _SKY_BOTTOM * grad
    down = rays[..., 2] < -1e-9
    lam = np.where(down, -origin[2] / np.where(down, rays[..., 2], -1.0), 0.0)
    hit = origin[:2] + lam[..., None] * rays[..., :2]
    # carpet seams every 4 m, 4 cm wide, coverage-blended (anti-aliased at any distance)
    pix = np.maximum(lam / K[0, 0], 1e-4)       # metres per pixel on the floor
    off = np.abs(hit / 4.0 - np.round(hit / 4.0)) * 4.0
    line = np.clip((0.02 + 0.5 * pix - np.min(off, -1)) / pix, 0, 1) * np.clip(0.02 / pix, 0, 1)
    line = line * 0.5
    fade = np.exp(-lam / 60.0)[..., None]
    floor = _FLOOR * (0.75 + 0.25 * fade) * (1 - line[..., None]) + _LINE * line[..., None]
    return np.where(down[..., None], floor, img)


def _capsule(limb, uv, z, K, stature, w, h):
    """Pixel coverage of one limb capsule: ``((y0, y1, x0, x1), cover, dist, radius)`` over its
    clipped bounding box (coverage in [0, 1] gives 1-pixel anti-aliased edges), or None when
    the limb is behind the camera or off-frame."""
    a_name, b_name, radius_frac, _ = limb
    a, b = J(a_name), J(b_name)
    if min(z[a], z[b]) <= 0.05:
        return None
    r = radius_frac * stature * K[0, 0] / (0.5 * (z[a] + z[b]))
    pa, pb = uv[a], uv[b]
    lo = np.floor(np.minimum(pa, pb) - r - 1).astype(int)
    hi = np.ceil(np.maximum(pa, pb) + r + 1).astype(int)
    x0, y0 = max(lo[0], 0), max(lo[1], 0)
    x1, y1 = min(hi[0], w), min(hi[1], h)
    if x0 >= x1 or y0 >= y1:
        return None
    xs, ys = np.meshgrid(np.arange(x0, x1) + 0.5, np.arange(y0, y1) + 0.5)
    p = np.stack([xs, ys], -1)
    ab = pb - pa
    s = np.clip(((p - pa) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    d = np.linalg.norm(p - (pa + s[..., None] * ab), axis=-1)
    return (y0, y1, x0, x1), np.clip(r + 0.5 - d, 0.0, 1.0), d, r


def _project(joints_cam, K):
    z = joints_cam[:, 2]
    uv = joints_cam[:, :2] / np.maximum(z, 1e-3)[:, None] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    return uv, z


def render_silhouette(joints_cam, K, size, stature=1.6):
    """The body's pixel coverage as :func:`render_video` draws it (same capsules), no shading.

    Args:
        joints_cam: ``(T, 17, 3)`` camera-frame joints, metres.
        K: ``(3, 3)`` or ``(T, 3, 3)`` intrinsics.
        size: ``(W, H)`` or int.
        stature (float): Sets limb thickness (as in rendering).

    Returns:
        np.ndarray: ``(T, H, W)`` float32 coverage in [0, 1] (union of the limb capsules).
    """
    w, h = (size, size) if np.isscalar(size) else tuple(size)
    joints_cam = np.asarray(joints_cam, float)
    K = np.asarray(K, float)
    K = np.broadcast_to(K, (len(joints_cam), 3, 3)) if K.ndim == 2 else K
    out = np.zeros((len(joints_cam), h, w), np.float32)
    for i, (joints, k) in enumerate(zip(joints_cam, K)):
        uv, z = _project(joints, k)
        for limb in LIMBS:
            capsule = _capsule(limb, uv, z, k, stature, w, h)
            if capsule is not None:
                (y0, y1, x0, x1), cover, _, _ = capsule
                out[i, y0:y1, x0:x1] = np.maximum(out[i, y0:y1, x0:x1], cover)
    return out


def render_background(K, R, t, size):
    """The empty arena (floor + backdrop) the camera sees: ``(H, W, 3)`` uint8."""
    size = (size, size) if np.isscalar(size) else tuple(size)
    return np.clip(_floor_and_background(np.asarray(K, float), np.asarray(R, float),
                                         np.asarray(t, float), size) + 0.5, 0, 255).astype(np.uint8)


def render_frame(joints_cam, K, R, t, size, stature, background=None):
    """Render one frame.

    Args:
        joints_cam: ``(17, 3)`` camera-frame joints, metres.
        K: ``(3, 3)`` intrinsics; R, t: world→camera extrinsics (for the floor).
        size: ``(W, H)``.
        stature (float): Sets limb thickness.
        background: Optional precomputed ``(H, W, 3)`` float background.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8.
    """
    w, h = size
    img = (_floor_and_background(K, R, t, size) if background is None else background).copy()
    uv, z = _project(joints_cam, K)
    order = sorted(range(len(LIMBS)),
                   key=lambda i: -(z[J(LIMBS[i][0])] + z[J(LIMBS[i][1])]))
    for i in order:
        capsule = _capsule(LIMBS[i], uv, z, K, stature, w, h)
        if capsule is None:
            continue
        (y0, y1, x0, x1), cover, d, r = capsule
        shade = 0.45 + 0.55 * np.sqrt(np.clip(1.0 - (d / max(r, 1e-6)) ** 2, 0.0, 1.0))
        colour_px = np.asarray(LIMBS[i][3], float) * shade[..., None]
        patch = img[y0:y1, x0:x1]
        img[y0:y1, x0:x1] = patch * (1 - cover[..., None]) + colour_px * cover[..., None]
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def render_video(joints_cam, K, size, body=None, camera=None, stature=None, overlay=None):
    """Render a sequence.

    Args:
        joints_cam: ``(T, 17, 3)`` camera-frame joints.
        K: ``(3, 3)`` or ``(T, 3, 3)`` intrinsics.
        size: ``(W, H)`` or int.
        body / stature: Limb thickness from ``body.stature`` or ``stature`` (default 1.6 m).
        camera (dict, optional): With ``R``, ``t`` for the floor; without it the camera is taken
            as level at 1.5 m height looking horizontally (the floor is still drawn).
        overlay (np.ndarray, optional): ``(T, 17, 2)`` 2D keypoints to draw as a skeleton.

    Returns:
        np.ndarray: ``(T, H, W, 3)`` uint8.
    """
    size = (size, size) if np.isscalar(size) else tuple(size)
    if any(int(s) <= 0 for s in size):
        raise ValueError(f'render size {size}: expected positive width and height')
    stature = body.stature if body is not None else (stature or 1.6)
    T = len(joints_cam)
    K = np.asarray(K, float)
    K = np.broadcast_to(K, (T, 3, 3)) if K.ndim == 2 else K
    if camera is None:
        R = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])  # world z up → camera y down
        tr = -R @ np.array([0.0, -8.0, 1.5])
    else:
        R, tr = np.asarray(camera['R'], float), np.asarray(camera['t'], float)
    frames = np.empty((T, size[1], size[0], 3), np.uint8)
    bg_cache = {}
    for i in range(T):
        key = tuple(np.round(K[i].ravel(), 3))
        if key not in bg_cache:
            bg_cache = {key: _floor_and_background(K[i], R, tr, size)}
        frames[i] = render_frame(joints_cam[i], K[i], R, tr, size, stature, bg_cache[key])
        if overlay is not None:
            frames[i] = draw_skeleton(frames[i], overlay[i])
    return frames
