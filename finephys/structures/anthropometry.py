"""Anthropometric mass model of the H36M-17 skeleton: de Leva (1996) segment parameters split
onto the joints.

P. de Leva (1996), "Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters",
J. Biomech. 29(9):1223-1230, Table 4 (female values, as gymnasts in FineGym's women's floor are
female). Every segment's mass is split between its two end joints so that the pair's centre of
mass equals the segment's (mass ``m(1-c)`` at the proximal joint and ``m c`` at the distal one,
``c`` = COM distance from the proximal end / length); hands and feet, which have no distal joint in
H36M-17, put their mass on the joint they hang from. SynthGym's bodies and the structured physics
solver use the same table.
"""
import numpy as np

from .skeleton import H36M17

J = H36M17.index

# de Leva (1996) female: (mass fraction, COM from proximal end as a fraction of length).
# Segment → (proximal joint, distal joint or None when the mass sits on the proximal joint).
_SEGMENTS = {
    'head_neck': (0.0668, 0.5, 'neck', 'head'),
    'upper_trunk': (0.1545, 0.5050, 'thorax', 'spine'),   # measured from the sternal notch down
    'middle_trunk': (0.1465, 0.4512, 'spine', 'pelvis'),
    'lower_trunk': (0.1247, 0.4920, 'pelvis', None),
    'left_upper_arm': (0.0255, 0.5754, 'left_shoulder', 'left_elbow'),
    'right_upper_arm': (0.0255, 0.5754, 'right_shoulder', 'right_elbow'),
    'left_forearm': (0.0138, 0.4559, 'left_elbow', 'left_wrist'),
    'right_forearm': (0.0138, 0.4559, 'right_elbow', 'right_wrist'),
    'left_hand': (0.0056, 0.0, 'left_wrist', None),
    'right_hand': (0.0056, 0.0, 'right_wrist', None),
    'left_thigh': (0.1478, 0.3612, 'left_hip', 'left_knee'),
    'right_thigh': (0.1478, 0.3612, 'right_hip', 'right_knee'),
    'left_shank': (0.0481, 0.4416, 'left_knee', 'left_ankle'),
    'right_shank': (0.0481, 0.4416, 'right_knee', 'right_ankle'),
    'left_foot': (0.0129, 0.0, 'left_ankle', None),
    'right_foot': (0.0129, 0.0, 'right_ankle', None),
}


def joint_mass_fractions() -> np.ndarray:
    """(17,) fraction of body mass carried by each joint; sums to 1 (up to the table's rounding,
    renormalised)."""
    w = np.zeros(H36M17.num_joints)
    for frac, c, prox, dist in _SEGMENTS.values():
        if dist is None:
            w[J(prox)] += frac
        else:
            w[J(prox)] += frac * (1.0 - c)
            w[J(dist)] += frac * c
    return w / w.sum()
