"""Skeleton-in-Context lifter: structure (separate streams before the merge, residual, α), the
prompt pool (buffers, modes, determinism) and the SiC / MotionBERT losses."""
import numpy as np
import pytest
import torch

from finephys.datasets import SkeletonPool, SynthGymDataset
from finephys.models.lifters.dstformer import DSTformerLayer
from finephys.models.losses import NMPJPELoss, VelocityLoss
from finephys.registry import LIFTERS, MODELS

TINY = dict(type='InContextLifter', dim=16, rep_dim=16, heads=2, merge_depth=1,
            post_merge_depth=1, max_frames=16)


@pytest.fixture(scope='module')
def pool():
    ds = SynthGymDataset(num_samples=5, num_frames=14, split='train')
    return SkeletonPool.from_dataset(ds, clip_len=12)


@pytest.fixture
def lifter(pool):
    torch.manual_seed(0)
    m = LIFTERS.build(TINY).eval()
    m.set_prompt_pool(pool)
    return m


def query(pool, n=2, t=10):
    return torch.as_tensor(pool.keypoints_2d[:n, :t]) + torch.tensor([0.05, 0.02])


def test_pool_round_trip_nearest_and_resampling(pool, tmp_path):
    path = str(tmp_path / 'pool.npz')
    pool.save(path)
    loaded = SkeletonPool.load(path)
    assert len(loaded) == 5 and loaded.keypoints_3d.shape == (5, 12, 17, 3)
    np.testing.assert_allclose(loaded.keypoints_3d[:, :, 0], 0, atol=1e-6)   # root-relative
    # each entry's own 2D finds itself (even when resampled to another length)
    assert list(loaded.nearest(loaded.keypoints_2d)) == list(range(5))
    p2, p3 = loaded.prompts(24, [1, 3])
    assert p2.shape == (2, 24, 17, 2) and p3.shape == (2, 24, 17, 3)
    np.testing.assert_allclose(p3[:, 0], loaded.keypoints_3d[[1, 3], 0], atol=1e-6)
    np.testing.assert_allclose(p3[:, -1], loaded.keypoints_3d[[1, 3], -1], atol=1e-6)
    # longer entries are cropped (own speed kept): at given offsets, or centred
    c2, c3 = loaded.prompts(8, [1, 3], offsets=[0, 4])
    np.testing.assert_array_equal(c3[0], loaded.keypoints_3d[1, 0:8])
    np.testing.assert_array_equal(c2[1], loaded.keypoints_2d[3, 4:12])
    np.testing.assert_array_equal(loaded.prompts(8, [2])[1][0], loaded.keypoints_3d[2, 2:10])


def test_pool_rejects_bad_files(tmp_path):
    bad = tmp_path / 'bad.npz'
    np.savez(bad, keypoints_2d=np.zeros((2, 4, 17, 2)))
    with pytest.raises(ValueError, match='missing arrays'):
        SkeletonPool.load(str(bad))
    with pytest.raises(ValueError, match='NaN'):
        SkeletonPool(np.full((1, 4, 17, 2), np.nan), np.zeros((1, 4, 17, 3)))


def test_stream_fusion_starts_at_one_half_and_streams_have_separate_weights():
    torch.manual_seed(0)
    layer = DSTformerLayer(dim=8, heads=2)
    x = torch.randn(2, 5, 17, 8)
    x_st, x_ts = layer.st(x), layer.ts(x)
    torch.testing.assert_close(layer.stream_weights(x_st, x_ts),
                               torch.full((2, 5, 17, 2), 0.5))
    torch.testing.assert_close(layer(x), 0.5 * (x_st + x_ts))
    # spatial→temporal and temporal→spatial: different modules, different orders
    assert layer.st.spatial.attn.qkv.weight is not layer.ts.spatial.attn.qkv.weight
    assert (layer.st(x) - layer.ts(x)).abs().max() > 1e-4


