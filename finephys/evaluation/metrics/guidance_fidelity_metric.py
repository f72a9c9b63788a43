"""``GuidanceFidelityMetric``: does a generated video put the body where its skeleton says?"""
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from finephys.registry import METRICS


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


def silhouette_iou(pred, target):
    """IoU of two ``(T, H, W)`` bool masks over the whole clip (1.0 when both are empty)."""
    union = np.logical_or(pred, target).sum()
    return 1.0 if union == 0 else float(np.logical_and(pred, target).sum() / union)


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
    * ``psnr``: generated vs ground-truth frames, dB (any dataset).

    The IoU terms need SynthGym's scene: ``camera_K`` ``(T, 3, 3)``, ``camera_R``, ``camera_t``
    and ``stature`` in the batch's ``data_samples`` and ``guidance_keypoints_3d``
    ``(T, 17, 3)`` (camera frame, metres) from the model. Without them (real videos: no empty
    scene to compare with) only ``psnr`` is reported, and the clips without IoU are counted in
    ``num_without_iou``. Always needed: ``inputs['video']`` ``(T, H, W, 3)`` and the model's
    ``video``.

    Args:
        threshold (int): Foreground threshold on the max per-channel difference (0–255).
        coverage (float): Capsule coverage above which a guidance pixel is body.
    """

    default_prefix = 'guidance'

    def __init__(self, threshold: int = 16, coverage: float = 0.5, **kwargs):
        super().__init__(**kwargs)
        self.threshold, self.coverage = threshold, coverage

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        from finephys.datasets.synthgym.render import render_background, render_silhouette
        ds = data_batch['data_samples']
        scene = all(k in ds for k in ('camera_K', 'camera_R', 'camera_t', 'stature'))
        gt_videos = data_batch['inputs']['video']
        for i, out in enumerate(data_samples):
            video = out['video'].cpu().numpy()
            gt = gt_videos[i].cpu().numpy()
            mse = np.mean((video.astype(np.float64) - gt) ** 2)
            result = dict(psnr=10 * np.log10(255.0 ** 2 / max(mse, 1e-10)))
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
            result['iou'] = silhouette_iou(
                silhouette_from_frames(video, background, self.threshold), target)
            result['iou_gt_video'] = silhouette_iou(
                silhouette_from_frames(gt, background, self.threshold), target)
            self.results.append(result)

    def compute_metrics(self, results: list) -> dict:
        out = {'psnr': float(np.mean([r['psnr'] for r in results]))}
        with_iou = [r for r in results if 'iou' in r]
        if with_iou:
            out['iou'] = float(np.mean([r['iou'] for r in with_iou]))
            out['iou_gt_video'] = float(np.mean([r['iou_gt_video'] for r in with_iou]))
        if len(with_iou) < len(results):
            out['num_without_iou'] = len(results) - len(with_iou)
        return out
