"""``SkeletonPipeline``: 2D input (a video, a skeleton file, or frames in memory) → a trained
skeleton model → data-driven, physics and fused 3D. The one path that inference
(``SkeletonInferencer``) and evaluation
(:class:`~finephys.evaluation.MotionPlausibilityMetric`) both compose."""
import os.path as osp
import time
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict
from tqdm import tqdm

from finephys.datasets.io import is_video_file, read_skeleton_input
from finephys.models.physics.gravity_direction import angle_deg, estimate_gravity_direction
from finephys.registry import MODELS, POSE_ESTIMATORS
from finephys.structures import pixels_to_normalized
from finephys.structures.constants import LEVEL_GRAVITY, STANDARD_GRAVITY
from finephys.utils.errors import UserInputError
from finephys.utils.keypoint_gaps import fill_missing_keypoints
from finephys.utils.sequences import flight_segments

#: ``(result key, model output key)`` of the three sequences a skeleton model predicts.
SEQUENCE_KEYS = (('s_dd', 'pred_keypoints_3d_dd'), ('s_pp', 'pred_keypoints_3d_pp'),
                 ('fused', 'pred_keypoints_3d'))

#: How :meth:`SkeletonPipeline.lift` applies the physics: once over the input, or per window.
PHYSICS_OVER = ('sequence', 'windows')

#: Where :meth:`SkeletonPipeline.lift` takes gravity's direction from: the scene (the ground,
#: the flights and the upright body of the clip; :func:`estimate_gravity_direction`) or a level
#: camera.
GRAVITY_FROM = ('scene', 'level')


def config_pose_estimator(cfg: Config) -> dict:
    """The ``POSE_ESTIMATORS`` config a skeleton model's videos go through by default: its
    config's own ``pose_estimator`` entry (the estimator-3D configs ask for BlazePose heavy with
    its flip test), else :class:`MediaPipePoseEstimator`'s."""
    return dict(cfg.get('pose_estimator', None) or dict(type='MediaPipePoseEstimator'))


def solver_takes_gravity(model) -> bool:
    """Whether the model's physics solver uses the sample's camera-frame gravity (the structured
    solver with ``gravity='camera'``)."""
    physics = getattr(model, 'physics', None)
    return bool(getattr(physics, 'needs_context', False)
                and getattr(physics, 'gravity_mode', None) == 'camera')


def bridge_in_time(values, where):
    """Fill NaN frames of ``(T, N, D)`` linearly in time between the finite frames around them
    (constant before the first and after the last)."""
    return fill_missing_keypoints(values, where=where)[0]


def gravity_fields(estimate) -> dict:
    """The result keys of a gravity estimate (a dict of
    :meth:`SkeletonPipeline.estimate_gravity`; a ``(3,)`` vector: given; None: a level camera
    was asked for): ``gravity (3,)`` m/s² in the camera frame, ``gravity_source`` (str),
    ``gravity_from_scene`` (bool), ``gravity_tilt_deg``, ``gravity_uncertainty_deg``."""
    if estimate is None:
        return dict(gravity=LEVEL_GRAVITY.copy(),
                    gravity_source='level camera (asked for)', gravity_from_scene=False,
                    gravity_tilt_deg=0.0, gravity_uncertainty_deg=float('nan'))
    if not isinstance(estimate, dict):
        g = np.asarray(estimate, np.float64)
        return dict(gravity=g, gravity_source='given', gravity_from_scene=False,
                    gravity_tilt_deg=angle_deg(g, (0.0, 1.0, 0.0)),
                    gravity_uncertainty_deg=0.0)
    return dict(gravity=np.asarray(estimate['gravity'], np.float64),
                gravity_source=estimate['source'], gravity_from_scene=estimate['from_scene'],
                gravity_tilt_deg=float(estimate['tilt_deg']),
                gravity_uncertainty_deg=float(estimate['uncertainty_deg']))


def scale_fallback_reason(physics, result) -> str:
    """Why a whole-sequence solve kept the lifter's depth (``''`` when the clip was scaled by
    gravity, or the solver does not scale)."""
    if result.get('gravity_scale_valid', True) or not getattr(physics, 'metric_scale', False):
        return ''
    shortest = (getattr(physics, 'min_scale_flight_frames', 0)
                + 2 * getattr(physics, 'scale_trim_frames', 0))
    flights = flight_segments(np.asarray(result['flight'], bool))
    if not any(b - a >= shortest for a, b in flights):
        longest = max((b - a for a, b in flights), default=0)
        return f'no flight of at least {shortest} frames (longest: {longest})'
    return ('no flight gave a plausible scale (a depth not in front of the camera, or a scale '
            'outside the bounds)')


