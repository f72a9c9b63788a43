"""Interactive Plotly figures of a 3D skeleton sequence and its physics: the skeleton with a time
slider, the centre of mass's height with flights shaded and their fitted gravity, contacts,
bone-length stability. Also the numbers behind them (:func:`fit_flight_gravity`,
:func:`bone_length_cv`), so the page and the tests read the same values."""
from typing import Optional, Sequence

import numpy as np

from finephys.structures import H36M17
from finephys.structures.anthropometry import joint_mass_fractions
from finephys.structures.constants import LEVEL_UP
from finephys.utils.sequences import flight_segments
from finephys.visualization.com_height import com_height

#: Contact channels of the structured solver's ``contact_prob (T, C)`` (the fifth, when there,
#: is the body supported by anything but a foot or a hand).
CONTACT_NAMES = ('left foot', 'right foot', 'left hand', 'right hand', 'body (back, knees, ...)')
_BONES = [(p, j) for j, p in enumerate(H36M17.parents) if p >= 0]
_BONE_NAMES = [f'{H36M17.joint_names[p]}–{H36M17.joint_names[j]}' for p, j in _BONES]


def com_heights(keypoints_3d, up=LEVEL_UP) -> np.ndarray:
    """Height ``(T,)`` metres of the centre of mass (H36M-17 segment masses) along ``up``."""
    return com_height(keypoints_3d, joint_mass_fractions(), np.asarray(up, np.float64))


def fit_flight_gravity(height, fps, flight, min_frames: int = 5):
    """Fit a parabola ``h(t) = c0 + c1 t - g t² / 2`` to the COM height of every flight.

    Args:
        height: ``(T,)`` metres.
        fps (float): Frame rate.
        flight: ``(T,)`` bool.
        min_frames (int): Shortest flight fitted (three points define any parabola; a few more
            make ``g`` a measurement).

    Returns:
        list[dict]: per flight ``start``, ``stop`` (frames, stop exclusive), ``g`` (m/s²,
        positive downwards) and ``curve`` ``(stop - start,)`` the fitted heights.
    """
    height = np.asarray(height, np.float64)
    fits = []
    for a, b in flight_segments(np.asarray(flight, bool), min_frames):
        t = np.arange(a, b) / float(fps)
        coef = np.polyfit(t, height[a:b], 2)
        fits.append(dict(start=a, stop=b, g=float(-2.0 * coef[0]), curve=np.polyval(coef, t)))
    return fits


def bone_length_cv(keypoints_3d) -> np.ndarray:
    """Coefficient of variation (std / mean, %) of each H36M-17 bone's length over time,
    ``(16,)``: 0 for a rigid skeleton."""
    x = np.asarray(keypoints_3d, np.float64)
    lengths = np.linalg.norm(x[:, [j for _, j in _BONES]] - x[:, [p for p, _ in _BONES]], axis=-1)
    return 100.0 * lengths.std(0) / np.maximum(lengths.mean(0), 1e-9)


def _shade(fig, mask, fps, color, name):
    """Shade the runs of ``mask`` as vertical bands (one legend entry)."""
    for i, (a, b) in enumerate(flight_segments(np.asarray(mask, bool))):
        fig.add_vrect(x0=a / fps, x1=b / fps, fillcolor=color, opacity=0.25, line_width=0,
                      layer='below', name=name, showlegend=i == 0)


def skeleton_3d_figure(keypoints_3d, fps: float, filled: Optional[Sequence[bool]] = None,
                       title: str = 'fused 3D', max_frames: int = 300):
    """The skeleton in 3D with a time slider.

    Each slider step restyles the one skeleton trace with its frame's bones (``method=
    'restyle'``), so the figure works wherever Plotly draws only ``data`` and ``layout``
    (Gradio's ``gr.Plot`` drops animation frames).

    Args:
        keypoints_3d: ``(T, 17, 3)`` camera-frame metres (y down; drawn with up = −y).
        fps (float): Frame rate (the slider's labels, in seconds).
        filled: ``(T,)`` frames that were filled (the person lost): drawn red.
        title (str): Figure title.
        max_frames (int): Longer sequences get a step every ``ceil(T / max_frames)``-th frame
            (the page stays responsive); each step's label says its time.

    Returns:
        plotly.graph_objects.Figure: ``layout.sliders[0].steps`` holds one step per shown
        frame.
    """
    import plotly.graph_objects as go
    x = np.asarray(keypoints_3d, np.float64)
    t = len(x)
    filled = np.zeros(t, bool) if filled is None else np.asarray(filled, bool)
    step = int(np.ceil(t / max_frames))
    shown = list(range(0, t, step))
    # plot axes: x right, depth away from the camera, up
    pts = np.stack([x[..., 0], x[..., 2], -x[..., 1]], -1)
    finite = pts[np.isfinite(pts).all(-1)]
    lo, hi = finite.min(0), finite.max(0)
    half = (hi - lo).max() / 2 + 0.1
    mid = (lo + hi) / 2

    def bones(i):
        segs = np.full((len(_BONES) * 3, 3), np.nan)
        segs[0::3] = pts[i, [p for p, _ in _BONES]]
        segs[1::3] = pts[i, [j for _, j in _BONES]]
        # JSON has no NaN: None breaks the line between bones
        return [[None if not np.isfinite(v) else round(float(v), 4) for v in segs[:, k]]
                for k in range(3)]

    def color(i):
        return '#d62728' if filled[i] else '#1f77b4'

    first = bones(shown[0])
    fig = go.Figure(data=[go.Scatter3d(
        x=first[0], y=first[1], z=first[2], mode='lines+markers', connectgaps=False,
        line=dict(color=color(shown[0]), width=6), marker=dict(size=3, color=color(shown[0])),
        hoverinfo='skip')])
    steps = []
    for i in shown:
        b = bones(i)
        steps.append(dict(method='restyle', label=f'{i / fps:.2f}s' + (' filled' if filled[i]
                                                                        else ''),
                          args=[{'x': [b[0]], 'y': [b[1]], 'z': [b[2]],
                                 'line.color': color(i), 'marker.color': color(i)}, [0]]))
    axis = [dict(range=[mid[k] - half, mid[k] + half], autorange=False) for k in range(3)]
    fig.update_layout(
        title=title, height=560, margin=dict(l=0, r=0, t=40, b=0), showlegend=False,
        scene=dict(xaxis=dict(title='x (m)', **axis[0]), yaxis=dict(title='depth (m)', **axis[1]),
                   zaxis=dict(title='up (m)', **axis[2]), aspectmode='cube',
                   camera=dict(eye=dict(x=0.2, y=-1.9, z=0.5))),
        sliders=[dict(active=0, steps=steps,
                      currentvalue=dict(prefix='time ', font=dict(color='#333')),
                      pad=dict(t=5), len=1.0, ticklen=2,
                      # one tick per frame: labels only in the current-value box
                      font=dict(color='rgba(0,0,0,0)'))])
    return fig


