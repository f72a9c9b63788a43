"""SynthGym's physics, checked from the generated positions alone (finite differences)."""
import numpy as np
import pytest

from finephys.datasets.synthgym import GRAVITY, list_actions, simulate_world
from finephys.datasets.synthgym.body import BodyModel, joint_mass_fractions
from finephys.structures import H36M17, bone_lengths

AIRBORNE = [a for a, s in list_actions().items() if s != 'FX-TURN']
ROTATING = ['double salto backward tucked', 'salto backward stretched with 1.5 twist',
            'split jump with 1 turn']


def test_joint_masses_preserve_every_segment_com_and_sum_to_body_mass():
    w = joint_mass_fractions()
    assert w.sum() == pytest.approx(1.0) and (w > 0).all()
    body = BodyModel.default(mass=50.0)
    assert body.joint_masses.sum() == pytest.approx(50.0)


@pytest.mark.parametrize('action', AIRBORNE)
def test_flight_com_acceleration_is_exactly_gravity(action):
    fps = 240.0
    sim = simulate_world(action, seed=3, fps=fps)
    com = sim['body'].com(sim['joints'])
    acc = (com[2:] - 2 * com[1:-1] + com[:-2]) * fps ** 2
    inside = sim['flight'][2:] & sim['flight'][1:-1] & sim['flight'][:-2]
    assert inside.sum() >= 10
    err = np.abs(acc[inside] - [0.0, 0.0, -GRAVITY]).max()
    assert err < 1e-6, err
    # and the ground phases are not ballistic (the test could fail)
    assert np.abs(acc[~(sim['flight'][1:-1])][:, 2] + GRAVITY).max() > 1.0


@pytest.mark.parametrize('action', ROTATING)
def test_angular_momentum_about_com_is_constant_in_flight(action):
    fps = 1000.0
    sim = simulate_world(action, seed=5, fps=fps)
    x, body, flight = sim['joints'], sim['body'], sim['flight']
    # 5-point central differences (O(dt^4)) from positions only
    vel = (x[:-4] - 8 * x[1:-3] + 8 * x[3:-1] - x[4:]) * fps / 12.0
    inside = flight[:-4] & flight[1:-3] & flight[2:-2] & flight[3:-1] & flight[4:]
    ang = body.angular_momentum(x[2:-2][inside], vel[inside])
    scale = np.linalg.norm(ang, axis=-1).max()
    assert scale > 5.0  # a real rotation (kg m^2/s)
    rel = np.linalg.norm(ang - ang[0], axis=-1).max() / scale
    assert rel < 1e-5, rel
    # the body really changes shape (else conservation would be trivial): inertia varies
    s = x[2:-2][inside] - body.com(x[2:-2][inside])[:, None]
    inertia = np.linalg.eigvalsh(body.inertia(s))
    assert inertia[:, 0].max() / inertia[:, 0].min() > 1.3


@pytest.mark.parametrize('action', list(list_actions()))
def test_bone_lengths_constant_and_contact_feet_do_not_move(action):
    sim = simulate_world(action, seed=11, fps=30.0)
    lengths = bone_lengths(sim['joints'])
    assert np.ptp(lengths, axis=0).max() < 1e-6
    for i, side in enumerate(('left', 'right')):
        ankle = sim['joints'][:, H36M17.index(f'{side}_ankle')]
        c = sim['contacts'][:, i]
        both = c[1:] & c[:-1]
        if both.any():
            assert np.linalg.norm(ankle[1:] - ankle[:-1], axis=-1)[both].max() < 1e-3
    # something is in contact whenever not in flight, and never during flight
    assert not sim['contacts'][sim['flight']].any()
    assert sim['contacts'][~sim['flight']].any(-1).all()


def test_turns_pivot_on_one_foot_and_rotate_the_requested_amount():
    sim = simulate_world('2 turn on one leg, free leg optional below horizontal', 2, fps=60)
    x = sim['joints']
    hip_axis = x[:, H36M17.index('left_hip')] - x[:, H36M17.index('right_hip')]
    yaw = np.unwrap(np.arctan2(hip_axis[:, 1], hip_axis[:, 0]))
    assert abs(abs(yaw[-1] - yaw[0]) - 4 * np.pi) < 0.05
    assert not sim['flight'].any()


def test_salto_rotates_about_two_pi_per_salto():
    sim = simulate_world('double salto backward tucked', 4, fps=120)
    x = sim['joints']
    up = x[:, H36M17.index('thorax')] - x[:, H36M17.index('pelvis')]
    heading = sim['heading']
    fwd = np.array([np.cos(heading), np.sin(heading), 0.0])
    angle = np.unwrap(np.arctan2(up @ fwd, up[:, 2]))
    total = angle.max() - angle.min()
    assert 3.3 * np.pi < total < 4.6 * np.pi, total / np.pi
