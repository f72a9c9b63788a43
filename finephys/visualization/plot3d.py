"""3D skeleton plots (matplotlib, headless)."""
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from finephys.structures import H36M17  # noqa: E402

from .video import write_video  # noqa: E402


def _draw(ax, joints, spec, alpha=1.0, colour=None):
    for parent, child in spec.bones:
        name = spec.joint_names[child]
        c = colour or ('tab:orange' if name.startswith('left') else
                       'tab:blue' if name.startswith('right') else 'k')
        seg = joints[[parent, child]]
        ax.plot(seg[:, 0], seg[:, 1], seg[:, 2], color=c, lw=2, alpha=alpha)


def plot_sequence_3d(world_joints, path, spec=H36M17, num_poses=8, title=None, com=None):
    """Save a 3D plot of a world-frame sequence (z up): ``num_poses`` evenly spaced poses and
    the pelvis/COM path.

    Args:
        world_joints: ``(T, J, 3)`` metres.
        path (str): Output image (png/jpg).
        com: ``(T, 3)`` optional centre-of-mass path.
    """
    fig = plt.figure(figsize=(6, 5))
    ax = fig.add_subplot(projection='3d')
    t = len(world_joints)
    for k, i in enumerate(np.linspace(0, t - 1, num_poses).round().astype(int)):
        _draw(ax, world_joints[i], spec, alpha=0.3 + 0.7 * k / max(num_poses - 1, 1))
    root = world_joints[:, 0]
    ax.plot(root[:, 0], root[:, 1], root[:, 2], 'g--', lw=1, label='pelvis')
    if com is not None:
        ax.plot(com[:, 0], com[:, 1], com[:, 2], 'r-', lw=1.5, label='centre of mass')
    lo, hi = world_joints.reshape(-1, 3).min(0), world_joints.reshape(-1, 3).max(0)
    mid, half = (lo + hi) / 2, (hi - lo).max() / 2 + 0.1
    ax.set_xlim(mid[0] - half, mid[0] + half)
    ax.set_ylim(mid[1] - half, mid[1] + half)
    ax.set_zlim(0, 2 * half)
    ax.set_xlabel('x (m)')
    ax.set_ylabel('y (m)')
    ax.set_zlabel('z (m)')
    ax.legend(loc='upper left', fontsize=7)
    if title:
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def animate_sequence_3d(joints_cam, path, spec=H36M17, fps=30.0, size=4.0):
    """Animated 3D plot (gif/mp4) of a camera-frame sequence ``(T, J, 3)`` (drawn with y up)."""
    pts = np.stack([joints_cam[..., 0], joints_cam[..., 2], -joints_cam[..., 1]], -1)
    lo, hi = pts.reshape(-1, 3).min(0), pts.reshape(-1, 3).max(0)
    mid, half = (lo + hi) / 2, (hi - lo).max() / 2 + 0.1
    frames = []
    fig = plt.figure(figsize=(size, size))
    ax = fig.add_subplot(projection='3d')
    for t in range(len(pts)):
        ax.cla()
        _draw(ax, pts[t], spec)
        ax.set_xlim(mid[0] - half, mid[0] + half)
        ax.set_ylim(mid[1] - half, mid[1] + half)
        ax.set_zlim(mid[2] - half, mid[2] + half)
        ax.set_xlabel('x (m)')
        ax.set_ylabel('depth (m)')
        ax.set_zlabel('up (m)')
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    return write_video(path, np.stack(frames), fps=fps)
