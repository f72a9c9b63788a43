"""``GenerationVisualizationHook``: sample videos during training and write grids."""
import os
import os.path as osp

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.utils.data import default_collate

from finephys.registry import HOOKS
from finephys.visualization import draw_skeleton, write_video


@HOOKS.register_module()
class GenerationVisualizationHook(Hook):
    """Every ``interval`` training iterations (and after training), sample videos for the first
    ``num_clips`` clips of the training set and write, per clip, a row
    ``generated | guidance skeleton | ground truth`` as mp4 + gif under
    ``<work_dir>/vis/iter_<n>/``, plus its middle frame to the visualiser (TensorBoard).

    Args:
        interval (int): Iterations between samplings (0: only after training).
        num_clips (int): Clips to sample.
        seed (int): Sampling seed (the same noise every time, so grids are comparable).
    """

    priority = 'LOW'

    def __init__(self, interval: int = 0, num_clips: int = 2, seed: int = 0):
        self.interval, self.num_clips, self.seed = interval, num_clips, seed
        self._last_step = None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.interval and self.every_n_train_iters(runner, self.interval):
            self._sample(runner, runner.iter + 1)     # runner.iter counts from 0 here

    def after_train(self, runner):
        if self._last_step != runner.iter:            # not already sampled at the last iteration
            self._sample(runner, runner.iter)

    @torch.no_grad()
    def _sample(self, runner, step):
        self._last_step = step
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        dataset = runner.train_dataloader.dataset
        batch = default_collate([dataset[i] for i in range(min(self.num_clips, len(dataset)))])
        was_training = model.training
        model.eval()
        data = model.data_preprocessor(batch, False)
        outs = model.predict(data['inputs'], data['data_samples'],
                             torch.Generator().manual_seed(self.seed))
        model.train(was_training)
        out_dir = osp.join(runner.work_dir, 'vis', f'iter_{step}')
        os.makedirs(out_dir, exist_ok=True)
        fps = float(batch['data_samples']['fps'][0])
        for i, out in enumerate(outs):
            gen = out['video'].cpu().numpy()
            gt = data['inputs']['video'][i].cpu().numpy()
            skel = np.stack([draw_skeleton(np.zeros_like(f), k, thickness=1)
                             for f, k in zip(gen, out['guidance_keypoints_2d'].cpu().numpy())])
            row = np.concatenate([gen, skel, gt], axis=2)
            write_video(osp.join(out_dir, f'clip{i}.mp4'), row, fps)
            write_video(osp.join(out_dir, f'clip{i}.gif'), row, fps)
            runner.visualizer.add_image(f'generated_clip{i}', row[len(row) // 2], step=step)
        runner.logger.info(f'sample videos written to {out_dir}')
