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
from finephys.utils.errors import InputDataError


def lifters_needing_prompts(model):
    """Sub-modules of ``model`` (unwrapped) that take a prompt pool and have none yet."""
    model = model.module if is_model_wrapper(model) else model
    return [m for m in model.modules()
            if hasattr(m, 'set_prompt_pool') and m.needs_prompt_pool()]


def without_pipelines(cfg: dict) -> dict:
    """A copy of dataset config ``cfg`` whose clips come raw: its pipeline emptied, and those of
    the datasets it wraps (``ConcatDataset``'s ``datasets``, a ``RepeatDataset``'s ``dataset``),
    which hold the pipelines there."""
    cfg = copy.deepcopy(cfg)
    if 'datasets' in cfg:
        cfg['datasets'] = [without_pipelines(c) for c in cfg['datasets']]
    elif 'dataset' in cfg:
        cfg['dataset'] = without_pipelines(cfg['dataset'])
    else:
        cfg['pipeline'] = []
    return cfg


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

    **Data without 3D** (FineGym, stage 2): with ``targets='lifted'`` the pool's 3D are the
    loaded lifter's own answers for the training set's detected 2D (pseudo-labels,
    :meth:`SkeletonPool.from_lifted`): start from a stage-1 checkpoint (``load_from``), whose
    pool (from its 3D-labelled world) lifts them; the new pool then replaces it, so the prompts
    show the target data's poses. Checkpoints record where their pool came from
    (``meta['prompt_pool_source']``): a resumed stage-2 run keeps its pool, a stage-1 checkpoint
    loaded into stage 2 gets a new one.

    Args:
        num_clips (int): Pool size (fewer when the dataset is smaller).
        clip_len (int, optional): Frames per entry (None: the clips' own length). Prompts are
            resampled in time to the query's length when they differ.
        dataset (dict, optional): DATASETS config to build the pool from instead of the
            training set (e.g. a 3D-labelled set when the training set has only 2D).
        keypoints_2d (str): The prompts' 2D: ``'projected'`` (exact projection of their 3D:
            a noise-free example of the task, default) or ``'detected'`` (the dataset's 2D).
        targets (str): The prompts' 3D: ``'labels'`` (the dataset's ``keypoints_3d``) or
            ``'lifted'`` (the loaded lifter's answers; ``clip_len`` is then required).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, num_clips: int = 128, clip_len: Optional[int] = None,
                 dataset: Optional[dict] = None, keypoints_2d: str = 'projected',
                 targets: str = 'labels'):
        if num_clips < 1:
            raise ValueError(f'PromptPoolHook num_clips={num_clips}: expected ≥ 1')
        if keypoints_2d not in ('projected', 'detected'):
            raise ValueError(f"PromptPoolHook keypoints_2d={keypoints_2d!r}: expected "
                             "'projected' or 'detected'")
        if targets not in ('labels', 'lifted'):
            raise ValueError(f"PromptPoolHook targets={targets!r}: expected 'labels' or 'lifted'")
        if targets == 'lifted' and not clip_len:
            raise ValueError("PromptPoolHook targets='lifted' needs clip_len (the prompts' "
                             'length; clips without 3D vary in length)')
        self.num_clips, self.clip_len, self.dataset = num_clips, clip_len, dataset
        self.keypoints_2d, self.targets = keypoints_2d, targets
        self.loaded_source = None     # meta['prompt_pool_source'] of the loaded checkpoint
        self.source = None            # where the lifters' current pool came from

    def source_id(self, cfg: dict) -> str:
        """A name for the pool this hook builds from dataset config ``cfg``."""
        what = {k: cfg.get(k) for k in ('type', 'ann_file', 'data_root', 'subset', 'split',
                                        'num_samples', 'seed') if cfg.get(k) is not None}
        return f'{self.targets}:' + ','.join(f'{k}={v}' for k, v in sorted(what.items()))

    def dataset_config(self, runner):
        """``(dataset config without pipeline, where)`` the pool is built from."""
        if self.dataset is not None:
            cfg, where = self.dataset, 'PromptPoolHook dataset'
        else:
            train = runner.cfg.get('train_dataloader')
            if not train or 'dataset' not in train:
                raise InputDataError('PromptPoolHook: the config has no train_dataloader.dataset '
                                     'to build the prompt pool from; give PromptPoolHook(dataset='
                                     '...) or load a checkpoint that carries a pool')
            cfg, where = train['dataset'], 'train_dataloader.dataset'
        return without_pipelines(cfg), where

    def build_pool(self, runner, lifter=None) -> SkeletonPool:
        """The pool from ``dataset`` or the runner config's training set (``targets='lifted'``:
        3D by ``lifter``, which must already hold a pool)."""
        cfg, where = self.dataset_config(runner)
        start = time.perf_counter()
        dataset = DATASETS.build(cfg)
        n = len(dataset)
        if n == 0:
            raise InputDataError(f'PromptPoolHook: {where} ({cfg.get("type")}) is empty')
        indices = np.unique(np.linspace(0, n - 1, min(self.num_clips, n)).round().astype(int))
        if self.targets == 'lifted':
            pool = SkeletonPool.from_lifted(dataset, self.lift_with(lifter), self.clip_len,
                                            indices=indices, keypoints_2d=self.keypoints_2d)
            print_log(f'PromptPoolHook: prompt pool of {len(pool)} clips × {self.clip_len} frames '
                      f'from {where} ({cfg.get("type")}, {n} clips), 3D lifted by the loaded '
                      f'lifter, in {time.perf_counter() - start:.1f} s', logger='current',
                      level=logging.INFO)
            return pool
        first = dataset[int(indices[0])]
        if 'keypoints_3d' not in first or 'camera' not in first:
            raise InputDataError(
                f'PromptPoolHook: {where} ({cfg.get("type")}) has no 3D labels (keypoints_3d, '
                'camera) for prompts; give PromptPoolHook(dataset=<a 3D-labelled set>) or load '
                "a checkpoint that carries a pool, or lift them: PromptPoolHook(targets='lifted', "
                'clip_len=...) with load_from a stage-1 checkpoint')
        pool = SkeletonPool.from_dataset(dataset, clip_len=self.clip_len, indices=indices,
                                         keypoints_2d=self.keypoints_2d)
        print_log(f'PromptPoolHook: prompt pool of {len(pool)} clips × '
                  f'{pool.keypoints_2d.shape[1]} frames ({self.keypoints_2d} 2D) from {where} '
                  f'({cfg.get("type")}, {n} clips) in {time.perf_counter() - start:.1f} s',
                  logger='current', level=logging.INFO)
        return pool

    @staticmethod
    def lift_with(lifter):
        """``lift(kp_norm, scores)`` (numpy) running ``lifter`` in eval mode without gradients."""
        import torch

        def lift(kp, scores):
            device = next(lifter.parameters()).device
            was_training = lifter.training
            lifter.eval()
            try:
                with torch.no_grad():
                    out = lifter(torch.as_tensor(kp, device=device),
                                 torch.as_tensor(scores, device=device))
            finally:
                lifter.train(was_training)
            return out.cpu().numpy()
        return lift

    @staticmethod
    def no_pool_to_lift_with() -> InputDataError:
        return InputDataError(
            "PromptPoolHook(targets='lifted'): the lifter has no prompt pool to lift the "
            'training clips with; load a stage-1 checkpoint (load_from=...) whose lifter '
            'carries one')

    def fill(self, runner) -> None:
        """Set a pool on every lifter that has none (one pool built, shared)."""
        lifters = lifters_needing_prompts(runner.model)
        if not lifters:
            return
        if self.targets == 'lifted':
            raise self.no_pool_to_lift_with()
        pool = self.build_pool(runner)
        self.source = self.source_id(self.dataset_config(runner)[0])
        for lifter in lifters:
            lifter.set_prompt_pool(pool)

    def relift(self, runner) -> None:
        """``targets='lifted'``: replace the loaded pool by one lifted from this config's data,
        unless the checkpoint's pool already is that one (a resumed run)."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        lifters = [m for m in model.modules() if hasattr(m, 'set_prompt_pool')]
        if not lifters:
            return
        wanted = self.source_id(self.dataset_config(runner)[0])
        if self.loaded_source == wanted:
            self.source = wanted
            return
        if any(lifter.needs_prompt_pool() for lifter in lifters):
            raise self.no_pool_to_lift_with()
        pool = self.build_pool(runner, lifters[0])
        for lifter in lifters:
            lifter.set_prompt_pool(pool)
        self.source = wanted

    def after_load_checkpoint(self, runner, checkpoint) -> None:
        self.loaded_source = (checkpoint.get('meta') or {}).get('prompt_pool_source')
        self.source = self.loaded_source

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        if self.source is not None:
            checkpoint.setdefault('meta', {})['prompt_pool_source'] = self.source

    def before_train(self, runner) -> None:
        if self.targets == 'lifted':
            self.relift(runner)
        else:
            self.fill(runner)

    def before_val(self, runner) -> None:
        self.fill(runner)

    def before_test(self, runner) -> None:
        self.fill(runner)
