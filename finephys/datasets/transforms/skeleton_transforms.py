"""Transforms on skeleton clips (dicts as produced by ``generate_clip`` / ``SynthGymDataset``).

Each transform documents the result keys it requires, modifies and adds (mmpose's habit).
"""
import numpy as np
from mmcv.transforms import BaseTransform

from finephys.datasets.bad_samples import BadSampleError
from finephys.registry import TRANSFORMS
from finephys.structures import H36M17, pixels_to_normalized

# Per-frame arrays (first axis = time) that frame sampling must cut consistently.
PER_FRAME_KEYS = ('keypoints_3d', 'keypoints_3d_world', 'keypoints_2d', 'keypoint_scores',
                  'keypoints_2d_clean', 'visibility', 'contacts', 'flight', 'com', 'com_world',
                  'video')


@TRANSFORMS.register_module()
class SampleFrames(BaseTransform):
    """Cut a window of ``clip_len`` frames with a stride.

    Required keys: ``keypoints_2d``. Modified keys: every present key of ``PER_FRAME_KEYS`` and
    ``camera['K']`` when per-frame. Added keys: ``frame_inds``.

    Args:
        clip_len (int): Output frames (≥ 4, what the physics solvers need).
        stride (int): Step between sampled frames (the effective fps is divided by it).
        random (bool): Random window start (training) or centred (testing).
    """

    def __init__(self, clip_len: int, stride: int = 1, random: bool = True):
        if clip_len < 4 or stride < 1:
            raise ValueError(f'SampleFrames(clip_len={clip_len}, stride={stride}): expected '
                             'clip_len >= 4 and stride >= 1')
        self.clip_len, self.stride, self.random = clip_len, stride, random

    def transform(self, results):
        total = len(results['keypoints_2d'])
        span = (self.clip_len - 1) * self.stride + 1
        if span > total:
            raise BadSampleError(f'SampleFrames: clip of {total} frames is shorter than '
                                 f'clip_len={self.clip_len} x stride={self.stride}')
        start = (np.random.randint(0, total - span + 1) if self.random
                 else (total - span) // 2)
        inds = start + np.arange(self.clip_len) * self.stride
        for key in PER_FRAME_KEYS:
            if results.get(key) is not None:
                results[key] = results[key][inds]
        cam = results.get('camera')
        if cam is not None and np.ndim(cam['K']) == 3:
            cam = dict(cam, K=cam['K'][inds])
            results['camera'] = cam
        if 'fps' in results and self.stride > 1:
            results['fps'] = results['fps'] / self.stride
        results['frame_inds'] = inds
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, stride={self.stride}, '
                f'random={self.random})')


@TRANSFORMS.register_module()
class NormalizeKeypoints2D(BaseTransform):
    """Normalise 2D keypoints for a lifter.

    ``mode='camera'``: normalised camera coordinates ``K⁻¹ [u, v, 1]`` (x/z, y/z) — independent
    of focal length and crop, so a lifter can output metric camera-frame 3D with the root
    trajectory. ``mode='image'``: VideoPose3D's ``u / W * 2 - [1, H / W]`` (no camera needed).

    Required keys: ``keypoints_2d`` (and ``camera`` for ``'camera'``). Added keys:
    ``keypoints_2d_norm`` ``(T, J, 2)``.
    """

    def __init__(self, mode: str = 'camera'):
        if mode not in ('camera', 'image'):
            raise ValueError(f"NormalizeKeypoints2D mode={mode!r}: expected 'camera' or 'image'")
        self.mode = mode

    def transform(self, results):
        kp = np.asarray(results['keypoints_2d'], np.float32)
        if self.mode == 'camera':
            K = np.asarray(results['camera']['K'], np.float32)
            results['keypoints_2d_norm'] = pixels_to_normalized(kp, K)
        else:
            w, h = results['camera']['image_size']
            results['keypoints_2d_norm'] = kp / w * 2 - np.array([1, h / w], np.float32)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(mode={self.mode!r})'


