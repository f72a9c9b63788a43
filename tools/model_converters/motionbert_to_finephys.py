"""Convert a MotionBERT DSTformer checkpoint into finephys ``InContextLifter`` weights.

MotionBERT (Zhu et al., ICCV 2023) saves ``{'model_pos': state_dict, ...}`` (its pose head
fine-tuned on Human3.6M) or ``{'model_backbone': state_dict, ...}`` (pretraining), usually with
DataParallel's ``module.`` prefix. Its DSTformer maps onto finephys' :class:`DSTformer` name for
name (``joints_embed`` → ``joint_embed``, ``blocks_st.i.attn_s`` → ``layers.i.st.spatial.attn``,
``ts_attn.i`` → ``layers.i.fusion``, ``pre_logits.fc`` / ``head`` → ``head.pre_logits`` /
``head.out``, …); the time embedding (243 frames) is resampled to the lifter's 2 × max_frames.
What MotionBERT does not have (finephys' root-trajectory head, the learnt body size, the prompt
pool) keeps its initialisation and is listed; keys of the source that map nowhere are listed too.

The weights are a starting point, not a finished model: MotionBERT's 2D input is image-normalised
to [-1, 1] and its 3D is in the same units, while the lifter normalises each frame's 2D by its
own size and predicts metres — fine-tune (``load_from=<output>``) before measuring.

Usage::

    python tools/model_converters/motionbert_to_finephys.py \\
        checkpoint/pose3d/FT_MB_release_MB_ft_h36m/best_epoch.bin \\
        work_dirs/motionbert_h36m_finephys.pth \\
        --config configs/lifters/in-context-dstformer_c512-n2n3_adamw-20e_synthgym.py

The output is a ``{'state_dict', 'meta'}`` torch file readable with ``weights_only=True``; with
``--config`` the keys are checked against that config's model (prefix ``lifter.`` as in
``PoseLiftingModel`` / ``FinePhysSkeleton``; ``--prefix`` for others) and every mismatch is
reported. Ends with ``RESULT`` lines (matched / unmatched counts).
"""
import argparse
import os.path as osp
import re
import sys

import torch
import torch.nn.functional as F

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from finephys.utils.launch import UserInputError, friendly_errors  # noqa: E402

# (MotionBERT pattern, finephys template) — block-internal names first
_SUB = {'norm1_s': 'spatial.norm1', 'attn_s.qkv': 'spatial.attn.qkv',
        'attn_s.proj': 'spatial.attn.proj', 'norm2_s': 'spatial.norm2',
        'mlp_s.fc1': 'spatial.mlp.0', 'mlp_s.fc2': 'spatial.mlp.3',
        'norm1_t': 'temporal.norm1', 'attn_t.qkv': 'temporal.attn.qkv',
        'attn_t.proj': 'temporal.attn.proj', 'norm2_t': 'temporal.norm2',
        'mlp_t.fc1': 'temporal.mlp.0', 'mlp_t.fc2': 'temporal.mlp.3'}
_TOP = {'joints_embed': 'joint_embed', 'pos_embed': 'joint_pos_embed',
        'temp_embed': 'time_pos_embed', 'norm': 'head.norm', 'pre_logits.fc': 'head.pre_logits',
        'head': 'head.out'}
_BLOCK = re.compile(r'^blocks_(st|ts)\.(\d+)\.(.+)\.(weight|bias)$')
_FUSE = re.compile(r'^ts_attn\.(\d+)\.(weight|bias)$')
_PLAIN = re.compile(r'^(.+?)(?:\.(weight|bias))?$')


def motionbert_state_dict(checkpoint: dict) -> dict:
    """The DSTformer state dict inside a MotionBERT checkpoint (``module.`` stripped)."""
    for key in ('model_pos', 'model_backbone', 'state_dict', 'model'):
        if isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
            break
    if not all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        raise UserInputError('motionbert_to_finephys: no state dict of tensors found (expected '
                             "'model_pos', 'model_backbone' or a plain state dict)")
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in checkpoint.items()}


def map_key(key: str):
    """MotionBERT key → finephys ``DSTformer`` key (None when it maps nowhere)."""
    m = _BLOCK.match(key)
    if m:
        stream, idx, sub, kind = m.groups()
        return f'layers.{idx}.{stream}.{_SUB[sub]}.{kind}' if sub in _SUB else None
    m = _FUSE.match(key)
    if m:
        return f'layers.{m.group(1)}.fusion.{m.group(2)}'
    m = _PLAIN.match(key)
    name, kind = m.group(1), m.group(2)
    if name in _TOP:
        return _TOP[name] + (f'.{kind}' if kind else '')
    return None


