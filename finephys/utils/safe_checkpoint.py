"""Checkpoints that torch's safe loader (``weights_only=True``) accepts.

mmengine 0.10.7 stores its ``MessageHub`` state (``HistoryBuffer`` objects holding numpy arrays)
in every checkpoint; on torch ≥ 2.6 ``torch.load``'s default ``weights_only=True`` refuses them
("Unsupported global: mmengine.logging.history_buffer.HistoryBuffer", open-mmlab/mmengine#1655).
Allowlisting is not a fix: the arrays then need numpy's reconstructors and finally the builtin
``getattr``, whose allowlisting would undo the protection. Instead we store only tensors and
primitives — :func:`to_safe_state` before saving, :func:`from_safe_state` after loading — and
the checkpoint loads with the safe default, unchanged.

:func:`load_from_local_safe` is how every local checkpoint is read (it replaces mmengine's
local-path loader): ``weights_only=True`` always, and a file that is missing, empty, truncated,
corrupt or refused by the safe loader is one :class:`CheckpointLoadError` line naming it.
"""
import logging
import os.path as osp
import pickle
import re
import zipfile

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner.checkpoint import CheckpointLoader

from finephys.utils.errors import UserInputError

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


class CheckpointLoadError(UserInputError):
    """A checkpoint file that cannot be loaded: missing, empty, truncated, corrupt, or refused by
    torch's safe loader. The message is one line naming the file and what is wrong."""


def _refused_what(err: Exception) -> str:
    text = str(err)
    found = re.search(r'Unsupported global: GLOBAL (\S+)', text)
    if found:
        return f'it contains a pickled {found.group(1)}, which weights_only=True does not allow'
    found = re.search(r'WeightsUnpickler error: ([^\n]+)', text)
    return found.group(1).strip().rstrip('.') if found else text.splitlines()[0]


def load_from_local_safe(filename: str, map_location=None):
    """``torch.load(filename, weights_only=True)`` with one-line errors.

    Args:
        filename (str): Local path (``~`` expanded).
        map_location: As :func:`torch.load`.

    Returns:
        The loaded object.

    Raises:
        CheckpointLoadError: ``<path>: not found`` / ``empty file`` / ``truncated or corrupt``
            / ``refused by safe loading (<what it contains>)``.
    """
    path = osp.expanduser(filename)
    if not osp.isfile(path):
        raise CheckpointLoadError(f'{filename}: checkpoint not found')
    if osp.getsize(path) == 0:
        raise CheckpointLoadError(f'{filename}: empty file (0 bytes), expected a torch checkpoint')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if 'Weights only load failed' not in str(err):
            raise CheckpointLoadError(f'{filename}: not a torch checkpoint ({err})') from err
        raise CheckpointLoadError(
            f'{filename}: refused by safe loading ({_refused_what(err)}); finephys loads '
            'checkpoints with torch.load(weights_only=True) only — re-save the weights as tensors '
            '(torch.save({"state_dict": model.state_dict()}) or a .safetensors file)') from err
    except (EOFError, OSError, RuntimeError, KeyError, ValueError, zipfile.BadZipFile) as err:
        first = str(err).splitlines()[0] if str(err) else ''
        raise CheckpointLoadError(f'{filename}: truncated or corrupt checkpoint '
                                  f'({type(err).__name__}: {first})') from err


# Every local checkpoint mmengine loads — runner.resume, load_from, load_checkpoint in the
# inferencers, FinePhys.skeleton_checkpoint — goes through mmengine's CheckpointLoader; its ''
# (local path) scheme now loads with the safe loader explicitly and fails with one line.
CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_safe, force=True)
