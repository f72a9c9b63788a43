import json
import os.path as osp
import sys

import numpy as np
import pytest

from finephys.datasets import SynthGymDataset, sample_seed
from finephys.datasets.synthgym import ACTIONS
from finephys.registry import DATASETS

from tests.tool_process import run_command


def test_subset_and_class_filters():
    ds = SynthGymDataset(num_samples=8, subsets=['FX-TURN'], num_frames=8)
    assert all(ACTIONS[d['action']]['subset'] == 'FX-TURN' for d in ds.data_list)
    assert ds.metainfo['subsets'] == ['FX-TURN']
    cls = ['stag jump', 'salto forward tucked']
    ds = SynthGymDataset(num_samples=6, classes=cls, num_frames=8)
    assert [d['action'] for d in ds.data_list] == cls * 3      # balanced
    ds = SynthGymDataset(num_samples=4, subsets=['FX-JUMP'], classes=cls, num_frames=8)
    assert {d['action'] for d in ds.data_list} == {'stag jump'}


def test_splits_are_disjoint_and_deterministic():
    train = {sample_seed(0, 'train', i) for i in range(200)}
    val = {sample_seed(0, 'val', i) for i in range(200)}
    assert not train & val
    a = DATASETS.build(dict(type='SynthGymDataset', num_samples=2, num_frames=8, split='val'))
    b = SynthGymDataset(num_samples=2, num_frames=8, split='val')
    np.testing.assert_array_equal(a[1]['keypoints_3d'], b[1]['keypoints_3d'])


def test_tilted_camera_option_reaches_the_clips_and_the_cache_settings():
    """``camera_tilt_deg`` changes the camera (the same motion), is part of a cache's settings
    only when set (caches written before it stay valid)."""
    level = SynthGymDataset(num_samples=2, num_frames=8, split='val')
    tilted = SynthGymDataset(num_samples=2, num_frames=8, split='val', camera_tilt_deg=20.0)
    assert 'camera_tilt_deg' not in level.settings and tilted.settings['camera_tilt_deg'] == 20
    a, b = level[1], tilted[1]
    np.testing.assert_allclose(a['keypoints_3d_world'], b['keypoints_3d_world'])
    g = b['camera']['gravity'] / np.linalg.norm(b['camera']['gravity'])
    assert abs(g[0]) > 1e-3 and not np.allclose(a['camera']['R'], b['camera']['R'])


@pytest.mark.parametrize('kwargs, match', [
    (dict(camera_tilt_deg=-5.0), 'camera_tilt_deg'),
    (dict(subsets=['FX-BEAM']), 'valid subsets'),
    (dict(classes=['moonwalk']), 'valid actions'),
    (dict(split='dev'), 'split'),
    (dict(subsets=['FX-TURN'], classes=['stag jump']), 'leave no class'),
])
def test_bad_filters_raise_one_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SynthGymDataset(num_samples=2, num_frames=8, **kwargs)


def test_cache_written_by_the_tool_round_trips_and_resumes(tmp_path, repo_root):
    out = tmp_path / 'synthgym'
    cmd = [sys.executable, osp.join(repo_root, 'tools/dataset_converters/generate_synthgym.py'),
           '--out', str(out), '--splits', 'train:3', '--num-frames', '8', '--render-size', '32',
           '--workers', '1']
    r = run_command(cmd, cwd=repo_root)
    assert r.returncode == 0, r.stderr
    assert '3 written' in r.stdout
    index = json.loads((out / 'train' / 'index.json').read_text())
    assert len(index['samples']) == 3 and (out / 'train' / '000000.mp4').is_file()
    # resumable: a second run keeps everything
    r = run_command(cmd, cwd=repo_root)
    assert '0 written, 3 kept' in r.stdout
    cached = SynthGymDataset(num_samples=3, num_frames=8, render_size=32, data_root=str(out))
    fresh = SynthGymDataset(num_samples=3, num_frames=8, render_size=32)
    a, b = cached[2], fresh[2]
    for key in ('keypoints_3d', 'keypoints_2d', 'keypoint_scores', 'contacts', 'flight'):
        np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(a['camera']['K'], b['camera']['K'])
    assert a['text'] == b['text'] and a['label'] == b['label']
    # lossy video, but close to the rendering
    assert np.abs(a['video'].astype(float) - b['video']).mean() < 4.0
    # a cache with other settings is refused with a clear message
    with pytest.raises(ValueError, match='regenerate'):
        SynthGymDataset(num_samples=3, num_frames=12, render_size=32, data_root=str(out))
    # a corrupted clip is regenerated and counted, not lost
    (out / 'train' / '000001.npz').write_bytes(b'broken')
    ds = SynthGymDataset(num_samples=3, num_frames=8, render_size=32, data_root=str(out))
    np.testing.assert_array_equal(ds[1]['keypoints_3d'], fresh[1]['keypoints_3d'])
    assert ds.num_regenerated == 1


def test_memoised_motion_gives_the_same_samples_as_fresh_generation():
    from finephys.datasets.synthgym import generate_clip
    ds = SynthGymDataset(num_samples=3, num_frames=10, split='test')
    first = ds[2]
    again = ds[2]                       # motion from the in-memory cache
    assert len(ds._motions) == 1
    info = ds.data_list[2]
    fresh = generate_clip(info['action'], info['seed'], num_frames=10)
    for key in ('keypoints_3d', 'keypoints_2d', 'keypoint_scores'):
        np.testing.assert_array_equal(first[key], fresh[key])
        np.testing.assert_array_equal(again[key], fresh[key])
