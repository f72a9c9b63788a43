"""Flights read off the centre of mass: predicted flights are kept only where it falls
(``falling_flights``), and a free fall is flight where the contact predictor doubts it
(``free_fall_frames``)."""
import numpy as np
import pytest
import torch

from finephys.models.physics.falling_flights import (fall_acceleration, falling_flights,
                                                     free_fall_frames)
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


def free_fall_loop(height, fps, g, window, fall_range, confidence, mark):
    """The slow reference: :func:`fall_acceleration` on every window, its middle frames marked."""
    out = np.zeros(len(height), bool)
    first = (window - mark) // 2
    for a in range(len(height) - window + 1):
        acc, se = fall_acceleration(height[a:a + window], fps)
        lo, hi = fall_range
        if -hi * g < acc - confidence * se and acc + confidence * se < -lo * g:
            out[a + first:a + first + mark] = True
    return out


def test_free_fall_frames_match_a_loop_over_windows():
    """Random walks plus parabolas, two frame rates, several windows and marks: the vectorised
    fit marks exactly what a loop of least-squares fits marks."""
    rng = np.random.default_rng(3)
    t = 60
    for fps, window, mark, conf in ((30.0, 10, 4, 1.0), (60.0, 8, 2, 0.0), (30.0, 7, 7, 2.0)):
        heights = []
        for _ in range(3):
            h = np.cumsum(rng.normal(0, 0.01, t)) + 1.0
            a = int(rng.integers(0, t - 20))
            s = np.arange(20) / fps
            h[a:a + 20] += 1.5 * s - 0.5 * G * s ** 2 + rng.normal(0, 0.01, 20)
            heights.append(h)
        heights = np.stack(heights)
        out = free_fall_frames(torch.as_tensor(heights), torch.full((3,), fps),
                               torch.full((3,), G), window, (0.6, 1.5), conf, mark).numpy()
        expected = np.stack([free_fall_loop(h, fps, G, window, (0.6, 1.5), conf, mark)
                             for h in heights])
        np.testing.assert_array_equal(out, expected)
        assert expected.any() and not expected.all()       # the test can tell them apart


