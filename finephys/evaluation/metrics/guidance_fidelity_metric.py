"""``GuidanceFidelityMetric``: does a generated video put the body where its skeleton says?"""
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from finephys.datasets.synthgym.render import render_background, render_silhouette
from finephys.registry import METRICS, POSE_ESTIMATORS

from ..functional import pck


def silhouette_from_frames(frames, background, threshold=16):
    """Foreground mask of frames against the empty scene.

    Args:
        frames: ``(T, H, W, 3)`` uint8.
        background: ``(T, H, W, 3)`` or ``(H, W, 3)`` uint8, the same camera without the body.
        threshold (int): A pixel is body when some channel differs by more than this.

    Returns:
        np.ndarray: ``(T, H, W)`` bool.
    """
    diff = np.abs(frames.astype(np.int16) - np.asarray(background, np.int16))
    return diff.max(-1) > threshold


def silhouette_iou(pred, target, region=None):
    """IoU of two ``(T, H, W)`` bool masks over the whole clip (1.0 when both are empty),
    counting only pixels inside ``region`` (``(T, H, W)`` bool) when given."""
    if region is not None:
        pred, target = pred & region, target & region
    union = np.logical_or(pred, target).sum()
    return 1.0 if union == 0 else float(np.logical_and(pred, target).sum() / union)


def body_region(target, margin=0.5, min_margin=2):
    """Per frame, the bounding box of the ``target`` silhouette grown by ``margin`` × its
    size (at least ``min_margin`` pixels) on every side: ``(T, H, W)`` bool (empty frames stay
    empty)."""
    t, h, w = target.shape
    region = np.zeros_like(target)
    for i in range(t):
        ys, xs = np.nonzero(target[i])
        if ys.size == 0:
            continue
        my = max(min_margin, int(round(margin * (ys.max() - ys.min() + 1))))
        mx = max(min_margin, int(round(margin * (xs.max() - xs.min() + 1))))
        region[i, max(0, ys.min() - my):ys.max() + my + 1,
               max(0, xs.min() - mx):xs.max() + mx + 1] = True
    return region


