"""``SkeletonPool``: (2D, 3D) sequence pairs that prompt the in-context lifter.

File layout (``.npz``)::

    keypoints_2d   float32 (N, T, J, 2)   normalised camera coordinates (x/z, y/z)
    keypoints_3d   float32 (N, T, J, 3)   root-relative 3D, metres, camera frame
    labels         int64   (N,)           optional class labels (-1 when unknown)
    sources        int64   (N,)           optional ``source_id`` of each entry's motion
                                          (:mod:`~finephys.datasets.clip_source`; -1 unknown)

Pools are built from any dataset yielding SynthGym-style dicts (``keypoints_2d`` in pixels,
``camera['K']``, ``keypoints_3d``) — SynthGym itself or a Human3.6M/AMASS-style npz dataset — with
:meth:`SkeletonPool.from_dataset`, saved with :meth:`save` and loaded with :meth:`load`.
"""
import os
import os.path as osp

import numpy as np

from finephys.structures import pixels_to_normalized
from finephys.utils.errors import InputDataError

from .clip_source import UNKNOWN_SOURCE


def normalise_2d(keypoints_px, intrinsics):
    """Pixels ``(T, J, 2)`` → normalised camera coordinates (float64) with ``K`` ``(3, 3)`` /
    ``(T, 3, 3)`` (:func:`~finephys.structures.pixels_to_normalized`)."""
    return pixels_to_normalized(np.asarray(keypoints_px, np.float64),
                                np.asarray(intrinsics, np.float64))


def shape_descriptor(keypoints_2d):
    """Root-centred, size-normalised 2D ``(..., T, J, 2)`` → ``(..., T*J*2)`` for nearest-
    neighbour prompt retrieval (invariant to where and how large the person is)."""
    rel = keypoints_2d - keypoints_2d[..., :1, :]
    size = np.linalg.norm(rel, axis=-1).mean(-1)[..., None, None]
    out = rel / np.maximum(size, 1e-6)
    return out.reshape(out.shape[:-3] + (-1,))


def resample_time(x, length):
    """Linear resampling along axis 1 of ``(N, T, ...)`` to ``length`` frames."""
    n, t = x.shape[:2]
    if t == length:
        return x
    src = np.linspace(0, t - 1, length)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, t - 1)
    w = (src - lo).reshape((1, length) + (1,) * (x.ndim - 2))
    return x[:, lo] * (1 - w) + x[:, hi] * w


