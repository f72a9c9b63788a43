"""Pose2Sim's demo: real, synchronised multi-view video of one person with a Qualisys calibration.

``pose2sim==0.10.49`` (BSD-3-Clause; PyPI) ships ``Pose2Sim/Demo_SinglePerson/videos/cam01-04.mp4``
(1088 × 1920 portrait, 60 fps, 100 frames, one person balancing) and
``calibration/Calib.qca.txt``. It is read from the installed package (``tools/setup_env.sh``
installs it with ``--no-deps``; none of Pose2Sim's code is imported) or from a wheel or folder
given by path. Nothing of it is committed.

Qualisys ``.qca.txt`` conventions (as Pose2Sim's own converter reads them): intrinsics are in
1/64 sub-pixels (``focalLengthU / 64``, ``centerPointU / 64`` minus the video window's ``left`` /
``top``), distortion ``radialDistortion1/2`` and ``tangentalDistortion1/2`` also / 64 (OpenCV's
k1, k2, p1, p2); the ``transform`` is the camera's pose in the world (millimetres, rotation
``r11 … r33`` row by row) with Qualisys' camera axes, which are OpenCV's rotated by 180° about x.
"""
import glob
import importlib.util
import os
import os.path as osp
import shutil
import xml.etree.ElementTree as ET
import zipfile

import numpy as np

from finephys.utils.errors import InputDataError

#: The trials of the wheel with four calibrated views: one person balancing, and two people
#: (one balancing on a board) — the same cameras.
TRIALS = ('Demo_SinglePerson', 'Demo_MultiPerson')
_RX_PI = np.diag([1.0, -1.0, -1.0])


def read_qualisys_calibration(path):
    """Cameras of a Qualisys ``.qca.txt`` file, in natural name order.

    Returns:
        list[dict]: ``name``, ``K (3, 3)``, ``dist (4,)`` (k1, k2, p1, p2), ``R (3, 3)`` and
        ``t (3,)`` (world → OpenCV camera, metres), ``size (W, H)``.

    Raises:
        ValueError: the file is not a Qualisys calibration or a camera lacks a field.
    """
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as err:
        raise InputDataError(f'{path}: not a Qualisys calibration ({err})') from err
    cams = []
    for cam in root.findall('cameras/camera'):
        try:
            fov, intr, tr = cam.find('fov_video'), cam.find('intrinsic'), cam.find('transform')
            g = lambda node, k: float(node.attrib[k])  # noqa: E731
            left, top = g(fov, 'left'), g(fov, 'top')
            size = (g(fov, 'right') - left + 1, g(fov, 'bottom') - top + 1)
            K = np.array([[g(intr, 'focalLengthU') / 64, 0, g(intr, 'centerPointU') / 64 - left],
                          [0, g(intr, 'focalLengthV') / 64, g(intr, 'centerPointV') / 64 - top],
                          [0, 0, 1.0]])
            dist = np.array([g(intr, 'radialDistortion1'), g(intr, 'radialDistortion2'),
                             g(intr, 'tangentalDistortion1'), g(intr, 'tangentalDistortion2')]) / 64
            rot = np.array([[g(tr, f'r{i}{j}') for j in (1, 2, 3)] for i in (1, 2, 3)])
            pos = np.array([g(tr, 'x'), g(tr, 'y'), g(tr, 'z')]) / 1000.0
        except (AttributeError, KeyError, ValueError) as err:
            raise InputDataError(f'{path}: camera {cam.attrib.get("serial")!r} lacks a field '
                                 f'({err})') from err
        R = _RX_PI @ rot          # world → Qualisys camera is ``rot``; OpenCV's axes: Rx(π)
        cams.append(dict(name=cam.attrib.get('serial', f'cam{len(cams) + 1:02d}'), K=K,
                         dist=dist, R=R, t=-R @ pos, size=size))
    if not cams:
        raise InputDataError(f'{path}: no <cameras/camera> entries')
    return sorted(cams, key=lambda c: c['name'])


def locate_pose2sim_demo(source=None, cache_dir=None, trial='Demo_SinglePerson'):
    """The folder of one of Pose2Sim's demo trials (``videos/``, ``calibration/``).

    Args:
        source (str, optional): A Pose2Sim wheel (extracted into ``cache_dir``), a folder that
            contains ``Pose2Sim/<trial>`` or the trial folder itself. Default: the installed
            ``Pose2Sim`` package.
        cache_dir (str, optional): Where a wheel is extracted (default
            ``~/.cache/finephys/pose2sim``).
        trial (str): One of :data:`TRIALS`.

    Raises:
        FileNotFoundError: no demo found (the message says how to get it).
    """
    if trial not in TRIALS:
        raise ValueError(f'locate_pose2sim_demo: trial={trial!r}; expected one of {TRIALS}')
    demo = f'Pose2Sim/{trial}'
    candidates = []
    if source is None:
        spec = importlib.util.find_spec('Pose2Sim')
        if spec is not None and spec.submodule_search_locations:
            candidates += [osp.join(p, trial) for p in spec.submodule_search_locations]
    elif osp.isfile(source) and source.endswith('.whl'):
        cache_dir = cache_dir or osp.expanduser('~/.cache/finephys/pose2sim')
        out = osp.join(cache_dir, osp.basename(source)[:-4])
        if not osp.isdir(osp.join(out, demo, 'videos')):
            with zipfile.ZipFile(source) as z:
                members = [m for m in z.namelist() if m.startswith(f'{demo}/videos/') or
                           m.startswith(f'{demo}/calibration/Calib')]
                tmp = out + f'.{trial}.part'
                z.extractall(tmp, members)
                os.makedirs(osp.join(out, 'Pose2Sim'), exist_ok=True)
                # complete or absent, never half-extracted
                os.replace(osp.join(tmp, demo), osp.join(out, demo))
                shutil.rmtree(tmp, ignore_errors=True)
        candidates.append(osp.join(out, demo))
    else:
        candidates += [osp.join(source, demo), source]
    for c in candidates:
        if glob.glob(osp.join(c, 'videos', 'cam*.mp4')) and \
                osp.isfile(osp.join(c, 'calibration', 'Calib.qca.txt')):
            return c
    raise FileNotFoundError(
        "Pose2Sim's demo not found" + (f' in {source}' if source else '') + ': install it with '
        '`pip install --no-deps pose2sim==0.10.49` (tools/setup_env.sh does) or pass the wheel '
        'from `pip download --no-deps pose2sim==0.10.49`')


def load_pose2sim_trial(source=None, trial='Demo_SinglePerson'):
    """One of Pose2Sim's demo trials and its calibration.

    Args:
        source (str, optional): As :func:`locate_pose2sim_demo`'s.
        trial (str): One of :data:`TRIALS`.

    Returns:
        tuple: the trial folder and its cameras (:func:`read_qualisys_calibration`).

    Raises:
        FileNotFoundError | ValueError: no demo, an unknown trial or a bad calibration (the
        message says which).
    """
    demo = locate_pose2sim_demo(source, trial=trial)
    return demo, read_qualisys_calibration(osp.join(demo, 'calibration', 'Calib.qca.txt'))
