"""MotionBERT → finephys: a checkpoint written here in MotionBERT's key names and shapes converts,
loads, and the converted DSTformer computes what MotionBERT's forward computes with the source
tensors (a reference written from MotionBERT's layer order, independent of finephys' modules)."""
import importlib.util
import os.path as osp
import sys

import torch
import torch.nn.functional as F

from finephys.models.lifters.dstformer import DSTformer

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools/model_converters/motionbert_to_finephys.py')
_spec = importlib.util.spec_from_file_location('motionbert_to_finephys', TOOL)
converter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(converter)
C, R, DEPTH, HEADS, J, MAXLEN = 16, 24, 2, 2, 17, 243


def motionbert_checkpoint(seed=0):
    """Random tensors under MotionBERT's DSTformer names (DataParallel's ``module.``)."""
    g = torch.Generator().manual_seed(seed)
    rnd = lambda *s: torch.randn(*s, generator=g) * 0.2            # noqa: E731
    sd = {'joints_embed.weight': rnd(C, 3), 'joints_embed.bias': rnd(C),
          'pos_embed': rnd(1, J, C), 'temp_embed': rnd(1, MAXLEN, 1, C),
          'norm.weight': 1 + rnd(C), 'norm.bias': rnd(C),
          'pre_logits.fc.weight': rnd(R, C), 'pre_logits.fc.bias': rnd(R),
          'head.weight': rnd(3, R), 'head.bias': rnd(3)}
    for stream in ('st', 'ts'):
        for i in range(DEPTH):
            for ax in ('s', 't'):
                p = f'blocks_{stream}.{i}.'
                sd.update({p + f'norm1_{ax}.weight': 1 + rnd(C), p + f'norm1_{ax}.bias': rnd(C),
                           p + f'attn_{ax}.qkv.weight': rnd(3 * C, C),
                           p + f'attn_{ax}.qkv.bias': rnd(3 * C),
                           p + f'attn_{ax}.proj.weight': rnd(C, C),
                           p + f'attn_{ax}.proj.bias': rnd(C),
                           p + f'norm2_{ax}.weight': 1 + rnd(C), p + f'norm2_{ax}.bias': rnd(C),
                           p + f'mlp_{ax}.fc1.weight': rnd(4 * C, C),
                           p + f'mlp_{ax}.fc1.bias': rnd(4 * C),
                           p + f'mlp_{ax}.fc2.weight': rnd(C, 4 * C),
                           p + f'mlp_{ax}.fc2.bias': rnd(C)})
    for i in range(DEPTH):
        sd[f'ts_attn.{i}.weight'], sd[f'ts_attn.{i}.bias'] = rnd(2, 2 * C), rnd(2)
    return {'epoch': 60, 'model_pos': {'module.' + k: v for k, v in sd.items()}}


