"""``ContactNet``: per-frame contact probabilities of the feet and hands from a pose sequence."""
import torch
import torch.nn as nn

from finephys.structures.constants import STANDARD_GRAVITY

from .temporal_encoder import DilatedTemporalEncoder

#: End effectors whose ground contact is predicted, in output order.
CONTACT_JOINTS = ('left_ankle', 'right_ankle', 'left_wrist', 'right_wrist')
#: The optional fifth channel: the body supported by anything but a foot or a hand (a roll's
#: back, a crawl's knees, lying down). A frame is in flight only when no channel is in contact.
BODY_SUPPORT = 'body'


def contact_features(q, keypoints_2d, gravity_dir, fps, acceleration=False, masses=None):
    """Scale-light features of contact: the body about its root (m), every joint's height above
    the lowest joint along −g (m), vertical root velocity along −g (m/s), and the 2D about the
    2D root with its velocity (normalised camera units ×10, ×10/s); with ``acceleration`` also
    the body's acceleration along −g in units of g, from the 3D (centre of mass) and from the 2D
    (mass-weighted mean keypoint, times the COM's depth, on the image-plane part of −g): in
    flight the first is −1 exactly for a true 3D, whatever the motion looks like. Measured
    (docs/benchmarks.md): it finds more of DeepMimic's vertical jump but loses Isaac Lab's
    7-frame running flights (shorter than the fit), so no config turns it on.

    Args:
        q (Tensor): ``(B, T, J, 3)`` 3D (camera frame).
        keypoints_2d (Tensor | None): ``(B, T, J, 2)`` normalised camera coordinates (None:
            the projection of ``q``).
        gravity_dir (Tensor): ``(B, 3)`` unit vector along gravity.
        fps (Tensor): ``(B,)``.
        acceleration (bool): Add the two acceleration features.
        masses (Tensor, optional): ``(J,)`` mass fractions (sum 1) for the centre of mass
            (None: equal masses).

    Returns:
        Tensor: ``(B, T, F)`` (``F = 5 J + 1``, + 2 with ``acceleration``).
    """
    b, t, j, _ = q.shape
    root = q[:, :, :1]
    up = -gravity_dir[:, None, None, :]
    height = (q * up).sum(-1)                                            # (B, T, J)
    height = height - height.amin(-1, keepdim=True)
    root_up = (root[:, :, 0] * up[:, :, 0]).sum(-1)                      # (B, T)
    vel_up = torch.gradient(root_up, dim=1)[0] * fps[:, None]
    feats = [(q - root).reshape(b, t, -1), height, vel_up[..., None] / 5.0]
    if keypoints_2d is None:         # no detections: the 3D's own projection
        keypoints_2d = q[..., :2] / q[..., 2:].clamp_min(1e-3)
    rel2d = (keypoints_2d - keypoints_2d[:, :, :1]) * 10.0
    vel2d = torch.gradient(keypoints_2d, dim=1)[0] * fps[:, None, None, None]
    feats += [rel2d.reshape(b, t, -1), vel2d.reshape(b, t, -1)]
    if acceleration:
        g = STANDARD_GRAVITY
        second = lambda x: second_derivative(x, fps, ACCELERATION_WINDOW)
        m = (q.new_full((j,), 1.0 / j) if masses is None else masses.to(q.dtype))
        com = (q * m[:, None]).sum(2)                                               # (B, T, 3)
        acc3d = second((com * up[:, :, 0]).sum(-1)) / g                            # (B, T)
        com2d = (keypoints_2d * m[:, None].to(keypoints_2d.dtype)).sum(2)          # (B, T, 2)
        acc2d = second(com2d) * com[..., 2:]                                       # (B, T, 2)
        acc2d = (acc2d * up[:, :, 0, :2]).sum(-1) / g
        feats += [acc3d.clamp(-5, 5)[..., None], acc2d.clamp(-5, 5)[..., None]]
    return torch.cat(feats, -1)


#: Frames of the quadratic fit behind the acceleration features (0.3 s at 30 fps: a lifter's
#: frame-to-frame depth noise would swamp a plain second difference).
ACCELERATION_WINDOW = 9


def second_derivative(x, fps, window=ACCELERATION_WINDOW):
    """Second time derivative by a sliding least-squares quadratic (Savitzky–Golay, edges
    padded by repetition).

    Args:
        x (Tensor): ``(B, T)`` or ``(B, T, C)``.
        fps (Tensor): ``(B,)``.
        window (int): Odd number of frames.

    Returns:
        Tensor: same shape as ``x``, per second².
    """
    half = window // 2
    k = torch.arange(-half, half + 1, dtype=x.dtype, device=x.device)
    w = k ** 2 - (k ** 2).mean()
    kernel = 2.0 * w / (w * k ** 2).sum()            # exact for a quadratic: 2 a₂
    flat = x if x.dim() == 3 else x[..., None]
    b, t, c = flat.shape
    seq = flat.permute(0, 2, 1).reshape(b * c, 1, t)
    seq = torch.cat([seq[..., :1].expand(-1, -1, half), seq,
                     seq[..., -1:].expand(-1, -1, half)], -1)
    out = torch.nn.functional.conv1d(seq, kernel.flip(0)[None, None])
    out = out.reshape(b, c, t).permute(0, 2, 1)
    out = out * (fps.to(x.dtype)[:, None, None] ** 2)
    return out if x.dim() == 3 else out[..., 0]


class ContactNet(nn.Module):
    """LayerNorm, :class:`DilatedTemporalEncoder` (Phys-Net's global encoder) and a 1×1 head
    over :func:`contact_features` → contact logits of :data:`CONTACT_JOINTS`.

    Args:
        in_dim (int): Feature size.
        hidden (int): Channels.
        layers (int): Residual dilated layers.
        body_support (bool): Add the :data:`BODY_SUPPORT` channel after the effectors.

    Shapes: ``(B, T, in_dim)`` → logits ``(B, T, 4)`` (``(B, T, 5)`` with ``body_support``).
    """

    def __init__(self, in_dim, hidden=64, layers=3, body_support=False):
        super().__init__()
        self.norm = nn.LayerNorm(in_dim)
        self.encoder = DilatedTemporalEncoder(in_dim, hidden, layers)
        self.channels = CONTACT_JOINTS + ((BODY_SUPPORT,) if body_support else ())
        self.out = nn.Conv1d(hidden, len(self.channels), 1)

    def forward(self, features):
        h = self.encoder(self.norm(features))                     # (B, T, hidden)
        return self.out(h.transpose(1, 2)).transpose(1, 2)
