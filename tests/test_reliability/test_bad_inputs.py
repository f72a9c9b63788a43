"""The bad-input matrix (docs/reliability.md): every case is one clear line naming the item and
exit status 2 from the tools, a clear exception from the library, or a logged and counted skip
where training allows skipping — never a traceback, a silent wrong result or a crash mid-epoch.
"""
import json
import os.path as osp
import pickle
import runpy
import sys

import numpy as np
import pytest
import torch

from finephys.datasets.synthgym import generate_clip
from finephys.registry import MODELS

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(ROOT, 'tests', 'data', 'tiny_temporal_conv_synthgym.py')


def run_tool(monkeypatch, capsys, tool, *args):
    """Run ``tools/<tool>`` in this process (as ``python tools/<tool> args``); returns
    ``(exit status, stderr)``."""
    monkeypatch.setattr(sys, 'argv', [tool, *map(str, args)])
    monkeypatch.chdir(ROOT)
    code = 0
    try:
        runpy.run_path(osp.join(ROOT, 'tools', tool), run_name='__main__')
    except SystemExit as err:
        code = err.code
    return code, capsys.readouterr().err


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """Every bad file of the matrix, plus a good checkpoint and a good skeleton."""
    d = tmp_path_factory.mktemp('bad')
    from mmengine.config import Config
    model = MODELS.build(Config.fromfile(TINY).model)
    torch.save(dict(state_dict=model.state_dict()), d / 'good.pth')
    torch.save(dict(state_dict=model.state_dict(), extra=np.zeros(3)), d / 'unsafe.pth')
    good = (d / 'good.pth').read_bytes()
    (d / 'truncated.pth').write_bytes(good[:len(good) // 2])
    (d / 'empty.pth').write_bytes(b'')
    clip = generate_clip('stag jump', 0, num_frames=40, render_size=64)
    kp, s = clip['keypoints_2d'], clip['keypoint_scores']
    np.savez(d / 'good.npz', keypoints=kp, scores=s, layout='h36m17')
    np.savez(d / 'no_layout.npz', keypoints=kp, scores=s)
    (d / 'truncated.npz').write_bytes((d / 'good.npz').read_bytes()[:300])
    (d / 'empty.npz').write_bytes(b'')
    np.savez(d / 'no_keypoints.npz', poses=kp)
    np.savez(d / 'short.npz', keypoints=kp[:3], scores=s[:3], layout='h36m17')
    np.savez(d / 'zero_frames.npz', keypoints=kp[:0], layout='h36m17')
    np.savez(d / 'nan.npz', keypoints=np.full_like(kp, np.nan), layout='h36m17')
    np.savez(d / 'inf.npz', keypoints=np.full_like(kp, np.inf), layout='h36m17')
    np.savez(d / 'zero_scores.npz', keypoints=kp, scores=np.zeros_like(s), layout='h36m17')
    np.savez(d / 'joints25.npz', keypoints=np.zeros((40, 25, 2)), layout='h36m17')
    np.savez(d / 'joints133.npz', keypoints=np.zeros((40, 133, 2)), layout='coco17')
    np.savez(d / 'h36m_called_coco.npz', keypoints=kp, scores=s, layout='coco17')
    (d / 'empty.json').write_text('')
    (d / 'truncated.json').write_text('{"keypoints": [[[1, 2], ')
    (d / 'no_keypoints.json').write_text(json.dumps(dict(poses=[1, 2])))
    (d / 'empty.pkl').write_bytes(b'')
    p = pickle.dumps(dict(annotations=[dict(frame_dir='x', keypoint=kp[None])]))
    (d / 'truncated.pkl').write_bytes(p[:len(p) // 2])
    (d / 'no_annotations.pkl').write_bytes(pickle.dumps(dict(annotations=[])))

    class Evil:
        def __reduce__(self):
            return (print, ('pwned',))
    (d / 'evil.pkl').write_bytes(pickle.dumps(dict(annotations=[Evil()])))
    (d / 'empty.mp4').write_bytes(b'')
    (d / 'corrupt.mp4').write_bytes(b'\x00\x00\x00\x18ftypmp42' + bytes(range(256)) * 40)
    import av
    with av.open(str(d / 'zero_frames.mp4'), 'w') as c:   # a header, no frame
        st = c.add_stream('mpeg4', rate=30)
        st.width = st.height = 64
        c.start_encoding()
    return d


# (input file, words the one-line error must contain)
SKELETON_CASES = [
    ('empty.npz', 'empty file (0 bytes)'),
    ('truncated.npz', 'not a readable .npz skeleton file'),
    ('no_keypoints.npz', 'needs a "keypoints" or "keypoints_2d" array'),
    ('short.npz', '3 frames; at least 4 are needed'),
    ('zero_frames.npz', '0 frames; at least 4 are needed'),
    ('nan.npz', 'no joint is observed'),
    ('inf.npz', 'no joint is observed'),
    ('zero_scores.npz', 'no joint is observed'),
    ('joints25.npz', 'keypoints must be (T, 17, 2), got (40, 25, 2)'),
    ('joints133.npz', 'keypoints must be (T, 17, 2), got (40, 133, 2)'),
    ('h36m_called_coco.npz', 'layout coco17 was given but the joints look like h36m17'),
    ('empty.json', 'empty file (0 bytes)'),
    ('truncated.json', 'not a readable .json skeleton file (JSONDecodeError'),
    ('no_keypoints.json', 'needs a JSON object with a "keypoints" field'),
    ('empty.pkl', 'empty file (0 bytes)'),
    ('truncated.pkl', 'not a readable .pkl skeleton file'),
    ('no_annotations.pkl', 'the pickle holds no annotations'),
    ('evil.pkl', 'refused by safe loading (pickle refers to builtins.print'),
    ('empty.mp4', 'empty file (0 bytes), not a video'),
    ('corrupt.mp4', 'cannot read video'),
    ('zero_frames.mp4', 'no video stream in the file'),
    ('missing.npz', 'not found'),
]


@pytest.mark.parametrize('name, words', SKELETON_CASES, ids=[c[0] for c in SKELETON_CASES])
def test_infer_skeleton_bad_input_is_one_line(monkeypatch, capsys, files, name, words):
    code, err = run_tool(monkeypatch, capsys, 'infer_skeleton.py', TINY, files / 'good.pth',
                         files / name, '--out-dir', files / 'out')
    lines = [ln for ln in err.splitlines() if ln.startswith('infer_skeleton.py: error:')]
    assert code == 2 and len(lines) == 1, err[-2000:]
    assert words in lines[0] and name.split('.')[0] in lines[0], lines[0]
    assert 'Traceback' not in err


def test_a_file_without_layout_uses_the_joints_own_shape(monkeypatch, capsys, files):
    code, err = run_tool(monkeypatch, capsys, 'infer_skeleton.py', TINY, files / 'good.pth',
                         files / 'no_layout.npz', '--out-dir', files / 'out')
    assert code == 0, err[-2000:]
    assert osp.isfile(files / 'out' / 'no_layout_3d.npz')


@pytest.mark.parametrize('ckpt, words', [
    ('unsafe.pth', 'refused by safe loading (it contains a pickled numpy'),
    ('truncated.pth', 'truncated or corrupt checkpoint'),
    ('empty.pth', 'empty file (0 bytes)'),
])
def test_checkpoint_refusals_in_infer_skeleton(monkeypatch, capsys, files, ckpt, words):
    code, err = run_tool(monkeypatch, capsys, 'infer_skeleton.py', TINY, files / ckpt,
                         files / 'good.npz', '--out-dir', files / 'out')
    assert code == 2 and f'error: {files / ckpt}: {words}' in err, err[-2000:]
    assert 'Traceback' not in err


def _tool(args):
    env = dict(__import__('os').environ, PYTHONPATH=ROOT)
    return run_command([sys.executable, *args], ROOT, env=env)


@pytest.mark.parametrize('tool', ['train --resume', 'train load_from', 'test'])
def test_checkpoint_refusals_in_train_and_test(tmp_path, files, tool):
    ckpt = str(files / 'unsafe.pth')
    args = {'train --resume': ['tools/train.py', TINY, '--work-dir', str(tmp_path), '--resume',
                               ckpt],
            'train load_from': ['tools/train.py', TINY, '--work-dir', str(tmp_path),
                                '--cfg-options', f'load_from={ckpt}'],
            'test': ['tools/test.py', TINY, ckpt, '--work-dir', str(tmp_path)]}[tool]
    r = _tool(args)
    assert r.returncode == 2, r.stderr[-2000:]
    assert f'error: {ckpt}: refused by safe loading (it contains a pickled numpy' in r.stderr
    assert 'Traceback' not in r.stderr


def test_skeleton_checkpoint_refusal_in_the_full_model(tmp_path, files):
    from mmengine.config import Config

    from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
    from finephys.utils.safe_checkpoint import CheckpointLoadError
    cfg = Config.fromfile(osp.join(ROOT, 'configs/finephys/finephys_tiny_synthgym.py'))
    cfg.model.generator.pretrained_model_path = write_tiny_sd15_folder(
        str(tmp_path / 'sd'), pixel_space=True, texts=['stag jump'])
    cfg.model.generator.motion_adapter_path = write_tiny_motion_adapter(str(tmp_path / 'ma'))
    cfg.model.skeleton_checkpoint = str(files / 'unsafe.pth')
    with pytest.raises(CheckpointLoadError, match='unsafe.pth: refused by safe loading'):
        MODELS.build(cfg.model)


@pytest.mark.parametrize('config_text, words', [
    ("model = dict(lifter=dict(channelz=16))",
     "unexpected keyword argument 'channelz' (a config key or argument the module does not"),
    ("model = dict(lifter=dict(type='NoSuchLifter'))", 'NoSuchLifter is not in the'),
    ("train_dataloader = dict(dataset=dict(split='training'))",
     "split='training': expected one of"),
    ("train_dataloader = dict(dataset=dict(classes=['backflip']))", "unknown SynthGym action"),
])
def test_config_mistakes_are_one_line(tmp_path, config_text, words):
    cfg = tmp_path / 'bad_config.py'
    cfg.write_text(f"_base_ = ['{TINY}']\n{config_text}\n")
    r = _tool(['tools/train.py', str(cfg), '--work-dir', str(tmp_path / 'w')])
    assert r.returncode == 2 and words in r.stderr, r.stderr[-2000:]
    assert 'Traceback' not in r.stderr


def test_unknown_cfg_option_and_missing_paths(tmp_path, monkeypatch, capsys):
    # in this process (the exit status and stderr are the command line's; no interpreter start)
    code, err = run_tool(monkeypatch, capsys, 'train.py', TINY, '--work-dir', tmp_path,
                         '--cfg-options', 'model.lifter.channelz=3')
    assert code == 2 and "key(s) ['model.lifter.channelz'] do not exist" in err
    code, err = run_tool(monkeypatch, capsys, 'train.py', tmp_path / 'nope.py')
    assert code == 2 and 'config file not found' in err
    code, err = run_tool(monkeypatch, capsys, 'test.py', TINY, tmp_path / 'nope.pth',
                         '--work-dir', tmp_path)
    assert code == 2 and 'checkpoint not found' in err


@pytest.fixture(scope='module')
def tiny_backbone(tmp_path_factory):
    from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
    root = tmp_path_factory.mktemp('backbone')
    sd = write_tiny_sd15_folder(str(root / 'sd'), pixel_space=True, texts=['stag jump'])
    return ['--cfg-options', f'model.generator.pretrained_model_path={sd}',
            f'model.generator.motion_adapter_path={write_tiny_motion_adapter(str(root / "ma"))}']


@pytest.mark.parametrize('case', ['unsafe checkpoint', 'truncated checkpoint', 'empty skeleton',
                                  'evil skeleton', 'corrupt video'])
def test_infer_refusals_are_one_line(monkeypatch, capsys, files, tiny_backbone, case):
    """tools/infer.py (FinePhysInferencer, the full model) on bad checkpoints and inputs."""
    ckpt = {'unsafe checkpoint': 'unsafe.pth', 'truncated checkpoint': 'truncated.pth'}.get(case)
    skeleton = {'empty skeleton': 'empty.npz', 'evil skeleton': 'evil.pkl',
                'corrupt video': 'corrupt.mp4'}.get(case, 'good.npz')
    words = {'unsafe checkpoint': 'refused by safe loading',
             'truncated checkpoint': 'truncated or corrupt checkpoint',
             'empty skeleton': 'empty file (0 bytes)', 'evil skeleton': 'refused by safe loading',
             'corrupt video': 'cannot read video'}[case]
    args = [osp.join(ROOT, 'configs/finephys/finephys_tiny_synthgym.py'), 'stag jump',
            '--skeleton', files / skeleton, '--out-dir', files / 'out_infer', '--steps', '1']
    args += ['--checkpoint', files / ckpt] if ckpt else []
    code, err = run_tool(monkeypatch, capsys, 'infer.py', *args, *tiny_backbone)
    lines = [ln for ln in err.splitlines() if ln.startswith('infer.py: error:')]
    assert code == 2 and len(lines) == 1 and words in lines[0], err[-2000:]
    assert str(files / (ckpt or skeleton)) in lines[0] and 'Traceback' not in err
