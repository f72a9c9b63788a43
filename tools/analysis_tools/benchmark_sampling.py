"""Sampling cost, side by side in one run on the same tiny components, steps and seed:

* ours — ``AnimateDiffGenerator.sample`` with guidance disabled;
* diffusers — ``AnimateDiffPipeline`` built from the very same VAE / text encoder / tokenizer /
  UNetMotionModel / DDIM scheduler;
* the skeleton path (FinePhysSkeleton + heatmaps + adapter), which runs once per video.

    python tools/analysis_tools/benchmark_sampling.py [--steps 25] [--frames 8] [--size 64]

Ends with ``RESULT`` lines: our time over diffusers' (target ≤ 1.1) and the skeleton path's share
of a sampling run (target ≤ 10 %).
"""
import argparse
import tempfile

import torch

from finephys.utils.benchmark import best_of


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--steps', type=int, default=25)
    p.add_argument('--frames', type=int, default=8)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--repeats', type=int, default=3)
    args = p.parse_args(argv)
    from diffusers import AnimateDiffPipeline

    from finephys.models.generators import (AnimateDiffGenerator, write_tiny_motion_adapter,
                                            write_tiny_sd15_folder)
    from finephys.registry import GUIDANCE, MODELS
    from finephys.utils import register_all_modules
    register_all_modules()
    tmp = tempfile.mkdtemp()
    gen = AnimateDiffGenerator(write_tiny_sd15_folder(f'{tmp}/sd', texts=['split leap']),
                               write_tiny_motion_adapter(f'{tmp}/ma')).eval()
    pipe = AnimateDiffPipeline(vae=gen.vae, text_encoder=gen.text_encoder,
                               tokenizer=gen.tokenizer, unet=gen.unet, motion_adapter=None,
                               scheduler=gen.sampler)
    pipe.set_progress_bar_config(disable=True)
    kw = dict(num_frames=args.frames, height=args.size, width=args.size,
              guidance_scale=7.5)

    def ours():
        gen.sample('split leap', steps=args.steps, generator=torch.Generator().manual_seed(0),
                   negative_prompt='blurry', **kw)

    def theirs():
        pipe('split leap', negative_prompt='blurry', num_inference_steps=args.steps,
             generator=torch.Generator().manual_seed(0), output_type='pt', **kw)

    skeleton = MODELS.build(dict(type='FinePhysSkeleton',
                                 lifter=dict(type='TemporalConvLifter'),
                                 physics=dict(type='EulerLagrangeSolver'),
                                 fuser=dict(type='ComplementaryFuser'))).eval()
    renderer = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer',
                                   image_size=(args.size, args.size), strides=(8, 16)))
    adapter = GUIDANCE.build(dict(type='SkeletonAdapter', block_out_channels=(32, 64),
                                  layers_per_block=1)).eval()
    kp = torch.randn(1, args.frames, 17, 2) * 0.03
    k = torch.tensor([[args.size * 1.2, 0, args.size / 2], [0, args.size * 1.2, args.size / 2],
                      [0, 0, 1.0]]).expand(1, args.frames, 3, 3)

    def skeleton_path():
        out = skeleton.forward_stages(dict(keypoints_2d_norm=kp), dict(fps=torch.tensor([30.0])))
        from finephys.models.fusion import project_points
        adapter(renderer(project_points(out['fused'], k)))

    with torch.no_grad():
        ours(), theirs(), skeleton_path()     # warm-up
        t_ours = best_of(ours, args.repeats, warmup=False)
        t_theirs = best_of(theirs, args.repeats, warmup=False)
        t_skel = best_of(skeleton_path, args.repeats, warmup=False)
    print(f'{args.frames} frames, {args.size}px, {args.steps} DDIM steps, CFG 7.5, tiny components')
    print(f'{"ours (guidance off)":28s} {t_ours * 1e3:9.1f} ms')
    print(f'{"diffusers AnimateDiffPipeline":28s} {t_theirs * 1e3:9.1f} ms')
    print(f'{"skeleton path, once":28s} {t_skel * 1e3:9.1f} ms ({t_skel / t_ours:.1%} of a run)')
    print(f'RESULT sampling_ours_over_diffusers={t_ours / t_theirs:.3f}')
    print(f'RESULT skeleton_path_share_of_sampling={t_skel / t_ours:.4f}')


if __name__ == '__main__':
    main()
