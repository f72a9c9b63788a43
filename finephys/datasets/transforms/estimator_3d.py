"""``SimulateEstimator3D``: a 2D estimator's own metric 3D made from a clip's true 3D, for
training the stages after :class:`~finephys.models.lifters.Estimator3DLifter` on SynthGym."""
import numpy as np
from mmcv.transforms import BaseTransform

from finephys.registry import TRANSFORMS
from finephys.structures import H36M17, estimator_head_from_h36m, ray_rotation


@TRANSFORMS.register_module()
class SimulateEstimator3D(BaseTransform):
    """What an estimator like MediaPipe BlazePose gives as its own 3D, from the true 3D: the
    pose centred on the pelvis, seen along the ray to the person (the estimator sees a crop
    around the body: its axes look along that ray, not the optical axis), with the estimator's
    errors — one body-size error per clip (it assumes an average body), and per frame a joint
    error that is larger in depth, where a monocular estimate is weakest.

    The frame-to-frame noise is measured: MediaPipe's world landmarks on Pose2Sim's multi-person
    trial (4 views, 30 fps; not the single-person trial the real-video table reports on) minus
    their Gaussian-smoothed selves (σ = 2 frames) leave 32 / 30 / 37 mm per axis (x, y, depth) —
    white noise of 37 / 34 / 42 mm once the smoother's share is taken out (the residual of white
    noise is 0.86 σ). The body-size error (±8 %) is a model: MediaPipe assumes an average body.

    The head is the estimator's (nose tip and mid-ear: :func:`~finephys.structures.
    estimator_head_from_h36m`), as a real estimator's landmarks give it.

    Required keys: ``keypoints_3d`` ``(T, J, 3)`` camera frame (after flips). Added keys:
    ``keypoints_3d_estimator`` ``(T, J, 3)`` metres, hip-centred, ray-aligned axes.

    Args:
        size_std (float): Std of the per-clip body-size factor (relative).
        joint_std (float): Per-frame, per-joint std in x and y (metres).
        depth_std (float): Per-frame, per-joint std along the viewing direction (metres).
    """

    def __init__(self, size_std: float = 0.08, joint_std: float = 0.036,
                 depth_std: float = 0.042):
        if min(size_std, joint_std, depth_std) < 0:
            raise ValueError(f'SimulateEstimator3D: stds must be >= 0, got size_std={size_std}, '
                             f'joint_std={joint_std}, depth_std={depth_std}')
        self.size_std, self.joint_std, self.depth_std = size_std, joint_std, depth_std

    def transform(self, results):
        # the estimator's head: nose tip and mid-ear, as coco17_to_h36m17 makes of its landmarks
        kp = estimator_head_from_h36m(np.asarray(results['keypoints_3d'], np.float64))
        root = kp[:, H36M17.index('pelvis')]
        rel = kp - root[:, None]
        # camera → the crop's axes: the inverse of the ray rotation
        rel = np.einsum('tji,tkj->tki', ray_rotation(root), rel)
        rel = rel * max(1.0 + self.size_std * np.random.randn(), 0.5)
        noise = np.random.randn(*rel.shape) * np.array([self.joint_std, self.joint_std,
                                                        self.depth_std])
        out = rel + noise
        results['keypoints_3d_estimator'] = (out - out[:, :1]).astype(np.float32)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(size_std={self.size_std}, joint_std='
                f'{self.joint_std}, depth_std={self.depth_std})')
