"""``StructuredPhysicsSolver``: physics that holds by construction, not by a penalty."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule

from finephys.registry import PHYSICS_SOLVERS
from finephys.structures.anthropometry import joint_mass_fractions
from finephys.structures.constants import STANDARD_GRAVITY

from .angular_momentum import conserve_angular_momentum
from .contact_net import CONTACT_JOINTS, ContactNet, contact_features
from .falling_flights import (check_fall_settings, check_free_fall_settings,
                              falling_flights, free_fall_frames)
from .gravity_scale import centre_of_mass_rays, gravity_scale
from .rollout import finite_difference_acceleration
from .structured_dynamics import (centre_of_mass, constrained_com_trajectory, flight_triples,
                                  minimum_internal_force_smooth, ray_constrained_com_trajectory,
                                  rigidify)

MIN_FRAMES = 4


@PHYSICS_SOLVERS.register_module()
class StructuredPhysicsSolver(BaseModule):
    """Physics-structured ``S_pp`` from the lifter's ``S_dd`` (this project's extension, beside
    the paper's :class:`EulerLagrangeSolver`).

    Known physics is built in rather than learnt:

    1. **Masses**: de Leva's segment table split onto the 17 joints
       (:mod:`finephys.structures.anthropometry`); optional learnt per-joint corrections.
    2. **Contacts**: :class:`ContactNet` predicts per-frame contact probabilities of both feet and
       both hands (:data:`CONTACT_JOINTS`), supervised by the dataset's contact labels
       (:meth:`loss`). A frame is in flight when every probability is below
       ``contact_threshold``; external forces other than gravity act only in contact.
    3. **Metric scale from gravity** (``metric_scale``): on a clip with a flight of at least
       ``min_scale_flight_frames``, the root trajectory is rescaled along its rays so that the
       observed 2D flight falls at ``g`` (:func:`gravity_scale`); otherwise it is kept
       (``scale_valid`` False).
    4. **Centre of mass**: ``c̈ = g`` exactly on flight frames, the ground-reaction force
       ``M (c̈ − g)`` penalised in contact; with 2D, the COM is held on its observed ray and only
       its depth comes from the lifter (:func:`ray_constrained_com_trajectory`), else
       :func:`constrained_com_trajectory`.
    5. **Body about the COM**: least internal force through score-weighted data
       (:func:`minimum_internal_force_smooth`), constant bone lengths (:func:`rigidify`), and in
       flight constant angular momentum about the COM, exactly
       (:func:`~.angular_momentum.conserve_angular_momentum`; its values exact, its gradient
       passed straight through; in training too with ``angular_momentum_in_training``, so that
       the losses, the learnt smoothing and the fuser see the ``S_pp`` inference gives). Internal
       forces ``m_j r̈_j`` sum to zero by construction (``Σ m_j r_j = 0`` every frame).

    The smoothing strengths are learnt (log-parameters trained through the closed-form solves by
    ``L_3D(S_pp)``). Returned forces are in newtons for a body of ``body_mass`` kg.

    Args:
        num_joints (int): J (H36M-17).
        contact_hidden (int): ContactNet channels.
        contact_layers (int): ContactNet depth.
        contact_threshold (float): Contact probability above which a frame is in contact.
        gravity (str): ``'camera'`` (the sample's camera-frame gravity; level camera when
            missing, logged once) or ``'level'`` (``(0, g, 0)``: a camera with y down, no tilt).
        learn_mass_correction (bool): Learn per-joint log-mass corrections (off by default: the
            table is the prior).
        contact_smoothness (float): Initial ``λ`` of the COM's contact-force penalty.
        internal_smoothness (float): Initial ``μ`` of the internal-force penalty.
        learn_smoothness (bool): Learn ``λ`` and ``μ``.
        score_weighting (bool): Weight the data terms by the 2D scores.
        rigid_bones (bool): Constant bone lengths.
        angular_momentum (bool): Conserve angular momentum in flight.
        angular_momentum_in_training (bool): Also in training (else at inference only).
        metric_scale (bool): Rescale the root trajectory from gravity.
        min_scale_flight_frames (int): Shortest flight the scale estimate uses.
        scale_trim_frames (int): Flight frames dropped at each end by the scale estimate (more
            are dropped where the fit says so: :func:`gravity_scale`).
        min_keypoint_score (float): 2D keypoints scored below are treated as lost when the COM
            ray is measured (:func:`centre_of_mass_rays`).
        lifter_depth_std (float | None): Relative uncertainty of the lifter's depth, fused with
            the gravity estimate by inverse variances (None: the gravity estimate alone).
        ray_weight (float): Weight of the COM's distance to its observed ray relative to its
            depth error (0: plain data term).
        blend_frames (int): Contact frames over which flight rotation corrections fade.
        angular_momentum_trim (int): Predicted-flight frames at each end where angular momentum
            is not imposed (take-off/landing frames are the least certain).
        body_mass (float): Mass for the reported forces, kg.
        assume_no_hand_contact (bool): Supervise the hands as never in contact when the labels
            only have the feet (SynthGym has no hand supports).
        body_support (bool): A fifth contact channel, the body supported by anything but a foot
            or a hand (a roll's back, a crawl's knees); flight needs all five below the
            threshold. Supervised where the labels have ``flight``: a frame that is neither
            flight nor supported by a labelled foot or hand is body-supported. Without it a
            roll's back support is called flight (and the COM is forced ballistic there).
        acceleration_features (bool): Give the contact predictor the body's acceleration along
            −g (from the 3D and from the 2D; :func:`~.contact_net.contact_features`).
        flight_fall_check (bool): Keep a predicted flight of at least
            ``flight_check_min_frames`` only where the lifter's centre of mass falls at
            ``flight_fall_range`` × g (a quadratic fitted over the flight;
            :func:`~.falling_flights.falling_flights`): a roll's back or a cartwheel's hands
            called flight by the contact predictor do not make the body fall.
        flight_check_min_frames (int): Shortest predicted flight checked (shorter ones are kept).
        flight_fall_range (tuple): ``(low, high)`` accepted fall, in units of g (a lifter whose
            metric scale is off by up to that factor still passes a true flight).
        flight_fall_confidence (float): A flight is dropped only when its fit clears that range
            by this many standard errors (a flight cut by a window's end is not dropped on a fit
            that cannot tell).
        flight_free_fall (bool): Also call flight the frames where the lifter's centre of mass
            falls freely (:func:`~.falling_flights.free_fall_frames`: a quadratic over
            ``free_fall_window`` frames falling at ``free_fall_range`` × g by
            ``free_fall_confidence`` standard errors marks its ``free_fall_mark`` middle frames)
            while every contact probability is below ``free_fall_max_contact``: a predictor
            that has seen few real flights doubts a real jump (probabilities 0.5–0.8 all
            through it) whose body visibly falls at g. Applied before ``flight_fall_check``.
            The metric scale from gravity is measured on the other flight frames only.
        free_fall_window, free_fall_range, free_fall_confidence, free_fall_mark,
            free_fall_max_contact: See ``flight_free_fall``.

    Shapes: ``q (B, T, J, 3)``, ``dt`` float or ``(B,)``; ``keypoints_2d (B, T, J, 2)``
    normalised camera coordinates; ``scores (B, T, J)``; ``gravity (B, 3)``.
    """

    #: FinePhysSkeleton passes 2D keypoints, scores and gravity to solvers with this flag.
    needs_context = True
    #: Its constraints hold over an input of any length (sparse O(T) solves beyond
    #: training's windows): inference solves a whole video at once, not window by window.
    whole_sequence = True

    def __init__(self, num_joints: int = 17, contact_hidden: int = 64, contact_layers: int = 3,
                 contact_threshold: float = 0.5, gravity: str = 'camera',
                 learn_mass_correction: bool = False, contact_smoothness: float = 30.0,
                 internal_smoothness: float = 1.0, learn_smoothness: bool = True,
                 score_weighting: bool = True, rigid_bones: bool = True,
                 angular_momentum: bool = True, angular_momentum_in_training: bool = False,
                 metric_scale: bool = True,
                 min_scale_flight_frames: int = 8, scale_trim_frames: int = 0,
                 min_keypoint_score: float = 0.4, lifter_depth_std: Optional[float] = 0.05,
                 ray_weight: float = 100.0, blend_frames: int = 4,
                 angular_momentum_trim: int = 0,
                 body_mass: float = 50.0, assume_no_hand_contact: bool = True,
                 body_support: bool = False, acceleration_features: bool = False,
                 flight_fall_check: bool = False, flight_check_min_frames: int = 6,
                 flight_fall_range: Tuple[float, float] = (0.4, 2.0),
                 flight_fall_confidence: float = 2.0, flight_free_fall: bool = False,
                 free_fall_window: int = 10,
                 free_fall_range: Tuple[float, float] = (0.6, 1.5),
                 free_fall_confidence: float = 1.0, free_fall_mark: int = 4,
                 free_fall_max_contact: float = 0.9,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        if num_joints != 17:
            raise ValueError(f'StructuredPhysicsSolver num_joints={num_joints}: the mass table '
                             'and contact joints are defined for H36M-17')
        if gravity not in ('camera', 'level'):
            raise ValueError(f"StructuredPhysicsSolver gravity={gravity!r}: expected 'camera' "
                             "or 'level'")
        if not 0.0 < contact_threshold < 1.0:
            raise ValueError(f'contact_threshold={contact_threshold}: expected in (0, 1)')
        for name, v in (('contact_smoothness', contact_smoothness),
                        ('internal_smoothness', internal_smoothness)):
            if not v > 0:
                raise ValueError(f'StructuredPhysicsSolver {name}={v}: expected > 0')
        in_dim = num_joints * 3 + num_joints + 1 + num_joints * 4 + 2 * acceleration_features
        self.contact_net = ContactNet(in_dim, contact_hidden, contact_layers, body_support)
        self.body_support, self.acceleration_features = body_support, acceleration_features
        self.register_buffer('mass_fractions',
                             torch.as_tensor(joint_mass_fractions(), dtype=torch.float32))
        self.log_mass_correction = nn.Parameter(torch.zeros(num_joints),
                                                requires_grad=learn_mass_correction)
        self.log_contact_smoothness = nn.Parameter(
            torch.tensor(float(contact_smoothness)).log(), requires_grad=learn_smoothness)
        self.log_internal_smoothness = nn.Parameter(
            torch.tensor(float(internal_smoothness)).log(), requires_grad=learn_smoothness)
        self.contact_threshold = contact_threshold
        self.gravity_mode = gravity
        self.score_weighting, self.rigid_bones = score_weighting, rigid_bones
        self.angular_momentum, self.metric_scale = angular_momentum, metric_scale
        self.min_scale_flight_frames, self.blend_frames = min_scale_flight_frames, blend_frames
        self.scale_trim_frames, self.ray_weight = scale_trim_frames, ray_weight
        self.angular_momentum_trim = angular_momentum_trim
        self.angular_momentum_in_training = angular_momentum_in_training
        self.min_keypoint_score, self.lifter_depth_std = min_keypoint_score, lifter_depth_std
        self.body_mass, self.assume_no_hand_contact = body_mass, assume_no_hand_contact
        check_fall_settings(flight_check_min_frames, flight_fall_range, flight_fall_confidence,
                            'StructuredPhysicsSolver (flight_check_min_frames, '
                            'flight_fall_range, flight_fall_confidence)')
        self.flight_fall_check = bool(flight_fall_check)
        self.flight_check_min_frames = int(flight_check_min_frames)
        self.flight_fall_range = tuple(float(x) for x in flight_fall_range)
        self.flight_fall_confidence = float(flight_fall_confidence)
        check_free_fall_settings(free_fall_window, free_fall_range, free_fall_confidence,
                                 free_fall_mark, 'StructuredPhysicsSolver (free_fall_window, '
                                 'free_fall_range, free_fall_confidence, free_fall_mark)')
        if not contact_threshold <= free_fall_max_contact <= 1.0:
            raise ValueError(f'StructuredPhysicsSolver: free_fall_max_contact='
                             f'{free_fall_max_contact}; expected in [contact_threshold '
                             f'({contact_threshold}), 1]')
        self.flight_free_fall = bool(flight_free_fall)
        self.free_fall_window, self.free_fall_mark = int(free_fall_window), int(free_fall_mark)
        self.free_fall_range = tuple(float(x) for x in free_fall_range)
        self.free_fall_confidence = float(free_fall_confidence)
        self.free_fall_max_contact = float(free_fall_max_contact)
        self._warned_gravity = False

    def masses(self, dtype: Optional[torch.dtype] = None):
        """Per-joint mass fractions ``(J,)`` (sum 1) after the learnt correction, normalised in
        ``dtype`` (default: the table's), so that a float64 solve's COM and a float64 fusion's
        (:class:`~finephys.models.fusion.physics_com.PhysicsCentreOfMass`) agree to rounding."""
        dtype = dtype or self.mass_fractions.dtype
        m = self.mass_fractions.to(dtype) * self.log_mass_correction.to(dtype).exp()
        return m / m.sum()

    def _gravity(self, gravity, q):
        b = q.shape[0]
        if self.gravity_mode == 'camera' and gravity is not None:
            g = torch.as_tensor(gravity, dtype=q.dtype, device=q.device).reshape(-1, 3)
            if not torch.isfinite(g).all() or (torch.linalg.vector_norm(g, dim=-1) < 1e-6).any():
                raise ValueError(f'StructuredPhysicsSolver: gravity {g.tolist()} is not a finite '
                                 'non-zero vector')
            return g.expand(b, 3)
        if self.gravity_mode == 'camera' and not self._warned_gravity:
            print_log('StructuredPhysicsSolver: no camera gravity in the sample; assuming a level '
                      'camera, gravity (0, +g, 0) in the camera frame (y down)', logger='current',
                      level=30)
            self._warned_gravity = True
        return q.new_tensor([0.0, STANDARD_GRAVITY, 0.0]).expand(b, 3)

    def flight_from_contacts(self, prob, q, g, fps) -> dict:
        """Flight frames from the contact probabilities ``prob (B, T, C)`` and the lifter's
        ``q (B, T, J, 3)``: every probability below ``contact_threshold``; with
        ``flight_free_fall``, or below ``free_fall_max_contact`` where the centre of mass falls
        freely (:func:`~.falling_flights.free_fall_frames`); with ``flight_fall_check``, without
        the flights of at least ``flight_check_min_frames`` whose centre of mass clearly does
        not fall at ``flight_fall_range`` × g (:func:`~.falling_flights.falling_flights`).

        Args:
            g (Tensor): ``(B, 3)`` gravity in the camera frame.
            fps (Tensor): ``(B,)``.

        Returns:
            dict: ``flight`` ``(B, T)`` bool; ``free_fall`` (flight frames the free-fall cue
            added; with ``flight_free_fall``) and ``dropped`` (flight frames the fall check
            dropped; with ``flight_fall_check``).
        """
        flight = (prob < self.contact_threshold).all(-1)
        out = {}
        if not (self.flight_free_fall or self.flight_fall_check):
            out['flight'] = flight
            return out
        # the lifter's centre of mass along −g, once for both cues
        norm = torch.linalg.vector_norm(g, dim=-1)
        height = -(centre_of_mass(q, self.masses(q.dtype)) * (g / norm[:, None])[:, None]).sum(-1)
        if self.flight_free_fall:
            falls = free_fall_frames(height, fps, norm, self.free_fall_window,
                                     self.free_fall_range, self.free_fall_confidence,
                                     self.free_fall_mark).to(flight.device)
            added = falls & (prob < self.free_fall_max_contact).all(-1) & ~flight
            flight = flight | added
            out['free_fall'] = added
        if self.flight_fall_check:
            predicted = flight
            flight = falling_flights(flight, height, fps, norm, self.flight_check_min_frames,
                                     self.flight_fall_range, self.flight_fall_confidence)
            out['dropped'] = predicted & ~flight      # called flight, but the body does not fall
            if 'free_fall' in out:
                out['free_fall'] = out['free_fall'] & flight
        out['flight'] = flight
        return out

    def forward(self, q: torch.Tensor, dt: Union[float, torch.Tensor],
                keypoints_2d: Optional[torch.Tensor] = None,
                scores: Optional[torch.Tensor] = None,
                gravity: Optional[torch.Tensor] = None,
                flight: Optional[torch.Tensor] = None) -> dict:
        """``flight (B, T)`` bool, when given, are known flight frames (contact labels, an
        annotation) used in place of the predicted ones.

        Returns dict: ``poses`` ``(B, T, J, 3)`` (``S_pp``); ``data_driven`` (``S_dd`` after
        the gravity scale); ``contact_logits``/``contact_prob`` ``(B, T, C)`` (C = 4 effectors
        of :data:`CONTACT_JOINTS`, + the body-support channel with ``body_support``); ``flight``
        ``(B, T)``; ``scale``/``scale_valid`` ``(B,)``; ``forces`` (``contact`` ``(B, T, 3)``,
        ``internal`` ``(B, T, J, 3)``, ``gravity`` ``(B, 3)``, newtons); ``com`` ``(B, T, 3)``;
        ``masses`` ``(J,)``; ``angular_momentum_residual`` (float); ``loss_noise`` (0); with
        ``flight_fall_check`` and no given flight, ``flight_dropped`` ``(B, T)`` (predicted
        flight frames the check dropped); with ``flight_free_fall`` and no given flight,
        ``flight_free_fall`` ``(B, T)`` (frames called flight because the body falls freely;
        :meth:`flight_from_contacts`)."""
        if q.dim() != 4 or q.shape[-1] != 3 or q.shape[2] != self.mass_fractions.numel():
            raise ValueError(f'StructuredPhysicsSolver: poses must be (B, T, 17, 3), got '
                             f'{tuple(q.shape)}')
        b, t, j, _ = q.shape
        if t < MIN_FRAMES:
            raise ValueError(f'StructuredPhysicsSolver: T={t} frames; at least {MIN_FRAMES} '
                             'are needed')
        if not torch.isfinite(q).all():
            raise ValueError('StructuredPhysicsSolver: poses contain NaN/inf')
        dt = torch.as_tensor(dt, dtype=q.dtype, device=q.device).reshape(-1).expand(b)
        if (dt <= 0).any():
            raise ValueError(f'StructuredPhysicsSolver: dt must be > 0, got {dt.tolist()}')
        if keypoints_2d is not None and not torch.isfinite(keypoints_2d).all():
            raise ValueError('StructuredPhysicsSolver: keypoints_2d contain NaN/inf')
        g = self._gravity(gravity, q)
        g_dir = g / torch.linalg.vector_norm(g, dim=-1, keepdim=True)
        fps = 1.0 / dt
        m = self.masses(q.dtype)

        # contacts → flight (hard: exact constraints need a yes/no per frame)
        # (the network in its weights' dtype; a whole sequence's physics runs in float64, where
        # the constraints hold to rounding at any length)
        net_dtype = self.contact_net.out.weight.dtype
        feats = contact_features(q, keypoints_2d, g_dir, fps, self.acceleration_features, m)
        logits = self.contact_net(feats.to(net_dtype))
        logits = logits.to(q.dtype)
        prob = torch.sigmoid(logits)
        found = {}
        if flight is None:
            found = self.flight_from_contacts(prob, q, g, fps)
            flight = found['flight']
        else:
            flight = torch.as_tensor(flight, device=q.device).bool().reshape(b, t)

        # metric scale from gravity: move the root along its rays, keep the body
        scale = q.new_ones(b)
        valid = torch.zeros(b, dtype=torch.bool, device=q.device)
        q_dd = q
        rays = None
        if keypoints_2d is not None:
            rays = centre_of_mass_rays(keypoints_2d, scores, q, m, self.min_keypoint_score)
        if self.metric_scale and rays is not None:
            # not on the frames called flight because the lifter's COM falls at ~g: chosen for
            # falling at about g in the lifter's own scale, they cannot measure that scale
            # (measured on them, the real-motion val set's root error went +86 % → +100 %
            # of the lifter's)
            measured = flight & ~found['free_fall'] if 'free_fall' in found else flight
            scale, valid, _ = gravity_scale(rays, centre_of_mass(q, m)[..., 2], measured, g, dt,
                                            self.min_scale_flight_frames,
                                            self.scale_trim_frames,
                                            prior_std=self.lifter_depth_std)
            root = q[:, :, :1]
            q_dd = q + (scale[:, None, None, None] - 1.0) * root

        w = (scores.clamp(0.05, 1.0) if (self.score_weighting and scores is not None)
             else q.new_ones(b, t, j))
        com_dd = centre_of_mass(q_dd, m)
        r = q_dd - com_dd[:, :, None]
        r = minimum_internal_force_smooth(r, w, self.log_internal_smoothness.exp())
        if self.rigid_bones:
            r = rigidify(r)
        r = r - centre_of_mass(r, m)[:, :, None]
        residual = 0.0
        if self.angular_momentum and (self.angular_momentum_in_training or not self.training):
            r_cons, residual = conserve_angular_momentum(r, m, flight, dt,
                                                         blend_frames=self.blend_frames,
                                                         trim=self.angular_momentum_trim)
            r = r + (r_cons - r).detach()        # exact values, straight-through gradients
        com_w = (w * m).sum(-1) / m.sum()
        lam = self.log_contact_smoothness.exp()
        if rays is not None and self.ray_weight > 0:
            com = ray_constrained_com_trajectory(com_dd, rays, flight, g, dt, com_w, lam,
                                                 self.ray_weight)
        else:
            com = constrained_com_trajectory(com_dd, flight, g, dt, com_w, lam)
        poses = r + com[:, :, None]

        # forces (N): gravity, ground reaction (zero in flight by construction), internal
        forces = dict(gravity=self.body_mass * g,
                      contact=self.body_mass * (finite_difference_acceleration(com, dt) -
                                                g[:, None]),
                      internal=self.body_mass * m[None, None, :, None] *
                      finite_difference_acceleration(r.reshape(b, t, -1), dt).reshape(r.shape))
        out = dict(poses=poses, data_driven=q_dd, contact_logits=logits, contact_prob=prob,
                   flight=flight, scale=scale, scale_valid=valid, forces=forces, com=com,
                   masses=m, angular_momentum_residual=residual,
                   loss_noise=q.new_zeros(()), params=None)
        if 'dropped' in found:
            out['flight_dropped'] = found['dropped']
        if 'free_fall' in found:
            out['flight_free_fall'] = found['free_fall']
        return out

    def loss(self, outputs: dict, data_samples: dict) -> dict:
        """``loss_contact``: binary cross-entropy of the contact logits against
        ``data_samples['contacts']`` ``(B, T, 2)`` (left, right foot; hands as never in contact
        when ``assume_no_hand_contact``) or ``(B, T, 4)`` (feet, then hands), and with
        ``body_support`` the body channel against ``~(flight | any contact)`` (skipped without
        ``data_samples['flight']``); empty without labels. Also diagnostics, logged but not
        optimised (their names have no ``loss``): ``phys_contact_acc`` (frame accuracy of the
        predicted contacts), ``phys_grf_flight_N`` / ``phys_grf_contact_N`` (mean
        ground-reaction force on predicted flight triples — 0 by construction — and on the
        other frames), ``phys_internal_N`` (mean internal force per joint),
        ``phys_gravity_scale`` (mean scale on clips where it was estimated) and
        ``phys_gravity_scale_valid`` (the share of such clips: the rest had no usable flight and
        keep the lifter's depth) and, with ``flight_fall_check``, ``phys_flight_dropped`` (the
        share of frames the contact predictor called flight where the body does not fall), with
        ``flight_free_fall``, ``phys_flight_free_fall`` (the share called flight because the
        body falls freely)."""
        diag = self.diagnostics(outputs)
        labels = data_samples.get('contacts') if data_samples is not None else None
        if labels is None:
            return diag
        logits = outputs['contact_logits']
        labels = labels.to(logits.dtype)
        effectors = len(CONTACT_JOINTS)
        if labels.shape[-1] == 2:
            if not self.assume_no_hand_contact:
                logits = torch.cat([logits[..., :2], logits[..., effectors:]], -1)
            else:
                labels = torch.cat([labels, torch.zeros_like(labels)], -1)
        if self.body_support:
            flight = data_samples.get('flight')
            if flight is None:          # body support cannot be told without flight labels
                logits = logits[..., :-1]
            else:
                # neither flight nor held by a labelled foot/hand: the body is the support
                body = ~(flight.to(labels.device).bool() | (labels > 0.5).any(-1))
                labels = torch.cat([labels, body[..., None].to(labels.dtype)], -1)
        if labels.shape != logits.shape:
            raise ValueError(f'StructuredPhysicsSolver: contact labels {tuple(labels.shape)} vs '
                             f'logits {tuple(logits.shape)} ({len(self.contact_net.channels)} '
                             f'channels: {self.contact_net.channels})')
        diag['phys_contact_acc'] = ((logits > 0) == (labels > 0.5)).float().mean().detach()
        diag['loss_contact'] = F.binary_cross_entropy_with_logits(logits, labels)
        return diag

    @staticmethod
    def diagnostics(outputs: dict) -> dict:
        """Force and scale summaries of one forward pass (detached scalars; see :meth:`loss`)."""
        with torch.no_grad():
            flight = flight_triples(outputs['flight'])            # there c̈ = g exactly
            grf = torch.linalg.vector_norm(outputs['forces']['contact'][:, 1:-1], dim=-1)
            zero = grf.new_zeros(())
            out = dict(
                phys_grf_contact_N=grf[~flight].mean() if (~flight).any() else zero,
                phys_grf_flight_N=grf[flight].mean() if flight.any() else zero,
                phys_internal_N=torch.linalg.vector_norm(outputs['forces']['internal'],
                                                         dim=-1).mean())
            if 'flight_dropped' in outputs:
                # frames the contact predictor called flight where the body does not fall
                out['phys_flight_dropped'] = outputs['flight_dropped'].float().mean()
            if 'flight_free_fall' in outputs:
                # frames called flight because the body falls freely, though contact was doubted
                out['phys_flight_free_fall'] = outputs['flight_free_fall'].float().mean()
            valid = outputs['scale_valid']
            # clips whose scale came from a flight; the others keep the lifter's depth
            out['phys_gravity_scale_valid'] = valid.float().mean()
            if valid.any():
                out['phys_gravity_scale'] = outputs['scale'][valid].mean()
        return out
