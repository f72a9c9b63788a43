"""Predicted flights are kept only where the centre of mass falls (``falling_flights``)."""
import numpy as np
import pytest
import torch

from finephys.models.physics.falling_flights import fall_acceleration, falling_flights
from finephys.models.physics.structured_physics_solver import StructuredPhysicsSolver
from finephys.structures.constants import STANDARD_GRAVITY

G = STANDARD_GRAVITY


def test_fall_acceleration_is_the_least_squares_quadratics():
    """Against numpy's polynomial fit (value and covariance), and exact on a parabola."""
    rng = np.random.default_rng(0)
    ts = np.arange(11) / 30.0
    h = 1.0 + 2.0 * ts - 0.5 * G * ts ** 2
    acc, se = fall_acceleration(h, 30.0)
    assert acc == pytest.approx(-G, rel=1e-9) and se == pytest.approx(0, abs=1e-6)
    noisy = h + rng.normal(0, 0.02, h.shape)
    coef, cov = np.polyfit(ts, noisy, 2, cov='unscaled')
    acc, se = fall_acceleration(noisy, 30.0)
    assert acc == pytest.approx(2 * coef[0], rel=1e-9)
    resid = noisy - np.polyval(coef, ts)
    sigma2 = (resid ** 2).sum() / (len(ts) - 3)
    assert se == pytest.approx(2 * np.sqrt(sigma2 * cov[0, 0]), rel=1e-6)
    assert fall_acceleration(h[:3], 30.0)[1] == float('inf')


def test_a_flight_is_kept_only_where_the_body_falls():
    """One clip, five predicted flights: a free fall (kept), a free fall seen by a lifter whose
    scale is 1.6× too large (kept: inside the range), a body lying still (dropped), a roll's
    centre of mass dipping and rising (dropped), and a 5-frame stretch shorter than the check
    (kept as predicted, whatever it does). Frames outside the predicted flights never change."""
    fps, t = 30.0, 100
    height = np.full(t, 0.9)
    flight = np.zeros(t, bool)
    segments = {'fall': (2, 14), 'scaled': (20, 32), 'still': (40, 60), 'roll': (65, 85),
                'short': (90, 95)}
    for name, (a, b) in segments.items():
        flight[a:b] = True
        s = (np.arange(b - a) - 0.5 * (b - a - 1)) / fps
        if name == 'fall':
            height[a:b] = 1.2 - 0.5 * G * s ** 2
        elif name == 'scaled':
            height[a:b] = 1.2 - 0.5 * 1.6 * G * s ** 2
        elif name == 'roll':
            height[a:b] = 0.3 + 0.5 * 3.0 * s ** 2           # concave up: a support
        elif name == 'short':
            height[a:b] = 0.2                                # still, but too short to tell
    out = falling_flights(torch.as_tensor(flight[None]), torch.as_tensor(height[None]),
                          torch.tensor([fps]), torch.tensor([G]), min_frames=8,
                          confidence=0.0)[0].numpy()
    dropped = int((flight & ~out).sum())
    expected = flight.copy()
    for name in ('still', 'roll'):
        a, b = segments[name]
        expected[a:b] = False
    np.testing.assert_array_equal(out, expected)
    assert dropped == 40
    # the same clip three times as tall: its falls are at 3 g and 4.8 g, no free falls either
    out3 = falling_flights(torch.as_tensor(flight[None]),
                              torch.as_tensor(3.0 * height[None]), torch.tensor([fps]),
                              torch.tensor([G]), min_frames=8, confidence=0.0)
    for name in ('fall', 'scaled'):
        assert not out3[0, slice(*segments[name])].any()
    assert out3[0, slice(*segments['short'])].all()
    # with a noisy lifter (3 cm), a flight is dropped only where the fit clears the range by
    # `confidence` standard errors: an 8-frame true fall that the plain fit reads at −0.34 g
    # (outside the range) is kept at 2 standard errors; 20 frames of a body lying still are
    # dropped either way
    rng = np.random.default_rng(7)
    s8 = (np.arange(8) - 3.5) / fps
    noisy = np.concatenate([1.2 - 0.5 * G * s8 ** 2, np.full(20, 0.9)]) + rng.normal(0, 0.03, 28)
    noisy_flight = torch.ones(1, 28, dtype=torch.bool)
    noisy_flight[0, 8] = False                          # two predicted flights: 0-7, 9-27
    kept = {}
    for z in (0.0, 2.0):
        o = falling_flights(noisy_flight, torch.as_tensor(noisy[None]), torch.tensor([fps]),
                               torch.tensor([G]), min_frames=8, confidence=z)
        kept[z] = o[0].numpy()
        assert not kept[z][9:].any()
    assert not kept[0.0][:8].any() and kept[2.0][:8].all()
    with pytest.raises(ValueError, match='fall_range'):
        falling_flights(torch.as_tensor(flight[None]), torch.as_tensor(height[None]), fps, G,
                        fall_range=(1.0, 0.5))


def test_the_solver_drops_a_lying_bodys_predicted_flight():
    """A contact predictor that calls everything flight (its output bias at −20): with the check,
    a body lying still gets no flight and its centre of mass is left where the lifter put it;
    a body in free fall keeps its flight and falls at g; without the check, both are flight."""
    rng = np.random.default_rng(1)
    t, fps = 24, 30.0
    pose = torch.as_tensor(rng.normal(0, 0.2, (17, 3)))
    s = (torch.arange(t, dtype=torch.float64) - 0.5 * (t - 1)) / fps
    drop = torch.stack([0.3 * s, -(2.0 * s - 0.5 * G * s ** 2), torch.zeros(t)], -1)
    lying = (pose + torch.tensor([0.0, 1.0, 5.0], dtype=torch.float64))[None].expand(t, 17, 3)
    falling = pose + torch.tensor([0.0, 1.0, 5.0], dtype=torch.float64) + drop[:, None]
    q = torch.stack([lying, falling]).double()
    gravity = torch.tensor([[0.0, G, 0.0]] * 2, dtype=torch.float64)
    outs = {}
    for check in (False, True):
        solver = StructuredPhysicsSolver(flight_fall_check=check, metric_scale=False).double()
        solver.eval()
        with torch.no_grad():
            solver.contact_net.out.weight.zero_()
            solver.contact_net.out.bias.fill_(-20.0)
            outs[check] = solver(q, 1.0 / fps, gravity=gravity)
    assert outs[False]['flight'].all() and 'flight_dropped' not in outs[False]
    assert not outs[True]['flight'][0].any() and outs[True]['flight'][1].all()
    # what was dropped is returned, and logged in training as a share of the frames
    assert outs[True]['flight_dropped'][0].all() and not outs[True]['flight_dropped'][1].any()
    assert float(StructuredPhysicsSolver.diagnostics(outs[True])['phys_flight_dropped']) == 0.5
    com = outs[True]['com'][1]
    acc = (com[2:] - 2 * com[1:-1] + com[:-2]) * fps ** 2
    torch.testing.assert_close(acc, gravity[1].expand_as(acc), atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match='flight_check_min_frames'):
        StructuredPhysicsSolver(flight_check_min_frames=2)
