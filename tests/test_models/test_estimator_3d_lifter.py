"""Estimator3DLifter: the 2D estimator's own metric 3D placed in the camera frame, and the data
paths that bring it there (skeleton files, SimulateEstimator3D, SkeletonPipeline)."""
import numpy as np
import pytest
import torch

from finephys.datasets.io import SkeletonFileError, load_skeleton_file
from finephys.models.lifters import Estimator3DLifter
from finephys.models.lifters.estimator_3d_lifter import (constant_bone_lengths,
                                                         solve_root_translation)
from finephys.structures import (H36M17, bone_lengths, estimator_head_from_h36m,
                                 h36m_head_from_estimator, ray_rotation)
from finephys.utils.errors import UserInputError


def _truth(t=12, seed=3):
    """A SynthGym clip's camera-frame 3D (constant bones; the vertex at the height
    ``h36m_head_from_estimator`` puts it), its normalised 2D (the estimator's head) and its K."""
    from finephys.datasets.synthgym import generate_clip
    clip = generate_clip('stag jump', seed, num_frames=t, render_size=None)
    x = h36m_head_from_estimator(estimator_head_from_h36m(clip['keypoints_3d'].astype(
        np.float64)))
    k = clip['camera']['K'].astype(np.float64)
    k = k[0] if k.ndim == 3 else k
    return x, _uv(x), k


def _uv(x):
    """The normalised 2D an ideal estimator gives of ``x``: its head is the nose tip and the
    mid-ear."""
    face = estimator_head_from_h36m(x)
    return face[..., :2] / face[..., 2:]


def _as_estimator(x):
    """What an ideal estimator gives: hip-centred, in the axes of a crop looking at the pelvis,
    its head the nose tip and the mid-ear."""
    face = estimator_head_from_h36m(x)
    rel = face - face[:, :1]
    return np.einsum('tji,tkj->tki', ray_rotation(face[:, 0]), rel)


def _t(a):
    return torch.as_tensor(a[None], dtype=torch.float64)


def test_an_ideal_estimator_is_placed_exactly_where_the_body_is():
    x, uv, _ = _truth()
    # off the optical axis, where the ray correction matters
    x = x + np.array([1.5, -0.6, 0.0])
    uv = _uv(x)
    lifter = Estimator3DLifter()
    out = lifter(_t(uv), None, keypoints_3d_estimator=_t(_as_estimator(x)))[0].numpy()
    np.testing.assert_allclose(out, x, atol=2e-5)   # SynthGym stores float32
    # without the ray correction the same input lands elsewhere (the correction is not a no-op)
    plain = Estimator3DLifter(ray_correction=False)(
        _t(uv), None, keypoints_3d_estimator=_t(_as_estimator(x)))[0].numpy()
    assert np.abs(plain - x).max() > 0.05


def test_a_joint_with_score_zero_does_not_move_the_root():
    x, uv, _ = _truth()
    bad = uv.copy()
    bad[:, H36M17.index('left_wrist')] += 0.3        # a wild 2D joint ...
    scores = np.ones(uv.shape[:2])
    scores[:, H36M17.index('left_wrist')] = 0.0      # ... that the estimator did not trust
    out = Estimator3DLifter(ray_correction=True)(
        _t(bad), _t(scores), keypoints_3d_estimator=_t(_as_estimator(x)))[0].numpy()
    np.testing.assert_allclose(out, x, atol=2e-5)   # SynthGym stores float32


def test_root_translation_is_the_weighted_least_squares_solution():
    rng = np.random.default_rng(0)
    pose = rng.normal(0, 0.3, (2, 3, 17, 3))
    uv = rng.normal(0, 0.2, (2, 3, 17, 2))
    w = rng.random((2, 3, 17))
    got = solve_root_translation(torch.tensor(pose), torch.tensor(uv), torch.tensor(w),
                                 min_depth=-1e9).numpy()
    for b in range(2):
        for t in range(3):
            rows, rhs = [], []
            for j in range(17):
                u, v = uv[b, t, j]
                X, Y, Z = pose[b, t, j]
                s = np.sqrt(w[b, t, j])
                rows += [s * np.array([1, 0, -u]), s * np.array([0, 1, -v])]
                rhs += [s * (u * Z - X), s * (v * Z - Y)]
            ref = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
            np.testing.assert_allclose(got[b, t], ref, rtol=1e-7, atol=1e-9)


def test_constant_bones_take_the_median_length_and_keep_directions():
    rng = np.random.default_rng(1)
    pose = torch.tensor(rng.normal(0, 0.3, (1, 7, 17, 3)))
    out = constant_bone_lengths(pose, H36M17.parents).numpy()
    lengths_in = bone_lengths(pose[0].numpy())
    np.testing.assert_allclose(bone_lengths(out[0]), np.broadcast_to(
        np.median(lengths_in, 0), lengths_in.shape), atol=1e-12)
    for parent, child in H36M17.bones:
        a = pose[0, :, child].numpy() - pose[0, :, parent].numpy()
        b = out[0, :, child] - out[0, :, parent]
        cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
        np.testing.assert_allclose(cos, 1.0, atol=1e-12)