class SkeletonPool:
    """A pool of prompt pairs.

    Args:
        keypoints_2d (np.ndarray): ``(N, T, J, 2)`` normalised camera coordinates.
        keypoints_3d (np.ndarray): ``(N, T, J, 3)`` root-relative metres.
        labels (np.ndarray, optional): ``(N,)``.
        sources (np.ndarray, optional): ``(N,)`` the ``source_id`` of each entry's motion
            (default: unknown, -1), so a query is never prompted with its own motion.
    """

    def __init__(self, keypoints_2d, keypoints_3d, labels=None, sources=None):
        keypoints_2d = np.asarray(keypoints_2d, np.float32)
        keypoints_3d = np.asarray(keypoints_3d, np.float32)
        if keypoints_2d.ndim != 4 or keypoints_2d.shape[-1] != 2 or \
                keypoints_3d.shape != keypoints_2d.shape[:-1] + (3,):
            raise InputDataError(f'SkeletonPool: expected keypoints_2d (N, T, J, 2) and '
                                 f'keypoints_3d (N, T, J, 3), got {keypoints_2d.shape} and '
                                 f'{keypoints_3d.shape}')
        if not (np.isfinite(keypoints_2d).all() and np.isfinite(keypoints_3d).all()):
            raise InputDataError('SkeletonPool: keypoints contain NaN/inf')
        self.keypoints_2d, self.keypoints_3d = keypoints_2d, keypoints_3d
        self.labels = (np.full(len(keypoints_2d), -1, np.int64) if labels is None
                       else np.asarray(labels, np.int64))
        self.sources = (np.full(len(keypoints_2d), UNKNOWN_SOURCE, np.int64) if sources is None
                        else np.asarray(sources, np.int64).reshape(-1))
        if len(self.sources) != len(keypoints_2d):
            raise InputDataError(f'SkeletonPool: {len(self.sources)} sources for '
                                 f'{len(keypoints_2d)} entries')
        self._descriptors = {}

    def __len__(self):
        return len(self.keypoints_2d)

    @property
    def mean_pose(self):
        """``(J, 3)`` mean root-relative pose of the pool (the query's placeholder target)."""
        return self.keypoints_3d.reshape(-1, *self.keypoints_3d.shape[-2:]).mean(0)

    @classmethod
    def from_dataset(cls, dataset, num=None, clip_len=None, indices=None,
                     keypoints_2d='projected'):
        """Build from a dataset of raw clip dicts (``keypoints_2d`` pixels, ``camera['K']``,
        ``keypoints_3d``; no pipeline).

        Args:
            dataset: Indexable dataset.
            num (int, optional): Take the first ``num`` clips (all by default).
            clip_len (int, optional): Cut every clip centred to this many frames (default: the
                shortest clip's length, so entries stack).
            indices (sequence of int, optional): Explicit clip indices (overrides ``num``).
            keypoints_2d (str): ``'projected'`` — the exact projection ``(X/Z, Y/Z)`` of the
                clip's camera-frame 3D, so a prompt pairs 2D and 3D without detection noise (its
                2D enters the lifter's residual directly) — or ``'detected'``, the dataset's own
                2D (``keypoints_2d`` in pixels through ``camera['K']``).

        Raises:
            InputDataError: A clip shorter than ``clip_len``, or no clip at all.
        """
        if keypoints_2d not in ('projected', 'detected'):
            raise ValueError(f"SkeletonPool.from_dataset keypoints_2d={keypoints_2d!r}: expected "
                             "'projected' or 'detected'")
        if indices is None:
            n = len(dataset) if num is None else min(num, len(dataset))
            indices = range(n)
        clips = []
        for i in indices:
            clip = dataset[int(i)]
            kp3 = np.asarray(clip['keypoints_3d'], np.float64)
            if keypoints_2d == 'projected':
                kp2 = kp3[..., :2] / np.maximum(kp3[..., 2:], 1e-6)
            else:
                kp2 = normalise_2d(clip['keypoints_2d'], clip['camera']['K'])
            clips.append((int(i), kp2, kp3 - kp3[:, :1],
                          int(clip.get('label', clip.get('class_idx', -1))),
                          int(clip.get('source_id', UNKNOWN_SOURCE))))
        if not clips:
            raise InputDataError('SkeletonPool.from_dataset: no clips selected')
        length = clip_len or min(len(c[1]) for c in clips)
        items2d, items3d, labels, sources = [], [], [], []
        for i, kp2, kp3, label, source in clips:
            if len(kp2) < length:
                raise InputDataError(f'SkeletonPool.from_dataset: clip {i} has {len(kp2)} '
                                     f'frames, fewer than clip_len={length}')
            s = (len(kp2) - length) // 2
            items2d.append(kp2[s:s + length])
            items3d.append(kp3[s:s + length])
            labels.append(label)
            sources.append(source)
        return cls(np.stack(items2d), np.stack(items3d), np.asarray(labels), np.asarray(sources))

    @classmethod
    def from_lifted(cls, dataset, lift, clip_len, indices=None, keypoints_2d='projected',
                    batch_size=16):
        """Build from a dataset **without 3D labels** (FineGym): the 3D of each prompt is a
        lifter's answer for the clip's detected 2D — a pseudo-label — so the prompts show the
        target data's own poses (a model trained on another world lifts them).

        Args:
            dataset: Indexable dataset of raw clip dicts (``keypoints_2d`` pixels,
                ``keypoint_scores``, ``camera['K']``).
            lift (callable): ``lift(keypoints_2d_norm (B, T, J, 2), scores (B, T, J)) →
                (B, T, J, 3)`` camera-frame metres (numpy in, numpy out).
            clip_len (int): Frames per entry (each clip cut centred).
            indices (sequence of int, optional): Clip indices (default: all).
            keypoints_2d (str): ``'projected'`` (the lifted 3D's own projection: 2D and 3D agree
                exactly, as for labelled pools) or ``'detected'`` (the detector's 2D).
            batch_size (int): Clips lifted per call.

        Raises:
            InputDataError: a clip shorter than ``clip_len``, or no clip at all.
        """
        if keypoints_2d not in ('projected', 'detected'):
            raise ValueError(f"SkeletonPool.from_lifted keypoints_2d={keypoints_2d!r}: expected "
                             "'projected' or 'detected'")
        indices = range(len(dataset)) if indices is None else indices
        kp2, scores, labels, sources = [], [], [], []
        for i in indices:
            clip = dataset[int(i)]
            kp = normalise_2d(clip['keypoints_2d'], clip['camera']['K'])
            if len(kp) < clip_len:
                raise InputDataError(f'SkeletonPool.from_lifted: clip {i} has {len(kp)} frames, '
                                     f'fewer than clip_len={clip_len}')
            s = (len(kp) - clip_len) // 2
            sc = clip.get('keypoint_scores')
            sc = np.ones(kp.shape[:2]) if sc is None else np.asarray(sc, np.float64)
            kp2.append(kp[s:s + clip_len])
            scores.append(sc[s:s + clip_len])
            labels.append(int(clip.get('label', -1)))
            sources.append(int(clip.get('source_id', UNKNOWN_SOURCE)))
        if not kp2:
            raise InputDataError('SkeletonPool.from_lifted: no clips selected')
        kp2, scores = np.stack(kp2).astype(np.float32), np.stack(scores).astype(np.float32)
        kp3 = np.concatenate([np.asarray(lift(kp2[b:b + batch_size], scores[b:b + batch_size]),
                                         np.float64)
                              for b in range(0, len(kp2), batch_size)])
        if keypoints_2d == 'projected':
            kp2 = kp3[..., :2] / np.maximum(kp3[..., 2:], 1e-6)
        return cls(kp2, kp3 - kp3[:, :, :1], np.asarray(labels), np.asarray(sources))

    def save(self, path):
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        np.savez_compressed(path, keypoints_2d=self.keypoints_2d, keypoints_3d=self.keypoints_3d,
                            labels=self.labels, sources=self.sources)

    @classmethod
    def load(cls, path):
        if not osp.isfile(path):
            raise FileNotFoundError(f'skeleton pool file not found: {path}')
        with np.load(path) as z:
            missing = {'keypoints_2d', 'keypoints_3d'} - set(z.files)
            if missing:
                raise InputDataError(f'skeleton pool {path}: missing arrays {sorted(missing)}; '
                                     f'found {z.files}')
            return cls(z['keypoints_2d'], z['keypoints_3d'],
                       z['labels'] if 'labels' in z.files else None,
                       z['sources'] if 'sources' in z.files else None)

    def prompts(self, length, indices, offsets=None):
        """Prompt pairs ``(len(indices), length, J, 2)``, ``(…, 3)``.

        Entries longer than ``length`` are cropped — at ``offsets`` (one start frame per index)
        or centred — so a prompt moves at the clip's own speed; shorter entries are resampled
        in time (linearly) to ``length``.
        """
        indices = np.asarray(indices, int)
        t = self.keypoints_2d.shape[1]
        if t < length:
            return (resample_time(self.keypoints_2d[indices], length).astype(np.float32),
                    resample_time(self.keypoints_3d[indices], length).astype(np.float32))
        starts = np.full(len(indices), (t - length) // 2) if offsets is None else \
            np.clip(np.asarray(offsets, int), 0, t - length)
        window = starts[:, None] + np.arange(length)[None]
        return (self.keypoints_2d[indices[:, None], window],
                self.keypoints_3d[indices[:, None], window])

    def allowed(self, exclude_sources=None):
        """``(B, N)`` bool: the entries each query may be prompted with — all but those of its
        own source (``exclude_sources`` ``(B,)``; -1 or None excludes nothing), or None when
        nothing is excluded.

        Raises:
            InputDataError: a query whose source is the only one in the pool.
        """
        if exclude_sources is None:
            return None
        ex = np.asarray(exclude_sources, np.int64).reshape(-1, 1)
        ok = (self.sources[None] != ex) | (ex == UNKNOWN_SOURCE) | \
            (self.sources[None] == UNKNOWN_SOURCE)
        empty = ~ok.any(1)
        if empty.any():
            raise InputDataError(
                f'SkeletonPool: every one of its {len(self)} entries comes from the motion of '
                f'query {int(np.flatnonzero(empty)[0])} (source_id {int(ex[empty][0, 0])}), '
                'which may not prompt itself; build the pool from more motions')
        return ok

    def nearest(self, keypoints_2d, exclude_sources=None):
        """Index of the pool entry whose 2D looks most like each query ``(B, T, J, 2)`` (compared
        on the window :meth:`prompts` returns by default), never one of the query's own source
        (``exclude_sources`` ``(B,)``, see :meth:`allowed`)."""
        length = keypoints_2d.shape[1]
        if length not in self._descriptors:
            windows = self.prompts(length, np.arange(len(self)))[0]
            self._descriptors[length] = shape_descriptor(windows.astype(np.float64))
        pool = self._descriptors[length]
        query = shape_descriptor(np.asarray(keypoints_2d, np.float64))
        d = ((query[:, None] - pool[None]) ** 2).sum(-1)
        ok = self.allowed(exclude_sources)
        if ok is not None:
            d = np.where(ok, d, np.inf)
        return d.argmin(1)
