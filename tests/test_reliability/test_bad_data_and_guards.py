"""Bad data inside datasets (skipped and counted in training, an error in evaluation), broken
annotation files, and the non-finite guard stopping a run with its last good checkpoint."""
import os
import os.path as osp
import shutil
import sys

import numpy as np
import pytest
import torch

from finephys.datasets import FineGymVideoDataset, Pose3DNpzDataset
from finephys.datasets.bad_samples import BadSampleError
from finephys.engine.hooks import NonFiniteGuardHook
from finephys.utils.launch import InputDataError

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(ROOT, 'tests', 'data', 'tiny_temporal_conv_synthgym.py')
VIDEO_PIPELINE = [dict(type='SampleFrames', clip_len=8, random=True),
                  dict(type='LoadVideoFrames')]


def _finegym(fg, **kw):
    kw.setdefault('probe_cache', False)
    return FineGymVideoDataset(ann_file=fg['ann_file'], categories_file=fg['categories_file'],
                               skeleton_file=fg['skeleton_file'],
                               data_prefix=dict(video=fg['video']), **kw)


@pytest.fixture
def finegym_copy(tiny_finegym, tmp_path):
    root = tmp_path / 'fg'
    shutil.copytree(tiny_finegym['root'], root)
    return {k: (v.replace(tiny_finegym['root'], str(root)) if isinstance(v, str) else v)
            for k, v in tiny_finegym.items()}


def _videos(fg):
    return sorted(os.path.join(fg['video'], f) for f in os.listdir(fg['video']))