@TRANSFORMS.register_module()
class RootRelative3D(BaseTransform):
    """Derive the root-relative view of the 3D keypoints (the stored 3D keeps the trajectory).

    Required keys: ``keypoints_3d``. Added keys: ``keypoints_3d_rel`` ``(T, J, 3)`` (root at 0),
    ``root_trajectory`` ``(T, 3)``.
    """

    def __init__(self, root: str = 'pelvis'):
        self.root = root
        self.root_index = H36M17.index(root)

    def transform(self, results):
        kp = np.asarray(results['keypoints_3d'])
        root = kp[:, self.root_index]
        results['keypoints_3d_rel'] = kp - root[:, None]
        results['root_trajectory'] = root
        return results


@TRANSFORMS.register_module()
class RandomFlipSkeleton(BaseTransform):
    """Mirror a clip horizontally: image ``u → W − u``, camera ``X → −X``, left ↔ right joints.

    The camera becomes ``K`` with ``c_x → W − c_x`` and world→camera ``(F R, F t)`` with
    ``F = diag(−1, 1, 1)``, so ``X_cam = R X_world + t`` and the projection still hold exactly
    (world joints are relabelled, not moved). Gravity in the camera frame flips its x.

    Required keys: ``keypoints_2d``, ``camera``. Modified keys: every 2D/3D keypoint key,
    ``keypoint_scores``, ``visibility``, ``contacts``, ``com``, ``camera``, ``video``.
    Added keys: ``flipped``.
    """

    def __init__(self, prob: float = 0.5):
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'RandomFlipSkeleton prob={prob}: expected in [0, 1]')
        self.prob = prob

    def transform(self, results):
        flip = np.random.rand() < self.prob
        results['flipped'] = flip
        if not flip:
            return results
        perm = H36M17.flip_permutation
        w, h = results['camera']['image_size']
        for key in ('keypoints_2d', 'keypoints_2d_clean'):
            if results.get(key) is not None:
                kp = np.array(results[key])[:, perm]
                kp[..., 0] = w - kp[..., 0]
                results[key] = kp
        for key in ('keypoints_3d', 'keypoints_3d_rel'):
            if results.get(key) is not None:
                kp = np.array(results[key])[:, perm]
                kp[..., 0] = -kp[..., 0]
                results[key] = kp
        for key in ('keypoint_scores', 'visibility'):
            if results.get(key) is not None:
                results[key] = np.asarray(results[key])[:, perm]
        if results.get('keypoints_3d_world') is not None:
            results['keypoints_3d_world'] = np.asarray(results['keypoints_3d_world'])[:, perm]
        for key in ('com', 'root_trajectory'):
            if results.get(key) is not None:
                v = np.array(results[key])
                v[..., 0] = -v[..., 0]
                results[key] = v
        if results.get('contacts') is not None:
            # (left, right) feet [, (left, right) hands]: swap within each pair
            c = np.asarray(results['contacts'])
            results['contacts'] = c[:, np.arange(c.shape[1]) ^ 1].copy()
        cam = dict(results['camera'])
        K = np.array(cam['K'])
        K[..., 0, 2] = w - K[..., 0, 2]
        cam['K'] = K
        flip_m = np.diag([-1.0, 1.0, 1.0])
        for key in ('R', 't', 'gravity'):        # unknown for some real datasets
            if cam.get(key) is not None:
                cam[key] = (flip_m @ np.asarray(cam[key])).astype(np.asarray(cam[key]).dtype)
        results['camera'] = cam
        if results.get('video') is not None:
            results['video'] = np.ascontiguousarray(results['video'][:, :, ::-1])
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class CompleteContactLabels(BaseTransform):
    """Give feet-only contact labels ``(T, 2)`` the hands' columns, never in contact → ``(T, 4)``
    (feet, then hands: the solver's order), so that a dataset labelled for the feet only
    (SynthGym: its elements have no hand supports) and one labelled for feet and hands (real
    mocap) can share a batch.

    Required keys: ``contacts`` (when absent, nothing is done). Modified keys: ``contacts``.
    """

    def transform(self, results):
        c = results.get('contacts')
        if c is None:
            return results
        c = np.asarray(c)
        if c.ndim != 2 or c.shape[1] not in (2, 4):
            raise ValueError(f'CompleteContactLabels: contacts of shape {c.shape}; expected '
                             '(T, 2) feet or (T, 4) feet then hands')
        if c.shape[1] == 2:
            results['contacts'] = np.concatenate([c, np.zeros_like(c)], 1)
        return results
