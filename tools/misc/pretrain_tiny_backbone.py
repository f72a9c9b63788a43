"""Pretrain the tiny pixel-space backbone on SynthGym videos — the CPU stand-in for the public
SD1.5 + AnimateDiff weights a GPU user starts from.

    python tools/misc/pretrain_tiny_backbone.py work_dirs/pretrained/tiny-sd15-pixel \\
        work_dirs/pretrained/tiny-motion-adapter --out work_dirs/pretrained/synthgym \\
        [--iters 600] [--batch-size 4] [--frames 8] [--size 32] [--data-root DIR]

FinePhys' stage 3 trains only LoRA and the skeleton adapter on top of a frozen backbone that
can already draw the world. The tiny stand-ins are random, so this tool gives them that
pretraining: text-conditioned denoising (no skeletons) of SynthGym clips, every UNet and
motion-module weight trained. It loads the folders with diffusers' ``from_pretrained`` and
writes the result back in the same layouts (``<out>/sd15/{unet,text_encoder,tokenizer,
scheduler}`` and ``<out>/motion_adapter``), so stage 3 loads it exactly as it would load real
weights. A loss curve is written to ``<out>/pretrain_loss.png``.

Ends with ``RESULT pretrain_loss_first=…`` and ``RESULT pretrain_loss_last=…`` (mean denoising
loss of the first and last 10 % of iterations).
"""
import argparse
import os
import os.path as osp
import shutil
import time

import numpy as np
import torch


