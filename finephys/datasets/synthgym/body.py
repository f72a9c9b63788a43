"""SynthGym body model: H36M-17 bone lengths from stature and per-joint point masses.

Segment lengths are fractions of stature after Drillis & Contini (1966) as tabulated by
D. A. Winter, *Biomechanics and Motor Control of Human Movement*, 4th ed. (2009), Fig. 4.1.
Segment mass fractions and centre-of-mass positions follow P. de Leva (1996), "Adjustments to
Zatsiorsky-Seluyanov's segment inertia parameters", J. Biomech. 29(9):1223-1230, Table 4
(female values, as gymnasts in FineGym's women's floor are female).

The dynamics use one body model: every segment's mass is split between its two end joints so that
the pair's centre of mass equals the segment's (mass ``m(1-c)`` at the proximal joint and ``m c``
at the distal one, ``c`` = COM distance from the proximal end / length). Segments without a distal
joint in H36M-17 (hands, feet) put their mass on the joint they hang from. COM, inertia and angular
momentum all come from these 17 point masses.
"""
from dataclasses import dataclass

import numpy as np

from finephys.structures import H36M17
from finephys.structures.anthropometry import joint_mass_fractions  # noqa: F401 (re-exported)

GRAVITY = 9.80665  # m/s^2, standard gravity

J = H36M17.index

# Segment length as a fraction of stature (Winter 2009, Fig. 4.1; Drillis & Contini).
# Bones are the H36M17 (parent, child) pairs; trunk bones split the 0.288 H shoulder→hip distance.
_LENGTH_FRACTIONS = {
    'right_hip': 0.058, 'left_hip': 0.058,       # pelvis → hip joint centre (half of 0.116 H)
    'right_knee': 0.245, 'left_knee': 0.245,     # thigh
    'right_ankle': 0.246, 'left_ankle': 0.246,   # shank
    'spine': 0.125,              # pelvis → spine (lower trunk)
    'thorax': 0.163,             # spine → thorax (middle + upper trunk, to the sternal notch)
    'neck': 0.052,               # thorax → neck/nose level
    'head': 0.078,               # neck → head top (chin/nose to vertex ~0.13 H with the neck)
    'left_shoulder': 0.129 / 2, 'right_shoulder': 0.129 / 2,  # half the bi-acromial width 0.129 H
    'left_elbow': 0.186, 'right_elbow': 0.186,   # upper arm
    'left_wrist': 0.146, 'right_wrist': 0.146,   # forearm
}

@dataclass
class BodyModel:
    """One gymnast's body: stature, mass, bone lengths, per-joint point masses.

    Args:
        stature (float): Height in metres (SynthGym samples 1.45–1.80).
        mass (float): Body mass in kg.
        length_jitter (np.ndarray, optional): (16,) multiplicative per-bone jitter (symmetric
            pairs share a value so the body stays left/right symmetric).
    """
    stature: float
    mass: float
    bone_lengths: np.ndarray  # (17,) length of the bone ending at each joint (0 for the root)
    joint_masses: np.ndarray  # (17,) kg

    @classmethod
    def sample(cls, rng: np.random.Generator, stature_range=(1.45, 1.80), bmi_range=(17.5, 22.0),
               proportion_jitter=0.03) -> 'BodyModel':
        """Sample a body: stature uniform in ``stature_range``, mass from a BMI range, per-bone
        proportions jittered by ``±proportion_jitter`` (left/right kept equal)."""
        stature = rng.uniform(*stature_range)
        mass = rng.uniform(*bmi_range) * stature ** 2
        jitter = {}
        lengths = np.zeros(H36M17.num_joints)
        for name, frac in _LENGTH_FRACTIONS.items():
            key = name.replace('left_', '').replace('right_', '')
            if key not in jitter:
                jitter[key] = 1.0 + rng.uniform(-proportion_jitter, proportion_jitter)
            lengths[J(name)] = frac * stature * jitter[key]
        return cls(stature, mass, lengths, mass * joint_mass_fractions())

    @classmethod
    def default(cls, stature=1.60, mass=50.0) -> 'BodyModel':
        lengths = np.zeros(H36M17.num_joints)
        for name, frac in _LENGTH_FRACTIONS.items():
            lengths[J(name)] = frac * stature
        return cls(stature, mass, lengths, mass * joint_mass_fractions())

    @property
    def leg_length(self) -> float:
        return self.bone_lengths[J('left_knee')] + self.bone_lengths[J('left_ankle')]

    def com(self, joints: np.ndarray) -> np.ndarray:
        """Centre of mass. ``(..., 17, 3)`` → ``(..., 3)``."""
        w = self.joint_masses / self.joint_masses.sum()
        return np.einsum('j,...jc->...c', w, joints)

    def inertia(self, joints_rel: np.ndarray) -> np.ndarray:
        """Inertia tensors of the point masses about the origin. ``(..., 17, 3)`` → ``(..., 3, 3)``."""
        m = self.joint_masses
        r2 = np.einsum('...jc,...jc->...j', joints_rel, joints_rel)
        eye = np.eye(3)
        return (np.einsum('j,...j->...', m, r2)[..., None, None] * eye -
                np.einsum('j,...ja,...jb->...ab', m, joints_rel, joints_rel))

    def angular_momentum(self, joints: np.ndarray, velocities: np.ndarray) -> np.ndarray:
        """Angular momentum about the COM, ``sum_j m_j (x_j - c) x (v_j - v_c)``.

        Args:
            joints, velocities: ``(..., 17, 3)`` positions (m) and velocities (m/s).

        Returns:
            np.ndarray: ``(..., 3)`` in kg m^2/s.
        """
        r = joints - self.com(joints)[..., None, :]
        v = velocities - self.com(velocities)[..., None, :]
        return np.einsum('j,...jc->...c', self.joint_masses, np.cross(r, v))
