import json
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from finephys.apis import SkeletonInferencer, load_skeleton_file
from finephys.datasets.synthgym import generate_clip
from finephys.registry import MODELS

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
    with pytest.raises(pickle.UnpicklingError, match='builtins.print'):
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
        assert np.asarray(json.load(f)['fused']).shape == (40, 17, 3)


def test_cli_on_a_video_with_online_mmpose(tmp_path, checkpoint, clip):
    import mmpose
    from finephys.visualization import write_video
    video = str(tmp_path / 'gym.mp4')
    write_video(video, clip['video'], fps=30)
    pose_cfg = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
                        'rtmpose', 'coco', 'rtmpose-t_8xb256-420e_coco-256x192.py')
    r = subprocess.run([sys.executable, 'tools/infer_skeleton.py', CFG, checkpoint, video,
                        '--out-dir', str(tmp_path / 'o'), '--pose-config', pose_cfg],
                       cwd=ROOT, capture_output=True, text=True, timeout=600,
                       env=dict(__import__('os').environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr[-3000:]
    assert osp.isfile(tmp_path / 'o' / 'gym_3d.npz')
    bad = subprocess.run([sys.executable, 'tools/infer_skeleton.py', CFG, checkpoint,
                          str(tmp_path / 'missing.npz')], cwd=ROOT, capture_output=True,
                         text=True, env=dict(__import__('os').environ, PYTHONPATH=ROOT))
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
    assert ((out['contact_prob'] >= 0) & (out['contact_prob'] <= 1)).all()
    assert np.isfinite(out['s_pp']).all()
    saved = np.load(tmp_path / 'out' / 'clip_3d.npz')
    np.testing.assert_array_equal(saved['flight'], out['flight'])
