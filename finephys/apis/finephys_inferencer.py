"""``FinePhysInferencer``: text (+ skeleton file or video) → generated video and its guidance."""
import os
import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmengine.runner import load_checkpoint

from finephys.datasets.io import is_video_file, read_skeleton_input
from finephys.datasets.synthgym import ACTIONS, generate_clip
from finephys.registry import MODELS, POSE_ESTIMATORS
from finephys.structures import pixels_to_normalized
from finephys.utils import register_all_modules
from finephys.utils.launch import load_config
from finephys.visualization import animate_sequence_3d, draw_skeleton, write_video


class FinePhysInferencer:
    """Generate a video of a fine-grained action guided by physics-aware skeletons.

    The motion comes from a 2D skeleton file / video (``skeleton=``) or, when the text is a
    SynthGym class name, from a SynthGym performance of that class. The skeleton path lifts it
    (data-driven + physics, fused), the fused 3D is projected into the output frame, rendered as
    heatmaps and turned into adapter residuals once; then the generator samples.

    Args:
        config (str): A ``FinePhys`` config.
        checkpoint (str, optional): Stage-3 weights (safe loading). None keeps the config's
            initialisation (e.g. a stage-1 skeleton checkpoint through ``init_cfg``).
        device (str): ``'cpu'`` / ``'cuda:0'``.
        pose_estimator (dict, optional): POSE_ESTIMATORS config for video input (default:
            :class:`MediaPipePoseEstimator`, BlazePose with one person tracked; the video is
            stabilised and missing joints are filled, as in :class:`SkeletonInferencer`).
        cfg_options (dict, optional): Config overrides (``--cfg-options`` semantics: unknown
            keys are refused).
    """

    def __init__(self, config: str, checkpoint: Optional[str] = None, device: str = 'cpu',
                 pose_estimator: Optional[dict] = None, cfg_options: Optional[dict] = None):
        register_all_modules(init_default_scope=True)
        self.cfg = load_config(config, cfg_options)
        self.model = MODELS.build(self.cfg.model)
        self.model.init_weights()
        if checkpoint is not None:
            if not osp.isfile(checkpoint):
                raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
            load_checkpoint(self.model, checkpoint, map_location='cpu')
        self.model.to(device).eval()
        self.device, self.pose_estimator_cfg = device, pose_estimator

    def _motion(self, text, skeleton, num_frames, seed, layout):
        if skeleton is not None:
            est = None
            if is_video_file(skeleton):
                cfg = self.pose_estimator_cfg or dict(type='MediaPipePoseEstimator')
                est = POSE_ESTIMATORS.build(dict(cfg, device=self.device))
            data = read_skeleton_input(skeleton, layout, estimate_pose=est)
            src_w, src_h = 2 * data['K'][0, 2], 2 * data['K'][1, 2]
        else:
            if text not in ACTIONS:
                raise ValueError(f'free text {text!r} needs a skeleton file or video '
                                 f'(skeleton=...); or use a SynthGym class name: '
                                 f'{list(ACTIONS)}')
            clip = generate_clip(text, seed, num_frames=num_frames)
            data = dict(keypoints_2d=clip['keypoints_2d'].astype(np.float64),
                        scores=clip['keypoint_scores'].astype(np.float64), fps=clip['fps'],
                        K=clip['camera']['K'][num_frames // 2].astype(np.float64))
            src_w, src_h = clip['camera']['image_size']
        t = len(data['keypoints_2d'])
        if t < num_frames:
            raise ValueError(f'the motion has {t} frames; {num_frames} were asked for')
        s = (t - num_frames) // 2
        data['keypoints_2d'] = data['keypoints_2d'][s:s + num_frames]
        data['scores'] = data['scores'][s:s + num_frames]
        return data, (src_w, src_h)

    @torch.no_grad()
    def __call__(self, text: str, skeleton: Optional[str] = None, num_frames: int = 8,
                 size: int = 32, steps: Optional[int] = None,
                 guidance_scale: Optional[float] = None, seed: int = 0, layout: str = 'auto',
                 out_dir: Optional[str] = None):
        """Returns dict: ``video (F, H, W, 3)`` uint8, ``guidance_2d (F, 17, 2)``, ``fused_3d``."""
        if not text or not text.strip():
            raise ValueError('FinePhysInferencer: empty prompt')
        w, h = self.model.heatmap_renderer.image_size
        if (size, size) != (w, h):
            raise ValueError(f'size={size}: this model renders its skeleton guidance for {w}x{h} '
                             'frames (heatmaps.image_size in the config, which must be '
                             f'multiples of {self.model.generator.size_multiple})')
        data, (src_w, src_h) = self._motion(text, skeleton, num_frames, seed, layout)
        k = data['K']
        norm = pixels_to_normalized(data['keypoints_2d'], k)
        # the same camera, scaled to the output frame
        k_out = k.copy()
        k_out[0] *= size / src_w
        k_out[1] *= size / src_h
        dev = self.device
        inputs = dict(
            keypoints_2d_norm=torch.as_tensor(norm[None], dtype=torch.float32, device=dev),
            keypoint_scores=torch.as_tensor(data['scores'][None], dtype=torch.float32, device=dev),
            video=torch.zeros(1, num_frames, size, size, 3, dtype=torch.uint8, device=dev))
        samples = dict(fps=torch.tensor([float(data['fps'])], device=dev),
                       camera_K=torch.as_tensor(k_out, dtype=torch.float32,
                                                device=dev).expand(1, num_frames, 3, 3),
                       text=[text])
        model = self.model
        if steps is not None:
            model.num_inference_steps = steps
        if guidance_scale is not None:
            model.guidance_scale = guidance_scale
        out = model.predict(inputs, samples, torch.Generator(device=dev).manual_seed(seed))[0]
        result = dict(video=out['video'].cpu().numpy(),
                      guidance_2d=out['guidance_keypoints_2d'].cpu().numpy(),
                      fused_3d=out['guidance_keypoints_3d'].cpu().numpy(),
                      fps=float(data['fps']))
        if out_dir is not None:
            heatmaps = model.heatmap_renderer(out['guidance_keypoints_2d'][None],
                                              inputs['keypoint_scores'])
            self.write_outputs(result, heatmaps, out_dir, text)
        return result

    @staticmethod
    def write_outputs(result, heatmaps, out_dir, text):
        """mp4 + gif, side by side with the guidance skeleton, a 3D plot, the heatmap pyramid."""
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt

        os.makedirs(out_dir, exist_ok=True)
        stem = ''.join(c if c.isalnum() else '_' for c in text)[:48].strip('_') or 'video'
        video, kp = result['video'], result['guidance_2d']
        fps = result['fps']
        write_video(osp.join(out_dir, f'{stem}.mp4'), video, fps)
        write_video(osp.join(out_dir, f'{stem}.gif'), video, fps)
        skel = np.stack([draw_skeleton(np.zeros_like(f), p, thickness=1)
                         for f, p in zip(video, kp)])
        write_video(osp.join(out_dir, f'{stem}_side_by_side.mp4'),
                    np.concatenate([video, skel], axis=2), fps)
        animate_sequence_3d(result['fused_3d'], osp.join(out_dir, f'{stem}_fused_3d.gif'), fps=fps)
        fig, axes = plt.subplots(1, len(heatmaps), figsize=(3 * len(heatmaps), 3))
        for ax, level in zip(np.atleast_1d(axes), heatmaps):
            ax.imshow(level[0, 0].sum(0).cpu().numpy(), cmap='magma')
            ax.set_title(f'{level.shape[-1]}x{level.shape[-2]}')
            ax.axis('off')
        fig.tight_layout()
        fig.savefig(osp.join(out_dir, f'{stem}_heatmap_pyramid.png'), dpi=100)
        plt.close(fig)
