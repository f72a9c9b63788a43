"""A training clip is never prompted with its own motion: ``source_id`` from the datasets, kept
per pool entry, honoured by every prompt mode, carried by checkpoints, passed by the models."""
import numpy as np
import pytest
import torch

from finephys.datasets import Pose3DNpzDataset, SkeletonPool, SynthGymDataset
from finephys.datasets.clip_source import UNKNOWN_SOURCE, source_id
from finephys.registry import LIFTERS, MODELS
from finephys.utils.errors import InputDataError, UserInputError

TINY = dict(type='InContextLifter', dim=16, rep_dim=16, heads=2, merge_depth=1,
            post_merge_depth=1, max_frames=16)


@pytest.fixture(scope='module')
def synthgym():
    return SynthGymDataset(num_samples=6, num_frames=14, split='train')


@pytest.fixture(scope='module')
def pool(synthgym):
    return SkeletonPool.from_dataset(synthgym, clip_len=12)


def write_mocap(path, names):
    """A Pose3DNpzDataset file of windows named after their captures."""
    rng = np.random.default_rng(0)
    n = len(names)
    kp3 = rng.normal(0, 0.3, (n, 12, 17, 3)) + np.array([0, 0, 6.0])
    np.savez(path, keypoints_3d=kp3.astype(np.float32),
             camera_K=np.tile(np.array([[1000, 0, 500], [0, 1000, 500], [0, 0, 1.0]],
                                       np.float32), (n, 1, 1)),
             fps=30.0, names=np.array(names))


def test_source_ids_name_the_motion_not_the_draw(synthgym, tmp_path):
    # SynthGym: one id per performance, the same every time it is drawn (camera and noise are
    # redrawn, the motion is not), different between performances and between splits
    ids = [synthgym[i]['source_id'] for i in range(len(synthgym))]
    assert len(set(ids)) == len(ids)
    assert [synthgym[i]['source_id'] for i in range(len(synthgym))] == ids
    assert ids[0] == source_id('synthgym/seed0/train/0')
    val = SynthGymDataset(num_samples=2, num_frames=14, split='val')
    assert val[0]['source_id'] != ids[0]
    # a 3D file: every window of one capture shares its id; unnamed files count per clip
    path = tmp_path / 'mocap.npz'
    write_mocap(path, ['deepmimic/crawl', 'deepmimic/crawl', 'isaaclab/run'])
    ds = Pose3DNpzDataset(ann_file=str(path))
    got = [ds[i]['source_id'] for i in range(3)]
    assert got == [source_id('deepmimic/crawl')] * 2 + [source_id('isaaclab/run')]
    np.savez(tmp_path / 'plain.npz', **{k: v for k, v in np.load(path).items() if k != 'names'})
    plain = Pose3DNpzDataset(ann_file=str(tmp_path / 'plain.npz'))
    assert len({plain[i]['source_id'] for i in range(3)}) == 3
    # stable across processes and runs: CRC-32, not Python's salted hash
    assert source_id('deepmimic/crawl') == 3391939640


def test_pool_keeps_sources_through_save_and_load(pool, synthgym, tmp_path):
    assert list(pool.sources) == [synthgym[i]['source_id'] for i in range(len(synthgym))]
    pool.save(str(tmp_path / 'p.npz'))
    assert list(SkeletonPool.load(str(tmp_path / 'p.npz')).sources) == list(pool.sources)
    # a pool file written before sources existed loads with every source unknown
    np.savez(tmp_path / 'old.npz', keypoints_2d=pool.keypoints_2d,
             keypoints_3d=pool.keypoints_3d)
    assert (SkeletonPool.load(str(tmp_path / 'old.npz')).sources == UNKNOWN_SOURCE).all()


def test_nearest_never_returns_the_query_own_source(pool):
    q = pool.keypoints_2d
    assert list(pool.nearest(q)) == list(range(len(pool)))          # each finds itself...
    other = pool.nearest(q, exclude_sources=pool.sources)
    assert (other != np.arange(len(pool))).all()                    # ...unless excluded
    # it is then the nearest of the others (a brute-force check)
    from finephys.datasets.skeleton_pool import shape_descriptor
    desc = shape_descriptor(q.astype(np.float64))
    dist = ((desc[:, None] - desc[None]) ** 2).sum(-1)
    np.fill_diagonal(dist, np.inf)
    assert list(other) == list(dist.argmin(1))
    # unknown sources (-1) exclude nothing
    assert list(pool.nearest(q, np.full(len(pool), UNKNOWN_SOURCE))) == list(range(len(pool)))


