"""``SynthGymDataset``: SynthGym clips for MMEngine runners, generated on the fly or from a cache."""
import json
import os.path as osp
from collections import OrderedDict
from typing import List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from finephys.registry import DATASETS
from finephys.utils.errors import InputDataError

from .bad_samples import SkipBadSamplesMixin
from .clip_source import source_id
from .seeded_augmentation import SeededAugmentationMixin
from .synthgym import ACTIONS, KeypointNoise, generate_clip, simulate_world
from .synthgym.actions import check_action, check_subsets
from .synthgym_cache import CACHE_INDEX, generation_settings, load_cached_clip
from .text_expansion import TextExpander

SPLITS = ('train', 'val', 'test')


def sample_seed(seed: int, split: str, index: int) -> int:
    """Seed of sample ``index`` of ``split``: disjoint streams per split (a SeedSequence of
    (seed, split id, index)), so train/val/test never share a sample."""
    return int(np.random.SeedSequence([int(seed), SPLITS.index(split), int(index)])
               .generate_state(1)[0])


@DATASETS.register_module()
class SynthGymDataset(SeededAugmentationMixin, SkipBadSamplesMixin, BaseDataset):
    """SynthGym clips (see :mod:`finephys.datasets.synthgym`).

    Sample ``i`` of a split performs class ``classes[i % len(classes)]`` (balanced) with seed
    :func:`sample_seed` ``(seed, split, i)``: deterministic per (seed, split, index).

    Args:
        num_samples (int): Samples in this split.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        seed (int): Base seed of the world.
        subsets (list[str], optional): Keep these subsets (``'FX-JUMP'``, ``'FX-TURN'``,
            ``'FX-SALTO'``).
        classes (list[str], optional): Keep these action names (intersected with ``subsets``).
        num_frames (int): Frames per clip (window centred on the element).
        fps (float): Frame rate.
        render_size (int, optional): Render video at this size (None: skeletons only).
        image_size (int): Pixel frame of the 2D keypoints when not rendering.
        noise (dict, optional): :class:`KeypointNoise` parameters.
        data_root (str, optional): Folder written by ``tools/dataset_converters/
            generate_synthgym.py``; clips are read from ``<data_root>/<split>/`` when present.
        text_template (str, optional): The ``text`` (the generator's prompt) as a
            :class:`~finephys.datasets.text_expansion.TextExpander` template over the class
            ``name``, ``description`` (the shipped gym99 description, as FineGym clips get),
            ``subset``, ``label``; None: the class name.
        text_override_file (str, optional): A user's descriptions (JSON), replacing shipped ones.
        camera_tilt_deg (float): > 0: tilted cameras (looking down by up to this many degrees
            and rolled by up to ± this many; ``generate_clip``'s ``camera_tilt_deg``); 0 (default):
            broadcast cameras.
        motion_cache_size (int): Simulated motions kept in memory (per process, LRU). The
            physics simulation is the expensive part of a clip (~75 ms); camera, noise and
            projection (~2 ms) are redone per access, so from the second epoch on, on-the-fly
            generation costs little. 0 disables.
        pipeline (list): Transforms.
        test_mode (bool): As in :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO = dict(dataset_name='synthgym', skeleton='h36m17', num_keypoints=17)

    def __init__(self, num_samples: int = 100, split: str = 'train', seed: int = 0,
                 subsets: Optional[Sequence[str]] = None, classes: Optional[Sequence[str]] = None,
                 num_frames: int = 48, fps: float = 30.0, render_size: Optional[int] = None,
                 image_size: int = 256, noise: Optional[dict] = None,
                 data_root: Optional[str] = None, motion_cache_size: int = 4096,
                 text_template: Optional[str] = None, text_override_file: Optional[str] = None,
                 camera_tilt_deg: float = 0.0, pipeline: Sequence = (),
                 test_mode: bool = False, lazy_init: bool = False, **kwargs):
        if split not in SPLITS:
            raise InputDataError(f'SynthGymDataset split={split!r}: expected one of {list(SPLITS)}')
        if int(num_samples) <= 0:
            raise InputDataError(f'SynthGymDataset num_samples={num_samples!r}: expected > 0')
        names = list(ACTIONS)
        if subsets is not None:
            keep = set(check_subsets(subsets))
            names = [n for n in names if ACTIONS[n]['subset'] in keep]
        if classes is not None:
            for c in classes:
                check_action(c)
            names = [n for n in names if n in set(classes)]
        if not names:
            raise InputDataError(f'SynthGymDataset: subsets={subsets} and classes={classes} '
                                 'leave no class')
        self.action_names = names
        self.num_samples, self.split, self.seed = int(num_samples), split, int(seed)
        self.noise = KeypointNoise(**(noise or {}))
        self.settings = generation_settings(num_frames=num_frames, fps=fps,
                                            render_size=render_size, image_size=image_size,
                                            noise=self.noise.to_dict(), seed=self.seed)
        if camera_tilt_deg < 0 or not np.isfinite(camera_tilt_deg):
            raise InputDataError(f'SynthGymDataset camera_tilt_deg={camera_tilt_deg!r}: expected '
                                 'a finite angle >= 0')
        self.camera_tilt_deg = float(camera_tilt_deg)
        if self.camera_tilt_deg:       # (only then: caches written before it stay valid)
            self.settings['camera_tilt_deg'] = self.camera_tilt_deg
        self.cache_dir = osp.join(data_root, split) if data_root else None
        self.num_regenerated = 0
        self.motion_cache_size = int(motion_cache_size)
        self.texts = (None if text_template is None else
                      TextExpander(text_template, override_file=text_override_file))
        self._motions = OrderedDict()
        metainfo = dict(classes=names, subsets=sorted({ACTIONS[n]['subset'] for n in names}),
                        labels=[ACTIONS[n]['label'] for n in names], fps=float(fps),
                        num_frames=int(num_frames))
        super().__init__(metainfo=metainfo, data_root=data_root or '', pipeline=pipeline,
                         test_mode=test_mode, lazy_init=lazy_init, serialize_data=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        cached = {}
        if self.cache_dir is not None:
            cached = self._read_cache_index()
        data_list = []
        for i in range(self.num_samples):
            action = self.action_names[i % len(self.action_names)]
            seed = sample_seed(self.seed, self.split, i)
            data_list.append(dict(sample_idx=i, action=action, seed=seed,
                                  label=ACTIONS[action]['label'],
                                  class_idx=self.action_names.index(action),
                                  cache_file=cached.get((action, seed))))
        if self.cache_dir is not None:
            hits = sum(d['cache_file'] is not None for d in data_list)
            print_log(f'SynthGym {self.split}: {hits}/{len(data_list)} clips from cache '
                      f'{self.cache_dir}, the rest generated on the fly', logger='current')
        return data_list

    def _read_cache_index(self):
        index_file = osp.join(self.cache_dir, CACHE_INDEX)
        if not osp.isfile(index_file):
            print_log(f'SynthGym cache {index_file} not found: generating on the fly',
                      logger='current')
            return {}
        with open(index_file) as f:
            index = json.load(f)
        if index.get('settings') != self.settings:
            raise InputDataError(
                f'SynthGym cache {index_file} was written with settings {index.get("settings")}, '
                f'but the dataset asks for {self.settings}; regenerate it with '
                'tools/dataset_converters/generate_synthgym.py or drop data_root')
        return {(s['action'], int(s['seed'])): osp.join(self.cache_dir, s['file'])
                for s in index['samples']}

    def _motion(self, action, seed):
        """The simulated motion of (action, seed), memoised (LRU)."""
        key = (action, seed)
        if key in self._motions:
            self._motions.move_to_end(key)
            return self._motions[key]
        motion = simulate_world(action, seed, fps=self.settings['fps'],
                                num_frames=self.settings['num_frames'])
        if self.motion_cache_size > 0:
            self._motions[key] = motion
            while len(self._motions) > self.motion_cache_size:
                self._motions.popitem(last=False)
        return motion

    def get_data_info(self, idx: int) -> dict:
        info = dict(self.data_list[idx])
        clip = None
        if info['cache_file'] is not None:
            try:
                clip = load_cached_clip(info['cache_file'])
            except (OSError, ValueError, KeyError) as err:
                self.num_regenerated += 1
                print_log(f'SynthGym cache file {info["cache_file"]} unreadable ({err}); '
                          f'regenerating it ({self.num_regenerated} so far)', logger='current',
                          level=30)
        if clip is None:
            s = self.settings
            clip = generate_clip(info['action'], info['seed'], num_frames=s['num_frames'],
                                 fps=s['fps'], render_size=s['render_size'],
                                 image_size=s['image_size'], noise=self.noise,
                                 motion=self._motion(info['action'], info['seed']),
                                 camera_tilt_deg=self.camera_tilt_deg)
        clip.update(sample_idx=info['sample_idx'], class_idx=info['class_idx'],
                    source_id=source_id(f'synthgym/seed{self.seed}/{self.split}/'
                                        f'{info["sample_idx"]}'))
        if self.texts is not None:
            clip['text'] = self.texts(clip['label'], info['action'],
                                      ACTIONS[info['action']]['subset'])
        return clip
