"""``PromptPoolHook``: in-context lifters draw their prompts from the config's own training set."""
import copy
import logging
import time
from typing import Optional

import numpy as np
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from finephys.datasets.skeleton_pool import SkeletonPool
from finephys.registry import DATASETS, HOOKS
from finephys.utils.launch import InputDataError


def lifters_needing_prompts(model):
    """Sub-modules of ``model`` (unwrapped) that take a prompt pool and have none yet."""
    model = model.module if is_model_wrapper(model) else model
    return [m for m in model.modules()
            if hasattr(m, 'set_prompt_pool') and m.needs_prompt_pool()]


@HOOKS.register_module()
class PromptPoolHook(Hook):
    """Fill every in-context lifter's prompt pool from the task's training data.

    Before training (and before val/test when the loaded checkpoint carries no pool), the
    training dataset of the config (``train_dataloader.dataset``; or ``dataset`` when given) is
    built **without its pipeline** — raw clips: 2D as the lifter's input, 3D as its answer — and
    ``num_clips`` evenly spaced clips, cut centred to ``clip_len`` frames, become the pool
    (:meth:`SkeletonPool.from_dataset`). It is deterministic (same clips on every rank and every
    restart) and stored in the lifter's buffers, so checkpoints carry it and a resumed run or a
    test of a checkpoint uses the same prompts; the hook does nothing when a pool is present.

    Args:
        num_clips (int): Pool size (fewer when the dataset is smaller).
        clip_len (int, optional): Frames per entry (None: the clips' own length). Prompts are
            resampled in time to the query's length when they differ.
        dataset (dict, optional): DATASETS config to build the pool from instead of the
            training set (e.g. a 3D-labelled set when the training set has only 2D).
        keypoints_2d (str): The prompts' 2D: ``'projected'`` (exact projection of their 3D:
            a noise-free example of the task, default) or ``'detected'`` (the dataset's 2D).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, num_clips: int = 128, clip_len: Optional[int] = None,
                 dataset: Optional[dict] = None, keypoints_2d: str = 'projected'):
        if num_clips < 1:
            raise ValueError(f'PromptPoolHook num_clips={num_clips}: expected ≥ 1')
        if keypoints_2d not in ('projected', 'detected'):
            raise ValueError(f"PromptPoolHook keypoints_2d={keypoints_2d!r}: expected "
                             "'projected' or 'detected'")
        self.num_clips, self.clip_len, self.dataset = num_clips, clip_len, dataset
        self.keypoints_2d = keypoints_2d

    def build_pool(self, runner) -> SkeletonPool:
        """The pool from ``dataset`` or the runner config's training set."""
        cfg = self.dataset
        where = 'PromptPoolHook dataset'
        if cfg is None:
            train = runner.cfg.get('train_dataloader')
            if not train or 'dataset' not in train:
                raise InputDataError('PromptPoolHook: the config has no train_dataloader.dataset '
                                     'to build the prompt pool from; give PromptPoolHook(dataset='
                                     '...) or load a checkpoint that carries a pool')
            cfg, where = train['dataset'], 'train_dataloader.dataset'
        cfg = copy.deepcopy(cfg)
        cfg['pipeline'] = []
        start = time.perf_counter()
        dataset = DATASETS.build(cfg)
        n = len(dataset)
        if n == 0:
            raise InputDataError(f'PromptPoolHook: {where} ({cfg.get("type")}) is empty')
        indices = np.unique(np.linspace(0, n - 1, min(self.num_clips, n)).round().astype(int))
        first = dataset[int(indices[0])]
        if 'keypoints_3d' not in first or 'camera' not in first:
            raise InputDataError(
                f'PromptPoolHook: {where} ({cfg.get("type")}) has no 3D labels (keypoints_3d, '
                'camera) for prompts; give PromptPoolHook(dataset=<a 3D-labelled set>) or load '
                'a checkpoint that carries a pool')
        pool = SkeletonPool.from_dataset(dataset, clip_len=self.clip_len, indices=indices,
                                         keypoints_2d=self.keypoints_2d)
        print_log(f'PromptPoolHook: prompt pool of {len(pool)} clips × '
                  f'{pool.keypoints_2d.shape[1]} frames ({self.keypoints_2d} 2D) from {where} '
                  f'({cfg.get("type")}, {n} clips) in {time.perf_counter() - start:.1f} s', logger='current',
                  level=logging.INFO)
        return pool

    def fill(self, runner) -> None:
        """Set a pool on every lifter that has none (one pool built, shared)."""
        lifters = lifters_needing_prompts(runner.model)
        if not lifters:
            return
        pool = self.build_pool(runner)
        for lifter in lifters:
            lifter.set_prompt_pool(pool)

    def before_train(self, runner) -> None:
        self.fill(runner)

    def before_val(self, runner) -> None:
        self.fill(runner)

    def before_test(self, runner) -> None:
        self.fill(runner)
