"""SD1.5-layout folders: checking a user's, and writing tiny stand-ins for tests and the CPU default.

A Stable Diffusion 1.5 checkpoint folder holds ``unet/``, ``vae/``, ``text_encoder/``,
``tokenizer/`` and ``scheduler/``; an AnimateDiff MotionAdapter is a folder of its own. The tiny
stand-ins are written with ``save_pretrained`` in the same layout, so loading always goes through
the same ``from_pretrained`` calls a user's real weights take.
"""
import json
import os
import os.path as osp

SD15_SUBFOLDERS = ('unet', 'vae', 'text_encoder', 'tokenizer', 'scheduler')


def check_pretrained_folder(path, subfolders=SD15_SUBFOLDERS):
    """Raise one ``FileNotFoundError`` naming every missing sub-folder of ``path``."""
    if not osp.isdir(path):
        raise FileNotFoundError(f'pretrained model folder not found: {path}')
    missing = [s for s in subfolders if not osp.isdir(osp.join(path, s))]
    if missing:
        raise FileNotFoundError(f'pretrained model folder {path} lacks sub-folder(s) {missing}; '
                                f'an SD1.5-layout folder has {list(subfolders)}')


def _bytes_to_unicode():
    """GPT-2/CLIP's reversible byte → printable-unicode table (used by CLIP's BPE vocabulary)."""
    bs = (list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) +
          list(range(ord('®'), ord('ÿ') + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def write_tiny_clip_tokenizer(folder, texts=(), num_merges=200, model_max_length=77):
    """A small CLIP BPE tokenizer: the 256 byte symbols (plain and word-final), merges learnt
    greedily from ``texts`` (the project's own action texts), saved in the CLIP format."""
    from collections import Counter

    from transformers import CLIPTokenizer
    symbols = _bytes_to_unicode()
    vocab = symbols + [s + '</w>' for s in symbols]
    words = Counter()
    for text in texts:
        for w in text.lower().split():
            words[tuple(w[:-1]) + (w[-1] + '</w>',)] += 1
    merges = []
    for _ in range(num_merges):
        pairs = Counter()
        for w, c in words.items():
            for a, b in zip(w[:-1], w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        (a, b), _ = pairs.most_common(1)[0]
        merges.append(f'{a} {b}')
        vocab.append(a + b)
        new = Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == (a, b):
                    out.append(a + b)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] += c
        words = new
    vocab += ['<|startoftext|>', '<|endoftext|>']
    os.makedirs(folder, exist_ok=True)
    with open(osp.join(folder, 'vocab.json'), 'w') as f:
        json.dump({tok: i for i, tok in enumerate(dict.fromkeys(vocab))}, f)
    with open(osp.join(folder, 'merges.txt'), 'w') as f:
        f.write('#version: 0.2\n' + ''.join(m + '\n' for m in merges))
    tok = CLIPTokenizer(osp.join(folder, 'vocab.json'), osp.join(folder, 'merges.txt'),
                        model_max_length=model_max_length)
    tok.save_pretrained(folder)
    return tok


def write_tiny_sd15_folder(path, block_out_channels=(32, 64), cross_attention_dim=32,
                           sample_size=8, texts=(), seed=0, pixel_space=False,
                           full_res_attention=None, prediction_type=None):
    """Write a tiny SD1.5-layout folder (random weights): UNet, VAE, CLIP text encoder,
    tokenizer, DDPM scheduler config. ``pixel_space=True`` writes a 3-channel UNet and no VAE
    (the CPU default's backbone denoises RGB frames directly).

    ``full_res_attention`` (default: not ``pixel_space``) puts cross-attention transformers in the
    first (full-resolution) down block as SD1.5 does; a pixel-space UNet skips them there —
    attention over every pixel of a 32 px frame was 68 % of a training step on CPU.

    ``prediction_type`` (the scheduler's; default ``'epsilon'`` as SD1.5, ``'sample'`` for a
    pixel-space UNet): a tiny pixel-space backbone trained for minutes predicts noise too poorly
    at mid-range noise levels, and DDIM carries that error into visibly noisy frames; predicting
    the clean frame instead gives blurry but clean samples (measured: see docs/benchmarks.md).
    Returns ``path``."""
    import torch
    from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel
    torch.manual_seed(seed)
    n = len(block_out_channels)
    channels = 3 if pixel_space else 4
    full_res_attention = (not pixel_space) if full_res_attention is None else full_res_attention
    attn = [full_res_attention] + [True] * (n - 2) + [False] if n > 1 else [full_res_attention]
    if pixel_space and n > 1 and not full_res_attention:
        attn[-1] = True          # keep text conditioning somewhere below full resolution
    down = tuple('CrossAttnDownBlock2D' if a else 'DownBlock2D' for a in attn)
    up = tuple('CrossAttnUpBlock2D' if a else 'UpBlock2D' for a in reversed(attn))
    UNet2DConditionModel(
        sample_size=sample_size, in_channels=channels, out_channels=channels, layers_per_block=1,
        block_out_channels=tuple(block_out_channels), cross_attention_dim=cross_attention_dim,
        down_block_types=down, up_block_types=up,
        norm_num_groups=8, attention_head_dim=8).save_pretrained(osp.join(path, 'unet'))
    if not pixel_space:
        AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, norm_num_groups=8,
                      block_out_channels=(8, 16, 16, 16), layers_per_block=1,
                      down_block_types=('DownEncoderBlock2D',) * 4,
                      up_block_types=('UpDecoderBlock2D',) * 4,
                      sample_size=sample_size * 8).save_pretrained(osp.join(path, 'vae'))
    tok = write_tiny_clip_tokenizer(osp.join(path, 'tokenizer'), texts)
    CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tok), hidden_size=cross_attention_dim, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=77,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id)).save_pretrained(osp.join(path, 'text_encoder'))
    if prediction_type is None:
        prediction_type = 'sample' if pixel_space else 'epsilon'
    DDPMScheduler(num_train_timesteps=1000, beta_schedule='scaled_linear', beta_start=0.00085,
                  beta_end=0.012, clip_sample=False,
                  prediction_type=prediction_type).save_pretrained(osp.join(path, 'scheduler'))
    return path


def write_tiny_motion_adapter(path, block_out_channels=(32, 64), max_frames=16, seed=0):
    """Write a tiny AnimateDiff MotionAdapter folder matching :func:`write_tiny_sd15_folder`."""
    import torch
    from diffusers import MotionAdapter
    torch.manual_seed(seed)
    MotionAdapter(block_out_channels=tuple(block_out_channels), motion_layers_per_block=1,
                  motion_norm_num_groups=8, motion_num_attention_heads=2,
                  motion_max_seq_length=max_frames).save_pretrained(path)
    return path
