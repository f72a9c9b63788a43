"""``ContactNet``: per-frame contact probabilities of the feet and hands from a pose sequence."""
import torch
import torch.nn as nn

from .temporal_encoder import DilatedTemporalEncoder

#: End effectors whose ground contact is predicted, in output order.
CONTACT_JOINTS = ('left_ankle', 'right_ankle', 'left_wrist', 'right_wrist')


def contact_features(q, keypoints_2d, gravity_dir, fps):
    """Scale-light features of contact: the body about its root (m), every joint's height above
    the lowest joint along −g (m), vertical root velocity along −g (m/s), and the 2D about the
    2D root with its velocity (normalised camera units ×10, ×10/s).

    Args:
        q (Tensor): ``(B, T, J, 3)`` 3D (camera frame).
        keypoints_2d (Tensor | None): ``(B, T, J, 2)`` normalised camera coordinates (None:
            the projection of ``q``).
        gravity_dir (Tensor): ``(B, 3)`` unit vector along gravity.
        fps (Tensor): ``(B,)``.

    Returns:
        Tensor: ``(B, T, F)``.
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
    return torch.cat(feats, -1)


class ContactNet(nn.Module):
    """LayerNorm, :class:`DilatedTemporalEncoder` (Phys-Net's global encoder) and a 1×1 head
    over :func:`contact_features` → contact logits of :data:`CONTACT_JOINTS`.

    Args:
        in_dim (int): Feature size.
        hidden (int): Channels.
        layers (int): Residual dilated layers.

    Shapes: ``(B, T, in_dim)`` → logits ``(B, T, 4)``.
    """

    def __init__(self, in_dim, hidden=64, layers=3):
        super().__init__()
        self.norm = nn.LayerNorm(in_dim)
        self.encoder = DilatedTemporalEncoder(in_dim, hidden, layers)
        self.out = nn.Conv1d(hidden, len(CONTACT_JOINTS), 1)

    def forward(self, features):
        h = self.encoder(self.norm(features))                     # (B, T, hidden)
        return self.out(h.transpose(1, 2)).transpose(1, 2)
