"""``SkeletonInferencer``: 2D (video or skeleton file) → data-driven, physics and fused 3D, and
the files a user opens (npz, json, 3D gif, overlay mp4)."""
import json
import os
import os.path as osp
import time
from typing import Optional

import cv2
import numpy as np

from finephys.datasets.io import VideoReader
from finephys.datasets.mocap import write_bvh
from finephys.models.skeleton_pipeline import SkeletonPipeline
from finephys.structures import camera_to_pixels, estimator_head_from_h36m
from finephys.utils import register_all_modules
from finephys.utils.camera_motion import apply_homography
from finephys.visualization import VideoWriter, draw_skeleton
from finephys.visualization.plot3d import animate_sequence_3d


class SkeletonInferencer:
    """Run a trained skeleton model (``FinePhysSkeleton``, or any model whose ``predict`` gives
    ``pred_keypoints_3d``) on a video or a 2D skeleton file, and write what a user opens.

    The work is :class:`~finephys.models.skeleton_pipeline.SkeletonPipeline`'s (``.pipeline``):
    long inputs are lifted in windows of ``window`` frames (stride ``window // 2``) whose
    overlaps are blended with a triangular weight, then a solver that holds at any length (the
    structured one) solves the whole input at once (``physics='sequence'``).

    Args:
        config (str): Model config.
        checkpoint (str): Weights (loaded with torch's safe loader).
        device (str): ``'cpu'`` / ``'cuda:0'``.
        pose_estimator (dict, optional): POSE_ESTIMATORS config for video input (default:
            the config's own ``pose_estimator`` where it has one — the estimator-3D configs ask
            for BlazePose heavy with its flip test — else :class:`MediaPipePoseEstimator`,
            BlazePose with one person tracked — real weights that ship in its pip wheel).
        window (int): Frames per model call.
        stabilise (bool): For videos, estimate camera pan/tilt/zoom from the background and
            run the model on 2D in frame 0's pixels (see :mod:`finephys.utils.camera_motion`).
        physics (str): ``'sequence'`` (default) or ``'windows'`` (every window through the
            whole model, blended: how inference worked before whole-sequence physics).
        gravity (str): ``'scene'`` (default: gravity's direction estimated from the clip — the
            ground, the flights, the upright body — and given to a solver that takes it) or
            ``'level'`` (a level camera). See :class:`SkeletonPipeline`.
    """

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu',
                 pose_estimator: Optional[dict] = None, window: int = 32,
                 stabilise: bool = True, physics: str = 'sequence', gravity: str = 'scene'):
        register_all_modules(init_default_scope=True)
        self.pipeline = SkeletonPipeline(config, checkpoint, device, pose_estimator, window,
                                         stabilise, physics=physics, gravity=gravity)
        self.pipeline.model        # build and load now: a bad config or checkpoint fails here

    @property
    def cfg(self):
        return self.pipeline.cfg

    @property
    def model(self):
        return self.pipeline.model

    @property
    def pose_estimator(self):
        return self.pipeline.pose_estimator

    def read_input(self, path, layout='auto', fps=None, clip_id=None, show_progress=True):
        """2D keypoints (H36M-17, pixels; filled and flagged), scores, fps, K, camera motion
        (see :func:`~finephys.datasets.io.read_skeleton_input`)."""
        return self.pipeline.read_input(path, layout, fps, clip_id, show_progress)

    def __call__(self, path, layout='auto', fps=None, clip_id=None, out_dir=None,
                 show_progress=True, progress=None, stem=None, person_box=None, gif=True):
        """Infer 3D for one input; write outputs under ``out_dir`` when given (file names
        start with ``stem``, default the input's name). ``progress(stage, done, total,
        seconds)`` hears every stage (see :meth:`SkeletonPipeline.__call__
        <finephys.models.skeleton_pipeline.SkeletonPipeline.__call__>`), then ``'rendering'``
        (see :meth:`write_outputs`). ``person_box`` (xyxy pixels): in a video, follow the
        person whose box centre lies in it (default: whoever the estimator finds first).
        ``gif=False`` skips the animated 3D plot (the slowest file to write).

        Returns:
            dict: ``s_dd``, ``s_pp``, ``fused`` ``(T, 17, 3)`` camera-frame metres (of frame 0's
            camera for stabilised video), plus the 2D input (``keypoints_2d`` filled model input,
            ``keypoints_2d_image`` as estimated with NaN where missing), ``scores``, ``missing
            (T, 17)`` and ``lost_frames (T,)`` (joints/frames filled by interpolation and the
            physics-leaning fusion), ``camera_motion (T, 3, 3)``, fps and K; with a
            contact-predicting solver
            (:class:`~finephys.models.physics.StructuredPhysicsSolver`) also ``contact_prob``
            ``(T, 4)`` (left/right foot, left/right hand) and ``flight`` ``(T,)``; ``gravity``
            ``(3,)`` m/s² in the camera frame with ``gravity_source``, ``gravity_from_scene``,
            ``gravity_tilt_deg`` and ``gravity_uncertainty_deg`` (see
            :func:`~finephys.models.skeleton_pipeline.gravity_fields`); with ``out_dir`` also
            ``files`` (the paths written, see :meth:`write_outputs`).
        """
        result = self.pipeline(path, layout, fps, clip_id, show_progress, progress, person_box)
        video = result.pop('video')
        if out_dir is not None:
            result['files'] = self.write_outputs(
                result, video, out_dir, stem or osp.splitext(osp.basename(path))[0], progress,
                gif)
        return result

    @staticmethod
    def write_outputs(result, video, out_dir, stem, progress=None, gif=True):
        """npz + json of the three sequences, the fused one as BVH (``<stem>_fused.bvh``), an
        animated 3D plot (gif) and a 2D overlay (mp4, streamed over the source video when there
        is one). Filled joints and lost frames are
        flagged: ``missing`` / ``lost_frames`` keys, and in the overlay a red frame border with
        "filled" on lost frames and red rings on filled joints.

        Returns:
            dict: the paths written, by kind: ``npz``, ``json``, ``bvh``, ``gif`` (unless
            ``gif=False``), ``overlay``. ``progress('rendering', done, total, seconds)`` hears
            the files (done counts the 3D plot and the BVH as one step each, then overlay
            frames).
        """
        os.makedirs(out_dir, exist_ok=True)
        paths = {kind: osp.join(out_dir, f'{stem}{suffix}') for kind, suffix in (
            ('npz', '_3d.npz'), ('json', '_3d.json'), ('bvh', '_fused.bvh'),
            ('gif', '_fused_3d.gif'), ('overlay', '_overlay.mp4'))}
        steps = len(result['fused']) + 2
        tic = time.perf_counter()

        def report(done):
            nonlocal tic
            if progress is not None:
                progress('rendering', done, steps, time.perf_counter() - tic)
                tic = time.perf_counter()

        extra = {k: result[k] for k in ('contact_prob', 'flight', 'gravity_scale',
                                        'gravity_scale_valid', 'gravity', 'gravity_from_scene',
                                        'gravity_tilt_deg', 'gravity_uncertainty_deg')
                 if k in result}
        text = {k: result[k] for k in ('gravity_source',) if k in result}
        flags = dict(missing=result['missing'], lost_frames=result['lost_frames'])
        if 'bridged_frames' in result:      # lost frames no lifted window covered
            flags['bridged_frames'] = result['bridged_frames']
        np.savez(paths['npz'], **extra, **flags, **{k: np.str_(v) for k, v in text.items()},
                 **{k: np.asarray(result[k], np.float32) for k in ('s_dd', 's_pp', 'fused')},
                 keypoints_2d=result['keypoints_2d'],
                 keypoints_2d_image=result['keypoints_2d_image'], scores=result['scores'],
                 camera_motion=result['camera_motion'], fps=result['fps'], camera_K=result['K'])
        image_2d = np.round(np.asarray(result['keypoints_2d_image'], float), 2)
        with open(paths['json'], 'w') as f:
            json.dump(dict(fps=result['fps'], joint_order='h36m17', units='metres, camera frame',
                           **{k: np.round(np.asarray(v, float), 4).tolist()
                              for k, v in extra.items()}, **text,
                           **{k: np.asarray(v).astype(bool).tolist() for k, v in flags.items()},
                           keypoints_2d_image=np.where(np.isfinite(image_2d), image_2d,
                                                       None).tolist(),
                           camera_motion=np.round(result['camera_motion'], 6).tolist(),
                           **{k: np.round(result[k], 5).tolist()
                              for k in ('s_dd', 's_pp', 'fused')}), f)
        if gif:
            animate_sequence_3d(result['fused'], paths['gif'], fps=result['fps'])
        else:
            del paths['gif']
        report(1)
        # for Blender & co.: Y up, centimetres, median bone lengths (a rig has fixed bones)
        write_bvh(paths['bvh'], result['fused'], result['fps'])
        report(2)
        k = result['K']
        fused = result['fused']
        # drawn over the video with the head the 2D estimator gives (nose tip, mid-ear)
        proj = camera_to_pixels(estimator_head_from_h36m(fused), k)
        # back from the stabilised frame to each frame's pixels
        proj = apply_homography(np.linalg.inv(result['camera_motion']), proj)
        t = len(fused)

        def frames():
            if video is not None:
                for chunk in VideoReader(video).chunks(16):
                    yield from chunk
            else:
                w, h = int(round(2 * k[0, 2])), int(round(2 * k[1, 2]))
                for _ in range(t):
                    yield np.full((h, w, 3), 40, np.uint8)

        with VideoWriter(paths['overlay'], result['fps']) as writer:
            for i, frame in zip(range(t), frames()):
                img = draw_skeleton(frame, result['keypoints_2d_image'][i], result['scores'][i])
                img = draw_skeleton(img, proj[i], thickness=1)
                r = max(3, img.shape[0] // 80)
                for j in np.flatnonzero(result['missing'][i]):
                    if np.isfinite(proj[i, j]).all():
                        cv2.circle(img, tuple(int(v) for v in proj[i, j]), r, (230, 40, 40), 1,
                                   cv2.LINE_AA)
                if result['lost_frames'][i]:
                    b = max(2, img.shape[0] // 100)
                    cv2.rectangle(img, (0, 0), (img.shape[1] - 1, img.shape[0] - 1),
                                  (230, 40, 40), b)
                    cv2.putText(img, 'filled', (3 * b, 12 * b), cv2.FONT_HERSHEY_SIMPLEX,
                                b / 3, (230, 40, 40), max(1, b // 2), cv2.LINE_AA)
                writer.write(img)
                if i % 8 == 7 or i == t - 1:
                    report(3 + i)
        return paths