def test_without_the_estimators_3d_the_lifter_says_what_it_needs():
    with pytest.raises(ValueError, match='keypoints_3d_estimator'):
        Estimator3DLifter()(torch.zeros(1, 4, 17, 2))


def test_simulated_estimator_3d_without_noise_round_trips_through_the_lifter():
    from finephys.datasets.transforms import SimulateEstimator3D
    x, uv, _ = _truth()
    out = SimulateEstimator3D(size_std=0, joint_std=0, depth_std=0).transform(
        dict(keypoints_3d=x.copy()))['keypoints_3d_estimator']
    lifted = Estimator3DLifter()(_t(uv), None,
                                 keypoints_3d_estimator=_t(out.astype(np.float64)))[0].numpy()
    np.testing.assert_allclose(lifted, x, atol=1e-5)       # float32 storage
    np.random.seed(0)
    noisy = SimulateEstimator3D().transform(dict(keypoints_3d=x.copy()))['keypoints_3d_estimator']
    err = np.linalg.norm(noisy - out, axis=-1).mean()
    assert 0.02 < err < 0.3                               # it does add an estimator's error


def test_skeleton_files_carry_the_estimators_3d(tmp_path):
    x, uv, k = _truth()
    px = uv * k[[0, 1], [0, 1]] + k[:2, 2]
    world = _as_estimator(x)
    world[3] = np.nan                                    # a lost frame
    np.savez(tmp_path / 'ok.npz', keypoints=px, camera_K=k, keypoints_3d_estimator=world,
             layout='h36m17')
    data = load_skeleton_file(str(tmp_path / 'ok.npz'))
    np.testing.assert_array_equal(data['keypoints_3d_estimator'], world)
    from finephys.datasets.io import read_skeleton_input
    filled = read_skeleton_input(str(tmp_path / 'ok.npz'))['keypoints_3d_estimator']
    np.testing.assert_allclose(filled[3], (world[2] + world[4]) / 2)   # bridged in time
    # an estimator 3D that is missing everywhere is optional input: dropped, the 2D still read
    np.savez(tmp_path / 'none.npz', keypoints=px, camera_K=k, layout='h36m17',
             keypoints_3d_estimator=np.full_like(world, np.nan))
    assert read_skeleton_input(str(tmp_path / 'none.npz'))['keypoints_3d_estimator'] is None
    np.savez(tmp_path / 'shape.npz', keypoints=px, keypoints_3d_estimator=world[:, :, :2])
    with pytest.raises(SkeletonFileError, match=r'keypoints_3d_estimator must be \(T, 17, 3\)'):
        load_skeleton_file(str(tmp_path / 'shape.npz'))
    np.savez(tmp_path / 'mm.npz', keypoints=px, keypoints_3d_estimator=world * 1e3)
    with pytest.raises(SkeletonFileError, match='expected hip-centred metres'):
        load_skeleton_file(str(tmp_path / 'mm.npz'))


@pytest.fixture(scope='module')
def estimator_pipeline(tmp_path_factory):
    from mmengine.config import Config

    from finephys.models.skeleton_pipeline import SkeletonPipeline
    from finephys.registry import MODELS
    from finephys.utils import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('estimator3d')
    (root / 'estimator3d.py').write_text(
        "model = dict(type='FinePhysSkeleton', lifter=dict(type='Estimator3DLifter'), "
        "physics=dict(type='FiniteDifferenceSolver'))\n")
    model = MODELS.build(Config.fromfile(str(root / 'estimator3d.py')).model)
    torch.save(dict(state_dict=model.state_dict(), meta={}), root / 'e.pth')
    return SkeletonPipeline(str(root / 'estimator3d.py'), str(root / 'e.pth')), root


def test_the_pipeline_lifts_a_file_with_the_estimators_3d_and_names_the_config_without(
        estimator_pipeline):
    pipeline, root = estimator_pipeline
    x, uv, k = _truth(t=40)
    px = uv * k[[0, 1], [0, 1]] + k[:2, 2]
    np.savez(root / 'with.npz', keypoints=px, camera_K=k, keypoints_3d_estimator=_as_estimator(x),
             layout='h36m17')
    out = pipeline(str(root / 'with.npz'), show_progress=False)
    # two overlapping windows of an exact lifter blend to the truth
    np.testing.assert_allclose(out['s_dd'], x, atol=1e-4)
    np.savez(root / 'without.npz', keypoints=px, camera_K=k, layout='h36m17')
    with pytest.raises(UserInputError, match=r'estimator3d\.py.*keypoints_3d_estimator'):
        pipeline(str(root / 'without.npz'), show_progress=False)