@METRICS.register_module()
class GuidanceFidelityMetric(BaseMetric):
    """Silhouette IoU between generated frames and SynthGym's rendering of the guidance skeleton.

    The guidance skeleton (the fused 3D poses the model turned into heatmaps) is rendered with
    SynthGym's own body model and camera (:func:`render_silhouette`); the generated body is
    whatever differs from the empty arena seen by the same camera (:func:`render_background`).
    Reported, in [0, 1]:

    * ``iou``: generated video vs guidance silhouette (what guidance buys);
    * ``iou_gt_video``: the ground-truth video vs the same silhouette — the ceiling set by the
      threshold and by the guidance skeleton's own error;
    * ``iou_local`` / ``iou_local_gt_video``: the same IoUs counted only inside the guidance
      body's box (:func:`body_region`: its bounding box grown by half its size per side).
      The full-frame IoU also charges every background pixel the generator draws differently
      from the true arena — and SynthGym's camera tilt and zoom, which neither text nor
      skeleton tells the generator, move the horizon from clip to clip: on the CPU default
      ~85 % of the full-frame errors are such background pixels. ``iou_local`` measures the
      body's placement and shape where the skeleton says it is;
    * ``background_fp``: the fraction of the frame outside the body box marked foreground
      (background the generator got wrong; 0 for a perfect arena);
    * ``psnr``: generated vs ground-truth frames, dB (any dataset);
    * ``pck`` (with a ``pose_estimator``): PCK@``pck_alpha`` (torso-normalised) of the keypoints
      a 2D pose detector finds in the generated frames against the guidance keypoints
      (``guidance_keypoints_2d``) — the pose-conditioned generation literature's practice of
      scoring generations with a pose detector; ``pck_gt_video``: the same detector on the
      ground-truth video (its ceiling: detector error + the guidance skeleton's own error).

    The IoU terms need SynthGym's scene: ``camera_K`` ``(T, 3, 3)``, ``camera_R``, ``camera_t``
    and ``stature`` in the batch's ``data_samples`` and ``guidance_keypoints_3d``
    ``(T, 17, 3)`` (camera frame, metres) from the model. Without them (real videos: no empty
    scene to compare with) only ``psnr`` is reported, and the clips without IoU are counted in
    ``num_without_iou``. Always needed: ``inputs['video']`` ``(T, H, W, 3)`` and the model's
    ``video``.

    Args:
        threshold (int): Foreground threshold on the max per-channel difference (0–255).
        coverage (float): Capsule coverage above which a guidance pixel is body.
        pose_estimator (dict, optional): ``POSE_ESTIMATORS`` config of the detector behind
            ``pck`` (e.g. ``HeatmapPoseEstimator`` with its config and checkpoint); one whose
            ``checkpoint`` is None is skipped with a log line (no PCK).
        pck_alpha (float): PCK threshold as a fraction of the torso diameter.
    """

    default_prefix = 'guidance'

    def __init__(self, threshold: int = 16, coverage: float = 0.5,
                 pose_estimator: Optional[dict] = None, pck_alpha: float = 0.2, **kwargs):
        super().__init__(**kwargs)
        self.threshold, self.coverage = threshold, coverage
        self.pose_estimator_cfg, self.pck_alpha = pose_estimator, pck_alpha
        self._detector = None

    def detector(self):
        """The PCK detector, built on first use (None without a checkpoint)."""
        cfg = self.pose_estimator_cfg
        if self._detector is None and cfg is not None:
            if 'checkpoint' in cfg and cfg['checkpoint'] is None:
                print_log('GuidanceFidelityMetric: pose_estimator has no checkpoint; no PCK '
                          '(set its pose_estimator.checkpoint in the config)', logger='current')
                self.pose_estimator_cfg = None
                return None
            self._detector = POSE_ESTIMATORS.build(dict(cfg))
        return self._detector

    def guidance_pck(self, video, keypoints_2d):
        """PCK of the detector's keypoints in ``video`` ``(T, H, W, 3)`` uint8 RGB against
        ``keypoints_2d`` ``(T, J, 2)``."""
        detected, _ = self.detector()(np.ascontiguousarray(video[..., ::-1]))   # BGR in
        return pck(detected, keypoints_2d, self.pck_alpha)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        ds = data_batch['data_samples']
        scene = all(k in ds for k in ('camera_K', 'camera_R', 'camera_t', 'stature'))
        gt_videos = data_batch['inputs']['video']
        for i, out in enumerate(data_samples):
            video = out['video'].cpu().numpy()
            gt = gt_videos[i].cpu().numpy()
            mse = np.mean((video.astype(np.float64) - gt) ** 2)
            result = dict(psnr=10 * np.log10(255.0 ** 2 / max(mse, 1e-10)))
            if self.detector() is not None and 'guidance_keypoints_2d' in out:
                kp = out['guidance_keypoints_2d'].detach().cpu().numpy()
                result['pck'] = self.guidance_pck(video, kp)
                result['pck_gt_video'] = self.guidance_pck(gt, kp)
            if not scene or 'guidance_keypoints_3d' not in out:
                self.results.append(result)
                continue
            t, h, w, _ = video.shape
            K = ds['camera_K'][i].cpu().numpy().astype(np.float64)
            R = ds['camera_R'][i].cpu().numpy().astype(np.float64)
            tr = ds['camera_t'][i].cpu().numpy().astype(np.float64)
            K = np.broadcast_to(K, (t, 3, 3)) if K.ndim == 2 else K
            joints = out['guidance_keypoints_3d'].detach().cpu().numpy().astype(np.float64)
            target = render_silhouette(joints, K, (w, h), float(ds['stature'][i])) > self.coverage
            background = np.stack([render_background(k, R, tr, (w, h)) for k in K])
            generated = silhouette_from_frames(video, background, self.threshold)
            real = silhouette_from_frames(gt, background, self.threshold)
            region = body_region(target)
            result['iou'] = silhouette_iou(generated, target)
            result['iou_gt_video'] = silhouette_iou(real, target)
            result['iou_local'] = silhouette_iou(generated, target, region)
            result['iou_local_gt_video'] = silhouette_iou(real, target, region)
            result['background_fp'] = float((generated & ~region).sum() /
                                            max(1, (~region).sum()))
            self.results.append(result)

    def compute_metrics(self, results: list) -> dict:
        out = {'psnr': float(np.mean([r['psnr'] for r in results]))}
        with_iou = [r for r in results if 'iou' in r]
        if with_iou:
            for key in ('iou', 'iou_gt_video', 'iou_local', 'iou_local_gt_video',
                        'background_fp'):
                out[key] = float(np.mean([r[key] for r in with_iou]))
        with_pck = [r for r in results if 'pck' in r]
        if with_pck:
            out['pck'] = float(np.nanmean([r['pck'] for r in with_pck]))
            out['pck_gt_video'] = float(np.nanmean([r['pck_gt_video'] for r in with_pck]))
        if len(with_iou) < len(results):
            out['num_without_iou'] = len(results) - len(with_iou)
        return out
