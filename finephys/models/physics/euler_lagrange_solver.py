"""Physics solvers: ``EulerLagrangeSolver`` (Phys-Net + bidirectional rollout) and
``FiniteDifferenceSolver``."""
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from finephys.registry import PHYSICS_SOLVERS

from .phys_net import PhysNet
from .rollout import MODES as ROLLOUT_MODES
from .rollout import (finite_difference_acceleration, merge_rollouts, rollout_backward,
                      rollout_forward)

MIN_FRAMES = 4


def _flatten(q):
    if q.dim() != 4 or q.shape[-1] != 3:
        raise ValueError(f'physics solver: poses must be (B, T, J, 3), got {tuple(q.shape)}')
    if q.shape[1] < MIN_FRAMES:
        raise ValueError(f'physics solver: T={q.shape[1]} frames; the rollouts need at least '
                         f'{MIN_FRAMES}')
    if not torch.isfinite(q).all():
        raise ValueError('physics solver: poses contain NaN/inf')
    return q.reshape(q.shape[0], q.shape[1], -1)


def _dt(dt, q):
    dt = torch.as_tensor(dt, dtype=q.dtype, device=q.device)
    if (dt <= 0).any():
        raise ValueError(f'physics solver: dt must be > 0, got {dt}')
    return dt.reshape(-1, 1, 1) if dt.dim() > 0 else dt


