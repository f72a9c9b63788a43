"""FineGym element clips: ``FineGymSkeletonDataset`` (2D skeletons + labels + text, stage 2) and
``FineGymVideoDataset`` (+ trimmed videos, stage 3)."""
import logging
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from finephys.registry import DATASETS
from finephys.structures import coco17_to_h36m17, default_intrinsics
from finephys.utils.errors import InputDataError

from .bad_samples import SkipBadSamplesMixin
from .finegym_annotations import (FINEGYM_SUBSETS, parse_finegym_categories, subset_labels)
from .seeded_augmentation import SeededAugmentationMixin
from .text_expansion import GYM99_FX_DESCRIPTIONS, TextExpander
from .io import VideoProbeCache, default_probe_cache, read_pyskl_annotations

#: Why a listed clip is left out, in the order they are checked.
SKIP_REASONS = ('unknown_label', 'no_skeleton', 'bad_keypoints', 'zero_score', 'too_short',
                'no_video', 'bad_video', 'video_too_short')


@DATASETS.register_module()
class FineGymSkeletonDataset(SeededAugmentationMixin, SkipBadSamplesMixin, BaseDataset):
    """FineGym element clips as 2D skeletons, labels and texts (stage 2: no 3D, no video).

    Files (FineGym's and PYSKL's public releases, as MMAction2 lays them out; docs/datasets.md):

    * ``ann_file``: a split list, ``<clip_id> <Clabel>`` per line (e.g.
      ``gym99_train_element_v1.1.txt``); a line that does not parse is an error naming it;
    * ``categories_file``: ``gym99_categories.txt`` or ``gym288_categories.txt``;
    * ``skeleton_file``: a PYSKL pickle (``gym_hrnet.pkl``, or one written by
      ``tools/dataset_converters/extract_finegym_skeletons.py``): per clip ``keypoint`` ``(M, T,
      17, 2)`` pixels, ``keypoint_score`` ``(M, T, 17)``, ``img_shape`` ``(H, W)``; COCO-17
      unless the annotation says ``keypoint_layout='h36m17'``. Person 0 is the gymnast;
      converted to H36M-17.

    **Bad clips are dealt with here, once, when the dataset is built** — never mid-epoch. Each
    listed clip is checked in the order of :data:`SKIP_REASONS`: its label is in the
    categories file, it has a skeleton, the keypoints are finite ``(T, 17, 2)``, some score is
    > 0, ``T ≥ min_frames`` (and, for videos: the file exists, decodes to the end, has at least
    ``T`` frames). A failing clip is skipped and counted per reason in ``num_skipped`` (one log
    line with the counts and an example per reason), or, with ``on_bad_clip='raise'``, the
    first one stops the build with an error naming the clip and the reason.

    FineGym has no calibration, so each clip gets a nominal pinhole camera
    (:func:`~finephys.structures.default_intrinsics`, as every uncalibrated video): focal
    length ``focal_factor × the longer image side``, principal point at the image centre. The
    lifter sees normalised camera coordinates and the guidance is projected back with the same
    ``K``, so the nominal focal length cancels to first order.

    Texts: ``text`` is the class's prompt from :class:`TextExpander` (``text_template`` over the
    class ``name``, its ``description`` from ``descriptions_file`` / ``text_override_file``,
    ``subset``, ``label``); ``class_name`` the category text.

    Args:
        ann_file (str): Split list.
        categories_file (str): Category file (gym99 or gym288).
        skeleton_file (str): PYSKL pickle.
        subset (str, optional): ``'FX-JUMP'`` / ``'FX-TURN'`` / ``'FX-SALTO'``
            (:data:`FINEGYM_SUBSETS`, by element set); None: every class in the list.
        classes (list[int], optional): Explicit Clabels (overrides ``subset``).
        fps (float): Frame rate of the clips (the physics time step is ``1 / fps``).
        min_frames (int): Shorter clips are skipped.
        focal_factor (float): Nominal focal length / the longer image side.
        on_bad_clip (str): ``'skip'`` (count and log) or ``'raise'``.
        text_template (str): Prompt template (:data:`~finephys.datasets.text_expansion.
            TEMPLATE_FIELDS`).
        descriptions_file (str, optional): Class descriptions (default: the shipped gym99 FX
            file; an entry is used only when its ``name`` matches the category text, so gym288
            labels never pick up a gym99 description).
        text_override_file (str, optional): A user's descriptions, replacing shipped ones.
    """

    METAINFO = dict(dataset_name='finegym', skeleton='h36m17', num_keypoints=17)
    needs_video = False

    def __init__(self, ann_file: str, categories_file: str, skeleton_file: str,
                 subset: Optional[str] = None, classes: Optional[Sequence[int]] = None,
                 fps: float = 30.0, min_frames: int = 16, focal_factor: float = 1.2,
                 on_bad_clip: str = 'skip', text_template: str = '{description}',
                 descriptions_file: Optional[str] = GYM99_FX_DESCRIPTIONS,
                 text_override_file: Optional[str] = None, **kwargs):
        if on_bad_clip not in ('skip', 'raise'):
            raise InputDataError(f"{type(self).__name__} on_bad_clip={on_bad_clip!r}: expected "
                                 "'skip' or 'raise'")
        if subset is not None and subset not in FINEGYM_SUBSETS:
            raise InputDataError(f'unknown FineGym subset {subset!r}; valid: '
                                 f'{list(FINEGYM_SUBSETS)}')
        self.categories_file, self.skeleton_file = categories_file, skeleton_file
        self.subset, self.classes = subset, classes
        self.fps, self.min_frames = float(fps), int(min_frames)
        self.focal_factor, self.on_bad_clip = focal_factor, on_bad_clip
        self.texts = TextExpander(text_template, descriptions_file, text_override_file)
        self.num_skipped = {}
        self.skip_examples = {}
        super().__init__(ann_file=ann_file, **kwargs)

    # --- building ------------------------------------------------------------------------

    def read_split(self) -> List[tuple]:
        """``[(line number, clip_id, label), ...]`` of ``ann_file``."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'FineGym split list not found: {self.ann_file}')
        rows = []
        with open(self.ann_file, encoding='utf-8') as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                parts = line.split()
                if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                    raise InputDataError(f'{self.ann_file}:{n}: expected "<clip_id> <label>", '
                                         f'got {line.strip()!r}')
                rows.append((n, parts[0], int(parts[1])))
        return rows

    def reject(self, reason: str, clip_id: str, detail: str, skipped: dict) -> None:
        """Count a bad clip (or raise, with ``on_bad_clip='raise'``)."""
        message = f'{clip_id}: {detail}'
        if self.on_bad_clip == 'raise':
            raise InputDataError(f'{type(self).__name__}({self.ann_file}): {reason}: {message} '
                                 "(on_bad_clip='skip' skips such clips)")
        skipped[reason] = skipped.get(reason, 0) + 1
        self.skip_examples.setdefault(reason, message)

    def check_skeleton(self, clip_id: str, ann: dict, skipped: dict):
        """Person 0's ``(keypoints (T, 17, 2), scores (T, 17))`` in H36M-17, or None (counted)."""
        try:
            kp = np.asarray(ann['keypoint'], np.float32)
            score = ann.get('keypoint_score')
            score = (np.ones(kp.shape[:3], np.float32) if score is None
                     else np.asarray(score, np.float32))
            ok = (kp.ndim == 4 and kp.shape[0] >= 1 and kp.shape[2:] in ((17, 2), (17, 3))
                  and score.shape == kp.shape[:3])
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            self.reject('bad_keypoints', clip_id, 'keypoint must be (M, T, 17, 2) with '
                        'keypoint_score (M, T, 17)', skipped)
            return None
        kp, score = kp[0, ..., :2], score[0]
        if not np.isfinite(kp[score > 0]).all() or not np.isfinite(score).all():
            self.reject('bad_keypoints', clip_id, 'NaN/inf keypoints or scores', skipped)
            return None
        if not (score > 0).any():
            self.reject('zero_score', clip_id, 'every keypoint score is 0 (no person found)',
                        skipped)
            return None
        if len(kp) < self.min_frames:
            self.reject('too_short', clip_id, f'{len(kp)} frames < min_frames={self.min_frames}',
                        skipped)
            return None
        kp = np.where(score[..., None] > 0, kp, 0.0).astype(np.float32)
        if ann.get('keypoint_layout', 'coco17') != 'h36m17':
            kp, score = coco17_to_h36m17(kp, score)
        return kp.astype(np.float32), score.astype(np.float32)

    def clip_info(self, clip_id: str, label: int, categories: dict, ann: dict, kp, score):
        name = categories[label]['text']
        h, w = ann.get('img_shape', ann.get('original_shape'))
        K = default_intrinsics(w, h, self.focal_factor, np.float32)
        subset = next((s for s, sets in FINEGYM_SUBSETS.items()
                       if categories[label]['event'] == 'FX' and categories[label]['set'] in sets),
                      None)
        entry = self.texts.descriptions.get(label)
        if entry is not None and entry.get('name', name) != name:
            # another label space (gym288's Clabels are not gym99's): no borrowed description
            text = self.texts.template.format(name=name, description=name, subset=subset or '',
                                              label=label)
            self.texts.undescribed.add(label)
        else:
            text = self.texts(label, name, subset)
        return dict(clip_id=clip_id, label=label, class_name=name, text=text,
                    keypoints_2d=kp, keypoint_scores=score, fps=self.fps,
                    camera=dict(K=K, image_size=(int(w), int(h))))

    def load_data_list(self) -> List[dict]:
        categories = parse_finegym_categories(self.categories_file)
        if self.classes is not None:
            keep = set(int(c) for c in self.classes)
        elif self.subset is not None:
            keep = set(subset_labels(categories, self.subset))
        else:
            keep = None
        rows = self.read_split()
        skeletons = read_pyskl_annotations(self.skeleton_file)
        skipped, out = {}, []
        for n, clip_id, label in rows:
            if label not in categories:
                self.reject('unknown_label', clip_id, f'label {label} (line {n}) is not in '
                            f'{self.categories_file}', skipped)
                continue
            if keep is not None and label not in keep:
                continue
            ann = skeletons.get(clip_id)
            if ann is None:
                self.reject('no_skeleton', clip_id, f'not in {self.skeleton_file}', skipped)
                continue
            checked = self.check_skeleton(clip_id, ann, skipped)
            if checked is None:
                continue
            shape = ann.get('img_shape', ann.get('original_shape'))
            if shape is None or len(shape) != 2 or min(shape) <= 0:
                self.reject('bad_keypoints', clip_id, f'img_shape must be (H, W), got {shape!r}',
                            skipped)
                continue
            out.append(self.clip_info(clip_id, label, categories, ann, *checked))
        out = self.check_videos(out, skipped)
        self.num_skipped = {k: skipped[k] for k in SKIP_REASONS if skipped.get(k)}
        if self.num_skipped:
            examples = '; '.join(f'{k} e.g. {self.skip_examples[k]}' for k in self.num_skipped)
            print_log(f'{type(self).__name__}({self.ann_file}): kept {len(out)} clips, skipped '
                      f'{sum(self.num_skipped.values())} {self.num_skipped} ({examples})',
                      logger='current', level=logging.WARNING)
        if self.texts.undescribed:
            print_log(f'{type(self).__name__}: no text description for classes '
                      f'{sorted(self.texts.undescribed)}: their prompts use the class name',
                      logger='current', level=logging.INFO)
        if not out:
            raise InputDataError(f'{type(self).__name__}: no usable clip in {self.ann_file} '
                                 f'(subset={self.subset}, skipped {self.num_skipped})')
        return out

    def check_videos(self, infos: List[dict], skipped: dict) -> List[dict]:
        """Hook for datasets with videos (this one has none)."""
        return infos


