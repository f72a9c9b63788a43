"""Composed test scenes: rendered SynthGym bodies on one background, for trackers.

Real acrobatic footage with people walking through cannot ship with the project; these scenes
have what a tracker must survive — inversion, tucks, sideways frames, another person crossing
in front — and the exact 2D of every body.
"""
import numpy as np

from .generate import generate_clip
from .render import render_silhouette


def compose_two_person_video(num_frames=36, size=(448, 256), invert=(24, 34), action='stag jump',
                             seed=3, walker=True):
    """A video of two rendered SynthGym bodies: the gymnast A (blue leotard, centred; ``action``,
    by default a stag jump shown rotated by 180° — inverted — in frames ``invert``) and B (red
    leotard, a turn) who walks through the frame from left to right, in front of A, crossing it
    mid-clip (``walker=False``: A alone).

    Returns:
        tuple: ``video (T, H, W, 3)`` uint8 RGB, A's and B's 2D keypoints ``(T, 17, 2)``
        (H36M-17, pixels of the composed frames).
    """
    w, h = size
    a = generate_clip(action, seed, num_frames=num_frames, render_size=256, view='side')
    b = generate_clip('1 turn on one leg, free leg optional below horizontal', 5,
                      num_frames=num_frames, render_size=256, view='side')
    yy, xx = np.mgrid[0:h, 0:w]
    bg = np.stack([90 + 0 * xx, 110 + 20 * yy / h, 120 + 0 * xx], -1)
    mask_a, mask_b = (render_silhouette(c['keypoints_3d'], c['camera']['K'], 256, c['stature'])
                      for c in (a, b))
    xa = (w - 256) // 2
    video = np.empty((num_frames, h, w, 3), np.uint8)
    gt_a, gt_b = np.zeros((num_frames, 17, 2)), np.zeros((num_frames, 17, 2))
    for i in range(num_frames):
        f = bg.astype(float)
        va, ma, ka = a['video'][i].astype(float), mask_a[i][..., None], a['keypoints_2d_clean'][i]
        if invert[0] <= i < invert[1]:     # 180° rotation of the patch: (u, v) → (256 − u, 256 − v)
            va, ma, ka = va[::-1, ::-1], ma[::-1, ::-1], 256.0 - ka
        f[:, xa:xa + 256] = f[:, xa:xa + 256] * (1 - ma) + va * ma
        gt_a[i] = ka + [xa, 0]
        xb = int(round(-256 + (w + 256) * i / (num_frames - 1)))
        vb, mb = b['video'][i][..., ::-1].astype(float), mask_b[i][..., None]   # red leotard
        x0, x1 = max(xb, 0), min(xb + 256, w)
        if walker and x1 > x0:
            sl = slice(x0 - xb, x1 - xb)
            f[:, x0:x1] = f[:, x0:x1] * (1 - mb[:, sl]) + vb[:, sl] * mb[:, sl]
        gt_b[i] = b['keypoints_2d_clean'][i] + [xb, 0]
        video[i] = np.clip(f + 0.5, 0, 255).astype(np.uint8)
    return video, gt_a, gt_b