def test_a_video_estimator_without_3d_is_refused_before_any_work(estimator_pipeline, tmp_path):
    import os.path as osp

    from mmengine.config import Config

    from finephys.models.skeleton_pipeline import SkeletonPipeline
    from finephys.registry import MODELS
    pipeline, root = estimator_pipeline
    cfg = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
                   'pose_estimators', 'heatmap-pose-net_c16-32-64_synthgym-32px.py')
    torch.save(dict(state_dict=MODELS.build(Config.fromfile(cfg).model).state_dict()),
               tmp_path / 'pose.pth')
    no3d = SkeletonPipeline(pipeline.config, pipeline.checkpoint, pose_estimator=dict(
        type='HeatmapPoseEstimator', config=cfg, checkpoint=str(tmp_path / 'pose.pth')))
    with pytest.raises(UserInputError, match='HeatmapPoseEstimator gives none'):
        no3d(str(tmp_path / 'clip.mp4'), show_progress=False)


def test_snapping_to_the_2d_rays_takes_image_positions_from_the_2d():
    """An estimator wrong in the image plane (depths right) is pulled back onto the body by
    exact 2D; without the snap its error stays."""
    x, uv, _ = _truth()
    est = _as_estimator(x)
    est[..., :2] += np.random.default_rng(0).normal(0, 0.04, est[..., :2].shape)
    snapped = Estimator3DLifter()(_t(uv), None, keypoints_3d_estimator=_t(est))[0].numpy()
    plain = Estimator3DLifter(snap_to_rays=False)(
        _t(uv), None, keypoints_3d_estimator=_t(est))[0].numpy()
    # the body's shape (the root depth follows the noisier bone lengths either way)
    rel = lambda p: p - p[:, :1]                                 # noqa: E731
    err = lambda p: np.linalg.norm(rel(p) - rel(x), axis=-1).mean()      # noqa: E731
    assert err(snapped) < 0.6 * err(plain)
    reproj = lambda p: np.linalg.norm(p[..., :2] / p[..., 2:] - uv, axis=-1).mean()  # noqa: E731
    assert reproj(snapped) < 0.5 * reproj(plain)
    # bones stay constant over the clip after the snap
    bl = bone_lengths(snapped)
    np.testing.assert_allclose(bl, np.broadcast_to(bl[0], bl.shape), atol=1e-9)


def test_a_checkpoint_of_another_lifter_lends_its_physics_and_fuser(tmp_path):
    """The estimator-3D configs run with a TCN checkpoint: its fuser (and solver) weights are
    loaded, its lifter's weights are left out with one log line, not a list of keys."""
    from mmengine.config import Config

    from finephys.models.skeleton_pipeline import SkeletonPipeline
    from finephys.registry import MODELS
    from finephys.utils import register_all_modules
    register_all_modules()
    body = ("physics=dict(type='FiniteDifferenceSolver'), fuser=dict(type='ComplementaryFuser'))"
            "\n")
    (tmp_path / 'tcn.py').write_text("model = dict(type='FinePhysSkeleton', lifter=dict("
                                     "type='TemporalConvLifter', channels=8, num_blocks=1), "
                                     + body)
    (tmp_path / 'est.py').write_text("model = dict(type='FinePhysSkeleton', lifter=dict("
                                     "type='Estimator3DLifter'), " + body)
    tcn = MODELS.build(Config.fromfile(str(tmp_path / 'tcn.py')).model)
    with torch.no_grad():
        tcn.fuser.gate_bias.fill_(1.234)
    torch.save(dict(state_dict=tcn.state_dict(), meta={}), tmp_path / 'tcn.pth')
    pipeline = SkeletonPipeline(str(tmp_path / 'est.py'), str(tmp_path / 'tcn.pth'))
    assert float(pipeline.model.fuser.gate_bias) == pytest.approx(1.234)
    assert isinstance(pipeline.model.lifter, Estimator3DLifter)


def test_a_long_input_with_a_long_lost_stretch_lifts_to_finite_flagged_output(
        estimator_pipeline):
    """160 frames (five windows) with the person lost for 100 of them (2D and 3D NaN, score 0):
    finite output everywhere, the uncovered frames flagged, the observed frames exact."""
    pipeline, root = estimator_pipeline
    x, uv, k = _truth(t=160)
    px = uv * k[[0, 1], [0, 1]] + k[:2, 2]
    world = _as_estimator(x)
    scores = np.ones(px.shape[:2])
    lost = slice(30, 130)
    px[lost], world[lost], scores[lost] = np.nan, np.nan, 0.0
    np.savez(root / 'long.npz', keypoints=px, scores=scores, camera_K=k, layout='h36m17',
             keypoints_3d_estimator=world)
    out = pipeline(str(root / 'long.npz'), show_progress=False)
    for key in ('s_dd', 's_pp', 'fused'):
        assert out[key].shape == (160, 17, 3) and np.isfinite(out[key]).all()
    assert out['lost_frames'][lost].all() and not out['lost_frames'][:30].any()
    assert out['bridged_frames'].any() and not out['bridged_frames'][:30].any()
    np.testing.assert_allclose(out['s_dd'][:16], x[:16], atol=1e-4)
    np.testing.assert_allclose(out['s_dd'][-16:], x[-16:], atol=1e-4)