@DATASETS.register_module()
class FineGymVideoDataset(FineGymSkeletonDataset):
    """FineGym element clips for stage 3: :class:`FineGymSkeletonDataset` + the trimmed video
    ``<data_prefix['video']>/<clip_id><video_ext>`` (``tools/dataset_converters/
    trim_finegym_videos.py`` writes them).

    Every video is probed once when the dataset is built (:func:`~finephys.datasets.
    video_probe.probe_video`: opened, every packet demuxed, every frame decoded); the verdicts
    are cached by (path, size, mtime) in ``probe_cache``, so later builds (each rank, each
    run) probe only new or changed files. Missing videos count as ``no_video``, undecodable or
    truncated ones as ``bad_video``, videos with fewer frames than their skeleton as
    ``video_too_short``.

    Args:
        video_ext (str): Clip file extension.
        probe_cache (str | bool, optional): Cache file; None: ``~/.cache/finephys/video_probe/
            <hash of the video folder>.json``; False: probe every time.
        full_decode (bool): Probe by decoding every frame (catches corruption anywhere; ≤ 1 s
            per 3 s 640×360 clip, once) or only the first (headers and packets, ~0.07 s).
        **kwargs: :class:`FineGymSkeletonDataset` arguments.
    """

    needs_video = True

    def __init__(self, *args, video_ext: str = '.mp4', probe_cache=None,
                 full_decode: bool = True, data_prefix: dict = dict(video=''), **kwargs):
        self.video_ext, self.probe_cache, self.full_decode = video_ext, probe_cache, full_decode
        super().__init__(*args, data_prefix=data_prefix, **kwargs)

    def check_videos(self, infos: List[dict], skipped: dict) -> List[dict]:
        folder = self.data_prefix.get('video', '')
        for info in infos:
            info['video_path'] = osp.join(folder, info['clip_id'] + self.video_ext)
        present = [i for i in infos if osp.isfile(i['video_path'])]
        for info in infos:
            if not osp.isfile(info['video_path']):
                self.reject('no_video', info['clip_id'], f'{info["video_path"]} not found',
                            skipped)
        cache_file = (None if self.probe_cache is False else
                      self.probe_cache or default_probe_cache(folder or '.'))
        probes = VideoProbeCache(cache_file, self.full_decode).probe_all(
            [i['video_path'] for i in present])
        out = []
        for info in present:
            probe = probes[info['video_path']]
            if not probe['ok']:
                self.reject('bad_video', info['clip_id'],
                            f'{info["video_path"]}: {probe["reason"]}'
                            + (f' ({probe["error"]})' if probe.get('error') else ''), skipped)
                continue
            if self.full_decode and probe['num_frames'] < len(info['keypoints_2d']):
                self.reject('video_too_short', info['clip_id'],
                            f'{info["video_path"]} has {probe["num_frames"]} frames, the skeleton '
                            f'{len(info["keypoints_2d"])}', skipped)
                continue
            info['num_video_frames'] = probe['num_frames']
            out.append(info)
        return out
