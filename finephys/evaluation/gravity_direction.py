"""Gravity's direction from the scene, judged on SynthGym's tilted cameras.

Whole performances of one split (every class in turn, noisy 2D) are filmed by **tilted**
cameras (``camera_tilt_deg``: looking down by up to that many degrees and rolled by up to ± as
many, see :func:`~finephys.datasets.synthgym.camera.broadcast_camera`) and lifted by a
:class:`~finephys.models.skeleton_pipeline.SkeletonPipeline` three times: with gravity estimated
from the scene (what inference does), with a level camera assumed, and with the true gravity
given. Scored per clip: the angle between each gravity and the true one (plus the estimator's
own on the ground-truth 3D and true flights: the cues' accuracy without a lifter's errors), and
what the physics makes of each (``S_pp``'s root-relative MPJPE, root error, and its centre of
mass's ``|c̈ − g_true|`` over the true flight frames).
"""
import numpy as np
import torch
from tqdm import tqdm

from finephys.datasets.synthgym import ACTIONS, generate_clip
from finephys.datasets.synthgym_dataset import sample_seed
from finephys.models.physics.gravity_direction import angle_deg, estimate_gravity_direction
from finephys.structures import pixels_to_normalized
from finephys.structures.constants import LEVEL_GRAVITY

from .functional.physics_errors import ballistic_error

#: The gravity sources compared: estimated from the scene, a level camera, the truth.
GRAVITY_SOURCES = ('scene', 'level', 'true')


def tilted_clip(index, split='test', seed=0, tilt_deg=20.0):
    """Whole performance ``index`` of a split (class ``index mod`` the classes) through a tilted
    camera, float64."""
    names = list(ACTIONS)
    return generate_clip(names[index % len(names)], sample_seed(seed, split, index),
                         camera_tilt_deg=tilt_deg, dtype=np.float64)


def clip_errors(pipeline, clip, masses) -> dict:
    """One clip's angles and physics errors (see the module's docstring).

    Args:
        pipeline (SkeletonPipeline): With ``gravity='scene'``.
        clip (dict): :func:`tilted_clip`.
        masses: ``(17,)`` the physics' mass fractions.

    Returns:
        dict: ``action``, ``tilt_deg`` (the true gravity's angle from a level camera),
        ``angle_<source>`` (degrees) for :data:`GRAVITY_SOURCES` and ``oracle``, ``source``
        (what fixed the scene's estimate), ``from_scene``, and per source ``mpjpe_<source>``
        and ``root_<source>`` (mm, ``S_pp``) and ``ballistic_<source>`` (m/s², None without a
        flight triple).
    """
    true_g = np.asarray(clip['camera']['gravity'], np.float64)
    gravities = dict(scene=None, level=LEVEL_GRAVITY, true=true_g)
    gt = clip['keypoints_3d']
    out = dict(action=clip['action'], tilt_deg=angle_deg(true_g, (0.0, 1.0, 0.0)))
    for name, g in gravities.items():
        r = pipeline.lift(clip['keypoints_2d'], clip['keypoint_scores'], clip['camera']['K'],
                          clip['fps'], gravity=g)
        if name == 'scene':
            out.update(source=r['gravity_source'], from_scene=r['gravity_from_scene'])
        out[f'angle_{name}'] = angle_deg(r['gravity'], true_g)
        pp = r['s_pp']
        rel = (pp - pp[:, :1]) - (gt - gt[:, :1])
        out[f'mpjpe_{name}'] = 1000 * float(np.linalg.norm(rel, axis=-1).mean())
        out[f'root_{name}'] = 1000 * float(np.linalg.norm(pp[:, 0] - gt[:, 0], axis=-1).mean())
        out[f'ballistic_{name}'] = ballistic_error(pp, masses, np.asarray(clip['flight'], bool),
                                                   true_g, clip['fps'])
    oracle = estimate_gravity_direction(
        gt, clip['fps'], flight=clip['flight'],
        keypoints_2d_norm=pixels_to_normalized(clip['keypoints_2d'], clip['camera']['K']),
        scores=clip['keypoint_scores'])
    out['angle_oracle'] = angle_deg(oracle['gravity_dir'], true_g)
    return out


def evaluate_gravity_direction(pipeline, num_clips=64, split='test', seed=0, tilt_deg=20.0,
                               show_progress=True) -> dict:
    """:func:`clip_errors` over ``num_clips`` tilted performances, and their summary.

    Returns:
        dict: ``clips`` (one :func:`clip_errors` dict each) and ``summary``: per angle source
        the median and mean angle (``angle_<source>_median`` / ``_mean``), per physics source
        the mean ``mpjpe_``, ``root_`` and ``ballistic_`` (over clips with a flight), and
        ``from_scene`` (share of clips where the scene fixed a direction).
    """
    masses = pipeline.model.physics.masses(torch.float64).cpu().numpy() \
        if hasattr(getattr(pipeline.model, 'physics', None), 'masses') else None
    if masses is None:
        from finephys.structures.anthropometry import joint_mass_fractions
        masses = joint_mass_fractions()
    clips = [clip_errors(pipeline, tilted_clip(i, split, seed, tilt_deg), masses)
             for i in tqdm(range(num_clips), desc='tilted clips', disable=not show_progress)]
    summary = {}
    for src in GRAVITY_SOURCES + ('oracle',):
        a = np.array([c[f'angle_{src}'] for c in clips])
        summary[f'angle_{src}_median'] = float(np.median(a))
        summary[f'angle_{src}_mean'] = float(a.mean())
    for src in GRAVITY_SOURCES:
        for key in ('mpjpe', 'root'):
            summary[f'{key}_{src}'] = float(np.mean([c[f'{key}_{src}'] for c in clips]))
        b = [c[f'ballistic_{src}'] for c in clips if c[f'ballistic_{src}'] is not None]
        summary[f'ballistic_{src}'] = float(np.mean(b)) if b else float('nan')
    summary['from_scene'] = float(np.mean([c['from_scene'] for c in clips]))
    return dict(clips=clips, summary=summary)
