"""Reading 2D skeleton files: ``.npz``, PYSKL/MMAction2 ``.pkl``, ``.json`` — for inference
(:func:`load_skeleton_file`) and for FineGym's datasets (:func:`read_pyskl_annotations`, the one
PYSKL pickle reader).

* ``.npz``: ``keypoints`` or ``keypoints_2d`` ``(T, 17, 2)`` pixels, optional ``scores`` /
  ``keypoint_scores`` ``(T, 17)``, ``fps``, ``camera_K`` ``(3, 3)``, ``image_size`` ``(W, H)``,
  ``keypoints_3d_estimator`` ``(T, 17, 3)`` (the 2D estimator's own hip-centred metric 3D, e.g.
  MediaPipe's world landmarks, camera-aligned axes; NaN where lost; same joint layout).
* ``.pkl`` (PYSKL, FineGym's public skeletons): ``{"annotations": [{"frame_dir", "keypoint"
  (M, T, 17, 2), "keypoint_score" (M, T, 17), "img_shape" (H, W), ...}]}`` — the clip named by
  ``clip_id`` (default: the first), person 0; COCO-17 unless the annotation says
  ``keypoint_layout='h36m17'`` (as ``tools/dataset_converters/extract_finegym_skeletons.py``
  writes). Loaded with a restricted unpickler that only rebuilds containers and numpy arrays (a
  pickle from the internet cannot run code).
* ``.json``: ``{"keypoints": [[[x, y], ...17], ...T], "scores": ..., "layout": "coco17" |
  "h36m17", "fps": ..., "image_size": [W, H], "keypoints_3d_estimator": ...}``.
"""
import json
import os.path as osp
import pickle
import zipfile
from collections import OrderedDict

import numpy as np

from finephys.utils.errors import InputDataError
from finephys.utils.safe_pickle import RefusedPickleError, load_restricted_pickle


#: Keypoints farther than this from the origin (pixels) are not pixels of any video (an 8K frame
#: is 7680 wide; 10× that leaves room for joints estimated outside the frame).
MAX_PIXEL_COORDINATE = 1e5
#: Hip-centred metric 3D farther than this from the hips (metres) is not a human body.
MAX_BODY_EXTENT_M = 10.0


class SkeletonFileError(InputDataError):
    """A skeleton file that cannot be used; the message names the file and the problem."""


def read_pyskl_annotations(path: str) -> 'OrderedDict[str, dict]':
    """A PYSKL / MMAction2 skeleton pickle → ``{frame_dir: annotation}`` in file order
    (restricted unpickler: containers and numpy arrays only — a pickle from the internet cannot
    run code).

    Raises:
        FileNotFoundError: no such file.
        SkeletonFileError: refused by the safe loader, truncated or corrupt, or not PYSKL-shaped
            (a dict with ``"annotations"``, or a list, of dicts each with ``"frame_dir"``).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'skeleton file not found: {path} (a PYSKL pickle such as '
                                "PYSKL's gym_hrnet.pkl)")
    try:
        data = load_restricted_pickle(path)
    except RefusedPickleError as err:
        raise SkeletonFileError(f'{path}: refused by safe loading ({err})') from err
    except (EOFError, OSError, pickle.UnpicklingError, ValueError) as err:
        raise SkeletonFileError(f'{path}: not a readable .pkl skeleton file (truncated or '
                                f'corrupt pickle: {type(err).__name__}: {err})') from err
    anns = data.get('annotations') if isinstance(data, dict) else data
    if not isinstance(anns, list) or not all(isinstance(a, dict) and 'frame_dir' in a
                                             for a in anns):
        raise SkeletonFileError(f'{path}: expected a PYSKL pickle — a dict with "annotations", '
                                'a list of dicts each with "frame_dir", "keypoint", ...')
    return OrderedDict((a['frame_dir'], a) for a in anns)


def check_coordinate_range(path, what, values, limit, expected):
    """One clear error when the finite ``values`` reach beyond ``±limit``: ``<path>: <what>
    [min, max]; expected <expected> <= limit)``."""
    finite = values[np.isfinite(values)]
    if finite.size and np.abs(finite).max() > limit:
        raise SkeletonFileError(f'{path}: {what} [{finite.min():.4g}, {finite.max():.4g}]; '
                                f'expected {expected} <= {limit:g})')


def load_skeleton_file(path, clip_id=None):
    """Read a 2D skeleton file.

    Returns:
        dict: ``keypoints (T, 17, 2)``, ``scores (T, 17)``, ``layout`` (``'coco17'`` /
        ``'h36m17'`` / None when the file does not say), and when present ``fps``,
        ``camera_K``, ``image_size`` ``(W, H)``, ``keypoints_3d_estimator (T, 17, 3)``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'skeleton file not found: {path}')
    ext = osp.splitext(path)[1].lower()
    if ext not in ('.npz', '.pkl', '.pickle', '.json'):
        raise SkeletonFileError(f'{path}: unsupported skeleton file type {ext!r}; use .npz, '
                                '.pkl or .json')
    if osp.getsize(path) == 0:
        raise SkeletonFileError(f'{path}: empty file (0 bytes), expected a {ext} skeleton file')
    try:
        out = _read_skeleton_fields(path, ext, clip_id)
    except SkeletonFileError:
        raise
    except (EOFError, OSError, ValueError, KeyError, IndexError, TypeError, AttributeError,
            zipfile.BadZipFile) as err:
        # a truncated zip/pickle, malformed JSON, or a field of the wrong kind
        what = f'{type(err).__name__}: {err}' if str(err) else type(err).__name__
        raise SkeletonFileError(f'{path}: not a readable {ext} skeleton file ({what})') from err
    kp = np.asarray(out['keypoints'], np.float64)
    if kp.ndim != 3 or kp.shape[1:] != (17, 2):
        raise SkeletonFileError(f'{path}: keypoints must be (T, 17, 2), got {kp.shape}')
    check_coordinate_range(path, 'keypoint coordinates span', kp, MAX_PIXEL_COORDINATE,
                           'pixels of a video frame (|x|, |y|')
    out['keypoints'] = kp
    if 'keypoints_3d_estimator' in out:
        world = np.asarray(out['keypoints_3d_estimator'], np.float64)
        if world.shape != (len(kp), 17, 3):
            raise SkeletonFileError(f'{path}: keypoints_3d_estimator must be (T, 17, 3) = '
                                    f'({len(kp)}, 17, 3), got {world.shape}')
        check_coordinate_range(path, 'keypoints_3d_estimator spans', world, MAX_BODY_EXTENT_M,
                               'hip-centred metres (|x|, |y|, |z|')
        out['keypoints_3d_estimator'] = world
    out.setdefault('layout', None)
    if 'scores' in out:
        out['scores'] = np.asarray(out['scores'], np.float64)
    return out