def test_prediction_does_not_read_the_query_ground_truth(pool):
    torch.manual_seed(0)
    model = MODELS.build(dict(type='PoseLiftingModel', lifter=TINY, pose_loss=[
        dict(type='MPJPELoss'), dict(type='NMPJPELoss', loss_weight=0.5),
        dict(type='VelocityLoss', loss_weight=20.0)])).eval()
    model.lifter.set_prompt_pool(pool)
    kp = query(pool)
    inputs = dict(keypoints_2d_norm=kp, keypoint_scores=torch.ones(2, 10, 17))
    truth = torch.randn(2, 10, 17, 3) + torch.tensor([0.0, 0.0, 8.0])
    other = truth + torch.randn_like(truth)
    a = model.predict(inputs, dict(keypoints_3d=truth))[0]['pred_keypoints_3d']
    b = model.predict(inputs, dict(keypoints_3d=other))[0]['pred_keypoints_3d']
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    losses = model.loss(inputs, dict(keypoints_3d=truth))
    assert set(losses) == {'loss_pose_mpjpe', 'loss_pose_n_mpjpe', 'loss_pose_velocity',
                           'loss_traj'}
    assert losses != model.loss(inputs, dict(keypoints_3d=other))


def test_prompt_and_query_do_not_exchange_information_before_the_merge(lifter):
    torch.manual_seed(1)
    prompt, query_seq = torch.randn(2, 20, 17, 3), torch.randn(2, 20, 17, 3)
    p_feat, q_feat = lifter.encode_streams(prompt, query_seq)
    p2, q2 = lifter.encode_streams(prompt + torch.randn_like(prompt), query_seq)
    torch.testing.assert_close(q2, q_feat)                      # the prompt never reached it
    assert (p2 - p_feat).abs().max() > 1e-3
    p3, q3 = lifter.encode_streams(prompt, query_seq + torch.randn_like(query_seq))
    torch.testing.assert_close(p3, p_feat)
    # nor do clips of one batch talk to each other
    p4, q4 = lifter.encode_streams(prompt[:1], query_seq[:1])
    torch.testing.assert_close(q4, q_feat[:1], rtol=1e-5, atol=1e-6)


def test_a_different_prompt_changes_the_output(lifter, pool):
    kp = query(pool)
    out = lifter(kp)
    p2, p3 = (torch.as_tensor(a) for a in pool.prompts(10, [4, 4]))
    other = lifter(kp, prompt=(p2, p3 + 0.05))
    assert (other - out).abs().max() > 1e-3
    # and the prompt's 3D enters through the residual one to one with a zero head
    torch.nn.init.zeros_(lifter.backbone.head.out.weight)
    torch.nn.init.zeros_(lifter.backbone.head.out.bias)
    shifted = lifter(kp, prompt=(p2, p3 + torch.tensor([0.1, 0.0, 0.0])))
    base = lifter(kp, prompt=(p2, p3))
    diff = (shifted - base)[:, :, 1:]                            # root-relative joints
    torch.testing.assert_close(diff, torch.zeros_like(diff), atol=1e-5, rtol=0)


def test_zero_head_output_equals_the_residual_term(lifter, pool):
    torch.nn.init.zeros_(lifter.backbone.head.out.weight)
    torch.nn.init.zeros_(lifter.backbone.head.out.bias)
    kp = query(pool, t=8).double()
    lifter.double()
    scores = torch.rand(2, 8, 17, dtype=torch.float64)
    p2d = torch.as_tensor(pool.keypoints_2d[3:5, :8], dtype=torch.float64)
    p3d = torch.as_tensor(pool.keypoints_3d[3:5, :8], dtype=torch.float64)
    out = lifter(kp, scores, prompt=(p2d, p3d))

    def unit_2d(x):                                             # independent of the lifter
        rel = x - x[:, :, :1]
        return rel / rel.norm(dim=-1).mean(-1)[..., None, None]
    size = float(lifter.body_size)
    uq, up = unit_2d(kp), unit_2d(p2d)
    pad = lambda u: torch.cat([u, torch.zeros_like(u[..., :1])], -1)   # noqa: E731
    expected = (p3d / size - pad(up) + pad(uq)) * size
    expected = expected - expected[:, :, :1]
    s2d = (kp - kp[:, :, :1]).norm(dim=-1).mean(-1)[..., None]
    depth = torch.exp(lifter.log_body_size.detach() - s2d.log())
    root = torch.cat([kp[:, :, 0] * depth, depth], -1)
    torch.testing.assert_close(out, expected + root[:, :, None])