class SkeletonPipeline:
    """A pose estimator and a trained skeleton model (``FinePhysSkeleton``, or any model whose
    ``predict`` gives ``pred_keypoints_3d``), each built on first use.

    Long inputs are lifted in windows of ``window`` frames (stride ``window // 2``) whose
    overlaps are blended with a triangular weight; a solver that holds over any length (the
    structured one) then solves the whole input at once (``physics='sequence'``, see
    :meth:`lift`).

    Args:
        config (str | Config): The skeleton model's config (its ``model`` entry).
        checkpoint (str): Its weights (torch's safe loader).
        device (str): ``'cpu'`` / ``'cuda:0'`` for the model (and the estimator, unless its
            config names a device).
        pose_estimator (dict, optional): ``POSE_ESTIMATORS`` config for frames and videos
            (default: the skeleton config's own ``pose_estimator`` entry where it has one — the
            estimator-3D configs ask for BlazePose heavy with its flip test — else
            :class:`MediaPipePoseEstimator`, BlazePose with one person tracked).
        window (int): Frames per model call.
        stabilise (bool): For videos, estimate camera pan/tilt/zoom from the background and lift
            2D in frame 0's pixels (see :mod:`finephys.utils.camera_motion`).
        logger (str): mmengine logger for the checkpoint load (``'silent'`` inside a metric).
        physics (str): ``'sequence'`` — a solver that allows it solves the whole input at once
            (its constraints hold at any length; see :meth:`lift`); ``'windows'`` — every
            window through the whole model, blended (the only way for a windowed rollout such
            as Phys-Net, which ignores this).
        gravity (str): ``'scene'`` — estimate gravity's direction in the camera frame from the
            clip (:func:`~finephys.models.physics.gravity_direction.estimate_gravity_direction`
            on the lifter's 3D and the 2D; a level camera, logged, where the clip fixes no
            direction) and give it to a solver that takes gravity (the physics then runs twice:
            the first pass finds the flights the estimate uses); ``'level'`` — a level camera,
            ``(0, g, 0)``, nothing estimated.
    """

    def __init__(self, config: Union[str, Config], checkpoint: str, device: str = 'cpu',
                 pose_estimator: Optional[dict] = None, window: int = 32,
                 stabilise: bool = True, logger: str = 'current', physics: str = 'sequence',
                 gravity: str = 'scene'):
        if physics not in PHYSICS_OVER:
            raise ValueError(f'SkeletonPipeline physics={physics!r}: expected one of '
                             f'{PHYSICS_OVER}')
        if gravity not in GRAVITY_FROM:
            raise ValueError(f'SkeletonPipeline gravity={gravity!r}: expected one of '
                             f'{GRAVITY_FROM}')
        self.physics, self.gravity = physics, gravity
        self.config, self.checkpoint, self.device = config, checkpoint, device
        self.pose_estimator_given = None if pose_estimator is None else dict(pose_estimator)
        self.window, self.stabilise, self.logger = window, stabilise, logger
        self._cfg = self._model = self._pose_estimator = None

    @property
    def pose_estimator_cfg(self) -> dict:
        """The ``POSE_ESTIMATORS`` config videos and frames go through: the one given, else the
        skeleton config's ``pose_estimator``, else :class:`MediaPipePoseEstimator`'s."""
        if self.pose_estimator_given is not None:
            return self.pose_estimator_given
        return config_pose_estimator(self.cfg)

    @property
    def cfg(self) -> Config:
        """The skeleton model's config."""
        if self._cfg is None:
            self._cfg = (self.config if isinstance(self.config, Config)
                         else Config.fromfile(self.config))
        return self._cfg

    @property
    def config_name(self) -> str:
        """The config's file name (or "the given config"), for messages."""
        return (osp.basename(self.config) if isinstance(self.config, str)
                else osp.basename(getattr(self.config, 'filename', None) or 'the given config'))

    @property
    def model(self) -> torch.nn.Module:
        """The skeleton model in eval mode (built and loaded on first use)."""
        if self._model is None:
            if not osp.isfile(self.checkpoint):
                raise FileNotFoundError(f'checkpoint not found: {self.checkpoint}')
            model = MODELS.build(self.cfg.model)
            lifter = getattr(model, 'lifter', None)
            if lifter is not None and not lifter.state_dict():
                # a lifter without weights (Estimator3DLifter) runs with the physics and fuser
                # of a checkpoint trained on another lifter: that lifter's weights are not used
                ckpt = CheckpointLoader.load_checkpoint(self.checkpoint, map_location='cpu')
                state = ckpt.get('state_dict', ckpt)
                unused = [k for k in state if k.startswith('lifter.')]
                if unused:
                    print_log(f'{self.checkpoint}: the {type(lifter).__name__} of '
                              f'{self.config_name} has no weights; the checkpoint\'s '
                              f'{len(unused)} lifter entries are not used', logger=self.logger)
                load_state_dict(model, {k: v for k, v in state.items() if k not in unused},
                                logger=self.logger)
            else:
                load_checkpoint(model, self.checkpoint, map_location='cpu', logger=self.logger)
            self._model = model.to(self.device).eval()
        return self._model

    @property
    def pose_estimator(self):
        """The 2D pose estimator (built on first use)."""
        if self._pose_estimator is None:
            self._pose_estimator = POSE_ESTIMATORS.build(
                dict(dict(device=self.device), **self.pose_estimator_cfg))
        return self._pose_estimator

    def reset_tracking(self) -> None:
        """Start a new track: a tracking estimator must not carry a person from one video into
        the next."""
        reset = getattr(self.pose_estimator, 'reset', None)
        if reset is not None:
            reset()

    def follow(self, person_box=None) -> None:
        """Start a new track on the person whose box centre lies in ``person_box`` (xyxy
        pixels; None: whoever is found first).

        Raises:
            UserInputError: a box for an estimator that cannot be told whom to follow.
        """
        follow = getattr(self.pose_estimator, 'follow', None)
        if follow is not None:
            follow(None if person_box is None else [float(v) for v in person_box])
            return
        if person_box is not None:
            raise UserInputError(f'the pose estimator {self.pose_estimator_cfg["type"]} follows '
                                 'whoever it finds; it cannot be told whom to follow (use '
                                 'MediaPipePoseEstimator)')
        self.reset_tracking()

    def estimate_frames_2d(self, frames_rgb: np.ndarray):
        """2D of a clip held in memory (a new track).

        Args:
            frames_rgb: ``(T, H, W, 3)`` uint8 RGB.

        Returns:
            tuple | None: filled ``keypoints (T, 17, 2)`` pixels and ``scores (T, 17)`` (0 where
            filled), or None when nobody is found in any frame.
        """
        self.reset_tracking()
        kp, scores = self.pose_estimator(np.ascontiguousarray(frames_rgb[..., ::-1]))  # BGR in
        try:
            kp, scores, _ = fill_missing_keypoints(kp, scores)
        except ValueError:
            return None
        return kp, scores

    def read_input(self, path, layout='auto', fps=None, clip_id=None, show_progress=True,
                   progress=None, person_box=None):
        """A video or a 2D skeleton file → the model's 2D input (see
        :func:`~finephys.datasets.io.read_skeleton_input`, which also says what ``progress``
        receives). ``person_box``: xyxy pixels — in a video, follow the person whose box centre
        lies in it when first found (None: whoever the estimator finds first)."""
        if is_video_file(path):
            self.follow(person_box)
        elif person_box is not None:
            raise UserInputError(f'{path}: a person box chooses whom to track in a video; a '
                                 'skeleton file holds one person already')
        return read_skeleton_input(path, layout, fps, clip_id,
                                   estimate_pose=self.estimate_chunk,
                                   stabilise=self.stabilise, show_progress=show_progress,
                                   progress=progress)

    def estimate_chunk(self, frames_bgr):
        """The estimator on one chunk of a video: ``(keypoints, scores, keypoints_3d)``, the last
        being the estimator's own metric 3D (``last_world_keypoints``) or None."""
        kp, scores = self.pose_estimator(frames_bgr)
        return kp, scores, getattr(self.pose_estimator, 'last_world_keypoints', None)

    @property
    def needs_estimator_3d(self) -> bool:
        """Whether the model's lifter lifts from the estimator's own 3D
        (:class:`~finephys.models.lifters.Estimator3DLifter`)."""
        return bool(getattr(getattr(self.model, 'lifter', None), 'needs_estimator_3d', False))

    @property
    def physics_over_sequence(self) -> bool:
        """Whether :meth:`lift` solves the physics once over the whole input: ``physics=
        'sequence'`` and a model whose solver allows it
        (:attr:`~finephys.models.FinePhysSkeleton.whole_sequence_physics`)."""
        return self.physics == 'sequence' and bool(
            getattr(self.model, 'whole_sequence_physics', False))

    def _window_starts(self, t):
        win = min(self.window, t)
        starts = list(range(0, max(t - win, 0) + 1, max(win // 2, 1)))
        if starts[-1] + win < t:
            starts.append(t - win)
        return win, starts

    def _window_inputs(self, norm, scores, keypoints_3d_estimator, s, win):
        inputs = dict(keypoints_2d_norm=torch.as_tensor(norm[None, s:s + win],
                                                        dtype=torch.float32, device=self.device),
                      keypoint_scores=torch.as_tensor(scores[None, s:s + win],
                                                      dtype=torch.float32, device=self.device))
        if keypoints_3d_estimator is not None:
            inputs['keypoints_3d_estimator'] = torch.as_tensor(
                np.asarray(keypoints_3d_estimator)[None, s:s + win], dtype=torch.float32,
                device=self.device)
        return inputs

    @torch.no_grad()
    def lift(self, keypoints_2d, scores, intrinsics, fps, show_progress=False,
             keypoints_3d_estimator=None, progress=None, gravity=None) -> dict:
        """2D pixels → the model's 3D.

        The lifter runs window by window (``window`` frames, stride ``window // 2``, overlaps
        blended with a triangular weight). With :attr:`physics_over_sequence` the physics
        solver and the fuser then run **once over the whole input** on the blended ``S_dd``, in
        float64, so their constraints hold at any length (every flight solved whole, one
        gravity scale for the clip); otherwise each window goes through the whole model and the
        three sequences are blended (contact probabilities too, re-thresholded into
        ``flight``).

        Args:
            keypoints_2d: ``(T, 17, 2)`` pixels (finite: gaps filled).
            scores: ``(T, 17)``.
            intrinsics: ``(3, 3)`` K, or per frame ``(T, 3, 3)``.
            fps (float): Frame rate (the physics' ``dt = 1 / fps``).
            keypoints_3d_estimator: ``(T, 17, 3)`` the estimator's own metric 3D (finite),
                for a lifter that needs it.
            gravity: ``(3,)`` a known camera-frame gravity, m/s² (a calibrated camera): given to
                the solver as it is, nothing estimated (None: the pipeline's ``gravity``).
            progress (callable, optional): ``progress(stage, done, total, seconds)``:
                ``'lifting'`` per window (windows done, windows), then ``'physics'`` once
                (whole-sequence physics: the solve and the fusion over the input); window by
                window physics reports ``'lifting + physics'`` per window, over two passes
                (2 × windows) when gravity from the scene is given to the solver.

        Windows wholly inside a stretch where the person was lost (every score 0) are not
        lifted; frames that no lifted window covers are bridged linearly in time between the
        lifted frames around them (held at the ends) and flagged in ``bridged_frames`` (with
        whole-sequence physics the bridge is the lifter's, and the physics solves through it).
        So a lost stretch of any length gives finite output; only a clip where nobody is ever
        seen is an error.

        Returns:
            dict: ``s_dd``, ``s_pp``, ``fused`` ``(T, 17, 3)`` float64, camera-frame metres (a
            model without a physics branch gives its one output for all three),
            ``bridged_frames (T,)`` bool, ``physics_over`` (``'sequence'`` / ``'windows'``);
            with a contact-predicting solver also ``contact_prob (T, C)`` and ``flight (T,)``;
            with whole-sequence physics also ``gravity_scale`` (float) and
            ``gravity_scale_valid`` (bool); always :func:`gravity_fields`' keys (``gravity``
            ``(3,)`` m/s² in the camera frame, where it came from, its tilt from a level camera
            and its uncertainty; with ``gravity='scene'`` the estimate — also for a solver
            that does not use it, so that plots and exports know "up").

        Raises:
            ValueError: every score is 0.
        """
        norm = pixels_to_normalized(keypoints_2d, intrinsics)
        scores = np.asarray(scores)
        observed = (scores > 0).any(-1)          # (T,) frames where some joint was seen
        if not observed.any():
            raise ValueError('SkeletonPipeline.lift: no joint is observed in any frame (every '
                             'score is 0) — no person was found')
        if gravity is not None:
            gravity = np.asarray(gravity, np.float64).reshape(3)
            if not np.isfinite(gravity).all() or np.linalg.norm(gravity) < 1e-6:
                raise ValueError(f'SkeletonPipeline.lift: gravity {gravity.tolist()} is not a '
                                 'finite non-zero vector')
        if self.physics_over_sequence:
            return self._lift_then_solve_sequence(norm, scores, observed, fps, show_progress,
                                                  keypoints_3d_estimator, progress, gravity)
        # gravity from the scene, for a solver that takes it, needs a second pass through the
        # windows: progress then counts both passes as one stage (done 1 … 2 × windows)
        second_pass = (gravity is None and self.gravity == 'scene'
                       and solver_takes_gravity(self.model))
        first = progress
        if progress is not None and second_pass:
            def first(stage, done, total, seconds):
                progress(stage, done, 2 * total, seconds)
        result = self._lift_windows(norm, scores, observed, fps, show_progress,
                                    keypoints_3d_estimator, first, gravity)
        est = gravity
        if gravity is None and self.gravity == 'scene':
            est = self.estimate_gravity(result['s_dd'], norm, scores, ~result['bridged_frames'],
                                        fps, result.get('flight'))
        if second_pass and est['from_scene']:
            second = None
            if progress is not None:
                def second(stage, done, total, seconds):
                    progress(stage, total + done, 2 * total, seconds)
            result = self._lift_windows(norm, scores, observed, fps, show_progress,
                                        keypoints_3d_estimator, second, est['gravity'])
        elif second_pass and progress is not None:   # a level camera: the first pass was it
            windows = 2 * len(self._window_starts(len(norm))[1])
            progress('lifting + physics', windows, windows, 0.0)
        result.update(gravity_fields(est))
        return result

    def _lift_windows(self, norm, scores, observed, fps, show_progress, keypoints_3d_estimator,
                      progress, gravity=None):
        """:meth:`lift` window by window through the whole model (``gravity (3,)``: the
        camera-frame gravity given to the solver, None: its default)."""
        model = self.model
        t = len(norm)
        win, starts = self._window_starts(t)
        acc = {key: np.zeros((t, 17, 3)) for key, _ in SEQUENCE_KEYS}
        contact = None        # per-frame contact probabilities, when the solver predicts them
        weight = np.zeros((t, 1, 1))
        tri = np.minimum(np.arange(1, win + 1), np.arange(win, 0, -1)).astype(float)[:, None, None]
        for i, s in enumerate(tqdm(starts, desc='skeleton windows', disable=not show_progress)):
            tic = time.perf_counter()
            if not observed[s:s + win].any():
                # a window inside a lost stretch has nothing to lift (the model refuses it);
                # its frames come from the windows around it, or are bridged below
                continue
            inputs = self._window_inputs(norm, scores, keypoints_3d_estimator, s, win)
            samples = dict(fps=torch.tensor([fps], device=self.device))
            if gravity is not None:
                samples['camera_gravity'] = torch.as_tensor(np.asarray(gravity)[None],
                                                            dtype=torch.float32,
                                                            device=self.device)
            out = model(inputs, samples, mode='predict')[0]
            for key, name in SEQUENCE_KEYS:
                value = out.get(name, out['pred_keypoints_3d'])
                acc[key][s:s + win] += value.cpu().numpy() * tri
            if 'contact_prob' in out:
                contact = np.zeros((t, out['contact_prob'].shape[-1])) if contact is None \
                    else contact
                contact[s:s + win] += out['contact_prob'].cpu().numpy() * tri[:, :, 0]
            weight[s:s + win] += tri
            if progress is not None:     # each window: lifter, physics and fuser together
                progress('lifting + physics', i + 1, len(starts), time.perf_counter() - tic)
        lifted = weight[:, 0, 0] > 0
        safe = np.where(weight > 0, weight, 1.0)
        result = {key: v / safe for key, v in acc.items()}
        if contact is not None:
            result['contact_prob'] = contact / safe[:, :, 0]
        if not lifted.all():
            for key in list(result):
                gap = np.where(lifted.reshape((-1,) + (1,) * (result[key].ndim - 1)),
                               result[key], np.nan)
                result[key] = bridge_in_time(gap.reshape(t, -1, result[key].shape[-1]),
                                             key).reshape(result[key].shape)
        result['bridged_frames'] = ~lifted
        result['physics_over'] = 'windows'
        if contact is not None:
            physics = getattr(model, 'physics', None)
            if hasattr(physics, 'flight_from_contacts'):
                # the blend of the windows' probabilities is re-thresholded the way each
                # window's solve found its flight (free fall, falling check)
                g = np.array(LEVEL_GRAVITY if gravity is None else gravity, np.float64)
                f64 = dict(dtype=torch.float64)
                result['flight'] = physics.flight_from_contacts(
                    torch.as_tensor(result['contact_prob'][None], **f64),
                    torch.as_tensor(result['s_dd'][None], **f64),
                    torch.as_tensor(g[None], **f64),
                    torch.tensor([float(fps)], **f64))['flight'][0].numpy()
            else:
                threshold = getattr(physics, 'contact_threshold', 0.5)
                result['flight'] = (result['contact_prob'] < threshold).all(-1)
        return result

    def _lift_then_solve_sequence(self, norm, scores, observed, fps, show_progress,
                                  keypoints_3d_estimator, progress=None, gravity=None):
        """:meth:`lift` with whole-sequence physics: windowed lifter, then one physics solve and
        one fusion over all ``T`` frames."""
        model = self.model
        t = len(norm)
        win, starts = self._window_starts(t)
        s_dd = np.zeros((t, 17, 3))
        weight = np.zeros((t, 1, 1))
        tri = np.minimum(np.arange(1, win + 1), np.arange(win, 0, -1)).astype(float)[:, None, None]
        for i, s in enumerate(tqdm(starts, desc='lifting windows', disable=not show_progress)):
            tic = time.perf_counter()
            if observed[s:s + win].any():           # else inside a lost stretch: bridged below
                inputs = self._window_inputs(norm, scores, keypoints_3d_estimator, s, win)
                s_dd[s:s + win] += model.lift_data_driven(inputs)[0].double().cpu().numpy() * tri
                weight[s:s + win] += tri
            if progress is not None:
                progress('lifting', i + 1, len(starts), time.perf_counter() - tic)
        tic = time.perf_counter()
        lifted = weight[:, 0, 0] > 0
        s_dd = s_dd / np.where(weight > 0, weight, 1.0)
        if not lifted.all():
            s_dd = bridge_in_time(np.where(lifted[:, None, None], s_dd, np.nan), 's_dd')
        f64 = dict(dtype=torch.float64, device=self.device)
        inputs = dict(keypoints_2d_norm=torch.as_tensor(norm[None], **f64),
                      keypoint_scores=torch.as_tensor(scores[None], **f64))
        samples = dict(fps=torch.tensor([float(fps)], **f64))
        if gravity is not None:
            samples['camera_gravity'] = torch.as_tensor(gravity[None], **f64)
        s_dd_t = torch.as_tensor(s_dd[None], **f64)
        out = model.physics_and_fusion(s_dd_t, inputs, samples)
        pred = model.predictions(out, samples)[0]
        est = gravity
        if gravity is None and self.gravity == 'scene':
            # the first solve's flights feed the estimate; the second solve uses its gravity
            flight = pred['pred_flight'].cpu().numpy().astype(bool) if 'pred_flight' in pred \
                else None
            est = self.estimate_gravity(s_dd, norm, scores, lifted, fps, flight)
            if est['from_scene'] and solver_takes_gravity(model):
                samples['camera_gravity'] = torch.as_tensor(est['gravity'][None], **f64)
                out = model.physics_and_fusion(s_dd_t, inputs, samples)
                pred = model.predictions(out, samples)[0]
        if progress is not None:
            progress('physics', 1, 1, time.perf_counter() - tic)
        result = {key: pred.get(name, pred['pred_keypoints_3d']).double().cpu().numpy()
                  for key, name in SEQUENCE_KEYS}
        result['bridged_frames'] = ~lifted
        result['physics_over'] = 'sequence'
        result.update(gravity_fields(est))
        if 'contact_prob' in pred:
            result['contact_prob'] = pred['contact_prob'].double().cpu().numpy()
            result['flight'] = pred['pred_flight'].cpu().numpy().astype(bool)
            result['gravity_scale'] = float(pred['gravity_scale'])
            result['gravity_scale_valid'] = bool(pred['gravity_scale_valid'])
            reason = scale_fallback_reason(model.physics, result)
            if reason:
                print_log(f'SkeletonPipeline: no metric scale from gravity — {reason}; the '
                          "lifter's depth is kept", logger=self.logger)
        return result

    def estimate_gravity(self, s_dd, norm, scores, valid, fps, flight=None) -> dict:
        """Gravity's direction from one clip
        (:func:`~finephys.models.physics.gravity_direction.estimate_gravity_direction`), logged
        with what fixed it (or why it fell back to a level camera).

        Args:
            s_dd: ``(T, 17, 3)`` the lifter's 3D; ``norm`` ``(T, 17, 2)`` normalised 2D;
            ``scores`` ``(T, 17)``; ``valid`` ``(T,)`` frames lifted (not bridged);
            ``fps``; ``flight`` ``(T,)`` the first solve's flight, or None.

        Returns:
            dict: the estimate plus ``gravity (3,)``, m/s² in the camera frame.
        """
        est = estimate_gravity_direction(s_dd, fps, flight=flight, valid=valid,
                                         keypoints_2d_norm=norm, scores=scores)
        est['gravity'] = STANDARD_GRAVITY * est['gravity_dir']
        print_log(f'SkeletonPipeline: gravity {np.round(est["gravity_dir"], 3).tolist()} in the '
                  f'camera frame, {est["tilt_deg"]:.1f}° from a level camera (± '
                  f'{est["uncertainty_deg"]:.1f}°), from {est["source"]}', logger=self.logger)
        return est

    def __call__(self, path, layout='auto', fps=None, clip_id=None, show_progress=True,
                 progress=None, person_box=None) -> dict:
        """Read one input and lift it. ``progress(stage, done, total, seconds)`` hears every
        stage: a video's decode, 2D pose + tracking and stabilisation (see
        :func:`~finephys.datasets.io.estimate_video_2d`), then lifting and physics (see
        :meth:`lift`). ``person_box``: whom to follow in a video (see :meth:`read_input`).

        Returns:
            dict: :meth:`lift`'s sequences plus the 2D input (``keypoints_2d`` filled model
            input, ``keypoints_2d_image`` as estimated with NaN where missing), ``scores``,
            ``missing (T, 17)``, ``lost_frames (T,)``, ``camera_motion (T, 3, 3)``, ``fps``,
            ``K``, ``video`` (path or None).
        """
        video = is_video_file(path)
        needs_3d = self.needs_estimator_3d
        if needs_3d and video and not hasattr(self.pose_estimator, 'last_world_keypoints'):
            raise UserInputError(
                f'the lifter of {self.config_name} (Estimator3DLifter) lifts from the pose '
                f'estimator\'s own 3D, and the pose estimator {self.pose_estimator_cfg["type"]} '
                'gives none; use MediaPipePoseEstimator (its world landmarks) or a config with a '
                '2D lifter')
        data = self.read_input(path, layout, fps, clip_id, show_progress, progress, person_box)
        if needs_3d and data.get('keypoints_3d_estimator') is None:
            raise UserInputError(
                f'{path}: the lifter of {self.config_name} (Estimator3DLifter) lifts from the pose'
                ' estimator\'s own 3D, and this input has none (a skeleton file needs a '
                '"keypoints_3d_estimator" array); give a video, a file with it, or a config with '
                'a 2D lifter')
        result = self.lift(data['keypoints_2d'], data['scores'], data['K'], data['fps'],
                           show_progress=show_progress,
                           keypoints_3d_estimator=data.get('keypoints_3d_estimator'),
                           progress=progress)
        result.update({key: data[key] for key in (
            'keypoints_2d', 'keypoints_2d_image', 'scores', 'missing', 'lost_frames',
            'camera_motion', 'fps', 'video')}, K=data['K'])
        return result
