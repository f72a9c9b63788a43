"""``MotionPlausibilityMetric``: the project's own pose pipeline run on generated videos."""
import logging
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from finephys.models.skeleton_pipeline import SkeletonPipeline
from finephys.registry import METRICS
from finephys.structures import default_intrinsics

from ..functional import (acceleration_error, foot_skate, ground_contacts, jitter, mpjpe,
                          p_mpjpe)

#: Per-clip quantities, each also computed on the real clip as ``<name>_gt_video``.
MOTION_KEYS = ('jitter', 'jitter_rel', 'foot_skate', 'accel_error', 'mpjpe', 'p_mpjpe',
               'error_2d_px')


@METRICS.register_module()
class MotionPlausibilityMetric(BaseMetric):
    """How physically plausible, and how faithful to its skeleton, the motion *in a generated
    video* is — judged on the output pixels, not on the skeleton that guided them.

    Every generated ``video`` goes through the project's pose pipeline — the
    :class:`~finephys.models.skeleton_pipeline.SkeletonPipeline` that ``SkeletonInferencer``
    runs: a ``POSE_ESTIMATORS`` entry finds the 2D keypoints per frame (gaps filled in time),
    they are normalised with the clip's ``camera_K`` (``data_samples``; else
    :func:`~finephys.structures.default_intrinsics` of the frame) and lifted by a trained
    skeleton model (``FinePhysSkeleton``), read **with physics off** — its data-driven output
    ``pred_keypoints_3d_dd`` — so the video's own motion is measured, not a physics prior's.
    Per clip, averaged over clips (``motion/`` keys):

    * ``jitter``: mean jerk magnitude (m/s³, :func:`~finephys.evaluation.functional.jitter`) of
      the camera-frame joints (root motion included: flight and landing count);
      ``jitter_rel``: the same of the root-relative pose (monocular depth, the least certain
      part of a lift, left out);
    * ``foot_skate``: mean ankle displacement (m/frame) while a foot is on the floor, contacts
      from ankle height (:func:`~finephys.evaluation.functional.ground_contacts`, up =
      ``-camera_gravity`` when the batch has it, else image-up);
    * with the model's guidance skeleton (``guidance_keypoints_3d`` / ``_2d``, FinePhys):
      ``accel_error`` (m/frame², root-relative, vs the guidance 3D), ``mpjpe`` (m,
      root-relative) and ``p_mpjpe`` (m, Procrustes-aligned), ``error_2d_px`` (detected vs
      guidance 2D, pixels);
    * ``<key>_gt_video``: the same pipeline on the real clip — the level of real motion seen
      through this detector and lifter (on SynthGym: the pipeline's own error ceiling).

    A clip in which the detector finds nobody is skipped and counted in ``num_no_person``.
    With ``skeleton_checkpoint=None`` or a ``pose_estimator`` whose ``checkpoint`` is None (a
    config's placeholder before those models are trained) the metric is off: one log line, no
    keys. A path that does not exist is an error when the metric is built.

    Args:
        pose_estimator (dict): ``POSE_ESTIMATORS`` config (e.g. ``HeatmapPoseEstimator`` with
            config + checkpoint; ``MediaPipePoseEstimator`` on real video).
        skeleton_config (str): Config of the skeleton model (its ``model`` entry).
        skeleton_checkpoint (str): Its trained weights.
        contact_height (float): :func:`ground_contacts` threshold (m).
        device (str): Where the lifter runs.
    """

    default_prefix = 'motion'

    def __init__(self, pose_estimator: dict, skeleton_config: str, skeleton_checkpoint: str,
                 contact_height: float = 0.05, device: str = 'cpu', **kwargs):
        super().__init__(**kwargs)
        self.enabled = skeleton_checkpoint is not None and not (
            'checkpoint' in pose_estimator and pose_estimator['checkpoint'] is None)
        if not self.enabled:
            print_log('MotionPlausibilityMetric: skeleton_checkpoint or pose_estimator.checkpoint '
                      'is None; no motion/ metrics (set them to trained models)',
                      logger='current')
        checks = [('skeleton_config', skeleton_config)]
        if self.enabled:
            checks.append(('skeleton_checkpoint', skeleton_checkpoint))
            if 'checkpoint' in pose_estimator:     # MediaPipe: weights in its wheel, no key
                checks.append(('pose_estimator.checkpoint', pose_estimator['checkpoint']))
        for key, path in checks:
            if not path or not osp.isfile(path):
                raise FileNotFoundError(f'MotionPlausibilityMetric: {key} {path!r} not found')
        # only the lifter's S_dd is scored: no gravity estimate, no physics pass for it
        self.pipeline = SkeletonPipeline(skeleton_config, skeleton_checkpoint, device,
                                         pose_estimator, logger='silent', gravity='level')
        self.contact_height = contact_height
        self._warned_fps = False

    def detector(self):
        """The 2D pose estimator (the pipeline's, built on first use)."""
        return self.pipeline.pose_estimator

    def lifter(self):
        """The skeleton model (the pipeline's; weights by torch's safe loader)."""
        return self.pipeline.model

    def detect_2d(self, video: np.ndarray):
        """``(T, H, W, 3)`` uint8 RGB → filled 2D ``(T, 17, 2)`` pixels and scores ``(T, 17)``,
        or None when nobody is found."""
        return self.pipeline.estimate_frames_2d(video)

    def lift(self, kp: np.ndarray, scores: np.ndarray, K: np.ndarray, fps: float) -> np.ndarray:
        """2D pixels → the lifter's data-driven 3D ``(T, 17, 3)`` (camera frame, metres);
        ``K`` is ``(3, 3)`` or per frame ``(T, 3, 3)`` (SynthGym's zoom)."""
        return self.pipeline.lift(kp, scores, K, fps)['s_dd']

    def clip_motion(self, video, K, fps, up, guidance_3d=None, guidance_2d=None) -> Optional[dict]:
        """The :data:`MOTION_KEYS` of one clip (None when nobody is detected)."""
        found = self.detect_2d(video)
        if found is None:
            return None
        kp, scores = found
        pred = self.lift(kp, scores, K, fps)
        skate = foot_skate(pred, ground_contacts(pred, up, self.contact_height))
        rel = pred - pred[:, :1]
        result = dict(jitter=jitter(pred, fps), jitter_rel=jitter(rel, fps),
                      foot_skate=np.nan if skate is None else skate)
        if guidance_3d is not None:
            result.update(accel_error=acceleration_error(rel, guidance_3d - guidance_3d[:, :1]),
                          mpjpe=float(np.mean(mpjpe(pred, guidance_3d, root_index=0))),
                          p_mpjpe=float(np.mean(p_mpjpe(pred, guidance_3d))))
        if guidance_2d is not None:
            result['error_2d_px'] = float(np.linalg.norm(kp - guidance_2d, axis=-1).mean())
        return result

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        if not self.enabled:
            return
        ds = data_batch['data_samples']
        real_videos = data_batch['inputs'].get('video')
        for i, out in enumerate(data_samples):
            video = out['video'].cpu().numpy()
            t, h, w, _ = video.shape
            K = (ds['camera_K'][i].cpu().numpy().astype(np.float64) if 'camera_K' in ds
                 else default_intrinsics(w, h))
            if 'fps' not in ds and not self._warned_fps:
                print_log("MotionPlausibilityMetric: no 'fps' in data_samples; jitter assumes "
                          '25 fps', logger='current', level=logging.WARNING)
                self._warned_fps = True
            fps = float(ds['fps'][i]) if 'fps' in ds else 25.0
            up = (-ds['camera_gravity'][i].cpu().numpy().reshape(-1, 3)[0]
                  if 'camera_gravity' in ds else (0.0, -1.0, 0.0))
            guide = {k: out[f'guidance_keypoints_{k}'].detach().cpu().numpy().astype(np.float64)
                     for k in ('3d', '2d') if f'guidance_keypoints_{k}' in out}
            gen = self.clip_motion(video, K, fps, up, guide.get('3d'), guide.get('2d'))
            if gen is None:
                self.results.append(dict(no_person=True))
                continue
            result = dict(gen)
            if real_videos is not None:
                real = self.clip_motion(real_videos[i].cpu().numpy(), K, fps, up,
                                        guide.get('3d'), guide.get('2d'))
                for key, value in (real or {}).items():
                    result[f'{key}_gt_video'] = value
            self.results.append(result)

    def compute_metrics(self, results: list) -> dict:
        if not self.enabled:
            return {}
        found = [r for r in results if not r.get('no_person')]
        out = dict(num_no_person=len(results) - len(found))
        if not found:
            print_log('MotionPlausibilityMetric: no person detected in any generated video',
                      logger='current')
            return out
        for key in MOTION_KEYS:
            for name in (key, f'{key}_gt_video'):
                values = [r[name] for r in found if name in r]
                if values and np.isfinite(values).any():
                    out[name] = float(np.nanmean(values))
        return out