def com_height_figure(sequences: dict, fps: float, flight=None, filled=None, up=LEVEL_UP,
                      reference: Optional[str] = None, true_g: Optional[float] = None):
    """COM height over time of one or more sequences, flights shaded, a parabola fitted to
    every flight of ``reference`` (its ``g`` in the legend).

    Args:
        sequences (dict): ``name -> (T, 17, 3)`` metres.
        fps (float): Frame rate.
        flight: ``(T,)`` bool, shaded and fitted.
        filled: ``(T,)`` bool, frames that were filled (shaded red).
        up: ``(3,)`` unit vector opposite to gravity.
        reference (str, optional): The sequence whose flights are fitted (default the first).
        true_g (float, optional): The true gravity, when known (in the title).

    Returns:
        tuple: ``(figure, fits)`` — ``fits`` as :func:`fit_flight_gravity` gives them.
    """
    import plotly.graph_objects as go
    names = list(sequences)
    reference = reference or names[0]
    t = len(sequences[names[0]])
    time = np.arange(t) / fps
    heights = {k: com_heights(v, up) for k, v in sequences.items()}
    base = np.nanmin(heights[reference])
    fig = go.Figure()
    for k in names:
        fig.add_trace(go.Scatter(x=time, y=heights[k] - base, name=k, mode='lines'))
    fits = []
    if flight is not None:
        fits = fit_flight_gravity(heights[reference], fps, flight)
        _shade(fig, flight, fps, '#999999', 'flight')
        for i, f in enumerate(fits):
            fig.add_trace(go.Scatter(x=time[f['start']:f['stop']], y=f['curve'] - base,
                                     mode='lines', line=dict(dash='dot', color='black'),
                                     name=f'parabola fit: g = {f["g"]:.2f} m/s²'))
    if filled is not None and np.any(filled):
        _shade(fig, filled, fps, '#d62728', 'filled frames')
    g_text = ', '.join(f'{f["g"]:.2f}' for f in fits) or 'no flight ≥ 5 frames'
    title = f'COM height — fitted g per flight of {reference}: {g_text} m/s²'
    if true_g is not None:
        title += f' (true {true_g:.2f})'
    fig.update_layout(title=dict(text=title, font=dict(size=13)), height=340,
                      xaxis_title='time (s)', yaxis_title='COM height along −g (m)',
                      margin=dict(l=50, r=10, t=50, b=40))
    return fig, fits


def contacts_figure(contact_prob, fps: float, flight=None, threshold: float = 0.5,
                    filled=None):
    """Contact probability of each foot and hand (and the body) over time (threshold dashed,
    flights shaded).

    Args:
        contact_prob: ``(T, C)`` in [0, 1] (:data:`CONTACT_NAMES` order).
        fps (float): Frame rate.
        flight: ``(T,)`` bool.
        threshold (float): The solver's contact threshold.
        filled: ``(T,)`` bool frames that were filled.
    """
    import plotly.graph_objects as go
    p = np.asarray(contact_prob, np.float64)
    time = np.arange(len(p)) / fps
    fig = go.Figure()
    for c in range(p.shape[1]):
        name = CONTACT_NAMES[c] if c < len(CONTACT_NAMES) else f'contact {c}'
        fig.add_trace(go.Scatter(x=time, y=p[:, c], name=name, mode='lines'))
    fig.add_hline(y=threshold, line_dash='dash', line_color='gray')
    if flight is not None:
        _shade(fig, flight, fps, '#999999', 'flight')
    if filled is not None and np.any(filled):
        _shade(fig, filled, fps, '#d62728', 'filled frames')
    fig.update_layout(title=dict(text='Contacts (probability)', font=dict(size=13)), height=300,
                      xaxis_title='time (s)', yaxis=dict(title='p(contact)', range=[-0.02, 1.02]),
                      margin=dict(l=50, r=10, t=40, b=40))
    return fig


def bone_stability_figure(sequences: dict):
    """Per-bone length variation (CV %, :func:`bone_length_cv`) of each sequence, grouped bars."""
    import plotly.graph_objects as go
    fig = go.Figure()
    for name, x in sequences.items():
        cv = bone_length_cv(x)
        fig.add_trace(go.Bar(x=_BONE_NAMES, y=cv, name=f'{name} (mean {cv.mean():.1f} %)'))
    fig.update_layout(title=dict(text='Bone-length stability (CV over time; 0 = rigid)',
                                 font=dict(size=13)), barmode='group', height=320,
                      yaxis_title='CV (%)', margin=dict(l=50, r=10, t=40, b=90))
    return fig
