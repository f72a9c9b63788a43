"""Multi-scale heatmap rendering, side by side in one run:

* ours — ``MultiScaleHeatmapRenderer`` (separable Gaussians, one batched outer product);
* mmpose — its own ``MSRAHeatmap`` codec (``unbiased=True``: sub-pixel, like ours) encoding the
  same keypoints frame by frame and level by level;
* floor — just writing the output tensors (``torch.empty(...).fill_(0)`` of the same shapes).

    python tools/analysis_tools/benchmark_heatmaps.py [--batch 2] [--frames 16] [--size 512]

Checks that both produce the same maps (max difference printed). Ends with ``RESULT`` lines.
"""
import argparse

import numpy as np
import torch

from finephys.models.guidance import MultiScaleHeatmapRenderer
from finephys.utils.benchmark import best_of


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--batch', type=int, default=2)
    p.add_argument('--frames', type=int, default=16)
    p.add_argument('--size', type=int, default=512)
    p.add_argument('--sigma', type=float, default=16.0)
    p.add_argument('--repeats', type=int, default=5)
    args = p.parse_args(argv)
    from mmpose.codecs import MSRAHeatmap
    strides = (8, 16, 32, 64)
    b, t, s = args.batch, args.frames, args.size
    renderer = MultiScaleHeatmapRenderer((s, s), strides, args.sigma, min_sigma=0.0,
                                         truncate=None)
    torch.manual_seed(0)
    kp = torch.rand(b, t, 17, 2) * s
    scores = torch.ones(b, t, 17)
    codecs = [MSRAHeatmap(input_size=(s, s), heatmap_size=(s // st, s // st),
                          sigma=renderer.level_sigma(st), unbiased=True) for st in strides]
    kp_np = kp.numpy()

    def ours():
        return renderer(kp, scores)

    def mmpose():
        # mmpose puts heatmap pixel i at coordinate i, ours at its centre i + 0.5: shift by
        # half a level pixel so both encode the same continuous Gaussian
        return [np.stack([np.stack([c.encode(kp_np[i, f][None] - 0.5 * st)['heatmaps']
                                    for f in range(t)]) for i in range(b)])
                for c, st in zip(codecs, strides)]

    shapes = [(b, t, 17, s // st, s // st) for st in strides]

    def floor():
        return [torch.empty(sh).fill_(0.0) for sh in shapes]

    with torch.no_grad():
        t_ours = best_of(ours, args.repeats)
        t_floor = best_of(floor, args.repeats)
    t_mmpose = best_of(mmpose, max(1, args.repeats // 2))
    diff = max(float(np.abs(a.numpy() - m).max()) for a, m in zip(ours(), mmpose()))
    n_values = sum(np.prod(sh) for sh in shapes)
    print(f'{b}x{t} frames, 17 joints, {s}px image, strides {strides} '
          f'({n_values / 1e6:.1f} M heatmap values)')
    print(f'{"ours":10s} {t_ours * 1e3:9.2f} ms')
    print(f'{"mmpose":10s} {t_mmpose * 1e3:9.2f} ms   ({t_mmpose / t_ours:.1f}x slower than ours)')
    print(f'{"floor":10s} {t_floor * 1e3:9.2f} ms   (ours = {t_ours / t_floor:.2f}x the floor)')
    print(f'max |ours - mmpose| = {diff:.2e}')
    print(f'RESULT heatmaps_speedup_vs_mmpose={t_mmpose / t_ours:.2f}')
    print(f'RESULT heatmaps_over_floor={t_ours / t_floor:.3f}')
    print(f'RESULT heatmaps_max_abs_diff_vs_mmpose={diff:.3e}')


if __name__ == '__main__':
    main()
