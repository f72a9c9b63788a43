"""One model's trained parts with another model's trained lifter, as one checkpoint.

The real-video table crosses every lifter with every physics. A lifter without weights (the
estimator's own 3D) runs under any trained physics as it is; a trained lifter (a TCN or the
in-context lifter learnt on real motion) under Phys-Net needs a checkpoint holding Phys-Net's
physics and fuser *and* that lifter's weights. :func:`transplant_weights` writes it: every entry
of ``base`` except those under ``prefix``, and every entry of ``donor`` under ``prefix`` (the
in-context lifter's prompt pool included: it lives in the lifter's buffers).
"""
import os
import os.path as osp

import torch

from finephys.utils.errors import UserInputError


def read_state_dict(path: str) -> dict:
    """The ``state_dict`` of a checkpoint, read with torch's safe loader (``weights_only``).

    Raises:
        UserInputError: the file is missing or holds no ``state_dict``.
    """
    if not osp.isfile(path):
        raise UserInputError(f'checkpoint not found: {path}')
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise UserInputError(f'{path}: expected a checkpoint with a state_dict of tensors')
    return state


def transplant_weights(base: str, donor: str, out: str, prefix: str = 'lifter.') -> dict:
    """Write ``out``: ``base``'s weights with those under ``prefix`` replaced by ``donor``'s.

    Args:
        base (str): Checkpoint whose other parts are kept (e.g. a Phys-Net model's).
        donor (str): Checkpoint whose ``prefix`` entries are taken (e.g. a real-motion lifter's).
        out (str): Where the new checkpoint (``state_dict`` and ``meta``) is saved.
        prefix (str): The module prefix to transplant.

    Returns:
        dict: ``taken`` (entries from ``donor``), ``kept`` (entries from ``base``) and
        ``dropped`` (``base``'s entries under ``prefix``, replaced).

    Raises:
        UserInputError: ``donor`` holds nothing under ``prefix``.
    """
    base_state, donor_state = read_state_dict(base), read_state_dict(donor)
    taken = {k: v for k, v in donor_state.items() if k.startswith(prefix)}
    if not taken:
        raise UserInputError(f'{donor}: no weights under {prefix!r} to transplant')
    kept = {k: v for k, v in base_state.items() if not k.startswith(prefix)}
    dropped = [k for k in base_state if k.startswith(prefix)]
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save(dict(state_dict=dict(kept, **taken),
                    meta=dict(transplant=dict(base=osp.abspath(base), donor=osp.abspath(donor),
                                              prefix=prefix))), out)
    return dict(taken=len(taken), kept=len(kept), dropped=len(dropped))
