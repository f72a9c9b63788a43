"""tools/dataset_converters/: trimming FineGym videos, extracting PYSKL skeletons, prompt pools."""
import importlib.util
import json
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch

from finephys.datasets.io import VideoReader
from finephys.datasets import FineGymSkeletonDataset, SkeletonPool, read_pyskl_annotations
from finephys.visualization.video import write_video

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CATEGORIES = osp.join(ROOT, 'tests', 'data', 'finegym', 'gym99_categories.txt')


def _tool(name):
    path = osp.join(ROOT, 'tools', 'dataset_converters', f'{name}.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _frames(path):
    return np.concatenate(list(VideoReader(path).chunks(64)))


def _results(out):
    return {line.split()[1].split('=')[0]: int(line.split('=')[1])
            for line in out.splitlines() if line.startswith('RESULT ')}


@pytest.fixture(scope='module')
def source_video(tmp_path_factory):
    """A 3 s, 10 fps source video whose frame i is uniformly grey at 8·i."""
    root = tmp_path_factory.mktemp('finegym_src')
    frames = np.repeat(np.repeat((np.arange(30) * 8).astype(np.uint8)[:, None, None, None], 32, 1),
                       32, 2).repeat(3, 3)
    write_video(str(root / 'vid_A-1.mp4'), frames, fps=10.0)
    return root


def _frame_indices(path):
    """Which source frames a trimmed clip holds (each frame's grey level / 8)."""
    return np.round(_frames(path).reshape(-1, 32 * 32 * 3).mean(1) / 8).astype(int).tolist()


def test_trim_writes_the_frames_of_each_span_and_resumes(source_video, tmp_path, capsys):
    trim = _tool('trim_finegym_videos')
    ann = {'vid_A-1': {'E_000001_000002': {
        'event': 1, 'timestamps': [[1.0, 2.5]],
        'segments': {'A_0000_0001': {'stages': 2, 'timestamps': [[0.2, 0.6], [0.6, 1.0]]},
                     'A_0001_0001': {'stages': 1, 'timestamps': [[1.3, 1.5]]}}}},
           'missing_video': {'E_000000_000001': {'event': 1, 'timestamps': [[0.0, 1.0]],
                                                 'segments': None}}}
    ann_file = tmp_path / 'ann.json'
    ann_file.write_text(json.dumps(ann))
    out = tmp_path / 'out'
    argv = [str(ann_file), '--videos-dir', str(source_video), '--out-dir', str(out),
            '--no-progress']
    trim.main(argv)
    assert _results(capsys.readouterr().out) == dict(written=3, skipped_existing=0,
                                                     missing_source=1, failed=0)
    event = out / 'events' / 'vid_A-1_E_000001_000002.mp4'
    # start ≤ t < end at 10 fps: the event 1.0–2.5 s holds frames 10..24, the first element
    # (event start + 0.2 .. + 1.0) frames 12..19, the second (+1.3 .. +1.5) frames 23, 24
    assert _frame_indices(str(event)) == list(range(10, 25))
    sub = out / 'subactions'
    assert _frame_indices(str(sub / 'vid_A-1_E_000001_000002_A_0000_0001.mp4')) == \
        list(range(12, 20))
    assert _frame_indices(str(sub / 'vid_A-1_E_000001_000002_A_0001_0001.mp4')) == [23, 24]
    assert VideoReader(str(event)).fps == pytest.approx(10.0)
    assert not [f for f in os.listdir(sub) if f.startswith('.')]       # no temporary left
    # a second run finds everything done
    trim.main(argv)
    assert _results(capsys.readouterr().out)['skipped_existing'] == 3
    # the per-event form, restricted to a clip list
    per_event = {'vid_A-1_E_000001_000002': {'A_0000_0001': {'timestamps': [[0.0, 0.3]]},
                                              'A_0001_0002': {'timestamps': [[1.0, 1.2]]}}}
    ann_file.write_text(json.dumps(per_event))
    keep = tmp_path / 'list.txt'
    keep.write_text('vid_A-1_E_000001_000002_A_0001_0002 16\n')
    trim.main([str(ann_file), '--videos-dir', str(source_video), '--out-dir', str(tmp_path / 'o2'),
               '--what', 'subactions', '--clip-list', str(keep), '--no-progress'])
    assert _results(capsys.readouterr().out)['written'] == 1
    assert _frame_indices(str(tmp_path / 'o2' / 'subactions' /
                              'vid_A-1_E_000001_000002_A_0001_0002.mp4')) == [20, 21]


def test_trim_bad_annotation_is_one_error(source_video, tmp_path, capsys):
    trim = _tool('trim_finegym_videos')
    bad = tmp_path / 'bad.json'
    bad.write_text('{"not_an_event_id": {"A_1": {}}}')
    with pytest.raises(SystemExit) as exit_info:
        trim.main([str(bad), '--videos-dir', str(source_video), '--out-dir', str(tmp_path)])
    assert exit_info.value.code == 2
    assert 'not_an_event_id' in capsys.readouterr().err


@pytest.fixture(scope='module')
def heatmap_detector(tmp_path_factory):
    """This project's heatmap detector config with randomly initialised weights, saved as
    tools/train.py would (the converter's output is compared with the estimator's own)."""
    from mmengine.config import Config

    from finephys.registry import MODELS
    root = tmp_path_factory.mktemp('detector')
    config = osp.join(ROOT, 'configs/pose_estimators/heatmap-pose-net_c16-32-64_synthgym-32px.py')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    ckpt = str(root / 'detector.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    return config, ckpt


def test_extracted_skeletons_round_trip_through_pyskl(heatmap_detector, tmp_path, capsys):
    from finephys.datasets.synthgym import generate_clip
    from finephys.registry import POSE_ESTIMATORS
    extract = _tool('extract_finegym_skeletons')
    config, ckpt = heatmap_detector
    videos = tmp_path / 'subactions'
    ids = ['vidA_E_000001_000010_A_0000_0001', 'vidB_E_000001_000010_A_0002_0003']
    for i, clip_id in enumerate(ids):
        c = generate_clip('stag jump', 7 + i, num_frames=18, render_size=32)
        write_video(str(videos / f'{clip_id}.mp4'), c['video'])
    split = tmp_path / 'split.txt'
    split.write_text(''.join(f'{c} 16\n' for c in ids) + 'vidC_E_000001_000010_A_0000_0001 16\n')
    out = str(tmp_path / 'skeletons.pkl')
    argv = [str(split), '--videos-dir', str(videos), '--out', out, '--pose-config', config,
            '--pose-checkpoint', ckpt, '--no-progress']
    extract.main(argv)
    assert _results(capsys.readouterr().out) == dict(extracted=2, reused=0, missing_video=1,
                                                     failed=0)
    with open(out, 'rb') as f:
        raw = pickle.load(f)
    assert raw['split'] == {'train': ids}
    anns = read_pyskl_annotations(out)
    a = anns[ids[0]]
    assert a['keypoint'].shape == (1, 18, 17, 2) and a['keypoint'].dtype == np.float32
    assert a['keypoint_score'].shape == (1, 18, 17) and a['img_shape'] == (32, 32)
    assert a['label'] == 16 and a['total_frames'] == 18 and a['keypoint_layout'] == 'h36m17'
    # the stored 2D is the estimator's own answer on the decoded frames (BGR, as it expects)
    est = POSE_ESTIMATORS.build(dict(type='HeatmapPoseEstimator', config=config, checkpoint=ckpt))
    kp, sc = est(np.ascontiguousarray(_frames(str(videos / f'{ids[0]}.mp4'))[..., ::-1]))
    assert np.isfinite(kp).all()
    np.testing.assert_allclose(a['keypoint'][0], kp, atol=1e-4)
    np.testing.assert_allclose(a['keypoint_score'][0], sc, atol=1e-6)
    # ... and FineGymSkeletonDataset reads it back (H36M-17: no COCO conversion; joints with
    # score <= 0 are missing, at 0)
    ds = FineGymSkeletonDataset(ann_file=str(split), categories_file=CATEGORIES,
                                skeleton_file=out, min_frames=8)
    assert len(ds) == 2 and ds.num_skipped == dict(no_skeleton=1)
    np.testing.assert_allclose(ds[0]['keypoints_2d'],
                               np.where(sc[..., None] > 0, kp, 0), atol=1e-4)
    # resumable: a rerun reuses every finished clip
    extract.main(argv)
    assert _results(capsys.readouterr().out)['reused'] == 2


def test_pool_tool_on_a_labelled_dataset(tmp_path, capsys):
    pool_tool = _tool('build_skeleton_pool')
    cfg = osp.join(ROOT, 'configs/lifters/in-context-dstformer_c32-n2n3_adamw-20e_synthgym.py')
    out = str(tmp_path / 'pool.npz')
    pool_tool.main([cfg, '--out', out, '--num-clips', '5', '--clip-len', '24',
                    '--cfg-options', 'train_dataloader.dataset.num_samples=10'])
    assert _results(capsys.readouterr().out) == dict(clips=5, frames=24)
    pool = SkeletonPool.load(out)
    assert pool.keypoints_2d.shape == (5, 24, 17, 2)
    # independently: clips 0, 2, 4, 7, 9 (evenly spaced over 10), cut centred to 24 frames;
    # 3D root-relative, 2D the exact projection of the absolute 3D
    from finephys.datasets import SynthGymDataset
    from mmengine.config import Config
    c = Config.fromfile(cfg).train_dataloader.dataset
    ds = SynthGymDataset(**{k: v for k, v in dict(c, num_samples=10, pipeline=[]).items()
                            if k != 'type'})
    for row, i in enumerate([0, 2, 4, 7, 9]):
        kp3 = ds[i]['keypoints_3d']
        s = (len(kp3) - 24) // 2
        kp3 = kp3[s:s + 24]
        np.testing.assert_allclose(pool.keypoints_3d[row], kp3 - kp3[:, :1], atol=1e-5)
        np.testing.assert_allclose(pool.keypoints_2d[row], kp3[..., :2] / kp3[..., 2:], atol=1e-5)


def test_sample_writer_feeds_the_trimmer_and_the_dataset(tmp_path, capsys):
    """tools/misc/write_finegym_sample.py (the demo's FineGym stand-in) → trim → a
    FineGymVideoDataset with every element, none skipped."""
    import importlib.util as iu

    from finephys.datasets import FineGymVideoDataset
    spec = iu.spec_from_file_location('w', osp.join(ROOT, 'tools/misc/write_finegym_sample.py'))
    writer = iu.module_from_spec(spec)
    spec.loader.exec_module(writer)
    root = tmp_path / 'fg'
    writer.main(['--out', str(root), '--subset', 'FX-TURN', '--videos', '2', '--elements', '2'])
    assert _results(capsys.readouterr().out) == dict(elements=4)
    ann = root / 'annotations'
    _tool('trim_finegym_videos').main([str(ann / 'finegym_annotation_info_v1.1.json'),
                                       '--videos-dir', str(root / 'videos'), '--out-dir',
                                       str(root), '--what', 'subactions', '--no-progress'])
    assert _results(capsys.readouterr().out)['written'] == 4
    # a PYSKL pickle from the trimmed clips' own frame counts (the detector is tested above)
    split = (ann / 'gym99_train_element_v1.1.txt').read_text().split()
    clip_id, label = split[0], int(split[1])
    t = len(_frames(str(root / 'subactions' / f'{clip_id}.mp4')))
    assert t == 40                             # 2/3 of a 2 s slot at 30 fps
    with open(root / 'sk.pkl', 'wb') as f:
        pickle.dump(dict(annotations=[dict(frame_dir=clip_id, keypoint=np.full((1, t, 17, 2), 16.0,
                                                                                np.float32),
                                           keypoint_score=np.ones((1, t, 17), np.float32),
                                           img_shape=(32, 32), keypoint_layout='h36m17')]), f)
    ds = FineGymVideoDataset(ann_file=str(ann / 'gym99_train_element_v1.1.txt'),
                             categories_file=str(ann / 'gym99_categories.txt'),
                             skeleton_file=str(root / 'sk.pkl'),
                             data_prefix=dict(video=str(root / 'subactions')), probe_cache=False,
                             subset='FX-TURN')
    assert len(ds) == 1 and ds[0]['label'] == label and ds.num_skipped == dict(no_skeleton=1)
    assert ds[0]['num_video_frames'] == t
