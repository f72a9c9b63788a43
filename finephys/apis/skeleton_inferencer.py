"""``SkeletonInferencer``: 2D (video or skeleton file) → data-driven, physics and fused 3D."""
import json
import os
import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from tqdm import tqdm

from finephys.registry import MODELS
from finephys.structures import coco17_to_h36m17
from finephys.utils import register_all_modules

from .skeleton_io import load_skeleton_file


def default_intrinsics(width, height):
    """A broadcast-like guess when the camera is unknown: focal = 1.2 × the larger side,
    principal point at the centre."""
    f = 1.2 * max(width, height)
    return np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1.0]])


def read_skeleton_input(path, layout='auto', fps=None, clip_id=None, estimate_pose=None):
    """Read a video (2D by ``estimate_pose(frames_bgr) -> (keypoints, scores)``) or a 2D skeleton
    file (:func:`load_skeleton_file`) as H36M-17 pixels.

    Returns:
        dict: ``keypoints_2d (T, 17, 2)``, ``scores (T, 17)``, ``fps``, ``K (3, 3)``, ``frames``
        (``(T, H, W, 3)`` RGB for videos, else None).
    """
    ext = osp.splitext(path)[1].lower()
    frames = None
    if ext in ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.gif'):
        import imageio.v3 as iio
        if not osp.isfile(path):
            raise FileNotFoundError(f'video not found: {path}')
        if estimate_pose is None:
            raise ValueError(f'{path}: video input needs a pose estimator')
        frames = np.asarray(iio.imread(path, plugin='pyav'))[..., :3]
        meta = iio.immeta(path, plugin='pyav')
        fps = fps or float(meta.get('fps', 30.0))
        kp, scores = estimate_pose(np.ascontiguousarray(frames[..., ::-1]))
        h, w = frames.shape[1:3]
        k = default_intrinsics(w, h)
    else:
        data = load_skeleton_file(path, clip_id)
        kp, scores = data['keypoints'], data.get('scores')
        use = data['layout'] if layout == 'auto' else layout
        if use is None:
            raise ValueError(f'{path}: the file does not say its joint layout; pass '
                             "layout='coco17' or 'h36m17'")
        if use not in ('coco17', 'h36m17'):
            raise ValueError(f"layout={use!r}: expected 'coco17' or 'h36m17'")
        if scores is None:
            scores = np.ones(kp.shape[:2])
        if use == 'coco17':
            kp, scores = coco17_to_h36m17(kp, scores)
        fps = fps or float(data.get('fps', 30.0))
        if 'camera_K' in data:
            k = np.asarray(data['camera_K'], np.float64)
        else:
            if 'image_size' in data:
                w, h = (float(v) for v in data['image_size'])
            else:   # no frame: assume the skeleton spans ~half of a frame around it
                lo, hi = kp.min((0, 1)), kp.max((0, 1))
                w = h = float(2 * max(hi - lo) + 1)
                kp = kp - (lo + hi) / 2 + w / 2
            k = default_intrinsics(w, h)
    from finephys.models.pose_estimators.annotation_pose_estimator import check_keypoints
    kp, scores = check_keypoints(kp, scores, path)
    if len(kp) < 4:
        raise ValueError(f'{path}: {len(kp)} frames; at least 4 are needed')
    return dict(keypoints_2d=kp, scores=scores, fps=fps, K=k, frames=frames)


