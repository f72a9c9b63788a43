import json
import os.path as osp
import pickle
import sys

import numpy as np
import pytest
import torch

from finephys.apis import SkeletonInferencer, load_skeleton_file
from finephys.datasets.synthgym import generate_clip
from finephys.registry import MODELS
from finephys.structures import H36M17

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(ROOT, 'configs/finephys/finephys-skeleton_stage1_synthgym_tcn-lifter.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    from mmengine.config import Config
    cfg = Config.fromfile(CFG)
    model = MODELS.build(cfg.model)
    path = str(tmp_path_factory.mktemp('ckpt') / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


@pytest.fixture(scope='module')
def clip():
    return generate_clip('stag jump', 0, num_frames=40, render_size=64)


def _coco_from_h36m(kp):
    """A COCO-17 array whose conversion gives back the H36M limbs (for file-format tests)."""
    from finephys.structures import COCO17, H36M17
    coco = np.zeros(kp.shape[:-2] + (17, 2))
    for name in COCO17.joint_names:
        src = name if name in H36M17.joint_names else ('neck' if name == 'nose' else 'head')
        coco[..., COCO17.index(name), :] = kp[..., H36M17.index(src), :]
    return coco


def test_skeleton_file_formats_agree(tmp_path, clip):
    kp, s = clip['keypoints_2d'], clip['keypoint_scores']
    coco = _coco_from_h36m(kp)
    np.savez(tmp_path / 'a.npz', keypoints=coco, scores=s, fps=30.0, layout='coco17')
    with open(tmp_path / 'a.pkl', 'wb') as f:
        pickle.dump(dict(split={}, annotations=[dict(frame_dir='x', keypoint=coco[None],
                                                     keypoint_score=s[None], img_shape=(64, 64),
                                                     total_frames=40)]), f)
    with open(tmp_path / 'a.json', 'w') as f:
        json.dump(dict(keypoints=coco.tolist(), scores=s.tolist(), layout='coco17'), f)
    loaded = [load_skeleton_file(str(tmp_path / f'a.{e}')) for e in ('npz', 'pkl', 'json')]
    for d in loaded:
        np.testing.assert_allclose(d['keypoints'], coco, atol=1e-5)
        assert d['layout'] == 'coco17'


def test_malicious_pickle_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ('pwned',))
    with open(tmp_path / 'evil.pkl', 'wb') as f:
        pickle.dump(dict(annotations=[Evil()]), f)
    with pytest.raises(ValueError, match='refused by safe loading.*builtins.print'):
        load_skeleton_file(str(tmp_path / 'evil.pkl'))


def test_inferencer_outputs_and_window_blending(tmp_path, checkpoint, clip):
    np.savez(tmp_path / 'clip.npz', keypoints_2d=clip['keypoints_2d'],
             keypoint_scores=clip['keypoint_scores'], camera_K=clip['camera']['K'][0],
             fps=30.0, layout='h36m17')
    inf = SkeletonInferencer(CFG, checkpoint, window=16)
    out = inf(str(tmp_path / 'clip.npz'), out_dir=str(tmp_path / 'out'), show_progress=False)
    for key in ('s_dd', 's_pp', 'fused'):
        assert out[key].shape == (40, 17, 3) and np.isfinite(out[key]).all()
    # one window covering everything gives the same answer as the model called directly
    inf_full = SkeletonInferencer(CFG, checkpoint, window=40)
    full = inf_full(str(tmp_path / 'clip.npz'), show_progress=False)
    k = clip['camera']['K'][0]
    norm = (clip['keypoints_2d'] - k[:2, 2]) / [k[0, 0], k[1, 1]]
    with torch.no_grad():
        direct = inf_full.model(dict(keypoints_2d_norm=torch.as_tensor(norm[None], dtype=torch.float32),
                                     keypoint_scores=torch.as_tensor(clip['keypoint_scores'][None])),
                                dict(fps=torch.tensor([30.0])), mode='predict')[0]
    np.testing.assert_allclose(full['fused'], direct['pred_keypoints_3d'].numpy(), atol=1e-4)
    import imageio.v3 as iio
    assert iio.imread(tmp_path / 'out' / 'clip_overlay.mp4', plugin='pyav').shape[0] == 40
    assert iio.imread(tmp_path / 'out' / 'clip_fused_3d.gif').shape[0] == 40
    with open(tmp_path / 'out' / 'clip_3d.json') as f:
        saved = json.load(f)
    assert np.asarray(saved['fused']).shape == (40, 17, 3)
    # the gravity used (and where it came from) is written with the sequences
    npz = np.load(tmp_path / 'out' / 'clip_3d.npz')
    np.testing.assert_allclose(npz['gravity'], out['gravity'], rtol=1e-6)
    assert np.linalg.norm(npz['gravity']) == pytest.approx(9.80665)
    assert str(npz['gravity_source']) == saved['gravity_source'] == out['gravity_source'] != ''
    np.testing.assert_allclose(saved['gravity'], out['gravity'], atol=1e-4)
    # the BVH holds the fused skeleton (its bones at their median lengths): read back, every
    # joint is where the fused output has it up to that bone-length change
    from finephys.datasets.mocap import bvh_to_h36m17
    back, fps = bvh_to_h36m17(str(tmp_path / 'out' / 'clip_fused.bvh'), scale=0.01)
    assert back.shape == (40, 17, 3) and fps == pytest.approx(30.0)
    fused = out['fused'] @ np.diag([1.0, -1.0, -1.0]) @ np.array([[1.0, 0, 0], [0, 0, 1.0],
                                                                  [0, -1.0, 0]])
    bl = np.linalg.norm(out['fused'][:, 1:] - out['fused'][:, list(H36M17.parents[1:])], axis=-1)
    slack = np.abs(bl - np.median(bl, 0)).sum(1).max()         # a chain's worst length change
    assert np.abs(back - fused).max() <= slack + 1e-4


def test_cli_on_a_video_with_online_mmpose(tmp_path, checkpoint, clip):
    import mmpose
    from finephys.visualization import write_video
    video = str(tmp_path / 'gym.mp4')
    write_video(video, clip['video'], fps=30)
    pose_cfg = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
                        'rtmpose', 'coco', 'rtmpose-t_8xb256-420e_coco-256x192.py')
    r = run_command([sys.executable, 'tools/infer_skeleton.py', CFG, checkpoint, video,
                     '--out-dir', str(tmp_path / 'o'), '--pose-config', pose_cfg],
                    cwd=ROOT, timeout=600,
                    env=dict(__import__('os').environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr[-3000:]
    assert osp.isfile(tmp_path / 'o' / 'gym_3d.npz')
    bad = run_command([sys.executable, 'tools/infer_skeleton.py', CFG, checkpoint,
                       str(tmp_path / 'missing.npz')], cwd=ROOT,
                      env=dict(__import__('os').environ, PYTHONPATH=ROOT))
    assert bad.returncode == 2 and 'input not found' in bad.stderr


def test_bad_skeleton_files(tmp_path, checkpoint):
    np.savez(tmp_path / 'nan.npz', keypoints=np.full((8, 17, 2), np.nan), layout='h36m17')
    np.savez(tmp_path / 'j18.npz', keypoints=np.zeros((8, 18, 2)))
    np.savez(tmp_path / 'nolayout.npz', keypoints=np.ones((8, 17, 2)))
    inf = SkeletonInferencer(CFG, checkpoint)
    with pytest.raises(ValueError, match='NaN'):
        inf(str(tmp_path / 'nan.npz'), show_progress=False)
    with pytest.raises(ValueError, match=r'\(T, 17, 2\)'):
        inf(str(tmp_path / 'j18.npz'), show_progress=False)
    with pytest.raises(ValueError, match='layout'):
        inf(str(tmp_path / 'nolayout.npz'), show_progress=False)


def test_structured_solver_outputs_contacts(tmp_path, clip):
    from mmengine.config import Config
    cfg_file = osp.join(ROOT, 'configs/finephys-structured/'
                              'finephys-skeleton-structured_stage1_synthgym_tcn-lifter.py')
    model = MODELS.build(Config.fromfile(cfg_file).model)
    ckpt = str(tmp_path / 'structured.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    np.savez(tmp_path / 'clip.npz', keypoints_2d=clip['keypoints_2d'],
             keypoint_scores=clip['keypoint_scores'], camera_K=clip['camera']['K'][0], fps=30.0,
             layout='h36m17')
    inferencer = SkeletonInferencer(cfg_file, ckpt)
    out = inferencer(str(tmp_path / 'clip.npz'), out_dir=str(tmp_path / 'out'),
                     show_progress=False)
    assert out['contact_prob'].shape == (40, 4) and out['flight'].shape == (40,)
    np.testing.assert_array_equal(out['flight'], (out['contact_prob'] < 0.5).all(-1))
    assert ((out['contact_prob'] >= 0) & (out['contact_prob'] <= 1)).all()
    assert np.isfinite(out['s_pp']).all()
    saved = np.load(tmp_path / 'out' / 'clip_3d.npz')
    np.testing.assert_array_equal(saved['flight'], out['flight'])


def test_lost_frames_are_filled_flagged_and_not_read_as_a_tiny_body(tmp_path, checkpoint, clip):
    """Frames where the person was lost (score 0 at (0, 0), as MediaPipe files store them) and a
    NaN joint: filled in time and flagged; the output stays close to the clean clip's, unlike the
    same frames read as a body of zero size at the corner (the old behaviour)."""
    kp, s = clip['keypoints_2d_clean'].astype(float), np.ones((40, 17))
    np.savez(tmp_path / 'clean.npz', keypoints=kp, scores=s, layout='h36m17', image_size=(64, 64))
    lost_kp, lost_s = kp.copy(), s.copy()
    lost_kp[10:16], lost_s[10:16] = 0.0, 0.0
    lost_kp[25, 3] = np.nan
    np.savez(tmp_path / 'lost.npz', keypoints=lost_kp, scores=lost_s, layout='h36m17',
             image_size=(64, 64))
    tiny_s = lost_s.copy()
    tiny_s[10:16] = 1e-3                # observed (score > 0) — at (0, 0)
    tiny_kp = lost_kp.copy()
    tiny_kp[25, 3] = kp[25, 3]
    np.savez(tmp_path / 'tiny.npz', keypoints=tiny_kp, scores=tiny_s, layout='h36m17',
             image_size=(64, 64))
    inf = SkeletonInferencer(CFG, checkpoint)
    clean = inf(str(tmp_path / 'clean.npz'), show_progress=False)
    lost = inf(str(tmp_path / 'lost.npz'), out_dir=str(tmp_path / 'o'), show_progress=False)
    tiny = inf(str(tmp_path / 'tiny.npz'), show_progress=False)
    assert lost['lost_frames'].tolist() == [10 <= i < 16 for i in range(40)]
    assert lost['missing'].sum() == 6 * 17 + 1 and lost['missing'][25, 3]
    np.testing.assert_allclose(lost['keypoints_2d'][12], kp[9] + (kp[16] - kp[9]) * 3 / 7)
    assert (lost['scores'][10:16] == 0).all()
    assert np.isfinite(lost['fused']).all()
    err_filled = np.abs(lost['fused'] - clean['fused']).max()
    err_tiny = np.abs(tiny['fused'] - clean['fused']).max()
    assert err_filled < 0.25 * err_tiny, (err_filled, err_tiny)
    z = np.load(tmp_path / 'o' / 'lost_3d.npz')
    np.testing.assert_array_equal(z['lost_frames'], lost['lost_frames'])
    assert np.isnan(z['keypoints_2d_image'][10:16]).all()
    with open(tmp_path / 'o' / 'lost_3d.json') as f:
        j = json.load(f)        # strict JSON: missing 2D is null, not NaN
    assert j['lost_frames'][10] is True and j['keypoints_2d_image'][10][0] == [None, None]
    import imageio.v3 as iio
    overlay = iio.imread(tmp_path / 'o' / 'lost_overlay.mp4', plugin='pyav')
    assert len(overlay) == 40
    # the red border marks filled frames only
    assert overlay[12, 0, 32, 0] > 150 and overlay[12, 0, 32, 2] < 100
    assert overlay[5, 0, 32, 0] < 100


@pytest.fixture(scope='module')
def two_person_mp4(tmp_path_factory, two_person_video):
    from finephys.visualization import write_video
    path = str(tmp_path_factory.mktemp('video') / 'two_people.mp4')
    write_video(path, two_person_video[0], fps=30)
    return path


def test_video_input_defaults_to_mediapipe_tracking(tmp_path, checkpoint, two_person_mp4):
    pytest.importorskip('mediapipe')
    inf = SkeletonInferencer(CFG, checkpoint)
    out = inf(two_person_mp4, out_dir=str(tmp_path), show_progress=False)
    assert type(inf.pose_estimator).__name__ == 'MediaPipePoseEstimator'
    counts = inf.pose_estimator.counts
    assert out['lost_frames'].sum() == counts['lost'] > 0
    assert np.isfinite(out['fused']).all()
    # a static camera: the stabilisation stays (near) the identity
    assert np.abs(out['camera_motion'][-1] - np.eye(3)).max() < 0.02
    assert osp.isfile(tmp_path / 'two_people_overlay.mp4')


def test_bad_videos_get_one_clear_error(tmp_path, checkpoint, two_person_mp4):
    from finephys.datasets.io import VideoReader
    from finephys.visualization import write_video
    open(tmp_path / 'empty.mp4', 'wb').close()
    (tmp_path / 'junk.mp4').write_bytes(np.random.default_rng(0).bytes(5000))
    write_video(str(tmp_path / 'nobody.mp4'), np.full((8, 64, 64, 3), 90, np.uint8), fps=30)
    inf = SkeletonInferencer(CFG, checkpoint)
    with pytest.raises(ValueError, match=r'empty\.mp4: empty file'):
        inf(str(tmp_path / 'empty.mp4'), show_progress=False)
    with pytest.raises(ValueError, match=r'junk\.mp4: cannot read video'):
        inf(str(tmp_path / 'junk.mp4'), show_progress=False)
    with pytest.raises(ValueError, match=r'nobody\.mp4: no joint is observed .* no person'):
        inf(str(tmp_path / 'nobody.mp4'), show_progress=False)
    # truncated: the frames before the damage are used, the loss is logged and counted
    data = open(two_person_mp4, 'rb').read()
    (tmp_path / 'cut.mp4').write_bytes(data[:len(data) * 2 // 3])
    try:
        reader = VideoReader(str(tmp_path / 'cut.mp4'))
    except ValueError as err:     # moov atom at the end: nothing decodable, one clear error
        assert 'cut.mp4' in str(err)
    else:
        n = sum(len(c) for c in reader.chunks(8))
        assert 0 < n <= 36
    # streaming: chunks of bounded size
    sizes = [len(c) for c in VideoReader(two_person_mp4).chunks(10)]
    assert sizes == [10, 10, 10, 6]
    # the command line: one line, exit 2, no traceback
    r = run_command([sys.executable, 'tools/infer_skeleton.py', CFG, checkpoint,
                     str(tmp_path / 'junk.mp4')], cwd=ROOT,
                    env=dict(__import__('os').environ, PYTHONPATH=ROOT))
    assert r.returncode == 2 and 'junk.mp4: cannot read video' in r.stderr
    assert 'Traceback' not in r.stderr


def test_a_clip_shorter_than_the_window_is_lifted(tmp_path, checkpoint, clip):
    np.savez(tmp_path / 'short.npz', keypoints=clip['keypoints_2d'][:6],
             scores=clip['keypoint_scores'][:6], layout='h36m17')
    out = SkeletonInferencer(CFG, checkpoint, window=32)(str(tmp_path / 'short.npz'),
                                                         show_progress=False)
    assert out['fused'].shape == (6, 17, 3) and np.isfinite(out['fused']).all()
    np.savez(tmp_path / 'three.npz', keypoints=clip['keypoints_2d'][:3], layout='h36m17')
    with pytest.raises(ValueError, match='3 frames; at least 4'):
        SkeletonInferencer(CFG, checkpoint)(str(tmp_path / 'three.npz'), show_progress=False)


def test_video_chunks_with_a_reused_buffer_equal_fresh_ones(two_person_mp4):
    from finephys.datasets.io import VideoReader
    fresh = [c.copy() for c in VideoReader(two_person_mp4).chunks(8)]
    reused = [c.copy() for c in VideoReader(two_person_mp4).chunks(8, reuse_buffer=True)]
    assert [len(c) for c in reused] == [8, 8, 8, 8, 4]
    for a, b in zip(fresh, reused):
        np.testing.assert_array_equal(a, b)
    bgr = next(VideoReader(two_person_mp4).chunks(2, channel_order='bgr'))
    np.testing.assert_array_equal(bgr[..., ::-1], fresh[0][:2])


@pytest.fixture(scope='module')
def structured_checkpoint(tmp_path_factory):
    from mmengine.config import Config
    cfg_file = osp.join(ROOT, 'configs/finephys-structured/'
                              'finephys-skeleton-structured_stage1_synthgym_tcn-lifter.py')
    ckpt = tmp_path_factory.mktemp('structured') / 'structured.pth'
    torch.manual_seed(0)
    torch.save(dict(state_dict=MODELS.build(Config.fromfile(cfg_file).model).state_dict()), ckpt)
    return cfg_file, str(ckpt)


@pytest.mark.parametrize('gap', [1, 31, 32, 47, 100])
def test_no_lost_stretch_fails_the_clip(tmp_path, clip, structured_checkpoint, gap):
    """A lost stretch of any length gives finite output, flagged; windows wholly inside it are
    not lifted (the model refuses all-zero scores) and frames no lifted window covers are bridged
    in time. Structured solver: its contact probabilities are bridged too. Before, a 47-frame
    gap put the window [48, 80) wholly inside it and inference stopped with an error."""
    cfg_file, ckpt = structured_checkpoint
    kp = np.concatenate([clip['keypoints_2d_clean']] * 4)[:150].astype(float)   # 150 frames
    scores = np.ones((150, 17))
    kp[40:40 + gap], scores[40:40 + gap] = 0.0, 0.0             # lost: score 0 at (0, 0)
    np.savez(tmp_path / 'gap.npz', keypoints=kp, scores=scores, layout='h36m17',
             camera_K=clip['camera']['K'][0], fps=30.0)
    # the files (npz, json, gif, overlay: most of the time) once, where frames are bridged
    out_dir = str(tmp_path / 'o') if gap == 100 else None
    out = SkeletonInferencer(cfg_file, ckpt)(str(tmp_path / 'gap.npz'), out_dir=out_dir,
                                             show_progress=False)
    lost = np.zeros(150, bool)
    lost[40:40 + gap] = True
    np.testing.assert_array_equal(out['lost_frames'], lost)
    for key in ('s_dd', 's_pp', 'fused', 'contact_prob'):
        assert np.isfinite(out[key]).all(), key
    # window 32, stride 16: only a gap that holds the whole span of two windows leaves frames
    # that no partly observed window covers
    bridged = np.flatnonzero(out['bridged_frames'])
    assert (out['bridged_frames'] <= lost).all()
    assert bridged.tolist() == (list(range(64, 112)) if gap == 100 else [])
    assert out['physics_over'] == 'sequence'
    if gap == 100:
        # the lifter's output is bridged linearly between the lifted frames around the gap; the
        # physics then solves the whole clip through it
        np.testing.assert_allclose(out['s_dd'][80], out['s_dd'][63]
                                   + (out['s_dd'][112] - out['s_dd'][63]) * 17 / 49)
        saved = np.load(tmp_path / 'o' / 'gap_3d.npz')
        np.testing.assert_array_equal(saved['bridged_frames'], out['bridged_frames'])
        # window by window (physics='windows'), every sequence is bridged that way
        win = SkeletonInferencer(cfg_file, ckpt, physics='windows')(
            str(tmp_path / 'gap.npz'), show_progress=False)
        assert win['physics_over'] == 'windows'
        np.testing.assert_array_equal(win['bridged_frames'], out['bridged_frames'])
        np.testing.assert_allclose(win['s_dd'], out['s_dd'], atol=1e-6)
        np.testing.assert_allclose(win['fused'][80], win['fused'][63]
                                   + (win['fused'][112] - win['fused'][63]) * 17 / 49)


def test_only_a_clip_without_anyone_is_an_error(tmp_path, checkpoint):
    np.savez(tmp_path / 'nobody.npz', keypoints=np.zeros((40, 17, 2)),
             scores=np.zeros((40, 17)), layout='h36m17', image_size=(64, 64))
    with pytest.raises(ValueError, match='no person was found'):
        SkeletonInferencer(CFG, checkpoint)(str(tmp_path / 'nobody.npz'), show_progress=False)


def test_absurd_coordinates_name_the_file_and_the_range(tmp_path, clip):
    from finephys.datasets.io import SkeletonFileError, load_skeleton_file
    np.savez(tmp_path / 'huge.npz', keypoints=clip['keypoints_2d'] * 1e12, layout='h36m17')
    with pytest.raises(SkeletonFileError, match=r'huge\.npz: keypoint coordinates span '
                                                r'\[\d.*e\+1\d, .*e\+13\]; expected pixels'):
        load_skeleton_file(str(tmp_path / 'huge.npz'))
