"""Detector-like corruption of clean 2D keypoints.

Four effects of a real top-down estimator (HRNet/RTMPose on broadcast footage, MediaPipe
BlazePose): Gaussian jitter proportional to the person's size, a per-joint offset that stays for
the whole clip (``bias``: where the estimator puts a joint is not where the skeleton has it — the
slow part of a real estimator's error), dropouts (a joint lost: far off and with a low score) and
left/right swaps of a whole frame. Everything is drawn from the given generator, so a seed fixes it.

:data:`BLAZEPOSE_NOISE` holds the parameters measured for MediaPipe BlazePose on real video
(``tools/analysis_tools/measure_2d_noise.py``).
"""
from dataclasses import asdict, dataclass

import numpy as np

from finephys.structures import H36M17


@dataclass
class KeypointNoise:
    """Parameters of the 2D noise model.

    Args:
        jitter (float): Std of the per-joint Gaussian jitter as a fraction of the person's size
            (the larger side of the clean 2D box, per frame).
        dropout (float): Probability that a joint in a frame is lost.
        dropout_offset (float): Std of a lost joint's displacement, fraction of the person size.
        dropout_score (tuple): Uniform range of a lost joint's score.
        swap (float): Probability that a frame has its left/right joints swapped.
        score_drop_per_sigma (float): How much a joint's score falls per jitter σ of error.
        bias (float): Std of each joint's offset held for the whole clip, fraction of the
            person's size (per frame). 0 (the default) draws nothing, so clips made before the
            option existed are made again bit for bit.
    """
    jitter: float = 0.01
    dropout: float = 0.03
    dropout_offset: float = 0.15
    dropout_score: tuple = (0.0, 0.3)
    swap: float = 0.02
    score_drop_per_sigma: float = 0.08
    bias: float = 0.0

    def __post_init__(self):
        for name in ('jitter', 'dropout', 'swap', 'dropout_offset', 'bias'):
            v = getattr(self, name)
            if not np.isfinite(v) or v < 0 or (name in ('dropout', 'swap') and v > 1):
                raise ValueError(f'KeypointNoise.{name}={v!r}: expected a finite value >= 0'
                                 + (' and <= 1' if name in ('dropout', 'swap') else ''))
        lo, hi = self.dropout_score
        if not 0.0 <= lo <= hi <= 1.0:
            raise ValueError(f'KeypointNoise.dropout_score={self.dropout_score!r}: expected '
                             '0 <= low <= high <= 1')

    def to_dict(self):
        return asdict(self)

    def apply(self, clean, rng):
        """Corrupt clean 2D keypoints.

        Args:
            clean (np.ndarray): ``(T, 17, 2)`` pixels.
            rng (np.random.Generator): Source of randomness.

        Returns:
            dict: ``keypoints`` ``(T, 17, 2)``, ``scores`` ``(T, 17)`` in [0, 1],
            ``dropout_mask`` ``(T, 17)``, ``swap_mask`` ``(T,)``, ``sigma`` ``(T,)`` pixels (the
            jitter's).
        """
        t, j, _ = clean.shape
        size = np.max(clean.max(1) - clean.min(1), axis=-1)  # (T,)
        sigma = self.jitter * size
        eps = rng.standard_normal((t, j, 2))
        noisy = clean + eps * sigma[:, None, None]
        err = np.linalg.norm(eps, axis=-1)
        scores = 0.97 - self.score_drop_per_sigma * err + 0.02 * rng.standard_normal((t, j))
        scores = np.clip(scores, 0.5, 1.0)
        drop = rng.random((t, j)) < self.dropout
        offset = rng.standard_normal((t, j, 2)) * (self.dropout_offset * size)[:, None, None]
        noisy = np.where(drop[..., None], clean + offset, noisy)
        scores = np.where(drop, rng.uniform(*self.dropout_score, size=(t, j)), scores)
        swap = rng.random(t) < self.swap
        if self.bias > 0:
            # drawn last: the other draws stay those of a clip without bias
            held = rng.standard_normal((j, 2)) * self.bias
            noisy = np.where(drop[..., None], noisy, noisy + held * size[:, None, None])
        perm = H36M17.flip_permutation
        noisy[swap] = noisy[swap][:, perm]
        scores[swap] = scores[swap][:, perm]
        return dict(keypoints=noisy, scores=scores, dropout_mask=drop, swap_mask=swap,
                    sigma=sigma)


#: MediaPipe BlazePose's 2D noise measured on real video: Pose2Sim's two-person trial, 4 views,
#: each view against the other three's triangulation (``python tools/analysis_tools/
#: measure_2d_noise.py``; not the single-person trial the real-video table reports on), with the
#: reference's share taken out: jitter 0.49 % of the person's size from frame to frame (SynthGym's
#: default: 1 %), dropouts 2.7 % of the joints at 23 % of the size. ``bias`` is left at 0: the
#: residual also has a part that stays over the clip (3.8 % of the size), but training with it
#: made every real set worse (Pose2Sim two-person P-MPJPE 83.1 vs 77.9 mm without it; the choice
#: was made on that trial, docs/real_video.md) — much of it is where each view's estimate of a
#: joint sits (hips: 6.4 %), which the triangulated reference averages, not noise a lifter should
#: learn to undo. Swaps keep SynthGym's rate (the trial, people standing and walking, had none;
#: inverted bodies do swap).
BLAZEPOSE_NOISE = dict(jitter=0.005, bias=0.0, dropout=0.027, dropout_offset=0.23, swap=0.02)
