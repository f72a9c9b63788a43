"""``SimulateMissingFrames``: frames where the person was lost, as real video produces them."""
import numpy as np
from mmcv.transforms import BaseTransform

from finephys.registry import TRANSFORMS
from finephys.utils.keypoint_gaps import fill_missing_keypoints


@TRANSFORMS.register_module()
class SimulateMissingFrames(BaseTransform):
    """Blank runs of consecutive frames of the 2D (score 0, as a tracker marks lost frames) and
    fill them exactly as inference does (:func:`fill_missing_keypoints`: linear in time, score
    stays 0) — for training a model to bridge gaps, or measuring how well it does.

    Required keys: ``keypoints_2d``, ``keypoint_scores``. Modified keys: both. Added keys:
    ``missing_frames`` ``(T,)`` bool.

    Args:
        gap (int | tuple): Frames per gap (an int, or a ``(min, max)`` range drawn uniformly).
        num_gaps (int): Gaps per clip (they may touch; never the first or last frame).
        prob (float): Probability that a clip gets its gaps at all.
        seed (int, optional): Deterministic per clip (``sample_idx`` of the results): for
            val/test. None: numpy's global RNG (training).
    """

    def __init__(self, gap=6, num_gaps: int = 1, prob: float = 1.0, seed=None):
        lo, hi = (gap, gap) if np.isscalar(gap) else tuple(gap)
        if not 1 <= int(lo) <= int(hi):
            raise ValueError(f'SimulateMissingFrames gap={gap!r}: expected >= 1 (or a range)')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'SimulateMissingFrames prob={prob}: expected in [0, 1]')
        self.gap, self.num_gaps, self.prob, self.seed = (int(lo), int(hi)), int(num_gaps), \
            float(prob), seed

    def transform(self, results):
        kp = np.array(results['keypoints_2d'], np.float64)
        scores = np.array(results['keypoint_scores'], np.float64)
        t = len(kp)
        rng = np.random if self.seed is None else np.random.default_rng(
            [int(self.seed), int(results.get('sample_idx', 0))])
        missing = np.zeros(t, bool)
        if rng.random() < self.prob:
            for _ in range(self.num_gaps):
                length = int(rng.integers(self.gap[0], self.gap[1] + 1))
                length = min(length, t - 2)
                start = int(rng.integers(1, t - length))
                missing[start:start + length] = True
        if missing.any():
            scores[missing] = 0.0
            kp, scores, _ = fill_missing_keypoints(kp, scores, where='SimulateMissingFrames')
        dtype = np.asarray(results['keypoints_2d']).dtype
        results['keypoints_2d'] = kp.astype(dtype)
        results['keypoint_scores'] = scores.astype(np.asarray(results['keypoint_scores']).dtype)
        results['missing_frames'] = missing
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(gap={self.gap}, num_gaps={self.num_gaps}, '
                f'prob={self.prob}, seed={self.seed})')