class SkeletonInferencer:
    """Run a trained skeleton model (``FinePhysSkeleton``, or any model whose ``predict`` gives
    ``pred_keypoints_3d``) on a video or a 2D skeleton file.

    Long inputs are processed in windows of ``window`` frames (stride ``window // 2``) whose
    overlaps are blended with a triangular weight.

    Args:
        config (str): Model config.
        checkpoint (str): Weights (loaded with torch's safe loader).
        device (str): ``'cpu'`` / ``'cuda:0'``.
        pose_estimator (dict, optional): POSE_ESTIMATORS config for video input (default: the
            RTMPose-t COCO config inside mmpose with ``pose_checkpoint``).
        window (int): Frames per model call.
    """

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu',
                 pose_estimator: Optional[dict] = None, window: int = 32):
        register_all_modules(init_default_scope=True)
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
        self.cfg = Config.fromfile(config)
        self.model = MODELS.build(self.cfg.model)
        load_checkpoint(self.model, checkpoint, map_location='cpu')
        self.model.to(device).eval()
        self.device, self.window = device, window
        self.pose_estimator_cfg = pose_estimator
        self._pose_estimator = None

    @property
    def pose_estimator(self):
        if self._pose_estimator is None:
            from finephys.registry import POSE_ESTIMATORS
            cfg = self.pose_estimator_cfg
            if cfg is None:
                raise ValueError('video input needs a pose estimator: pass pose_estimator='
                                 "dict(type='MMPoseTopDownEstimator', config=..., checkpoint=...)")
            self._pose_estimator = POSE_ESTIMATORS.build(dict(cfg, device=self.device))
        return self._pose_estimator

    def read_input(self, path, layout='auto', fps=None, clip_id=None):
        """2D keypoints (H36M-17, pixels), scores, fps, K and frames (video only)."""
        return read_skeleton_input(path, layout, fps, clip_id,
                                   estimate_pose=lambda frames: self.pose_estimator(frames))

    @torch.no_grad()
    def __call__(self, path, layout='auto', fps=None, clip_id=None, out_dir=None,
                 show_progress=True):
        """Infer 3D for one input; write outputs under ``out_dir`` when given.

        Returns:
            dict: ``s_dd``, ``s_pp``, ``fused`` ``(T, 17, 3)`` camera-frame metres, plus the 2D
            input, scores, fps and K; with a contact-predicting solver
            (:class:`~finephys.models.physics.StructuredPhysicsSolver`) also ``contact_prob``
            ``(T, 4)`` (left/right foot, left/right hand) and ``flight`` ``(T,)``.
        """
        data = self.read_input(path, layout, fps, clip_id)
        kp, k = data['keypoints_2d'], data['K']
        norm = (kp - k[:2, 2]) / np.array([k[0, 0], k[1, 1]])
        t = len(kp)
        win = min(self.window, t)
        starts = list(range(0, max(t - win, 0) + 1, max(win // 2, 1)))
        if starts[-1] + win < t:
            starts.append(t - win)
        acc = {key: np.zeros((t, 17, 3)) for key in ('s_dd', 's_pp', 'fused')}
        contact = None        # per-frame contact probabilities, when the solver predicts them
        weight = np.zeros((t, 1, 1))
        tri = np.minimum(np.arange(1, win + 1), np.arange(win, 0, -1)).astype(float)[:, None, None]
        for s in tqdm(starts, desc='skeleton windows', disable=not show_progress):
            inputs = dict(keypoints_2d_norm=torch.as_tensor(norm[None, s:s + win], dtype=torch.float32,
                                                            device=self.device),
                          keypoint_scores=torch.as_tensor(data['scores'][None, s:s + win],
                                                          dtype=torch.float32, device=self.device))
            samples = dict(fps=torch.tensor([data['fps']], device=self.device))
            out = self.model(inputs, samples, mode='predict')[0]
            for key, name in (('fused', 'pred_keypoints_3d'), ('s_dd', 'pred_keypoints_3d_dd'),
                              ('s_pp', 'pred_keypoints_3d_pp')):
                value = out.get(name, out['pred_keypoints_3d'])
                acc[key][s:s + win] += value.cpu().numpy() * tri
            if 'contact_prob' in out:
                contact = np.zeros((t, out['contact_prob'].shape[-1])) if contact is None \
                    else contact
                contact[s:s + win] += out['contact_prob'].cpu().numpy() * tri[:, :, 0]
            weight[s:s + win] += tri
        result = {key: v / weight for key, v in acc.items()}
        if contact is not None:
            result['contact_prob'] = contact / weight[:, :, 0]
            threshold = getattr(self.model.physics, 'contact_threshold', 0.5)
            result['flight'] = (result['contact_prob'] < threshold).all(-1)
        result.update(keypoints_2d=kp, scores=data['scores'], fps=data['fps'], K=k)
        if out_dir is not None:
            self.write_outputs(result, data.get('frames'), out_dir,
                               osp.splitext(osp.basename(path))[0])
        return result

    @staticmethod
    def write_outputs(result, frames, out_dir, stem):
        """npz + json of the three sequences, an animated 3D plot (gif) and a 2D overlay (mp4)."""
        from finephys.visualization import draw_skeleton, write_video
        from finephys.visualization.plot3d import animate_sequence_3d
        os.makedirs(out_dir, exist_ok=True)
        extra = {k: result[k] for k in ('contact_prob', 'flight') if k in result}
        np.savez(osp.join(out_dir, f'{stem}_3d.npz'), **extra,
                 **{k: np.asarray(result[k], np.float32) for k in ('s_dd', 's_pp', 'fused')},
                 keypoints_2d=result['keypoints_2d'], scores=result['scores'],
                 fps=result['fps'], camera_K=result['K'])
        with open(osp.join(out_dir, f'{stem}_3d.json'), 'w') as f:
            json.dump(dict(fps=result['fps'], joint_order='h36m17', units='metres, camera frame',
                           **{k: np.round(np.asarray(v, float), 4).tolist()
                              for k, v in extra.items()},
                           **{k: np.round(result[k], 5).tolist() for k in ('s_dd', 's_pp', 'fused')}),
                      f)
        animate_sequence_3d(result['fused'], osp.join(out_dir, f'{stem}_fused_3d.gif'),
                            fps=result['fps'])
        k = result['K']
        fused = result['fused']
        proj = fused[..., :2] / fused[..., 2:] * [k[0, 0], k[1, 1]] + k[:2, 2]
        if frames is None:
            w, h = int(round(2 * k[0, 2])), int(round(2 * k[1, 2]))
            frames = np.full((len(fused), h, w, 3), 40, np.uint8)
        video = np.stack([draw_skeleton(draw_skeleton(f, kp2, s), p, thickness=1)
                          for f, kp2, s, p in zip(frames, result['keypoints_2d'],
                                                  result['scores'], proj)])
        write_video(osp.join(out_dir, f'{stem}_overlay.mp4'), video, fps=result['fps'])
