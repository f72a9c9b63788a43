"""Phys-Net: per-frame physical parameters of a 3D pose sequence (FinePhys, Sec. 3.3).

Encoders: a global temporal encoder over the whole sequence (dilated 1D convolutions: linear in
T) and a local encoder over 3-frame windows — forward ``(t−2, t−1, t)`` and backward
``(t+2, t+1, t)`` — fused per frame into forward features ``f_t`` and backward features ``b_t``.
Heads (shared by both directions, which differ by their features): the inverse mass matrix
``M⁻¹_t`` (SPD by construction), the scale of the noise ``N_t``, the driving force ``J_t`` and the
constraint force ``C_t``; then ``q̈_t = (M⁻¹_t + N_t)(J_t − C_t)`` (Euler-Lagrange).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from .mass_matrix import (apply_inverse_mass, build_inverse_mass, frobenius_norm, num_params,
                          sample_noise)
from .temporal_encoder import DilatedTemporalEncoder


def _mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.GELU(), nn.Linear(h, o))


class PhysNet(BaseModule):
    """Predicts M⁻¹, N, J and C per frame and direction.

    Args:
        num_joints (int): J; the state is ``q ∈ R^{3J}``.
        hidden (int): Feature width.
        global_layers (int): Dilated conv layers of the global encoder (dilations 1, 2, 4, …).
        mass_structure (str): ``'full'`` | ``'block'`` | ``'diag'`` (see :mod:`.mass_matrix`).
        force_scale (float): Output scale of J and C heads (m/s²), so heads work at O(1).
        eps (float): Added to M⁻¹'s diagonal (its smallest eigenvalue is ≥ eps).
        max_mass_entry (float): M⁻¹'s head outputs are clamped to ±this, which bounds its
            condition number (:func:`~.mass_matrix.inverse_mass_condition_bound`: 5.4e6 for
            the default block structure). A trained stage-1 model's outputs stay below 9.1 on
            SynthGym val, so the clamp only acts on inputs far outside training.
        max_acceleration (float): q̈ is clamped to ±this (m/s², per coordinate). A trained
            model's q̈ stays below 460 m/s² on SynthGym val; the bound keeps autoregressive
            rollouts finite on any input (growth at most quadratic in time).
    """

    def __init__(self, num_joints=17, hidden=128, global_layers=4, mass_structure='block',
                 force_scale=10.0, eps=1e-3, max_mass_entry=30.0, max_acceleration=5000.0,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.num_joints, self.dim = num_joints, 3 * num_joints
        self.mass_structure, self.force_scale, self.eps = mass_structure, force_scale, eps
        self.max_mass_entry, self.max_acceleration = max_mass_entry, max_acceleration
        d = self.dim
        self.global_encoder = DilatedTemporalEncoder(2 * d, hidden, global_layers)
        self.local_encoder = _mlp(4 * d, hidden, hidden)
        self.fuse = _mlp(2 * hidden, hidden, hidden)
        self.m_inv_head = nn.Linear(hidden, num_params(mass_structure, num_joints))
        self.noise_head = nn.Linear(hidden, 1)
        self.j_head = nn.Linear(hidden, d)
        self.c_head = nn.Linear(hidden, d)
        # near-zero forces at start: q̈ ≈ 0, the rollouts begin as constant-velocity
        # extrapolations instead of integrating metre-scale random accelerations
        for head in (self.j_head, self.c_head):
            nn.init.normal_(head.weight, std=1e-3)
            nn.init.zeros_(head.bias)

    @staticmethod
    def centre(q):
        """Translation-invariant view: subtract the sequence's mean root position.
        ``(B, T, D)`` → ``(B, T, D)``."""
        root = q[..., :3].mean(dim=1, keepdim=True)
        return (q.reshape(q.shape[:2] + (-1, 3)) - root.unsqueeze(2)).reshape(q.shape)

    def global_features(self, q):
        """``(B, T, D)`` → ``(B, T, H)`` from positions and per-frame displacements."""
        qc = self.centre(q)
        disp = torch.cat([q[:, 1:2] - q[:, :1], q[:, 1:] - q[:, :-1]], dim=1)
        return self.global_encoder(torch.cat([qc, disp], -1))

    def local_features(self, q_a, q_b, q_t, centre, dt):
        """3-frame window ``(q_a, q_b, q_t)`` (``(t−2, t−1, t)`` or ``(t+2, t+1, t)``), each
        ``(..., D)``, the frame's centred position and the time step → ``(..., H)``.

        Besides the offsets, the window's one-sided second difference
        ``(q_t − 2 q_b + q_a) / dt²`` enters in m/s² (÷ ``force_scale``), so following the
        observed acceleration is an easy function for the heads to learn.
        """
        acc = (q_t - 2 * q_b + q_a) / (dt * dt) / self.force_scale
        return self.local_encoder(torch.cat([q_a - q_t, q_b - q_t, centre, acc], -1))

    def window_features(self, q, dt):
        """Forward and backward local features for every frame (replicate-padded ends)."""
        qc = self.centre(q)
        pad = torch.cat([q[:, :1], q[:, :1], q, q[:, -1:], q[:, -1:]], dim=1)
        t = q.shape[1]
        fwd = self.local_features(pad[:, 0:t], pad[:, 1:t + 1], q, qc, dt)
        bwd = self.local_features(pad[:, 4:t + 4], pad[:, 3:t + 3], q, qc, dt)
        return fwd, bwd

    def heads(self, features, sample_noise_term):
        """Physical parameters and acceleration from fused features ``(..., H)``.

        Returns:
            dict: ``m_inv``, ``noise`` (None when not sampled), ``j_force``, ``c_force``
            ``(..., D)``, ``q_ddot`` ``(..., D)`` m/s², ``noise_norm`` ``(...)``.
        """
        m_inv = build_inverse_mass(self.m_inv_head(features), self.mass_structure,
                                   self.num_joints, self.eps, self.max_mass_entry)
        j_force = self.force_scale * self.j_head(features)
        c_force = self.force_scale * self.c_head(features)
        force = j_force - c_force
        q_ddot = apply_inverse_mass(m_inv, force, self.mass_structure, self.num_joints)
        noise, noise_norm = None, features.new_zeros(features.shape[:-1])
        if sample_noise_term:
            scale = F.softplus(self.noise_head(features)) * 0.1
            noise = sample_noise(scale, self.mass_structure, self.num_joints)
            q_ddot = q_ddot + apply_inverse_mass(noise, force, self.mass_structure,
                                                 self.num_joints)
            noise_norm = frobenius_norm(noise, self.mass_structure)
        if self.max_acceleration is not None:
            q_ddot = q_ddot.clamp(-self.max_acceleration, self.max_acceleration)
        return dict(m_inv=m_inv, noise=noise, j_force=j_force, c_force=c_force, q_ddot=q_ddot,
                    noise_norm=noise_norm)

    def forward(self, q, dt, sample_noise_term=False):
        """Parameters for both directions on a given sequence.

        Args:
            q (Tensor): ``(B, T, D)`` flattened joints, metres.
            dt (Tensor): scalar or ``(B, 1, 1)`` time step, seconds.

        Returns:
            tuple[dict, dict]: forward and backward outputs of :meth:`heads`, ``(B, T, ...)``.
        """
        g = self.global_features(q)
        fwd, bwd = self.window_features(q, dt)
        f_t = self.fuse(torch.cat([g, fwd], -1))
        b_t = self.fuse(torch.cat([g, bwd], -1))
        return self.heads(f_t, sample_noise_term), self.heads(b_t, sample_noise_term)
