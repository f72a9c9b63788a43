"""Packing a transformed clip into ``dict(inputs=..., data_samples=...)`` for a model."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform

from finephys.registry import TRANSFORMS


def _to_tensor(value):
    if isinstance(value, (torch.Tensor, str)):   # texts stay strings (collated into lists)
        return value
    arr = np.asarray(value)
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    # np.array(order='C') keeps 0-d scalars 0-d (np.ascontiguousarray would make them (1,))
    return torch.from_numpy(np.array(arr, order='C'))


@TRANSFORMS.register_module()
class PackSkeletonInputs(BaseTransform):
    """Pack skeleton inputs and targets as tensors (batched by ``default_collate``).

    ``inputs`` gets the keys the model reads (e.g. normalised 2D + scores); ``data_samples`` gets
    targets and per-sample meta (camera, fps, labels). Missing optional keys are skipped.

    Required keys: those in ``input_keys``. Added keys: ``inputs``, ``data_samples``.

    Args:
        input_keys (tuple[str]): Result keys placed in ``inputs``.
        target_keys (tuple[str]): Result keys placed in ``data_samples`` when present.
        camera_keys (tuple[str]): Entries of ``results['camera']`` placed in ``data_samples``
            as ``camera_<key>`` when present. Datasets mixed in one batch
            (``ConcatDataset``) must pack the same keys: give both the keys they share.
    """

    def __init__(self, input_keys=('keypoints_2d_norm', 'keypoint_scores'),
                 target_keys=('keypoints_3d', 'keypoints_3d_rel', 'root_trajectory',
                              'keypoints_2d', 'contacts', 'flight', 'com', 'masses',
                              'label', 'class_idx', 'sample_idx', 'fps', 'name'),
                 camera_keys=('K', 'R', 't', 'gravity')):
        self.input_keys, self.target_keys = tuple(input_keys), tuple(target_keys)
        self.camera_keys = tuple(camera_keys)

    def transform(self, results):
        missing = [k for k in self.input_keys if k not in results]
        if missing:
            raise KeyError(f'PackSkeletonInputs: input keys {missing} are missing; present: '
                           f'{sorted(results)} (add the transform that produces them)')
        inputs = {k: _to_tensor(results[k]) for k in self.input_keys}
        samples = {k: _to_tensor(results[k]) for k in self.target_keys
                   if results.get(k) is not None}
        cam = results.get('camera')
        if cam is not None:
            for k in self.camera_keys:
                if cam.get(k) is not None:
                    samples[f'camera_{k}'] = _to_tensor(cam[k])
        return dict(inputs=inputs, data_samples=samples)

    def __repr__(self):
        return f'{self.__class__.__name__}(input_keys={self.input_keys})'
