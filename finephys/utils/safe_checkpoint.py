"""Checkpoints that torch's safe loader (``weights_only=True``) accepts.

mmengine 0.10.7 stores its ``MessageHub`` state (``HistoryBuffer`` objects holding numpy arrays)
in every checkpoint; on torch ≥ 2.6 ``torch.load``'s default ``weights_only=True`` refuses them
("Unsupported global: mmengine.logging.history_buffer.HistoryBuffer", open-mmlab/mmengine#1655).
Allowlisting is not a fix: the arrays then need numpy's reconstructors and finally the builtin
``getattr``, whose allowlisting would undo the protection. Instead we store only tensors and
primitives — :func:`to_safe_state` before saving, :func:`from_safe_state` after loading — and
the checkpoint loads with the safe default, unchanged.
"""
import logging

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log

_HB = '__finephys_history_buffer__'
_ND = '__finephys_ndarray__'


def to_safe_state(obj, path='checkpoint'):
    """Recursively convert ``obj`` to what ``torch.load(weights_only=True)`` accepts.

    ``HistoryBuffer`` and ``np.ndarray`` become tagged dicts of tensors, numpy scalars become
    Python numbers; anything else that is not a tensor or primitive is dropped with a warning
    naming its path (it could not be restored safely anyway).
    """
    if isinstance(obj, HistoryBuffer):
        logs, counts = obj.data
        return {_HB: True, 'log_history': torch.from_numpy(np.asarray(logs, np.float64).copy()),
                'count_history': torch.from_numpy(np.asarray(counts, np.float64).copy()),
                'max_length': int(obj.max_length)}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return [to_safe_state(v, f'{path}[{i}]') for i, v in enumerate(obj.tolist())]
        return {_ND: True, 'data': torch.from_numpy(np.ascontiguousarray(obj))}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (torch.Tensor, str, bytes, int, float, bool, type(None), torch.Size,
                        torch.dtype, torch.device)):
        return obj
    if isinstance(obj, dict):
        return type(obj)((k, to_safe_state(v, f'{path}.{k}')) for k, v in obj.items()) \
            if type(obj) is not dict else {k: to_safe_state(v, f'{path}.{k}') for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        out = [to_safe_state(v, f'{path}[{i}]') for i, v in enumerate(obj)]
        return tuple(out) if isinstance(obj, tuple) else out
    print_log(f'safe checkpoint: dropping {path} of type {type(obj).__name__} (not a tensor or '
              'primitive; it could not be loaded back with weights_only=True)',
              logger='current', level=logging.WARNING)
    return None


def from_safe_state(obj):
    """Inverse of :func:`to_safe_state`."""
    if isinstance(obj, dict):
        if obj.get(_HB) is True:
            buf = HistoryBuffer(max_length=obj['max_length'])
            buf._log_history = obj['log_history'].numpy()
            buf._count_history = obj['count_history'].numpy()
            return buf
        if obj.get(_ND) is True:
            return obj['data'].numpy()
        return type(obj)((k, from_safe_state(v)) for k, v in obj.items())
    if isinstance(obj, list):
        return [from_safe_state(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(from_safe_state(v) for v in obj)
    return obj