@pytest.mark.parametrize('damage', ['truncated', 'wrong_size'])
def test_a_broken_video_is_skipped_and_counted_in_training(finegym_copy, damage):
    # the file breaks after the datasets were built (their probes saw it whole)
    ds = _finegym(finegym_copy, pipeline=VIDEO_PIPELINE)
    test = _finegym(finegym_copy, pipeline=VIDEO_PIPELINE, test_mode=True)
    victim = ds.get_data_info(0)['video_path']
    if damage == 'truncated':
        data = open(victim, 'rb').read()
        open(victim, 'wb').write(data[:len(data) // 5])
    else:
        from finephys.visualization import write_video
        write_video(victim, np.zeros((20, 64, 64, 3), np.uint8), fps=30)
    samples = [ds[i] for i in range(len(ds))]
    assert ds.num_bad_samples >= 1
    assert all(s['video_path'] != victim for s in samples)   # replaced, never returned
    # in evaluation the same file is an error naming it
    with pytest.raises((OSError, BadSampleError), match=osp.basename(victim)):
        test[0]
    if damage == 'truncated':       # a dataset built now probes the file and leaves it out
        rebuilt = _finegym(finegym_copy, pipeline=VIDEO_PIPELINE, test_mode=True)
        assert rebuilt.num_skipped['bad_video'] == finegym_copy['expected_skips']['bad_video'] + 1
        assert all(rebuilt.get_data_info(i)['video_path'] != victim for i in range(len(rebuilt)))


def test_mostly_bad_data_stops_with_the_reason(finegym_copy):
    ds = _finegym(finegym_copy, pipeline=[dict(type='SampleFrames', clip_len=64)])
    with pytest.raises(BadSampleError, match='a data or config problem.*clip_len=64'):
        ds[0]


@pytest.mark.parametrize('mutate, words', [
    (lambda fg: open(fg['ann_file'], 'a').write('vid9_E_000001_000010 abc\n'),
     r'gym99_train_element_v1.1.txt:\d+: expected "<clip_id> <label>"'),
    (lambda fg: open(fg['ann_file'], 'w').write(''), r'no usable clip'),
    (lambda fg: open(fg['categories_file'], 'w').write(''), r'no category line'),
    (lambda fg: open(fg['skeleton_file'], 'wb').write(b'\x80\x04'), r'truncated or corrupt pickle'),
    (lambda fg: os.remove(fg['skeleton_file']), r'skeleton file not found'),
])
def test_broken_finegym_annotations_are_named(finegym_copy, mutate, words):
    mutate(finegym_copy)
    with pytest.raises((InputDataError, FileNotFoundError), match=words):
        _finegym(finegym_copy)


def test_unknown_label_is_skipped_or_raised(finegym_copy):
    open(finegym_copy['ann_file'], 'a').write('vid9_E_000001_000010_A_0000_0001 777\n')
    ds = _finegym(finegym_copy)
    assert ds.num_skipped['unknown_label'] == finegym_copy['expected_skips']['unknown_label'] + 1
    assert 'label 777' not in ds.skip_examples['unknown_label']      # the first example kept
    with pytest.raises(InputDataError, match=r'unknown_label: vid5_.*label 150 .* is not in'):
        _finegym(dict(finegym_copy), on_bad_clip='raise', subset='FX-TURN',
                 min_frames=4)


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return str(path)


def test_broken_pose3d_npz_files_are_named(tmp_path):
    kp3 = np.random.default_rng(0).normal(0, 0.3, (3, 20, 17, 3)) + [0, 0, 4]
    k = np.array([[500, 0, 128], [0, 500, 128], [0, 0, 1.0]])
    (tmp_path / 'empty.npz').write_bytes(b'')
    with pytest.raises(InputDataError, match='empty.npz: empty file'):
        Pose3DNpzDataset(str(tmp_path / 'empty.npz'))
    (tmp_path / 'trunc.npz').write_bytes(open(_npz(tmp_path / 'g.npz', keypoints_3d=kp3,
                                                   camera_K=k[None].repeat(3, 0), fps=30.0),
                                              'rb').read()[:200])
    with pytest.raises(InputDataError, match='trunc.npz: not a readable .npz'):
        Pose3DNpzDataset(str(tmp_path / 'trunc.npz'))
    with pytest.raises(InputDataError, match=r"missing arrays \['camera_K', 'fps'\]"):
        Pose3DNpzDataset(_npz(tmp_path / 'm.npz', keypoints_3d=kp3))
    with pytest.raises(InputDataError, match=r'has shape \(3, 20, 25, 3\)'):
        Pose3DNpzDataset(_npz(tmp_path / 'j.npz', keypoints_3d=np.zeros((3, 20, 25, 3)),
                              camera_K=k[None].repeat(3, 0), fps=30.0))
    bad = kp3.copy()
    bad[1, 5, 3] = np.nan
    ds = Pose3DNpzDataset(_npz(tmp_path / 'n.npz', keypoints_3d=bad,
                               camera_K=k[None].repeat(3, 0), fps=30.0))
    assert len(ds) == 2 and ds.num_skipped == 1


def _train(args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('FINEPHYS_TEST_KILL', None)
    env.update(args.pop('env', {}))
    return run_command([sys.executable, 'tools/train.py', *args['argv']], ROOT, env=env)


def test_training_skips_bad_samples_with_a_per_epoch_summary(tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"""_base_ = ['{TINY}']
custom_imports = dict(imports=['tests.data.fault_injection'], allow_failed_imports=False)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='FailOnSamples', indices=[3]),
    dict(type='SampleFrames', clip_len=8, random=True),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='RootRelative3D'),
    dict(type='PackSkeletonInputs')]))
train_cfg = dict(max_epochs=2)
""")
    r = _train(dict(argv=[str(cfg), '--work-dir', str(tmp_path / 'w')]))
    assert r.returncode == 0, r.stderr[-3000:]
    log = r.stdout + r.stderr
    assert 'skipped sample 3 (FailOnSamples: sample 3 is broken)' in log
    assert 'epoch 1: 1 bad training sample(s) skipped (1 in this run)' in log
    assert 'epoch 2: 1 bad training sample(s) skipped (2 in this run)' in log
    import glob
    import json
    rows = [json.loads(line) for path in glob.glob(str(tmp_path / 'w' / '*' / 'vis_data' /
                                                        'scalars.json')) for line in open(path)]
    assert [r['data/bad_samples'] for r in rows if 'data/bad_samples' in r] == [1, 2]


def test_non_finite_guard_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    work = tmp_path / 'w'
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"""_base_ = ['{TINY}']
custom_imports = dict(imports=['tests.data.fault_injection'], allow_failed_imports=False)
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='FaultInjectionHook')]
train_cfg = dict(max_epochs=4)
""")
    r = _train(dict(argv=[str(cfg), '--work-dir', str(work)],
                    env=dict(FINEPHYS_TEST_KILL='poison:5')))
    assert r.returncode == 3, r.stderr[-3000:]
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith('train.py: error:')]
    assert len(lines) == 1 and 'non-finite loss loss=nan at iteration 5 (epoch 3, batch 1)' \
        in lines[0] and lines[0].endswith(f'last good checkpoint: {work}/epoch_2.pth')
    assert not (work / 'epoch_3.pth').exists()
    with open(work / 'last_checkpoint') as f:
        assert f.read().strip().endswith('epoch_2.pth')
    state = torch.load(work / 'epoch_2.pth', weights_only=True)['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


def test_guard_names_the_first_non_finite_parameter_and_loss():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    assert NonFiniteGuardHook.first_non_finite_parameter(model) is None
    with torch.no_grad():
        model[1].bias.fill_(float('inf'))
    assert NonFiniteGuardHook.first_non_finite_parameter(model) == '1.bias'
    assert NonFiniteGuardHook.first_non_finite_loss(
        dict(loss=torch.tensor(1.0), loss_pose=torch.tensor([1.0, float('-inf')]))) == (
        'loss_pose', float('-inf'))
    assert NonFiniteGuardHook.first_non_finite_loss(dict(loss=torch.tensor(0.5))) is None
