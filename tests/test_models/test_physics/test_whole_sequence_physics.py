"""Physics over whole inputs: the structured solver's sparse O(T) solves, one gravity scale from
every flight, and SkeletonPipeline solving a whole clip at once (flights across every window
boundary stay exactly ballistic; window by window they do not)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from finephys.models.physics import StructuredPhysicsSolver
from finephys.models.physics import structured_dynamics as sd
from finephys.models.physics.gravity_scale import centre_of_mass_rays, gravity_scale
from finephys.models.skeleton_pipeline import SkeletonPipeline
from finephys.registry import MODELS
from finephys.structures.anthropometry import joint_mass_fractions
from finephys.utils.setup_env import register_all_modules

from tests.tool_process import run_command

G = 9.80665
CFG = 'configs/finephys-structured/finephys-skeleton-structured_stage1_synthgym_tcn-lifter.py'


def _problem(t, b=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    com = torch.randn(b, t, 3, generator=gen, dtype=torch.float64) + torch.tensor([0, 0, 6.0])
    flight = torch.zeros(b, t, dtype=torch.bool)
    flight[:, t // 5:t // 2] = True
    flight[-1, 2 * t // 3:t - 3] = True
    g = torch.tensor([[0.4, 9.7, 0.6]] * b, dtype=torch.float64)
    dt = torch.full((b,), 1 / 30.0, dtype=torch.float64)
    w = torch.rand(b, t, generator=gen, dtype=torch.float64) + 0.1
    rays = com[..., :2] / com[..., 2:] + 0.01 * torch.randn(b, t, 2, generator=gen,
                                                             dtype=torch.float64)
    r = torch.randn(b, t, 17, 3, generator=gen, dtype=torch.float64)
    wj = torch.rand(b, t, 17, generator=gen, dtype=torch.float64) + 0.05
    return com, flight, g, dt, w, rays, r, wj


def _solves(p):
    com, flight, g, dt, w, rays, r, wj = p
    return (sd.constrained_com_trajectory(com, flight, g, dt, w, 30.0),
            sd.ray_constrained_com_trajectory(com, rays, flight, g, dt, w, 30.0, 100.0),
            sd.minimum_internal_force_smooth(r, wj, 2.0))


def test_sparse_solves_equal_the_dense_ones(monkeypatch):
    """The O(T) sparse/banded solves and the dense KKT / normal equations are the same
    problems: equal to rounding on the same inputs (T = 90)."""
    p = _problem(90)
    monkeypatch.setattr(sd, 'DENSE_MAX_FRAMES', 10_000)
    assert not sd.use_sparse_solve(90)
    dense = _solves(p)
    monkeypatch.setattr(sd, 'DENSE_MAX_FRAMES', 4)
    assert sd.use_sparse_solve(90)
    sparse = _solves(p)
    for a, b in zip(dense, sparse):
        assert (a - b).abs().max() < 1e-9
    # a solve that needs gradients stays dense (and differentiable) at any length
    x = p[0].clone().requires_grad_(True)
    assert not sd.use_sparse_solve(90, x)
    sd.constrained_com_trajectory(x, p[1], p[2], p[3], p[4], 30.0).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


@pytest.mark.parametrize('t', [100, 333, 1000])
def test_whole_sequence_solver_is_ballistic_in_every_flight(t):
    """Inputs of 100–1000 frames with a flight across every 16-frame boundary (window 32,
    stride 16): the solver's S_pp and a COM-keeping fusion of it have c̈ = g to < 1e-3 m/s² in
    every flight frame (float64, one solve)."""
    torch.manual_seed(0)
    solver = StructuredPhysicsSolver().eval().double()
    rng = np.random.default_rng(t)
    # a walking-ish body drifting in depth, noisy
    base = torch.tensor(rng.normal(scale=0.25, size=(17, 3)))
    tt = torch.arange(t, dtype=torch.float64)[:, None, None]
    q = base + torch.tensor([0.0, 0.0, 8.0]) + 0.01 * tt * torch.tensor([1.0, 0.0, 0.2]) + \
        torch.tensor(rng.normal(scale=0.02, size=(t, 17, 3)))
    flight = np.zeros(t, bool)
    for boundary in range(16, t - 6, 16):          # 12-frame flights straddling each boundary
        flight[boundary - 6:boundary + 6] = True
    flight[boundary + 12:] = False
    kp = q[..., :2] / q[..., 2:]
    g = torch.tensor([[0.5, G, 1.2]], dtype=torch.float64)
    with torch.no_grad():
        out = solver(q[None], 1 / 30.0, keypoints_2d=kp[None], gravity=g,
                     flight=torch.tensor(flight)[None])
    m = out['masses']
    tri = sd.flight_triples(torch.tensor(flight)[None])[0]
    assert tri.sum() >= 6 * (t // 16 - 1)

    def worst(poses):
        c = sd.centre_of_mass(poses, m)[0]
        acc = (c[2:] - 2 * c[1:-1] + c[:-2]) * 900.0
        return (acc[tri] - g[0]).norm(dim=-1).max().item()

    assert worst(out['poses']) < 1e-3
    from finephys.models.fusion.physics_com import PhysicsCentreOfMass
    fused = PhysicsCentreOfMass()(q[None] + 0.05, out['poses'])
    assert worst(fused) < 1e-3
    assert out['scale_valid'].item()          # one scale for the clip, from its flights


def test_one_gravity_scale_from_every_flight():
    """Two flights of one clip: the clip's scale is the flights' estimates fused by inverse
    variances (the scale of a clip with one flight is that flight's; both recover the depth)."""
    fps = 30.0
    m = joint_mass_fractions()
    g = np.array([0.0, G, 0.3])
    rng = np.random.default_rng(1)
    body = rng.normal(scale=0.3, size=(17, 3))
    body -= (m[:, None] * body).sum(0)
    com = np.zeros((60, 3))
    flight = np.zeros(60, bool)
    for a, b, c0, v0 in ((5, 25, [0.4, -0.2, 11.0], [1.0, -4.0, 0.5]),
                         (35, 55, [-0.3, -0.1, 9.0], [-0.8, -3.5, -0.4])):
        tau = np.arange(b - a)[:, None] / fps
        com[a:b] = np.asarray(c0) + np.asarray(v0) * tau + 0.5 * g * tau ** 2
        flight[a:b] = True
    com[:5], com[25:35], com[55:] = com[5], com[24], com[54]       # standing between
    pts = com[:, None] + body
    noise = 0.002 * rng.normal(size=pts.shape[:2] + (2,))
    kp = torch.tensor(pts[..., :2] / pts[..., 2:] + noise)[None]
    rays = centre_of_mass_rays(kp, None, None, torch.tensor(m))
    zhat = torch.tensor(0.7 * com[:, 2])[None]
    gt, dt = torch.tensor(g)[None], torch.tensor([1 / fps])
    both = torch.tensor(flight)[None]
    first, second = both.clone(), both.clone()
    first[:, 30:], second[:, :30] = False, False
    s1 = gravity_scale(rays, zhat, first, gt, dt, prior_std=0.3)
    s2 = gravity_scale(rays, zhat, second, gt, dt, prior_std=0.3)
    s12 = gravity_scale(rays, zhat, both, gt, dt, prior_std=0.3)
    for s, v, _ in (s1, s2, s12):
        assert v.item() and abs(s.item() * 0.7 - 1.0) < 0.05
    # independent: each flight's fit alone (no prior) and its variance from the prior fusion
    k1 = gravity_scale(rays, zhat, first, gt, dt, prior_std=None)[0].item()
    k2 = gravity_scale(rays, zhat, second, gt, dt, prior_std=None)[0].item()
    wp = 1 / 0.3 ** 2
    w1 = wp * np.log(s1[0].item()) / (np.log(k1) - np.log(s1[0].item()))
    w2 = wp * np.log(s2[0].item()) / (np.log(k2) - np.log(s2[0].item()))
    expected = np.exp((w1 * np.log(k1) + w2 * np.log(k2)) / (w1 + w2 + wp))
    assert s12[0].item() == pytest.approx(expected, rel=1e-9)
    assert not torch.isnan(s12[2][0, 6:24]).any() and not torch.isnan(s12[2][0, 36:54]).any()


@pytest.fixture(scope='module')
def flighty_model(tmp_path_factory):
    """The structured config's model, untrained, its contact net biased towards flight (so an
    input has many predicted flights, wherever they fall), with COM-keeping fusion."""
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(CFG)
    cfg.model.fuser.keep_physics_com = True
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    with torch.no_grad():
        model.physics.contact_net.out.bias.fill_(-0.7)
    ckpt = tmp_path_factory.mktemp('flighty') / 'model.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    return cfg, str(ckpt)


def test_pipeline_solves_the_whole_clip_at_once(flighty_model):
    """A 300-frame input through SkeletonPipeline: with ``physics='sequence'`` every predicted
    flight frame of S_pp and of the fused S has c̈ = g (< 1e-3 m/s²), flights crossing window
    boundaries included, and the clip has one gravity scale; window by window (the old path)
    the blend of separately solved windows is not ballistic."""
    from finephys.datasets.synthgym import generate_clip
    cfg, ckpt = flighty_model
    clips = [generate_clip(a, s, dtype=np.float64) for a, s in
             (('salto forward tucked', 0), ('stag jump', 1), ('double salto backward tucked', 2),
              ('split jump with 1 turn', 3), ('stag jump', 4), ('salto forward tucked', 5))]
    kp = np.concatenate([c['keypoints_2d'] for c in clips])[:300]
    k = np.concatenate([c['camera']['K'] for c in clips])[:300]
    scores = np.concatenate([c['keypoint_scores'] for c in clips])[:300]
    assert len(kp) == 300
    pipeline = SkeletonPipeline(cfg, ckpt, logger='silent')
    seq = pipeline.lift(kp, scores, k, 30.0)
    win = SkeletonPipeline(cfg, ckpt, logger='silent', physics='windows').lift(kp, scores, k,
                                                                               30.0)
    assert seq['physics_over'] == 'sequence' and win['physics_over'] == 'windows'
    np.testing.assert_allclose(seq['s_dd'], win['s_dd'], atol=1e-5)   # the same lifter blend
    m = pipeline.model.physics.masses(torch.float64).numpy()     # the physics' COM

    def errors(result):
        tri = result['flight'][:-2] & result['flight'][1:-1] & result['flight'][2:]
        out = {}
        for key in ('s_pp', 'fused'):
            c = np.einsum('j,tjc->tc', m, result[key])
            acc = (c[2:] - 2 * c[1:-1] + c[:-2]) * 900.0
            # against the g the solver used (estimated from the scene by default)
            out[key] = np.linalg.norm(acc[tri] - result['gravity'], axis=-1).max()
        return tri, out

    tri, err = errors(seq)
    frames = np.flatnonzero(tri) + 1
    # flights whose triples span a window boundary (window 32, stride 16)
    crossing = [b for b in range(16, 300, 16) if b in frames and b - 1 in frames]
    assert len(crossing) >= 3 and tri.sum() > 30
    assert err['s_pp'] < 1e-3 and err['fused'] < 1e-3, err
    assert seq['gravity_scale_valid'] in (True, False) and np.isfinite(seq['gravity_scale'])
    assert abs(np.linalg.norm(seq['gravity']) - G) < 1e-9 and seq['gravity_source']
    _, err_win = errors(win)
    assert err_win['s_pp'] > 0.1 and err_win['fused'] > 0.1, err_win


def test_pipeline_gravity_from_the_scene_level_or_given(flighty_model):
    """Gravity reaches the solver: a given vector is the g of every predicted flight frame of
    S_pp (window by window too); ``gravity='level'`` is (0, g, 0); ``'scene'`` on a tilted
    camera's clip estimates a direction, reports where it came from, and the solve uses it."""
    from finephys.datasets.synthgym import generate_clip
    from finephys.models.physics.gravity_direction import angle_deg
    cfg, ckpt = flighty_model
    c = generate_clip('salto backward stretched with 1.5 twist', 4, dtype=np.float64,
                      camera_tilt_deg=20.0)
    args = (c['keypoints_2d'], c['keypoint_scores'], c['camera']['K'], 30.0)
    true_g = G * np.array([np.sin(0.4), np.cos(0.4), 0.0])        # a camera rolled by 23°
    m = None
    for physics in ('sequence', 'windows'):
        pipeline = SkeletonPipeline(cfg, ckpt, logger='silent', physics=physics)
        m = pipeline.model.physics.masses(torch.float64).numpy()
        given = pipeline.lift(*args, gravity=true_g)
        assert given['gravity_source'] == 'given'
        np.testing.assert_allclose(given['gravity'], true_g)
        tri = given['flight'][:-2] & given['flight'][1:-1] & given['flight'][2:]
        com = np.einsum('j,tjc->tc', m, given['s_pp'])
        acc = (com[2:] - 2 * com[1:-1] + com[:-2]) * 900.0
        assert tri.sum() > 5
        err = np.linalg.norm(acc[tri] - true_g, axis=-1)
        if physics == 'sequence':
            assert err.max() < 1e-3
        else:    # window by window: exact inside a window's own flights, not where blended
            assert (err < 1e-3).sum() >= 5
    level = SkeletonPipeline(cfg, ckpt, logger='silent', gravity='level').lift(*args)
    np.testing.assert_allclose(level['gravity'], [0, G, 0])
    assert level['gravity_source'].startswith('level') and not level['gravity_from_scene']
    scene = SkeletonPipeline(cfg, ckpt, logger='silent').lift(*args)
    assert abs(np.linalg.norm(scene['gravity']) - G) < 1e-9 and scene['gravity_source']
    assert scene['gravity_tilt_deg'] == pytest.approx(angle_deg(scene['gravity'], [0, 1, 0]),
                                                      abs=1e-6)
    if scene['gravity_from_scene']:
        tri = scene['flight'][:-2] & scene['flight'][1:-1] & scene['flight'][2:]
        com = np.einsum('j,tjc->tc', m, scene['s_pp'])
        acc = (com[2:] - 2 * com[1:-1] + com[:-2]) * 900.0
        assert np.linalg.norm(acc[tri] - scene['gravity'], axis=-1).max() < 1e-3
    with pytest.raises(ValueError, match='gravity'):
        SkeletonPipeline(cfg, ckpt, gravity='down')
    with pytest.raises(ValueError, match='finite non-zero'):
        SkeletonPipeline(cfg, ckpt, logger='silent').lift(*args, gravity=[0.0, 0.0, 0.0])


def test_eval_long_sequence_tool(flighty_model):
    """The report tool: both paths on two composed lengths, RESULT lines; the whole-sequence
    error is at rounding level, the windowed one is not."""
    import os
    import sys
    _, ckpt = flighty_model
    root = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    r = run_command([sys.executable, 'tools/analysis_tools/eval_long_sequence.py', CFG, ckpt,
                     '--lengths', '70', '130', '--cfg-options',
                     'model.fuser.keep_physics_com=True'], cwd=root,
                    env=dict(os.environ, PYTHONPATH=root))
    assert r.returncode == 0, r.stderr[-2000:]
    res = dict(line[len('RESULT '):].split('=') for line in r.stdout.splitlines()
               if line.startswith('RESULT '))
    assert float(res['long_sequence_ballistic_error']) < 1e-3
    assert float(res['long_sequence_ballistic_error_windows']) > 0.1
    assert int(res['long_sequence_flight_boundary_crossings']) >= 1
    # a solver that is not whole-sequence: one clear line, exit 2
    phys = 'configs/finephys/finephys-skeleton_stage1_synthgym_tcn-lifter_complementary.py'
    r = run_command([sys.executable, 'tools/analysis_tools/eval_long_sequence.py', phys, ckpt],
                    cwd=root, env=dict(os.environ, PYTHONPATH=root))
    assert r.returncode == 2 and 'Traceback' not in r.stderr


@pytest.mark.parametrize('case', ['no flight', 'flight at both ends', 'lost in flight',
                                  'camera looking down'])
def test_whole_sequence_bad_input(case):
    """The physics issue's bad inputs, one solve over 150 frames: finite output, c̈ = g in every
    flight frame there is, and a stated reason whenever the gravity scale falls back."""
    from finephys.models.skeleton_pipeline import scale_fallback_reason
    t = 150
    solver = StructuredPhysicsSolver().eval().double()
    rng = np.random.default_rng(3)
    q = torch.tensor(rng.normal(scale=0.25, size=(17, 3)) + [0.0, 0.0, 8.0] +
                     rng.normal(scale=0.02, size=(t, 17, 3)))
    kp = q[..., :2] / q[..., 2:]
    scores = torch.ones(t, 17, dtype=torch.float64)
    flight = np.zeros(t, bool)
    g = torch.tensor([[0.0, G, 0.0]], dtype=torch.float64)
    if case == 'flight at both ends':
        flight[:12], flight[-12:] = True, True
    elif case == 'lost in flight':
        flight[60:80] = True
        scores[64:76] = 0.0                       # the person is lost mid-flight
    elif case == 'camera looking down':
        flight[60:80] = True
        g = torch.tensor([[0.0, 0.0, G]], dtype=torch.float64)   # gravity along the optical axis
    with torch.no_grad():
        out = solver(q[None], 1 / 30.0, keypoints_2d=kp[None], scores=scores[None], gravity=g,
                     flight=torch.tensor(flight)[None])
    for key in ('poses', 'com', 'data_driven'):
        assert torch.isfinite(out[key]).all(), key
    tri = sd.flight_triples(torch.tensor(flight)[None])[0]
    if tri.any():
        c = sd.centre_of_mass(out['poses'], out['masses'])[0]
        acc = (c[2:] - 2 * c[1:-1] + c[:-2]) * 900.0
        assert (acc[tri] - g[0]).norm(dim=-1).max() < 1e-3
    result = dict(flight=flight, gravity_scale_valid=bool(out['scale_valid']))
    reason = scale_fallback_reason(solver, result)
    if case == 'no flight':
        assert reason == 'no flight of at least 8 frames (longest: 0)'
    assert bool(reason) == (not out['scale_valid'].item())


def test_window_by_window_progress_counts_both_passes_once(flighty_model):
    """Window by window with gravity from the scene, the windows run twice (the second time
    with the estimated gravity): progress counts 1 … 2 × windows of one stage and never
    restarts; with a level camera, one pass: 1 … windows."""
    from finephys.datasets.synthgym import generate_clip
    cfg, ckpt = flighty_model
    # a clip on which this untrained model's flights fix gravity (on most, it falls back to a
    # level camera: the assertion below says which case this is)
    clip = generate_clip('salto forward tucked', 0, num_frames=80, dtype=np.float64)
    runs = {}
    for gravity in ('level', 'scene'):
        calls = []
        pipeline = SkeletonPipeline(cfg, ckpt, logger='silent', physics='windows',
                                    gravity=gravity)
        result = pipeline.lift(clip['keypoints_2d'], clip['keypoint_scores'],
                               clip['camera']['K'], 30.0, progress=lambda *c: calls.append(c))
        assert {stage for stage, *_ in calls} == {'lifting + physics'}
        assert all(seconds >= 0 for *_, seconds in calls)
        runs[gravity] = (calls, result)
    level = [done for _, done, _, _ in runs['level'][0]]
    windows = len(level)
    assert windows >= 3 and level == list(range(1, windows + 1))
    assert {total for _, _, total, _ in runs['level'][0]} == {windows}
    calls, result = runs['scene']
    assert result['gravity_from_scene']      # this clip's flight fixes gravity
    assert [done for _, done, _, _ in calls] == list(range(1, 2 * windows + 1))
    assert {total for _, _, total, _ in calls} == {2 * windows}


def test_both_paths_keep_only_flights_whose_body_falls(flighty_model, tmp_path):
    """With ``flight_fall_check`` the windows path's re-thresholded blend of flight
    probabilities gets the same check as each window's solve: no flight of at least
    ``flight_check_min_frames`` is left whose lifter COM clearly does not fall at
    ``flight_fall_range`` × g, on either path, and the untrained lifter's flights that do not
    fall are dropped; with the person lost for 40 frames the output stays finite and checked."""
    from finephys.datasets.synthgym import generate_clip
    from finephys.models.physics.falling_flights import fall_acceleration
    from finephys.structures.constants import STANDARD_GRAVITY as G
    from finephys.utils.sequences import flight_segments
    cfg, ckpt = flighty_model
    cfg = Config(cfg.to_dict())
    cfg.model.physics.flight_fall_check = True
    clips = [generate_clip(a, s, dtype=np.float64) for a, s in
             (('salto forward tucked', 0), ('stag jump', 1))]
    kp = np.concatenate([c['keypoints_2d'] for c in clips])
    k = np.concatenate([c['camera']['K'] for c in clips])
    scores = np.concatenate([c['keypoint_scores'] for c in clips])
    m = joint_mass_fractions()
    m = np.asarray(m, np.float64) / np.sum(m)
    # and the same clip with the person lost for 40 frames (longer than a window; scores 0, as
    # the 2D step leaves lost frames after filling them)
    lost_scores = scores.copy()
    lost_scores[30:70] = 0.0
    for physics, lost in (('windows', False), ('sequence', False), ('sequence', True)):
        pipeline = SkeletonPipeline(cfg, ckpt, logger='silent', physics=physics,
                                    gravity='level')
        result = pipeline.lift(kp, lost_scores if lost else scores, k, 30.0)
        assert all(np.isfinite(result[key]).all() for key in ('s_dd', 's_pp', 'fused'))
        blended = (result['contact_prob'] < pipeline.model.physics.contact_threshold).all(-1)
        if not lost:
            assert result['flight'].sum() < blended.sum(), physics   # some were dropped
        height = -np.einsum('j,tjc->tc', m, result['s_dd'])[:, 1]     # level camera: up = −y
        solver = pipeline.model.physics
        (lo, hi), z = solver.flight_fall_range, solver.flight_fall_confidence
        for a, b in flight_segments(result['flight'], min_length=solver.flight_check_min_frames):
            acc, se = fall_acceleration(height[a:b], 30.0)
            assert acc - z * se <= -lo * G and acc + z * se >= -hi * G, (physics, a, b)



def test_both_paths_call_a_doubted_free_fall_flight(tmp_path):
    """The real-video config (the estimator's 3D placed in the camera: here an ideal estimator of
    a SynthGym stag jump, so S_dd falls at g in flight), its contact net doubting every frame
    (probabilities ≈ 0.73, above the threshold, below ``free_fall_max_contact``): without
    ``flight_free_fall`` nothing is flight; with it, on both paths, the frames a slow loop of
    quadratic fits finds falling freely on S_dd are flight, and they lie inside the true
    flight — also with the person lost for the 36 frames after the flight (longer than a
    window: the output stays finite)."""
    from finephys.datasets.synthgym import generate_clip
    from finephys.models.physics.falling_flights import fall_acceleration
    from finephys.structures import estimator_head_from_h36m, ray_rotation
    from finephys.structures.constants import STANDARD_GRAVITY as G
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile('configs/finephys-structured/'
                          'finephys-skeleton-structured_stage1_synthgym_estimator3d-lifter.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    with torch.no_grad():
        model.physics.contact_net.out.weight.zero_()
        model.physics.contact_net.out.bias.fill_(1.0)
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    clip = generate_clip('stag jump', 1, dtype=np.float64)
    x = clip['keypoints_3d'].astype(np.float64)
    face = estimator_head_from_h36m(x)
    world = np.einsum('tji,tkj->tki', ray_rotation(face[:, 0]), face - face[:, :1])
    k = clip['camera']['K'].astype(np.float64)
    k = k[0] if k.ndim == 3 else k
    kp = face[..., :2] / face[..., 2:] * k[[0, 1], [0, 1]] + k[:2, 2]
    scores = np.ones(kp.shape[:2])
    m = joint_mass_fractions()
    m = np.asarray(m, np.float64) / np.sum(m)
    gravity = np.asarray(clip['camera']['gravity'], np.float64).reshape(-1, 3)[0]
    up = -gravity / np.linalg.norm(gravity)
    lost_scores = scores.copy()
    lost_scores[24:] = 0.0
    for free_fall, physics, lost in ((False, 'windows', False), (False, 'sequence', False),
                                     (True, 'windows', False), (True, 'sequence', False),
                                     (True, 'windows', True), (True, 'sequence', True)):
        cfg.model.physics.flight_free_fall = free_fall
        pipeline = SkeletonPipeline(Config(cfg.to_dict()), str(tmp_path / 'model.pth'),
                                    logger='silent', physics=physics)
        result = pipeline.lift(kp, lost_scores if lost else scores, k, 30.0,
                               keypoints_3d_estimator=world, gravity=gravity)
        assert all(np.isfinite(result[key]).all() for key in ('s_dd', 's_pp', 'fused'))
        if not free_fall:
            assert not result['flight'].any(), physics
            continue
        solver = pipeline.model.physics
        height = np.einsum('j,tjc->tc', m, result['s_dd']) @ up
        w, mark = solver.free_fall_window, solver.free_fall_mark
        (lo, hi), z = solver.free_fall_range, solver.free_fall_confidence
        falls = np.zeros(len(height), bool)
        for a in range(len(height) - w + 1):
            acc, se = fall_acceleration(height[a:a + w], 30.0)
            if -hi * G < acc - z * se and acc + z * se < -lo * G:
                falls[a + (w - mark) // 2:a + (w - mark) // 2 + mark] = True
        assert falls.sum() >= 4, (physics, lost)
        np.testing.assert_array_equal(result['flight'], falls, err_msg=f'{physics} lost={lost}')
        assert not (result['flight'] & ~clip['flight']).any(), physics