def test_prompt_modes(pool):
    torch.manual_seed(0)
    m = LIFTERS.build(dict(TINY, test_prompt='random')).eval()
    m.set_prompt_pool(pool)
    kp = torch.as_tensor(pool.keypoints_2d[:, :10])
    # test-time random prompts depend on the clip only, not on the batch it is in
    idx_all = m.select_prompts(kp, 'random')
    idx_one = [int(m.select_prompts(kp[i:i + 1], 'random')[0]) for i in range(len(kp))]
    assert list(idx_all) == idx_one
    torch.testing.assert_close(m(kp)[2:3], m(kp[2:3]), rtol=1e-5, atol=1e-5)
    # nearest: each pool entry's own 2D retrieves itself
    assert list(m.select_prompts(kp, 'nearest')) == list(range(len(pool)))
    # 'none' needs no prompt and ignores the pool's entries
    none = LIFTERS.build(dict(TINY, train_prompt='none', test_prompt='none')).eval()
    none.load_state_dict(m.state_dict())
    out = none(kp)
    none.prompt_pool_2d.add_(1.0)
    torch.testing.assert_close(none(kp), out)


def test_the_pool_travels_with_the_weights(lifter, pool):
    kp = query(pool)
    fresh = LIFTERS.build(TINY).eval()
    assert fresh.needs_prompt_pool()
    fresh.load_state_dict(lifter.state_dict())                  # (0, 1, J, 2) → (5, 12, J, 2)
    assert not fresh.needs_prompt_pool() and len(fresh.pool) == 5
    torch.testing.assert_close(fresh(kp), lifter(kp))
    torch.testing.assert_close(fresh.mean_pose, torch.as_tensor(pool.mean_pose))


def test_missing_pool_and_bad_input_are_clear_errors(pool):
    m = LIFTERS.build(TINY).eval()
    with pytest.raises(Exception, match='no prompt pool'):
        m(torch.zeros(1, 4, 17, 2))
    m.set_prompt_pool(pool)
    with pytest.raises(ValueError, match='max_frames'):
        m(torch.zeros(1, 17, 17, 2))
    with pytest.raises(ValueError, match=r'\(B, T, 17, 2\)'):
        m(torch.zeros(1, 4, 16, 2))
    with pytest.raises(ValueError, match='train_prompt'):
        LIFTERS.build(dict(TINY, train_prompt='closest'))


def test_learnt_task_prompt_trains_and_gradients_reach_every_layer(pool):
    torch.manual_seed(0)
    m = LIFTERS.build(dict(TINY, task_prompt='learnt')).train()
    m.set_prompt_pool(pool)
    m(query(pool)).square().mean().backward()
    assert m.task_prompt.grad.abs().sum() > 0
    for layer in m.backbone.layers:
        assert layer.st.spatial.attn.qkv.weight.grad.abs().sum() > 0
        assert layer.ts.temporal.attn.qkv.weight.grad.abs().sum() > 0


def test_n_mpjpe_and_velocity_losses_against_numpy():
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(2, 6, 17, 3)), rng.normal(size=(2, 6, 17, 3))
    # N-MPJPE: per-frame least-squares scale, then MPJPE
    s = (pred * target).sum((-1, -2), keepdims=True) / (pred ** 2).sum((-1, -2), keepdims=True)
    ref = np.linalg.norm(s * pred - target, axis=-1).mean()
    got = NMPJPELoss(loss_weight=0.5)(torch.as_tensor(pred), torch.as_tensor(target))
    assert abs(float(got) - 0.5 * ref) < 1e-12
    scaled = NMPJPELoss()(torch.as_tensor(target * 3.0), torch.as_tensor(target))
    assert float(scaled) < 1e-12                                # size does not count
    # velocity: ||Δpred − Δtarget|| per frame pair
    vref = np.linalg.norm(np.diff(pred, axis=1) - np.diff(target, axis=1), axis=-1).mean()
    got = VelocityLoss(loss_weight=20.0)(torch.as_tensor(pred), torch.as_tensor(target))
    assert abs(float(got) - 20.0 * vref) < 1e-10
    offset = torch.as_tensor(target) + torch.tensor([0.3, -0.1, 2.0], dtype=torch.float64)
    assert float(VelocityLoss()(offset, torch.as_tensor(target))) < 1e-12
    assert float(VelocityLoss()(offset[:, :1], torch.as_tensor(target)[:, :1])) == 0.0
