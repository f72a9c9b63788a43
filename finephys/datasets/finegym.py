"""``FineGymVideoDataset``: FineGym gym99 element clips with their 2D skeletons and texts."""
import os.path as osp
import pickle
import re
from typing import List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from finephys.registry import DATASETS
from finephys.structures import coco17_to_h36m17
from finephys.utils.launch import InputDataError
from finephys.utils.safe_pickle import RefusedPickleError, load_restricted_pickle

from .bad_samples import SkipBadSamplesMixin
from .seeded_augmentation import SeededAugmentationMixin

# FX subsets of the paper, as rules on gym99's floor-exercise category texts
_JUMP = re.compile(r'\b(leap|jump|hop)\b')
FINEGYM_SUBSETS = {
    'FX-SALTO': lambda text: 'salto' in text,
    'FX-JUMP': lambda text: 'salto' not in text and bool(_JUMP.search(text)),
    'FX-TURN': lambda text: ('salto' not in text and not _JUMP.search(text)
                             and bool(re.search(r'\bturns?\b', text))),
}
_CATEGORY = re.compile(r'Clabel:\s*(\d+);\s*set:\s*(\d+);\s*Glabel:\s*(\d+);\s*\((\w+)\)\s*(.+)')


def parse_gym99_categories(path: str) -> dict:
    """``gym99_categories.txt`` → ``{Clabel: dict(set, glabel, event, text)}``.

    Lines read ``Clabel: 0; set: 1; Glabel: 1; (VT) round-off, flic-flac ...``; anything else
    (blank lines aside) is an error naming the line.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'FineGym categories file not found: {path}')
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            m = _CATEGORY.match(line.strip())
            if m is None:
                raise InputDataError(f'{path}:{n}: expected "Clabel: N; set: N; Glabel: N; (EVENT) '
                                     f'text", got {line.strip()!r}')
            out[int(m[1])] = dict(set=int(m[2]), glabel=int(m[3]), event=m[4], text=m[5].strip())
    if not out:
        raise InputDataError(f'{path}: no category line (empty categories file)')
    return out


def subset_labels(categories: dict, subset: str) -> List[int]:
    """Clabels of one of :data:`FINEGYM_SUBSETS` (floor-exercise categories only)."""
    if subset not in FINEGYM_SUBSETS:
        raise InputDataError(f'unknown FineGym subset {subset!r}; valid: {list(FINEGYM_SUBSETS)}')
    rule = FINEGYM_SUBSETS[subset]
    return sorted(c for c, v in categories.items() if v['event'] == 'FX' and rule(v['text'].lower()))


@DATASETS.register_module()
class FineGymVideoDataset(SeededAugmentationMixin, SkipBadSamplesMixin, BaseDataset):
    """FineGym element clips for stage-3 training: video + 2D skeleton + text.

    Files (FineGym's and PYSKL's public releases, as MMAction2 lays them out):

    * ``ann_file``: a gym99 split list, ``<clip_id> <Clabel>`` per line, e.g.
      ``gym99_train_element_v1.1.txt``;
    * ``categories_file``: ``gym99_categories.txt`` (the text after ``(FX)`` becomes the prompt);
    * ``skeleton_file``: PYSKL's ``gym_hrnet.pkl`` — ``annotations`` with ``frame_dir`` (the
      clip id), ``keypoint`` ``(M, T, 17, 2)`` COCO-17 pixels, ``keypoint_score``, ``img_shape``;
      read with a restricted unpickler. Person 0 is the gymnast. Converted to H36M-17.
    * videos: ``<data_prefix['video']>/<clip_id><video_ext>`` (trimmed element clips).

    Clips whose skeleton or video is missing, or that are shorter than ``min_frames``, are
    skipped, counted in ``num_skipped`` and logged once; an ann line that does not parse is an
    error naming the line.

    FineGym has no calibration, so each clip gets a nominal pinhole camera: focal length
    ``focal_factor × image width``, principal point at the image centre. The lifter sees
    normalised camera coordinates and the guidance is projected back with the same ``K``, so the
    nominal focal length cancels to first order.

    Args:
        ann_file (str): Split list.
        categories_file (str): ``gym99_categories.txt``.
        skeleton_file (str): PYSKL pickle.
        subset (str, optional): ``'FX-JUMP'`` / ``'FX-TURN'`` / ``'FX-SALTO'``
            (:data:`FINEGYM_SUBSETS`); None: every class in the list.
        classes (list[int], optional): Explicit Clabels (overrides ``subset``).
        video_ext (str): Clip file extension.
        fps (float): Frame rate of the trimmed clips (the physics time step is ``1 / fps``).
        min_frames (int): Shorter clips are skipped.
        focal_factor (float): Nominal focal length / image width.
    """

    METAINFO = dict(dataset_name='finegym')

    def __init__(self, ann_file: str, categories_file: str, skeleton_file: str,
                 subset: Optional[str] = None, classes: Optional[Sequence[int]] = None,
                 video_ext: str = '.mp4', fps: float = 30.0, min_frames: int = 16,
                 focal_factor: float = 1.2, data_prefix: dict = dict(video=''), **kwargs):
        self.categories_file, self.skeleton_file = categories_file, skeleton_file
        self.subset, self.classes = subset, classes
        self.video_ext, self.fps, self.min_frames = video_ext, float(fps), min_frames
        self.focal_factor = focal_factor
        self.num_skipped = {}
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        categories = parse_gym99_categories(self.categories_file)
        if self.classes is not None:
            keep = set(int(c) for c in self.classes)
        elif self.subset is not None:
            keep = set(subset_labels(categories, self.subset))
        else:
            keep = None
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'FineGym split list not found: {self.ann_file}')
        if not osp.isfile(self.skeleton_file):
            raise FileNotFoundError(f'FineGym skeleton file not found: {self.skeleton_file} '
                                    "(PYSKL's gym_hrnet.pkl)")
        try:
            data = load_restricted_pickle(self.skeleton_file)
        except RefusedPickleError as err:
            raise InputDataError(f'{self.skeleton_file}: refused by safe loading ({err})') from err
        except (EOFError, OSError, pickle.UnpicklingError) as err:
            raise InputDataError(f'{self.skeleton_file}: truncated or corrupt pickle '
                                 f'({type(err).__name__}: {err})') from err
        anns = data['annotations'] if isinstance(data, dict) else data
        skeletons = {a['frame_dir']: a for a in anns}
        skipped = dict(no_skeleton=0, no_video=0, too_short=0)
        out = []
        with open(self.ann_file) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                parts = line.split()
                if len(parts) != 2 or not parts[1].isdigit():
                    raise InputDataError(f'{self.ann_file}:{n}: expected "<clip_id> <label>", got '
                                         f'{line.strip()!r}')
                clip_id, label = parts[0], int(parts[1])
                if keep is not None and label not in keep:
                    continue
                if label not in categories:
                    raise InputDataError(f'{self.ann_file}:{n}: label {label} is not in '
                                         f'{self.categories_file}')
                ann = skeletons.get(clip_id)
                video = osp.join(self.data_prefix.get('video', ''), clip_id + self.video_ext)
                if ann is None:
                    skipped['no_skeleton'] += 1
                    continue
                if not osp.isfile(video):
                    skipped['no_video'] += 1
                    continue
                kp = np.asarray(ann['keypoint'], np.float32)[0]
                if len(kp) < self.min_frames:
                    skipped['too_short'] += 1
                    continue
                score = np.asarray(ann.get('keypoint_score', np.ones(kp.shape[:2])),
                                   np.float32)[0]
                kp, score = coco17_to_h36m17(kp, score)
                h, w = ann['img_shape']
                f = self.focal_factor * w
                K = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]], np.float32)
                out.append(dict(clip_id=clip_id, video_path=video, label=label,
                                text=categories[label]['text'], keypoints_2d=kp.astype(np.float32),
                                keypoint_scores=score.astype(np.float32), fps=self.fps,
                                camera=dict(K=K, image_size=(int(w), int(h)))))
        self.num_skipped = {k: v for k, v in skipped.items() if v}
        if self.num_skipped:
            print_log(f'FineGymVideoDataset({self.ann_file}): skipped {self.num_skipped} clips, '
                      f'kept {len(out)}', logger='current', level=30)
        if not out:
            raise InputDataError(f'FineGymVideoDataset: no usable clip in {self.ann_file} '
                                 f'(subset={self.subset}, skipped {self.num_skipped})')
        return out