def _read_skeleton_fields(path, ext, clip_id):
    """The raw fields of one skeleton file (see :func:`load_skeleton_file`)."""
    out = {}
    if ext == '.npz':
        with np.load(path, allow_pickle=False) as z:
            key = 'keypoints' if 'keypoints' in z.files else 'keypoints_2d'
            if key not in z.files:
                raise SkeletonFileError(f'{path}: needs a "keypoints" or "keypoints_2d" array; '
                                        f'found {z.files}')
            out['keypoints'] = z[key]
            for src, dst in (('scores', 'scores'), ('keypoint_scores', 'scores'), ('fps', 'fps'),
                             ('camera_K', 'camera_K'), ('image_size', 'image_size'),
                             ('layout', 'layout'),
                             ('keypoints_3d_estimator', 'keypoints_3d_estimator')):
                if src in z.files:
                    out[dst] = z[src]
        if 'layout' in out:
            out['layout'] = str(out['layout'])
    elif ext in ('.pkl', '.pickle'):
        anns = read_pyskl_annotations(path)
        if not anns:
            raise SkeletonFileError(f'{path}: the pickle holds no annotations')
        if clip_id is not None and clip_id not in anns:
            raise SkeletonFileError(f'{path}: no annotation with frame_dir={clip_id!r}')
        ann = anns[clip_id] if clip_id is not None else next(iter(anns.values()))
        out['keypoints'] = np.asarray(ann['keypoint'])[0][..., :2]
        if 'keypoint_score' in ann:
            out['scores'] = np.asarray(ann['keypoint_score'])[0]
        if 'img_shape' in ann:
            h, w = ann['img_shape']
            out['image_size'] = np.array([w, h])
        out['layout'] = str(ann.get('keypoint_layout', 'coco17'))
    elif ext == '.json':
        with open(path) as f:
            data = json.load(f)
        if not isinstance(data, dict) or 'keypoints' not in data:
            raise SkeletonFileError(f'{path}: needs a JSON object with a "keypoints" field')
        out['keypoints'] = np.asarray(data['keypoints'], np.float64)
        for key in ('scores', 'fps', 'image_size', 'layout', 'camera_K',
                    'keypoints_3d_estimator'):
            if key in data:
                out[key] = data[key] if key == 'layout' else \
                    np.asarray(data[key], np.float64 if key == 'keypoints_3d_estimator' else None)
    return out


def guess_joint_layout(keypoints, scores=None):
    """Tell COCO-17 from H36M-17 by geometry, for files that do not say or say wrongly.

    In COCO-17 joints 1–4 are the eyes and ears, around the nose (joint 0); in H36M-17 they are
    the right hip, knee, ankle and the left hip, hanging from the pelvis (joint 0). The statistic
    is, per frame, the largest distance from joint 0 to joints 1–4 over the skeleton's extent
    (longer bounding-box side), medianed over frames where these joints are observed: about 0.05
    for COCO (0.1 when the face points sit at the head), 0.4–0.5 for H36M, in any orientation.

    Args:
        keypoints: ``(T, 17, 2)`` pixels (NaN: missing).
        scores: ``(T, 17)`` or None (score 0: missing).

    Returns:
        tuple: ``(layout or None, statistic)`` — ``'coco17'`` below 0.2, ``'h36m17'`` above 0.3,
        None in between or when no frame shows joints 0–4 (statistic NaN).
    """
    kp = np.asarray(keypoints, np.float64)
    ok = np.isfinite(kp).all(-1)
    if scores is not None:
        ok &= np.asarray(scores) > 0
    frames = ok[:, :5].all(-1) & (ok.sum(-1) >= 8)
    if not frames.any():
        return None, float('nan')
    stats = []
    for t in np.flatnonzero(frames):
        pts = kp[t][ok[t]]
        extent = float((pts.max(0) - pts.min(0)).max())
        if extent > 0:
            stats.append(np.linalg.norm(kp[t, 1:5] - kp[t, 0], axis=-1).max() / extent)
    if not stats:
        return None, float('nan')
    stat = float(np.median(stats))
    return ('coco17' if stat < 0.2 else 'h36m17' if stat > 0.3 else None), stat