def reference_forward(sd, x):
    """MotionBERT's DSTformer forward, (B, F, J, 3) → (B, F, J, 3), from the raw tensors."""
    b, f, j, _ = x.shape
    lin = lambda t, n: F.linear(t, sd[n + '.weight'], sd[n + '.bias'])   # noqa: E731
    ln = lambda t, n: F.layer_norm(t, (C,), sd[n + '.weight'], sd[n + '.bias'])   # noqa: E731

    def attention(t, name):                                    # t: (N, L, C)
        n, length, _ = t.shape
        q, k, v = lin(t, name + '.qkv').reshape(n, length, 3, HEADS, C // HEADS).permute(
            2, 0, 3, 1, 4)
        w = torch.softmax(q @ k.transpose(-1, -2) * (C // HEADS) ** -0.5, -1)
        return lin((w @ v).transpose(1, 2).reshape(n, length, C), name + '.proj')

    def sub(t, p, ax):                                         # t: (B, F, J, C)
        y = t.reshape(b * f, j, C) if ax == 's' else t.transpose(1, 2).reshape(b * j, f, C)
        y = y + attention(ln(y, f'{p}norm1_{ax}'), f'{p}attn_{ax}')
        y = y + lin(F.gelu(lin(ln(y, f'{p}norm2_{ax}'), f'{p}mlp_{ax}.fc1')), f'{p}mlp_{ax}.fc2')
        return y.reshape(b, f, j, C) if ax == 's' else y.reshape(b, j, f, C).transpose(1, 2)

    h = lin(x, 'joints_embed') + sd['pos_embed'][:, None] + sd['temp_embed'][:, :f]
    for i in range(DEPTH):
        a = sub(sub(h, f'blocks_st.{i}.', 's'), f'blocks_st.{i}.', 't')
        c = sub(sub(h, f'blocks_ts.{i}.', 't'), f'blocks_ts.{i}.', 's')
        alpha = torch.softmax(lin(torch.cat([a, c], -1), f'ts_attn.{i}'), -1)
        h = a * alpha[..., :1] + c * alpha[..., 1:]
    return lin(torch.tanh(lin(ln(h, 'norm'), 'pre_logits.fc')), 'head')


def test_converted_weights_compute_motionberts_forward():
    source = converter.motionbert_state_dict(motionbert_checkpoint())
    model = DSTformer(dim=C, rep_dim=R, depth=DEPTH, heads=HEADS, max_len=MAXLEN).eval()
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    converted, unmatched, mismatched = converter.convert(source, shapes)
    assert unmatched == [] and mismatched == []
    result = model.load_state_dict(converted, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    x = torch.randn(2, 9, J, 3)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference_forward(source, x), rtol=1e-4, atol=1e-5)


def test_converter_cli_reports_and_loads_into_a_config(tmp_path):
    ckpt = motionbert_checkpoint()
    ckpt['model_pos']['module.extra_head.weight'] = torch.zeros(2)   # maps nowhere
    src, dst = tmp_path / 'best_epoch.bin', tmp_path / 'converted.pth'
    torch.save(ckpt, src)
    cfg = tmp_path / 'tiny.py'
    cfg.write_text(f"_base_ = ['{ROOT}/configs/lifters/"
                   "in-context-dstformer_c32-n2n3_adamw-20e_synthgym.py']\n"
                   f"model = dict(lifter=dict(dim={C}, rep_dim={R}, heads={HEADS}, "
                   f"merge_depth=1, post_merge_depth=1, max_frames=16))\n")
    out = run_command([sys.executable, 'tools/model_converters/motionbert_to_finephys.py',
                       str(src), str(dst), '--config', str(cfg)], cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'unmatched (MotionBERT key with no finephys counterpart): extra_head.weight' \
        in out.stdout
    assert 'RESULT unmatched_source_keys=1' in out.stdout
    assert 'RESULT shape_mismatches=0' in out.stdout
    kept = [ln.split(': ')[1] for ln in out.stdout.splitlines() if ln.startswith('kept at')]
    assert set(kept) == {'lifter.root_head.weight', 'lifter.root_head.bias',
                         'lifter.log_body_size', 'lifter.prompt_pool_2d',
                         'lifter.prompt_pool_3d', 'lifter.prompt_pool_source',
                         'lifter.mean_pose', 'lifter.body_size'}
    state = torch.load(dst, weights_only=True)['state_dict']
    # the 243-frame time embedding is resampled to the lifter's 2 × 16 frames, end points kept
    temp = state['lifter.backbone.time_pos_embed']
    assert temp.shape == (1, 32, 1, C)
    src_temp = ckpt['model_pos']['module.temp_embed']
    torch.testing.assert_close(temp[:, [0, -1]], src_temp[:, [0, -1]])
    torch.testing.assert_close(state['lifter.backbone.layers.1.fusion.weight'],
                               ckpt['model_pos']['module.ts_attn.1.weight'])
    # a refused pickle is one line, exit 2
    class Evil:
        def __reduce__(self):
            return (print, ('pwned',))
    bad = tmp_path / 'evil.bin'
    torch.save({'model_pos': Evil()}, bad)
    out = run_command([sys.executable, 'tools/model_converters/motionbert_to_finephys.py',
                       str(bad), str(tmp_path / 'x.pth')], cwd=ROOT)
    assert out.returncode == 2 and 'pwned' not in out.stdout
    assert len(out.stderr.strip().splitlines()) == 1 and 'evil.bin' in out.stderr
    assert 'refused by safe loading' in out.stderr
