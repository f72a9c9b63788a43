"""``Pose3DNpzDataset``: real 3D-labelled skeleton sequences (Human3.6M / AMASS renders / your
own capture) from one ``.npz`` file.

File layout (H36M-17 joint order, see ``finephys.structures.H36M17``)::

    keypoints_3d     float32 (N, T, 17, 3)   camera frame (x right, y down, z forward), metres,
                                             root trajectory included
    camera_K         float32 (N, 3, 3) or (N, T, 3, 3)   pinhole intrinsics, pixels
    fps              float   ()  or (N,)     frame rate
    keypoints_2d     float32 (N, T, 17, 2)   optional detections in pixels (default: the exact
                                             projection of keypoints_3d with a 2D estimator's
                                             head: nose tip and mid-ear, as real detections
                                             have it; ``estimator_head_from_h36m``)
    keypoint_scores  float32 (N, T, 17)      optional (default 1)
    labels           int64   (N,)            optional action labels (default -1)
    image_size       int     (2,)            optional (W, H) (default 2 × principal point)
    gravity          float32 (N, 3)          optional gravity in the camera frame, m/s²
    masses           float32 (N, 17)         optional per-joint masses, kg (physics metrics)
    flight           bool    (N, T)          optional: no ground contact in that frame
    contacts         bool    (N, T, 2 | 4)   optional: left/right foot [, left/right hand]
    names            str     (N,)            optional clip names (the capture each window comes
                                             from: windows of one name share a ``source_id``)

Clips with NaN/inf are skipped, logged and counted (``num_skipped``).
"""
import os.path as osp
import zipfile

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from finephys.registry import DATASETS
from finephys.structures import estimator_head_from_h36m
from finephys.utils.errors import InputDataError

from .bad_samples import SkipBadSamplesMixin
from .clip_source import source_id
from .seeded_augmentation import SeededAugmentationMixin


@DATASETS.register_module()
class Pose3DNpzDataset(SeededAugmentationMixin, SkipBadSamplesMixin, BaseDataset):
    """See the module docstring for the file layout.

    Args:
        ann_file (str): The ``.npz`` file (relative to ``data_root`` when given).
        pipeline (list): Transforms.
    """

    METAINFO = dict(dataset_name='pose3d_npz', skeleton='h36m17', num_keypoints=17)
    REQUIRED = ('keypoints_3d', 'camera_K', 'fps')

    def __init__(self, ann_file: str, data_root: str = '', pipeline=(), test_mode=False,
                 lazy_init=False, **kwargs):
        self.num_skipped = 0
        super().__init__(ann_file=ann_file, data_root=data_root, pipeline=pipeline,
                         test_mode=test_mode, lazy_init=lazy_init, serialize_data=False, **kwargs)

    def load_data_list(self):
        path = self.ann_file
        if not osp.isfile(path):
            raise FileNotFoundError(f'Pose3DNpzDataset: ann_file not found: {path}')
        if osp.getsize(path) == 0:
            raise InputDataError(f'Pose3DNpzDataset {path}: empty file (0 bytes)')
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (EOFError, OSError, zipfile.BadZipFile, ValueError) as err:
            raise InputDataError(f'Pose3DNpzDataset {path}: not a readable .npz '
                                 f'({type(err).__name__}: {err})') from err
        missing = [k for k in self.REQUIRED if k not in arrays]
        if missing:
            raise InputDataError(f'Pose3DNpzDataset {path}: missing arrays {missing}; required '
                                 f'{list(self.REQUIRED)}, found {list(arrays)}')
        kp3 = arrays['keypoints_3d']
        if kp3.ndim != 4 or kp3.shape[2:] != (17, 3):
            raise InputDataError(f'Pose3DNpzDataset {path}: keypoints_3d has shape {kp3.shape}, '
                                 'expected (N, T, 17, 3) in H36M-17 order')
        n, t = kp3.shape[:2]
        k = arrays['camera_K']
        fps = np.broadcast_to(np.asarray(arrays['fps'], np.float64), (n,))
        data_list = []
        for i in range(n):
            item = dict(sample_idx=i, keypoints_3d=kp3[i].astype(np.float32), fps=float(fps[i]),
                        label=int(arrays['labels'][i]) if 'labels' in arrays else -1)
            ki = k[i].astype(np.float32)
            if 'keypoints_2d' in arrays:
                item['keypoints_2d'] = arrays['keypoints_2d'][i].astype(np.float32)
            else:
                kk = np.broadcast_to(ki, (t, 3, 3)) if ki.ndim == 2 else ki
                face = estimator_head_from_h36m(kp3[i].astype(np.float64))
                xy = face[..., :2] / face[..., 2:]
                item['keypoints_2d'] = (xy * np.stack([kk[:, 0, 0], kk[:, 1, 1]], -1)[:, None]
                                        + np.stack([kk[:, 0, 2], kk[:, 1, 2]], -1)[:, None]
                                        ).astype(np.float32)
            item['keypoint_scores'] = (arrays['keypoint_scores'][i].astype(np.float32)
                                       if 'keypoint_scores' in arrays
                                       else np.ones((t, 17), np.float32))
            values = [item['keypoints_3d'], item['keypoints_2d'], item['keypoint_scores']]
            if not all(np.isfinite(v).all() for v in values) or (kp3[i, ..., 2] <= 0).any():
                self.num_skipped += 1
                print_log(f'Pose3DNpzDataset {path}: clip {i} has NaN/inf or points behind the '
                          f'camera; skipped ({self.num_skipped} so far)', logger='current',
                          level=30)
                continue
            size = (arrays['image_size'] if 'image_size' in arrays
                    else 2 * np.asarray(ki[..., :2, 2]).reshape(-1, 2)[0])
            item['camera'] = dict(K=ki, R=None, t=None, image_size=tuple(int(s) for s in size),
                                  gravity=arrays['gravity'][i] if 'gravity' in arrays else None)
            for key in ('masses', 'flight', 'contacts'):
                if key in arrays:
                    item[key] = arrays[key][i]
            if 'names' in arrays:
                item['name'] = str(arrays['names'][i])
            # the motion's source: every window of one named capture shares it
            item['source_id'] = source_id(item.get('name') or f'{osp.basename(path)}#{i}')
            data_list.append(item)
        return data_list