def split_motion_unet(unet_motion, unet2d_config):
    """The 2D part of a ``UNetMotionModel`` as a ``UNet2DConditionModel`` (its motion modules
    are saved separately with ``save_motion_modules``).

    ``UNetMotionModel.from_unet2d`` keeps the 2D modules' parameter names, so the 2D UNet is the
    state dict without the motion modules (loaded strictly: a renamed key fails loudly)."""
    from diffusers import UNet2DConditionModel
    unet2d = UNet2DConditionModel.from_config(unet2d_config)
    state = {k: v for k, v in unet_motion.state_dict().items() if '.motion_modules.' not in k}
    unet2d.load_state_dict(state, strict=True)
    return unet2d


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('pretrained_model_path', help='pixel-space SD1.5-layout folder')
    p.add_argument('motion_adapter_path')
    p.add_argument('--out', required=True)
    p.add_argument('--iters', type=int, default=600)
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--frames', type=int, default=8, help='frames per training video')
    p.add_argument('--clip-frames', type=int, default=16,
                   help='SynthGym clip length; the centre --frames are used (as stage 3 does)')
    p.add_argument('--size', type=int, default=32)
    p.add_argument('--clips', type=int, default=256, help='SynthGym training clips to cycle')
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--data-root', default=None, help='SynthGym cache (generate_synthgym.py)')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()

    from diffusers import DDPMScheduler, MotionAdapter, UNet2DConditionModel, UNetMotionModel
    from mmengine.logging import MMLogger
    from tqdm import tqdm
    from transformers import CLIPTextModel, CLIPTokenizer

    from finephys.datasets import SynthGymDataset
    from finephys.models.generators import check_pretrained_folder
    from finephys.utils.launch import UserInputError

    src = args.pretrained_model_path
    check_pretrained_folder(src, ('unet', 'text_encoder', 'tokenizer', 'scheduler'))
    logger = MMLogger.get_instance('pretrain_tiny_backbone', log_level='INFO')
    torch.manual_seed(args.seed)
    unet2d = UNet2DConditionModel.from_pretrained(src, subfolder='unet')
    if unet2d.config.in_channels != 3:
        raise UserInputError(f'{src}/unet has in_channels={unet2d.config.in_channels}; this tool '
                         'pretrains a pixel-space (3-channel) backbone')
    unet = UNetMotionModel.from_unet2d(unet2d, MotionAdapter.from_pretrained(args.motion_adapter_path))
    tokenizer = CLIPTokenizer.from_pretrained(src, subfolder='tokenizer')
    text_encoder = CLIPTextModel.from_pretrained(src, subfolder='text_encoder').requires_grad_(False)
    scheduler = DDPMScheduler.from_pretrained(src, subfolder='scheduler')
    data = SynthGymDataset(num_samples=args.clips, split='train', num_frames=args.clip_frames,
                           render_size=args.size, data_root=args.data_root)

    @torch.no_grad()
    def encode(texts):
        ids = tokenizer(list(texts), padding='max_length', truncation=True,
                        max_length=tokenizer.model_max_length, return_tensors='pt').input_ids
        return text_encoder(ids)[0]

    texts = {}
    optim = torch.optim.AdamW(unet.parameters(), lr=args.lr, weight_decay=0.0)
    warmup = max(args.iters // 20, 1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda i: min((i + 1) / warmup, 0.5 * (1 + np.cos(np.pi * i / args.iters))))
    rng = np.random.default_rng(args.seed)
    losses, t0 = [], time.time()
    unet.train()
    for it in tqdm(range(args.iters), desc='pretrain tiny backbone', mininterval=5):
        idx = rng.integers(0, len(data), args.batch_size)
        clips = [data[int(i)] for i in idx]
        s0 = (args.clip_frames - args.frames) // 2
        video = torch.from_numpy(np.stack([c['video'][s0:s0 + args.frames] for c in clips]))
        x = video.permute(0, 4, 1, 2, 3).float() / 127.5 - 1.0       # (B, F, H, W, 3) → (B, 3, F, H, W)
        for c in clips:
            if c['text'] not in texts:
                texts[c['text']] = encode([c['text']])[0]
        text = torch.stack([texts[c['text']] for c in clips])
        # 10 % unconditional (empty-text) samples so classifier-free guidance has a null branch
        drop = torch.from_numpy(rng.random(len(clips)) < 0.1)
        if drop.any():
            text[drop] = encode(['blurry'])[0]
        noise = torch.randn_like(x)
        t = torch.randint(0, scheduler.config.num_train_timesteps, (len(x),))
        noisy = scheduler.add_noise(x, noise, t)
        pred = unet(noisy, t, encoder_hidden_states=text.repeat_interleave(x.shape[2], 0)).sample
        kind = scheduler.config.prediction_type
        target = dict(epsilon=noise, sample=x).get(kind)
        target = scheduler.get_velocity(x, noise, t) if kind == 'v_prediction' else target
        loss = torch.nn.functional.mse_loss(pred, target)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        optim.step()
        sched.step()
        losses.append(float(loss))
        if (it + 1) % 50 == 0:
            logger.info(f'iter {it + 1}/{args.iters} loss {np.mean(losses[-50:]):.4f} '
                        f'({(time.time() - t0) / (it + 1):.2f} s/iter)')

    out_sd = osp.join(args.out, 'sd15')
    os.makedirs(out_sd, exist_ok=True)
    for sub in ('text_encoder', 'tokenizer', 'scheduler'):
        shutil.copytree(osp.join(src, sub), osp.join(out_sd, sub), dirs_exist_ok=True)
    unet.eval()
    split_motion_unet(unet, unet2d.config).save_pretrained(osp.join(out_sd, 'unet'))
    unet.save_motion_modules(osp.join(args.out, 'motion_adapter'))

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    k = max(len(losses) // 50, 1)
    smooth = np.convolve(losses, np.ones(k) / k, mode='valid')
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(losses, alpha=0.3, label='per iteration')
    ax.plot(np.arange(len(smooth)) + k - 1, smooth, label=f'mean of {k}')
    ax.set_xlabel('iteration'), ax.set_ylabel('denoising MSE'), ax.legend()
    ax.set_title('tiny backbone pretraining on SynthGym')
    fig.tight_layout()
    fig.savefig(osp.join(args.out, 'pretrain_loss.png'), dpi=100)
    n = max(len(losses) // 10, 1)
    logger.info(f'pretrained backbone written to {osp.abspath(args.out)} '
                f'({(time.time() - t0) / 60:.1f} min)')
    print(f'RESULT pretrain_loss_first={np.mean(losses[:n]):.4f}')
    print(f'RESULT pretrain_loss_last={np.mean(losses[-n:]):.4f}')


if __name__ == '__main__':
    from finephys.utils.launch import friendly_errors
    with friendly_errors('pretrain_tiny_backbone.py'):
        main()
