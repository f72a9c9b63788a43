"""Physics over inputs longer than one window: are flights still exactly ballistic?

A long input is made of whole SynthGym performances of the **test** split (noisy 2D, each
performance seen by its own broadcast camera, per-frame K), one after another, cut to a length.
It is lifted by a :class:`~finephys.models.skeleton_pipeline.SkeletonPipeline` twice — the
physics solved once over the sequence, and window by window (blended) — and scored by the
largest ``|c̈ − g|`` of the centre of mass over every frame triple the model calls flight, for
``S_pp`` and the fused ``S``, and by how many of those flights cross a window boundary.
"""
import time

import numpy as np
import torch

from finephys.datasets.synthgym import generate_clip
from finephys.datasets.synthgym_dataset import sample_seed
# what a solver without the sample's gravity assumes (a level camera, y down): the g of c̈ = g
from finephys.structures.constants import LEVEL_GRAVITY


#: Elements with a flight, from which long inputs are composed.
FLIGHT_ACTIONS = ('stag jump', 'split jump (leg separation 180 degree parallel to the floor)',
                  'salto forward tucked', 'salto backward stretched with 1.5 twist',
                  'double salto backward tucked', 'switch leap with 0.5 turn')


def compose_long_input(length, seed=0):
    """Whole test-split performances of :data:`FLIGHT_ACTIONS`, one after another, cut to
    ``length`` frames at 30 fps.

    Returns:
        dict: ``keypoints_2d (T, 17, 2)`` pixels, ``scores (T, 17)``, ``K (T, 3, 3)``,
        ``fps``, ``flight (T,)`` the true flight frames, ``clips`` (action names).
    """
    parts, clips, i = [], [], 0
    while sum(len(p['keypoints_2d']) for p in parts) < length:
        action = FLIGHT_ACTIONS[i % len(FLIGHT_ACTIONS)]
        parts.append(generate_clip(action, sample_seed(seed, 'test', i), dtype=np.float64))
        clips.append(action)
        i += 1
    cat = lambda f: np.concatenate([f(p) for p in parts])[:length]     # noqa: E731
    return dict(keypoints_2d=cat(lambda p: p['keypoints_2d']),
                scores=cat(lambda p: p['keypoint_scores']),
                K=cat(lambda p: p['camera']['K']), fps=30.0,
                flight=cat(lambda p: p['flight']), clips=clips)


def ballistic_errors(result, masses, gravity=LEVEL_GRAVITY, window=32):
    """Largest ``|c̈ − g|`` (m/s²) of the COM of ``s_pp`` and ``fused`` over the frame triples
    that ``result['flight']`` calls flight.

    Args:
        result (dict): :meth:`SkeletonPipeline.lift`'s output (``s_pp``, ``fused``, ``flight``,
            ``(T, 17, 3)``/``(T,)``).
        masses (array): ``(17,)`` the physics' mass fractions (the COM it makes ballistic).
        gravity (array): ``(3,)`` the g the solver used.
        window (int): The lifting window; flights crossing a multiple of its stride are counted.

    Returns:
        dict: ``s_pp``, ``fused`` (0 when no flight triple), ``flight_triples``,
        ``boundary_crossings`` (window-stride boundaries inside a flight).
    """
    fl = np.asarray(result['flight'], bool)
    tri = fl[:-2] & fl[1:-1] & fl[2:]
    dt2 = (1.0 / float(result.get('fps', 30.0))) ** 2
    m = np.asarray(masses, float) / np.sum(masses)
    out = dict(flight_triples=int(tri.sum()))
    for key in ('s_pp', 'fused'):
        c = np.einsum('j,tjc->tc', m, np.asarray(result[key], float))
        acc = (c[2:] - 2 * c[1:-1] + c[:-2]) / dt2
        err = np.linalg.norm(acc[tri] - np.asarray(gravity), axis=-1)
        out[key] = float(err.max()) if len(err) else 0.0
    stride = max(window // 2, 1)
    out['boundary_crossings'] = int(sum(fl[b - 1] and fl[b] for b in range(stride, len(fl),
                                                                          stride)))
    return out


def evaluate_long_sequences(pipelines, lengths=(100, 300, 1000), seed=0):
    """Score each pipeline (:func:`ballistic_errors`) on a composed input of each length.

    Args:
        pipelines (dict): ``{name: SkeletonPipeline}`` (e.g. ``physics='sequence'`` and
            ``physics='windows'`` of one model).
        lengths (Sequence[int]): Frames per input.
        seed (int): Composition seed.

    Returns:
        list[dict]: one row per (pipeline, length): ``name``, ``frames``, ``physics_over``,
        the :func:`ballistic_errors` keys and ``seconds`` (lift time).
    """
    rows = []
    for length in lengths:
        data = compose_long_input(length, seed)
        for name, pipeline in pipelines.items():
            start = time.perf_counter()
            result = pipeline.lift(data['keypoints_2d'], data['scores'], data['K'], data['fps'])
            seconds = time.perf_counter() - start
            result['fps'] = data['fps']
            masses = pipeline.model.physics.masses(torch.float64).cpu().numpy()
            rows.append(dict(name=name, frames=length, physics_over=result['physics_over'],
                             seconds=seconds, **ballistic_errors(
                                 result, masses, result.get('gravity', LEVEL_GRAVITY),
                                 window=pipeline.window)))
    return rows