def resample_time_embedding(embed: torch.Tensor, length: int) -> torch.Tensor:
    """``(1, L, 1, C)`` → ``(1, length, 1, C)`` by linear interpolation along time."""
    if embed.shape[1] == length:
        return embed
    x = embed[0, :, 0].T[None]                                       # (1, C, L)
    x = F.interpolate(x, size=length, mode='linear', align_corners=True)
    return x[0].T[None, :, None]


def convert(source: dict, target_shapes: dict = None):
    """Map a MotionBERT state dict to finephys ``DSTformer`` names.

    Args:
        source (dict): MotionBERT DSTformer state dict.
        target_shapes (dict, optional): finephys ``DSTformer`` key → shape, to resample the time
            embedding and reshape the joint embedding; keys of other shapes are reported.

    Returns:
        tuple: (converted state dict, unmatched source keys, shape mismatches as text).
    """
    out, unmatched, mismatched = {}, [], []
    for key, value in source.items():
        new = map_key(key)
        if new is None:
            unmatched.append(key)
            continue
        if new == 'joint_pos_embed' and value.dim() == 3:
            value = value[:, None]                                    # (1, J, C) → (1, 1, J, C)
        if target_shapes is not None and new in target_shapes:
            want = tuple(target_shapes[new])
            if new == 'time_pos_embed' and value.shape[-1] == want[-1]:
                value = resample_time_embedding(value, want[1])
            if tuple(value.shape) != want:
                mismatched.append(f'{key} {tuple(value.shape)} → {new} {want}')
                continue
        out[new] = value.clone()
    return out, unmatched, mismatched


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('src', help='MotionBERT checkpoint (.bin / .pth / .safetensors)')
    p.add_argument('dst', help='output finephys checkpoint (.pth)')
    p.add_argument('--config', help='finephys config whose model the weights are checked against')
    p.add_argument('--prefix', default='lifter.backbone.',
                   help='prefix of the DSTformer in the model (default: lifter.backbone.)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.src.endswith('.safetensors'):
        from safetensors.torch import load_file
        if not osp.isfile(args.src):
            raise UserInputError(f'{args.src}: checkpoint not found')
        checkpoint = load_file(args.src)
    else:
        from finephys.utils.safe_checkpoint import load_from_local_safe
        checkpoint = load_from_local_safe(args.src, map_location='cpu')
    if not isinstance(checkpoint, dict):
        raise UserInputError(f'{args.src}: expected a dict checkpoint, got '
                             f'{type(checkpoint).__name__}')
    source = motionbert_state_dict(checkpoint)
    model_state = None
    if args.config:
        from mmengine.config import Config

        import finephys  # noqa: F401  (registers the modules)
        from finephys.registry import MODELS
        model_state = MODELS.build(Config.fromfile(args.config).model).state_dict()
        shapes = {k[len(args.prefix):]: v.shape for k, v in model_state.items()
                  if k.startswith(args.prefix)}
        if not shapes:
            raise UserInputError(f'{args.config}: no parameters under prefix {args.prefix!r}')
    else:
        shapes = None
    converted, unmatched, mismatched = convert(source, shapes)
    state_dict = {args.prefix + k: v for k, v in converted.items()}
    for key in unmatched:
        print(f'unmatched (MotionBERT key with no finephys counterpart): {key}')
    for text in mismatched:
        print(f'shape mismatch, not converted: {text}')
    missing = []
    if model_state is not None:
        missing = sorted(k for k in model_state if k not in state_dict)
        for key in missing:
            print(f'kept at initialisation (no MotionBERT counterpart): {key}')
    import os
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(dict(state_dict=state_dict,
                    meta=dict(converted_from=osp.basename(args.src), source='MotionBERT',
                              prefix=args.prefix)), args.dst)
    print(f'wrote {args.dst}: {len(state_dict)} tensors')
    print(f'RESULT converted_keys={len(state_dict)}')
    print(f'RESULT unmatched_source_keys={len(unmatched)}')
    print(f'RESULT shape_mismatches={len(mismatched)}')
    print(f'RESULT kept_initialised_keys={len(missing)}')


if __name__ == '__main__':
    with friendly_errors('motionbert_to_finephys.py'):
        main()