@PHYSICS_SOLVERS.register_module()
class EulerLagrangeSolver(BaseModule):
    """Physics-predicted poses ``S_pp`` from data-driven poses ``S_dd`` (FinePhys).

    Accelerations come from :class:`PhysNet` (``q̈ = (M⁻¹ + N)(J − C)``) or from finite
    differences of ``S_dd``; the sequence is then rolled out forward from the first two frames and
    backward from the last two (:mod:`.rollout`) and the two are merged.

    Args:
        num_joints (int): J.
        hidden (int): Phys-Net width.
        global_layers (int): Phys-Net global encoder depth.
        mass_structure (str): ``'full'`` | ``'block'`` | ``'diag'``.
        acceleration (str): ``'phys_net'`` | ``'finite_difference'``.
        rollout (str): ``'parallel'`` (the closed form: one compiled pass per direction on a
            CPU, the blocked product elsewhere; :mod:`.rollout`) | ``'blocked'`` | ``'fused'``
            (either closed form by name) | ``'sequential'`` (the loop) | ``'autoregressive'``
            (heads re-evaluated on the rolled-out state, frame by frame).
        merge (str): ``'mean'`` (paper) | ``'seed_distance'``.
        noise (bool): Sample the noise term ``N`` in training (penalised by ``L_noise``).
        force_scale (float): Scale of the J and C heads, m/s².

    Shapes:
        ``q (B, T, J, 3)``, ``dt`` float or ``(B,)`` seconds → ``poses (B, T, J, 3)``.
    """

    def __init__(self, num_joints: int = 17, hidden: int = 128, global_layers: int = 4,
                 mass_structure: str = 'block', acceleration: str = 'phys_net',
                 rollout: str = 'parallel', merge: str = 'mean', noise: bool = True,
                 force_scale: float = 10.0, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        if acceleration not in ('phys_net', 'finite_difference'):
            raise ValueError(f"acceleration={acceleration!r}: expected 'phys_net' or "
                             "'finite_difference'")
        if rollout not in ROLLOUT_MODES + ('autoregressive',):
            raise ValueError(f"rollout={rollout!r}: expected one of "
                             f"{ROLLOUT_MODES + ('autoregressive',)}")
        if rollout == 'autoregressive' and acceleration != 'phys_net':
            raise ValueError("rollout='autoregressive' re-evaluates Phys-Net: it needs "
                             "acceleration='phys_net'")
        merge_rollouts(torch.zeros(4, 1), torch.zeros(4, 1), merge)  # validates the name
        self.acceleration, self.rollout, self.merge, self.noise = acceleration, rollout, merge, noise
        self.phys_net = PhysNet(num_joints, hidden, global_layers, mass_structure, force_scale)

    def forward(self, q: torch.Tensor, dt: Union[float, torch.Tensor]) -> dict:
        """Returns dict: ``poses`` ``(B, T, J, 3)`` merged ``S_pp``; ``forward``/``backward``
        rollouts; ``acc_forward``/``acc_backward`` ``(B, T, 3J)``; ``loss_noise`` (scalar,
        ``mean_t ||N_t||_F``); ``params`` (Phys-Net outputs, or None)."""
        shape = q.shape
        x = _flatten(q)
        dt = _dt(dt, x)
        sample = self.noise and self.training
        params = None
        if self.acceleration == 'finite_difference':
            acc_f = acc_b = finite_difference_acceleration(x, dt)
            noise_norm = x.new_zeros(())
        elif self.rollout == 'autoregressive':
            fwd_roll, bwd_roll, acc_f, acc_b, noise_norm = self._autoregressive(x, dt, sample)
        else:
            p_f, p_b = self.phys_net(x, dt, sample_noise_term=sample)
            acc_f, acc_b = p_f['q_ddot'], p_b['q_ddot']
            noise_norm = 0.5 * (p_f['noise_norm'].mean() + p_b['noise_norm'].mean())
            params = dict(forward=p_f, backward=p_b)
        if self.rollout != 'autoregressive' or self.acceleration != 'phys_net':
            mode = 'parallel' if self.rollout == 'autoregressive' else self.rollout
            fwd_roll = rollout_forward(x[:, 0], x[:, 1], acc_f, dt, mode)
            bwd_roll = rollout_backward(x[:, -1], x[:, -2], acc_b, dt, mode)
        merged = merge_rollouts(fwd_roll, bwd_roll, self.merge)
        return dict(poses=merged.reshape(shape), forward=fwd_roll.reshape(shape),
                    backward=bwd_roll.reshape(shape), acc_forward=acc_f, acc_backward=acc_b,
                    loss_noise=noise_norm.mean(), params=params)

    def _autoregressive(self, x, dt, sample):
        """Roll out frame by frame, re-evaluating the local encoder and heads on the rolled-out
        state (the global context stays that of ``S_dd``)."""
        net = self.phys_net
        g = net.global_features(x)
        qc = net.centre(x)
        root_shift = x - qc                                 # per-frame offset used by centre()
        dt_step = dt if dt.dim() == 0 else dt[:, 0]          # broadcast over (B, D)
        dt2 = dt_step * dt_step
        norms = []

        def roll(seq, g_seq, shift):
            out = [seq[:, 0], seq[:, 1]]
            accs = [torch.zeros_like(seq[:, 0])]
            for t in range(1, seq.shape[1] - 1):
                a, b = out[max(t - 2, 0)], out[t - 1]
                feat = net.fuse(torch.cat([g_seq[:, t], net.local_features(
                    a, b, out[t], out[t] - shift[:, t], dt_step)], -1))
                p = net.heads(feat, sample)
                norms.append(p['noise_norm'])
                accs.append(p['q_ddot'])
                out.append(2 * out[t] - out[t - 1] + p['q_ddot'] * dt2)
            accs.append(accs[-1])
            return torch.stack(out, 1), torch.stack(accs, 1)

        fwd, acc_f = roll(x, g, root_shift)
        bwd_r, acc_b_r = roll(torch.flip(x, [1]), torch.flip(g, [1]), torch.flip(root_shift, [1]))
        return (fwd, torch.flip(bwd_r, [1]), acc_f, torch.flip(acc_b_r, [1]),
                torch.stack(norms).mean())


@PHYSICS_SOLVERS.register_module()
class FiniteDifferenceSolver(nn.Module):
    """No learned parameters: accelerations are ``S_dd``'s central second differences, rolled out
    like :class:`EulerLagrangeSolver` (so ``S_pp`` reproduces ``S_dd``; a configuration
    baseline that isolates what Phys-Net adds).

    Args:
        rollout (str): ``'parallel'`` | ``'blocked'`` | ``'fused'`` | ``'sequential'``
            (``rollout.MODES``).
        merge (str): ``'mean'`` | ``'seed_distance'``.
    """

    def __init__(self, rollout: str = 'parallel', merge: str = 'mean'):
        super().__init__()
        if rollout not in ROLLOUT_MODES:
            raise ValueError(f'rollout={rollout!r}: expected one of {ROLLOUT_MODES}')
        merge_rollouts(torch.zeros(4, 1), torch.zeros(4, 1), merge)
        self.rollout, self.merge = rollout, merge

    def forward(self, q, dt):
        shape = q.shape
        x = _flatten(q)
        dt = _dt(dt, x)
        acc = finite_difference_acceleration(x, dt)
        fwd = rollout_forward(x[:, 0], x[:, 1], acc, dt, self.rollout)
        bwd = rollout_backward(x[:, -1], x[:, -2], acc, dt, self.rollout)
        merged = merge_rollouts(fwd, bwd, self.merge)
        return dict(poses=merged.reshape(shape), forward=fwd.reshape(shape),
                    backward=bwd.reshape(shape), acc_forward=acc, acc_backward=acc,
                    loss_noise=x.new_zeros(()), params=None)