def test_free_fall_frames_find_a_fall_and_nothing_else():
    """Three clips: standing, a 16-frame free fall, standing again — exactly the middle frames of
    the windows inside the fall are marked (the windows over the take-off and landing fit no
    free fall); a body falling at 2 g all through (outside the range); a body lying still.
    A clip shorter than a window has no free fall."""
    fps, window, mark = 30.0, 10, 4
    t = 40
    jump = np.full(t, 1.0)
    s = np.arange(16) / fps
    jump[10:26] = 1.0 + 2.5 * s - 0.5 * G * s ** 2
    jump[26:] = jump[25]
    s = np.arange(t) / fps
    heights = np.stack([jump, 3.0 + 2.5 * s - 0.5 * 2 * G * s ** 2, np.full(t, 0.2)])
    out = free_fall_frames(torch.as_tensor(heights), fps, G, window, (0.6, 1.5), 1.0,
                           mark).numpy()
    expected = np.zeros((3, t), bool)
    expected[0, 10 + (window - mark) // 2:26 - (window - mark) // 2] = True
    np.testing.assert_array_equal(out, expected)
    assert not free_fall_frames(torch.as_tensor(heights[:, :9]), fps, G, window).any()
    for bad in (dict(window=3), dict(mark=0), dict(mark=11), dict(fall_range=(0.0, 1.5)),
                dict(confidence=-1.0)):
        with pytest.raises(ValueError):
            free_fall_frames(torch.as_tensor(heights), fps, G, **bad)


def test_the_solver_calls_a_doubted_free_fall_flight():
    """A contact predictor that doubts everything (every probability 0.73, below
    ``free_fall_max_contact`` but above the threshold): a body falling freely for 24 frames gets
    flight in the middle of its fall only with ``flight_free_fall``, its centre of mass then
    falls at g exactly there, and a body standing still gets none; a predictor sure of contact
    (0.95) blocks the cue."""
    rng = np.random.default_rng(4)
    t, fps = 32, 30.0
    pose = torch.as_tensor(rng.normal(0, 0.2, (17, 3)))
    s = torch.arange(t, dtype=torch.float64) / fps
    up = torch.where((s >= 4 / fps) & (s < 28 / fps), 2.0 * (s - 4 / fps) -
                     0.5 * G * (s - 4 / fps) ** 2, torch.zeros(t))
    base = pose + torch.tensor([0.0, 1.0, 5.0], dtype=torch.float64)
    jumping = base - torch.stack([torch.zeros(t), up, torch.zeros(t)], -1)[:, None]
    standing = base[None].expand(t, 17, 3)
    q = torch.stack([jumping, standing]).double()
    gravity = torch.tensor([[0.0, G, 0.0]] * 2, dtype=torch.float64)
    outs = {}
    for free_fall, bias in ((False, 1.0), (True, 1.0), (True, 2.944)):   # σ: 0.731, 0.95
        solver = StructuredPhysicsSolver(flight_free_fall=free_fall, metric_scale=False,
                                         angular_momentum=False).double()
        solver.eval()
        with torch.no_grad():
            solver.contact_net.out.weight.zero_()
            solver.contact_net.out.bias.fill_(bias)
            outs[free_fall, bias] = solver(q, 1.0 / fps, gravity=gravity)
    assert not outs[False, 1.0]['flight'].any() and 'flight_free_fall' not in outs[False, 1.0]
    found = outs[True, 1.0]
    expected = torch.zeros(t, dtype=torch.bool)
    expected[4 + 3:28 - 3] = True              # the middle 4 frames of every window inside it
    assert torch.equal(found['flight'][0], expected) and not found['flight'][1].any()
    assert torch.equal(found['flight_free_fall'], found['flight'])
    assert float(StructuredPhysicsSolver.diagnostics(found)['phys_flight_free_fall']) == \
        pytest.approx(expected.sum().item() / (2 * t))
    com = found['com'][0]
    acc = (com[2:] - 2 * com[1:-1] + com[:-2]) * fps ** 2
    torch.testing.assert_close(acc[expected[1:-1].nonzero()[1:-1, 0]],
                               gravity[0].expand(int(expected.sum()) - 2, 3), atol=1e-6, rtol=0)
    assert not outs[True, 2.944]['flight'].any()
    with pytest.raises(ValueError, match='free_fall_max_contact'):
        StructuredPhysicsSolver(flight_free_fall=True, free_fall_max_contact=0.4)
    with pytest.raises(ValueError, match='free_fall_window'):
        StructuredPhysicsSolver(free_fall_window=3)


def test_the_metric_scale_is_not_measured_on_free_fall_frames():
    """The jumping body seen by its exact 2D: given as flight, its frames measure the metric
    scale from gravity (valid, ≈ 1); called flight only because the body falls freely, they do
    not (selected for falling at ~g in the lifter's own scale, they cannot measure it)."""
    rng = np.random.default_rng(5)
    t, fps = 32, 30.0
    pose = torch.as_tensor(rng.normal(0, 0.2, (17, 3)))
    s = torch.arange(t, dtype=torch.float64) / fps
    tau = s - 4 / fps
    up = torch.where((tau >= 0) & (tau < 24 / fps), 2.0 * tau - 0.5 * G * tau ** 2,
                     torch.zeros(t))
    q = (pose + torch.tensor([0.0, 1.0, 5.0], dtype=torch.float64) -
         torch.stack([0.4 * s, up, torch.zeros(t)], -1)[:, None])[None]
    kp = q[..., :2] / q[..., 2:]
    scores = torch.ones(1, t, 17, dtype=torch.float64)
    gravity = torch.tensor([[0.0, G, 0.0]], dtype=torch.float64)
    solver = StructuredPhysicsSolver(flight_free_fall=True, angular_momentum=False).double()
    solver.eval()
    with torch.no_grad():
        solver.contact_net.out.weight.zero_()
        solver.contact_net.out.bias.fill_(1.0)                 # every probability 0.73
        found = solver(q, 1.0 / fps, keypoints_2d=kp, scores=scores, gravity=gravity)
        given = solver(q, 1.0 / fps, keypoints_2d=kp, scores=scores, gravity=gravity,
                       flight=found['flight'])
    assert found['flight'].sum() >= 8 and torch.equal(found['flight_free_fall'], found['flight'])
    assert not found['scale_valid'].any() and float(found['scale']) == 1.0
    assert given['scale_valid'].all() and float(given['scale']) == pytest.approx(1.0, abs=0.02)
