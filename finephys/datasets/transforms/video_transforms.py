"""Transforms that read and frame real videos (FineGym clips) alongside their skeletons."""
import numpy as np
from mmcv.transforms import BaseTransform

from finephys.datasets.bad_samples import BadSampleError
from finephys.datasets.io import read_video
from finephys.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadVideoFrames(BaseTransform):
    """Decode the sampled frames of a clip (:func:`~finephys.datasets.io.read_video`, PyAV).

    Required keys: ``video_path``; ``frame_inds`` (from :class:`SampleFrames`; all frames when
    absent). Added keys: ``video`` ``(T, H, W, 3)`` uint8.

    A video with fewer frames than requested, or whose frame size differs from the skeleton's
    ``camera['image_size']``, is an error naming the file (skeleton and pixels would disagree).
    """

    def transform(self, results):
        path = results['video_path']
        try:
            frames = read_video(path)
        except ValueError as err:   # a broken file: name it, keep the decoder's reason
            raise OSError(f'LoadVideoFrames: cannot decode {path}: {err}') from err
        inds = results.get('frame_inds', np.arange(len(frames)))
        if len(inds) and int(np.max(inds)) >= len(frames):
            raise BadSampleError(f'LoadVideoFrames: {path} has {len(frames)} frames, the '
                                 f'skeleton asks for frame {int(np.max(inds))}')
        size = results.get('camera', {}).get('image_size')
        if size is not None and tuple(size) != (frames.shape[2], frames.shape[1]):
            raise BadSampleError(f'LoadVideoFrames: {path} is '
                                 f'{frames.shape[2]}x{frames.shape[1]}, the skeleton file says '
                                 f'{size[0]}x{size[1]}')
        results['video'] = np.ascontiguousarray(frames[inds])
        return results


@TRANSFORMS.register_module()
class SkeletonCropResize(BaseTransform):
    """Square crop around the performer (all frames' confident joints), resized to ``size``.

    The crop follows the whole clip's skeleton box enlarged by ``padding`` (areas outside the
    frame are filled with black), so the camera does not move within a clip. Keypoints and the
    intrinsics are mapped with the same similarity, so normalised camera coordinates
    ``K⁻¹ [u, v, 1]`` are unchanged.

    Required keys: ``video`` ``(T, H, W, 3)``, ``keypoints_2d``, ``keypoint_scores``, ``camera``.
    Modified keys: ``video`` ``(T, size, size, 3)``, ``keypoints_2d``, ``camera`` (``K``,
    ``image_size``). Added keys: ``crop_box`` ``(x0, y0, side)`` in source pixels.

    Args:
        size (int): Output side in pixels.
        padding (float): Box enlargement factor.
        score_thr (float): Joints below this score do not define the box.
    """

    def __init__(self, size: int, padding: float = 1.25, score_thr: float = 0.3):
        if size <= 0 or padding < 1.0:
            raise ValueError(f'SkeletonCropResize(size={size}, padding={padding}): expected '
                             'size > 0 and padding >= 1')
        self.size, self.padding, self.score_thr = int(size), float(padding), score_thr

    def transform(self, results):
        import cv2
        video, kp = results['video'], np.asarray(results['keypoints_2d'], np.float64)
        ok = np.asarray(results['keypoint_scores']) >= self.score_thr
        pts = kp[ok] if ok.any() else kp.reshape(-1, 2)
        lo, hi = pts.min(0), pts.max(0)
        side = max(float((hi - lo).max()) * self.padding, 8.0)
        x0, y0 = (lo + hi) / 2 - side / 2
        s = self.size / side
        # source → output similarity: u' = s (u − x0)
        A = np.array([[s, 0, -s * x0], [0, s, -s * y0]])
        out = np.stack([cv2.warpAffine(f, A, (self.size, self.size), flags=cv2.INTER_AREA
                                       if s < 1 else cv2.INTER_LINEAR,
                                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
                        for f in video])
        results['video'] = out
        results['keypoints_2d'] = ((kp - [x0, y0]) * s).astype(np.float32)
        cam = dict(results['camera'])
        S = np.array([[s, 0, -s * x0], [0, s, -s * y0], [0, 0, 1.0]])
        cam['K'] = (S @ np.asarray(cam['K'], np.float64)).astype(np.float32)
        cam['image_size'] = (self.size, self.size)
        results['camera'] = cam
        results['crop_box'] = np.array([x0, y0, side], np.float32)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(size={self.size}, padding={self.padding}, '
                f'score_thr={self.score_thr})')