def test_a_pool_of_only_the_query_motion_is_a_clear_error(pool):
    one = SkeletonPool(pool.keypoints_2d[:2], pool.keypoints_3d[:2], sources=[7, 7])
    with pytest.raises(InputDataError, match='source_id 7'):
        one.allowed([7, 3])
    assert one.allowed([3, 3]).all()


@pytest.mark.parametrize('mode', ['random', 'nearest'])
def test_every_prompt_mode_leaves_the_query_own_motion_out(pool, mode):
    torch.manual_seed(0)
    np.random.seed(0)
    lifter = LIFTERS.build(dict(TINY, test_prompt=mode))
    # two motions only: a query of one is always prompted with the other
    two = SkeletonPool(pool.keypoints_2d[:4], pool.keypoints_3d[:4], sources=[5, 5, 5, 9])
    lifter.set_prompt_pool(two)
    q = torch.as_tensor(pool.keypoints_2d[:4, :10])
    exclude = torch.tensor([5, 9, 5, 9])
    for training in (True, False):
        lifter.train(training)
        current = lifter.prompt_mode()
        for _ in range(20 if current == 'random' else 1):
            idx = lifter.select_prompts(q, current, exclude)
            assert list(two.sources[idx]) == [9, 5, 9, 5]
    # without exclusion the random draws do reach the query's own motion
    lifter.train()
    drawn = np.concatenate([lifter.select_prompts(q, 'random') for _ in range(20)])
    assert 3 in drawn and {0, 1, 2} & set(drawn)


def test_training_draws_stay_those_of_the_plain_generator_when_nothing_collides(pool):
    lifter = LIFTERS.build(TINY).train()
    lifter.set_prompt_pool(pool)
    q = torch.as_tensor(pool.keypoints_2d[:3, :10])
    np.random.seed(3)
    plain = lifter.select_prompts(q, 'random')
    np.random.seed(3)
    excluded = lifter.select_prompts(q, 'random', torch.full((3,), 12345))
    np.testing.assert_array_equal(plain, excluded)


def test_checkpoints_carry_sources_and_old_ones_load(pool):
    a = LIFTERS.build(TINY)
    a.set_prompt_pool(pool)
    b = LIFTERS.build(TINY)
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.pool.sources, pool.sources)
    old = {k: v for k, v in a.state_dict().items() if k != 'prompt_pool_source'}
    c = LIFTERS.build(TINY)
    c.load_state_dict(old)                          # strict: nothing reported missing
    assert (c.pool.sources == UNKNOWN_SOURCE).all() and len(c.pool) == len(pool)


@pytest.mark.parametrize('model_cfg', [
    dict(type='PoseLiftingModel', lifter=TINY),
    dict(type='FinePhysSkeleton', lifter=TINY,
         physics=dict(type='EulerLagrangeSolver', num_joints=17, hidden=16, global_layers=1),
         fuser=dict(type='LearnedGateFuser', num_joints=17, hidden=8))])
def test_models_pass_the_batch_sources_to_the_lifter(pool, model_cfg):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg).train()
    two = SkeletonPool(pool.keypoints_2d[:2], pool.keypoints_3d[:2], sources=[5, 9])
    model.lifter.set_prompt_pool(two)
    seen = []
    select = model.lifter.select_prompts

    def recording(*args, **kwargs):
        idx = select(*args, **kwargs)
        seen.append(two.sources[idx].tolist())
        return idx

    model.lifter.select_prompts = recording
    inputs = dict(keypoints_2d_norm=torch.as_tensor(pool.keypoints_2d[:2, :10]),
                  keypoint_scores=torch.ones(2, 10, 17), source_id=torch.tensor([5, 9]))
    lift = (model.lift_data_driven if hasattr(model, 'lift_data_driven')
            else lambda x: model(x, mode='tensor'))
    for _ in range(10):
        lift(inputs)
    assert seen == [[9, 5]] * 10


def test_nearest_prompts_in_training_need_and_honour_the_sources(pool):
    torch.manual_seed(0)
    lifter = LIFTERS.build(dict(TINY, train_prompt='nearest')).train()
    lifter.set_prompt_pool(pool)
    q = torch.as_tensor(pool.keypoints_2d[:3, :10])
    with pytest.raises(UserInputError, match="source_id"):
        lifter(q)                                   # it would find its own entry
    seen = []
    select = lifter.select_prompts
    lifter.select_prompts = lambda *a, **k: seen.append(select(*a, **k)) or seen[-1]
    out = lifter(q, prompt_exclude=torch.as_tensor(pool.sources[:3]))
    assert torch.isfinite(out).all()
    # the nearest entry of another motion (itself excluded)
    assert list(seen[0]) == list(pool.nearest(pool.keypoints_2d[:3, :10], pool.sources[:3]))
    assert (seen[0] != np.arange(3)).all()
