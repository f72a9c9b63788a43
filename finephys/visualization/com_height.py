"""A plot of centre-of-mass height over time, flight shaded: how ballistic a motion is, at a
glance."""
import os
import os.path as osp

import numpy as np


def com_height(keypoints_3d, masses, up):
    """Height of the centre of mass along ``up``.

    Args:
        keypoints_3d: ``(T, J, 3)`` metres.
        masses: ``(J,)`` (any scale).
        up: ``(3,)`` unit vector (``-g / |g|``).

    Returns:
        np.ndarray: ``(T,)`` metres.
    """
    w = np.asarray(masses, np.float64)
    w = w / w.sum()
    return np.einsum('j,tjc,c->t', w, np.asarray(keypoints_3d, np.float64), up)


def plot_com_height(curves, fps, flight, path, title='', masses=None, up=(0.0, -1.0, 0.0)):
    """Save a PNG of the COM height of several sequences of one clip.

    Args:
        curves (list): ``(label, keypoints_3d (T, J, 3), matplotlib style)``; the first is the
            reference whose lowest point is height 0.
        fps (float): Frame rate (x axis in seconds).
        flight: ``(T,)`` bool, shaded.
        path (str): PNG file (folders created).
        title (str): Plot title.
        masses: ``(J,)`` (default: equal).
        up: ``(3,)`` unit vector opposite to gravity.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    masses = np.ones(curves[0][1].shape[1]) if masses is None else masses
    t = np.arange(len(curves[0][1])) / fps
    fig, ax = plt.subplots(figsize=(7, 3.6))
    base = com_height(curves[0][1], masses, up).min()
    for label, x, style in curves:
        ax.plot(t, com_height(x, masses, up) - base, style, label=label, lw=1.6)
    ax.fill_between(t, 0, 1, where=np.asarray(flight, bool), transform=ax.get_xaxis_transform(),
                    color='0.9', label='flight (label)')
    ax.set_xlabel('time (s)')
    ax.set_ylabel('COM height along −g (m)')
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc='best')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
