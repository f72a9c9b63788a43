"""``FinePhysSkeleton``: the skeleton path of FinePhys — lifter → physics → fusion → projection."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import BaseModel

from finephys.registry import FUSERS, LIFTERS, MODELS, PHYSICS_SOLVERS
from finephys.structures import estimator_head_from_h36m

from .fusion import project_points
from .losses import NMPJPELoss, VelocityLoss

DEFAULT_LOSS_WEIGHTS = dict(dd=1.0, pp=1.0, fused=1.0, noise=0.01, reproj=0.0, reproj_pp=0.0,
                            trajectory=0.5, contact=1.0, dd_n_mpjpe=0.0, dd_velocity=0.0)


@MODELS.register_module()
class FinePhysSkeleton(BaseModel):
    """Data-driven 3D (``S_dd``) from a lifter, physics-predicted 3D (``S_pp``) from a physics
    solver seeded by ``S_dd``, their learned fusion ``S``, and its 2D projection.

    Losses (weights in ``loss_weights``; a weight of 0 switches a loss off):

    * ``dd`` / ``pp`` / ``fused`` — ``L_3D`` on ``S_dd``, ``S_pp``, ``S``: root-relative MPJPE
      plus ``trajectory`` × root position error (camera frame, metres);
    * ``dd_n_mpjpe`` / ``dd_velocity`` — the lifter's own extra terms on ``S_dd``
      (root-relative): scale-normalised MPJPE and velocity error (:class:`NMPJPELoss`,
      :class:`VelocityLoss`; Skeleton-in-Context / MotionBERT weigh them 0.5 and 20);
    * ``noise`` — ``L_noise = mean_t ||N_t||_F`` of Phys-Net's noise term;
    * ``reproj`` — ``L_2D``: score-weighted distance between ``S``'s projection and the detected
      2D, in normalised camera coordinates (stage 2: no 3D labels needed);
    * ``contact`` — the physics solver's own losses (``physics.loss(outputs, data_samples)``,
      e.g. :class:`StructuredPhysicsSolver`'s contact cross-entropy), when it has them.

    Solvers with ``needs_context = True`` also receive the normalised 2D, the scores and the
    camera-frame gravity; when they return ``data_driven`` (e.g. ``S_dd`` rescaled by gravity)
    the fuser uses it in place of ``S_dd``.

    Stages are configured, not coded: stage 1 = 3D losses on; stage 2 = ``reproj`` (+ ``noise``)
    only with 3D weights 0 (``SynthGymDataset`` still packs 3D for evaluation, the model never
    reads it when those weights are 0). ``frozen`` lists sub-modules kept fixed (``'lifter'``,
    ``'physics'``, ``'fuser'``).

    Args:
        lifter (dict): LIFTERS config.
        physics (dict): PHYSICS_SOLVERS config.
        fuser (dict): FUSERS config.
        loss_weights (dict): Overrides of :data:`DEFAULT_LOSS_WEIGHTS`.
        frozen (Sequence[str]): Sub-modules to freeze.
        root_index (int): Root joint.
        detach_physics_input (bool): Seed the physics solver with ``S_dd`` detached, so
            ``L_3D(S_pp)`` trains Phys-Net only and never the lifter (the paper trains them
            jointly; the rollout's large early errors then dominate the lifter's gradients).
        lifter_missing_score (float, optional): *Missing* joints (score ≤ 0 — lost frames and
            undetected joints, filled by interpolation before the model) reach the **lifter**
            with this score instead of 0, so it trusts the interpolated 2D that much; the physics
            solver and the fuser still see 0 (a structured solver then ignores those 2D points,
            and a fuser's ``missing_gate`` applies). None: the lifter sees 0 too.
    """

    def __init__(self, lifter: dict, physics: dict, fuser: dict = dict(type='LearnedGateFuser'),
                 loss_weights: Optional[dict] = None, frozen: Sequence[str] = (),
                 root_index: int = 0, detach_physics_input: bool = False,
                 lifter_missing_score: Optional[float] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.lifter = LIFTERS.build(lifter)
        self.physics = PHYSICS_SOLVERS.build(physics)
        self.fuser = FUSERS.build(fuser)
        unknown = set(loss_weights or {}) - set(DEFAULT_LOSS_WEIGHTS)
        if unknown:
            raise KeyError(f'FinePhysSkeleton loss_weights: unknown {sorted(unknown)}; valid: '
                           f'{sorted(DEFAULT_LOSS_WEIGHTS)}')
        self.loss_weights = dict(DEFAULT_LOSS_WEIGHTS, **(loss_weights or {}))
        self.n_mpjpe, self.velocity = NMPJPELoss(), VelocityLoss()
        bad = [f for f in frozen if f not in ('lifter', 'physics', 'fuser')]
        if bad:
            raise KeyError(f"FinePhysSkeleton frozen={bad}: expected 'lifter', 'physics', 'fuser'")
        self.frozen = tuple(frozen)
        for name in self.frozen:
            for p in getattr(self, name).parameters():
                p.requires_grad_(False)
        self.root_index = root_index
        self.detach_physics_input = detach_physics_input
        if lifter_missing_score is not None and not 0.0 <= lifter_missing_score <= 1.0:
            raise ValueError(f'FinePhysSkeleton lifter_missing_score={lifter_missing_score}: '
                             'expected in [0, 1]')
        self.lifter_missing_score = lifter_missing_score

    def train(self, mode: bool = True):
        super().train(mode)
        for name in self.frozen:     # frozen parts keep their normalisation statistics
            getattr(self, name).eval()
        return self

    @property
    def whole_sequence_physics(self) -> bool:
        """Whether the physics solver holds its constraints over a whole input of any length
        (``whole_sequence = True``, e.g. :class:`StructuredPhysicsSolver`): inference then
        lifts in windows and solves the physics once over the sequence
        (:meth:`lift_data_driven`, then :meth:`physics_and_fusion`)."""
        return bool(getattr(self.physics, 'whole_sequence', False))

    def _check_inputs(self, inputs: Dict[str, torch.Tensor]):
        kp = inputs['keypoints_2d_norm']
        if kp.dim() != 4 or kp.shape[-1] != 2:
            raise ValueError(f'FinePhysSkeleton: keypoints_2d_norm must be (B, T, J, 2), got '
                             f'{tuple(kp.shape)}')
        if not torch.isfinite(kp).all():
            raise ValueError('FinePhysSkeleton: keypoints_2d_norm contains NaN/inf')
        scores = inputs.get('keypoint_scores')
        if scores is not None and (scores.amax(dim=(1, 2)) <= 0).any():
            raise ValueError('FinePhysSkeleton: a clip has all-zero keypoint scores')
        return kp, scores

    def lift_data_driven(self, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        """The lifter alone: ``S_dd (B, T, J, 3)`` metres (see :meth:`forward_stages` for
        ``inputs``)."""
        kp, scores = self._check_inputs(inputs)
        lifter_scores = scores
        if scores is not None and self.lifter_missing_score is not None:
            lifter_scores = torch.where(scores <= 0, scores.new_tensor(self.lifter_missing_score),
                                        scores)
        if getattr(self.lifter, 'needs_estimator_3d', False):
            # e.g. Estimator3DLifter: the 2D estimator's own metric 3D, placed by the 2D
            return self.lifter(kp, lifter_scores,
                               keypoints_3d_estimator=inputs.get('keypoints_3d_estimator'))
        if inputs.get('source_id') is not None and getattr(self.lifter, 'takes_source_ids', False):
            # an in-context lifter never prompts a training clip with its own motion
            return self.lifter(kp, lifter_scores, prompt_exclude=inputs['source_id'])
        return self.lifter(kp, lifter_scores)

    def physics_and_fusion(self, s_dd: torch.Tensor, inputs: Dict[str, torch.Tensor],
                           data_samples: Optional[dict]) -> dict:
        """Physics seeded by ``s_dd`` ``(B, T, J, 3)``, then fusion; returns what
        :meth:`forward_stages` returns. ``T`` may be a whole sequence for a solver with
        :attr:`whole_sequence_physics` (the lifter's windows blended beforehand)."""
        kp, scores = self._check_inputs(inputs)
        fps = data_samples.get('fps') if data_samples is not None else None
        if fps is None:
            raise ValueError("FinePhysSkeleton: data_samples['fps'] is required (dt = 1 / fps)")
        dt = 1.0 / torch.as_tensor(fps, dtype=s_dd.dtype, device=kp.device).reshape(-1)
        seed = s_dd.detach() if self.detach_physics_input else s_dd
        if getattr(self.physics, 'needs_context', False):
            gravity = data_samples.get('camera_gravity') if data_samples is not None else None
            phys = self.physics(seed, dt, keypoints_2d=kp, scores=scores, gravity=gravity)
        else:
            phys = self.physics(seed, dt)
        dd_for_fusion = s_dd
        if 'data_driven' in phys:
            # the solver's corrected S_dd (e.g. rescaled by gravity), with the lifter's gradients
            dd_for_fusion = s_dd + (phys['data_driven'] - seed)
        fused, gate = self.fuser(dd_for_fusion, phys['poses'], scores)
        return dict(s_dd=s_dd, s_pp=phys['poses'], fused=fused, gate=gate,
                    loss_noise=phys['loss_noise'], scores=scores, keypoints_2d_norm=kp,
                    physics=phys, s_dd_corrected=dd_for_fusion)

    def forward_stages(self, inputs: Dict[str, torch.Tensor],
                       data_samples: Optional[dict]) -> dict:
        """Every stage's output for one batch: lifter → physics → fusion (what ``loss``,
        ``predict`` and the generator's guidance all start from).

        Args:
            inputs (dict): ``keypoints_2d_norm`` ``(B, T, J, 2)`` normalised camera
                coordinates, optional ``keypoint_scores`` ``(B, T, J)``; for a lifter with
                ``needs_estimator_3d`` also ``keypoints_3d_estimator`` ``(B, T, J, 3)`` (the 2D
                estimator's hip-centred metric 3D); optional ``source_id`` ``(B,)`` (each
                clip's motion: an in-context lifter never prompts a clip with its own).
            data_samples (dict): ``fps`` ``(B,)`` (required: ``dt = 1 / fps``), optional
                ``camera_gravity`` for solvers that take context.

        Returns:
            dict: ``s_dd`` (lifter), ``s_pp`` (physics), ``fused``, ``s_dd_corrected`` (the
            solver's corrected ``S_dd`` fed to fusion), all ``(B, T, J, 3)`` metres; ``gate``,
            ``loss_noise``, ``scores``, ``keypoints_2d_norm`` and the solver's whole output
            ``physics``.
        """
        self._check_inputs(inputs)
        if data_samples is None or data_samples.get('fps') is None:
            raise ValueError("FinePhysSkeleton: data_samples['fps'] is required (dt = 1 / fps)")
        s_dd = self.lift_data_driven(inputs)
        return self.physics_and_fusion(s_dd, inputs, data_samples)

    def forward(self, inputs: Dict[str, torch.Tensor], data_samples: Optional[dict] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.forward_stages(inputs, data_samples)['fused']
        raise ValueError(f"FinePhysSkeleton mode={mode!r}: expected 'tensor', 'loss', 'predict'")

    def _loss_3d(self, pred, target):
        r = self.root_index
        rel = torch.linalg.vector_norm((pred - pred[:, :, r:r + 1]) -
                                       (target - target[:, :, r:r + 1]), dim=-1).mean()
        traj = torch.linalg.vector_norm(pred[:, :, r] - target[:, :, r], dim=-1).mean()
        return rel + self.loss_weights['trajectory'] * traj

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        out = self.forward_stages(inputs, data_samples)
        w = self.loss_weights
        losses = {}
        for key, pred in (('dd', out['s_dd']), ('pp', out['s_pp']), ('fused', out['fused'])):
            if w[key] > 0:
                losses[f'loss_3d_{key}'] = w[key] * self._loss_3d(pred, data_samples['keypoints_3d'])
        r = self.root_index
        rel = lambda x: x - x[:, :, r:r + 1]                      # noqa: E731
        if w['dd_n_mpjpe'] > 0:
            losses['loss_dd_n_mpjpe'] = w['dd_n_mpjpe'] * self.n_mpjpe(
                rel(out['s_dd']), rel(data_samples['keypoints_3d']))
        if w['dd_velocity'] > 0:
            losses['loss_dd_velocity'] = w['dd_velocity'] * self.velocity(
                rel(out['s_dd']), rel(data_samples['keypoints_3d']))
        if w['noise'] > 0:
            losses['loss_noise'] = w['noise'] * out['loss_noise']
        for key, name, pred in (('reproj', 'loss_2d', out['fused']),
                                ('reproj_pp', 'loss_2d_pp', out['s_pp'])):
            if w[key] > 0:
                # the 3D's own head (its axis) against the 2D's (nose tip, mid-ear): seen as the
                # estimator's head instead (estimator_head_from_h36m), make demo's FineGym
                # stage 2 ended with S's reprojection at 2.5–37 px over 5 seeds (median 22.9)
                # against 2.5–13 (median 7.6) as it is; docs/real_video.md
                err = torch.linalg.vector_norm(project_points(pred) - out['keypoints_2d_norm'],
                                               dim=-1)
                scores = out['scores'] if out['scores'] is not None else torch.ones_like(err)
                losses[name] = w[key] * (err * scores).sum() / scores.sum().clamp_min(1e-6)
        if w['contact'] > 0 and hasattr(self.physics, 'loss'):
            for name, value in self.physics.loss(out['physics'], data_samples).items():
                # 'loss*' terms are optimised; the rest are logged diagnostics
                losses[name] = w['contact'] * value if name.startswith('loss') else value
        if not any(name.startswith('loss') for name in losses):
            raise ValueError('FinePhysSkeleton: every loss weight is 0')
        return losses

    def predict(self, inputs, data_samples=None) -> List[dict]:
        return self.predictions(self.forward_stages(inputs, data_samples), data_samples)

    def predictions(self, out: dict, data_samples: Optional[dict] = None) -> List[dict]:
        """:meth:`forward_stages`' (or :meth:`physics_and_fusion`'s) output → one dict per
        clip: ``pred_keypoints_3d`` (fused), ``_dd``, ``_pp``, ``fusion_gate``,
        ``pred_keypoints_2d`` (projected with ``data_samples['camera_K']`` when given, with the
        2D estimator's head: nose tip and mid-ear); with a
        solver that corrects ``S_dd`` also ``pred_keypoints_3d_dd_scaled``, ``contact_prob``,
        ``pred_flight``, ``gravity_scale(_valid)``, ``contact_force``, ``internal_forces``."""
        k = data_samples.get('camera_K') if data_samples is not None else None
        # in the 2D estimator's terms: its head is the nose tip and the mid-ear
        proj = project_points(estimator_head_from_h36m(out['fused']), k)
        results = [dict(pred_keypoints_3d=out['fused'][i], pred_keypoints_3d_dd=out['s_dd'][i],
                        pred_keypoints_3d_pp=out['s_pp'][i], fusion_gate=out['gate'][i],
                        pred_keypoints_2d=proj[i]) for i in range(len(out['fused']))]
        phys = out['physics']
        if 'data_driven' in phys:
            for i, r in enumerate(results):
                r['pred_keypoints_3d_dd_scaled'] = out['s_dd_corrected'][i]
                r['contact_prob'] = phys['contact_prob'][i]
                r['pred_flight'] = phys['flight'][i]
                r['gravity_scale'] = phys['scale'][i]
                r['gravity_scale_valid'] = phys['scale_valid'][i]
                r['contact_force'] = phys['forces']['contact'][i]
                r['internal_forces'] = phys['forces']['internal'][i]
        if hasattr(self.fuser, 'low_pass'):
            # ablation: the fusion's temporal filter applied to S_dd alone (no physics), so
            # reports can tell what the physics branch adds beyond smoothing
            smooth = self.fuser.low_pass(out['s_dd'])
            for i, r in enumerate(results):
                r['pred_keypoints_3d_dd_lowpass'] = smooth[i]
        return results
