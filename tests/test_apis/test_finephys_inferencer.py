import os
import os.path as osp
import sys

import numpy as np
import pytest

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def tiny_config(tiny_generator_config, tmp_path_factory):
    return tiny_generator_config, tmp_path_factory.mktemp('infer')


def test_cli_writes_playable_outputs_and_is_seeded(tiny_config):
    cfg, root = tiny_config
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = run_command([sys.executable, 'tools/infer.py', cfg, 'stag jump', '--frames', '8',
                     '--size', '32', '--seed', '3', '--out-dir', str(root / 'a')],
                    cwd=ROOT, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    outs = [root / 'a']
    import imageio.v3 as iio
    a = iio.imread(outs[0] / 'stag_jump.mp4', plugin='pyav')
    assert a.shape == (8, 32, 32, 3)
    assert iio.imread(outs[0] / 'stag_jump.gif').shape[0] == 8
    # several prompts: one video each, the model loaded once; each equals its single-prompt run
    # (another process, another prompt first: the seed alone decides the video)
    r = run_command([sys.executable, 'tools/infer.py', cfg, 'split jump with 1 turn',
                     'stag jump', '--frames', '8', '--size', '32', '--seed', '3', '--out-dir',
                     str(root / 'multi')], cwd=ROOT, env=env,
                    timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert np.array_equal(iio.imread(root / 'multi' / 'stag_jump.mp4', plugin='pyav'), a)
    assert (root / 'multi' / 'split_jump_with_1_turn.mp4').is_file()
    assert iio.imread(outs[0] / 'stag_jump_side_by_side.mp4', plugin='pyav').shape[2] == 64
    for f in ('stag_jump_fused_3d.gif', 'stag_jump_heatmap_pyramid.png'):
        assert osp.isfile(outs[0] / f)


def test_bad_requests_give_one_clear_error(tiny_config, tmp_path):
    from finephys.apis import FinePhysInferencer
    cfg, _ = tiny_config
    inf = FinePhysInferencer(cfg)
    np.savez(tmp_path / 'j16.npz', keypoints=np.zeros((8, 16, 2)), layout='h36m17')
    rng = np.random.default_rng(0)
    kp = rng.uniform(100, 150, (12, 17, 2))
    np.savez(tmp_path / 'unscored.npz', keypoints_2d=kp, keypoint_scores=np.zeros((12, 17)),
             layout='h36m17')
    np.savez(tmp_path / 'short.npz', keypoints_2d=kp[:5], keypoint_scores=np.ones((5, 17)),
             layout='h36m17')
    for kwargs, msg in ((dict(text='free text only'), 'needs a skeleton'),
                        (dict(text='stag jump', skeleton=str(tmp_path / 'unscored.npz')),
                         'unscored.npz: no joint is observed .* no person was found'),
                        (dict(text='stag jump', skeleton=str(tmp_path / 'short.npz')),
                         'the motion has 5 frames; 8 were asked for'),
                        (dict(text=' '), 'empty prompt'),
                        (dict(text='stag jump', size=30), 'renders its skeleton guidance for 32x32'),
                        (dict(text='stag jump', skeleton=str(tmp_path / 'j16.npz')),
                         r'\(T, 17, 2\)')):
        with pytest.raises(ValueError, match=msg):
            inf(**kwargs)
    # and the CLI turns them into one line with exit status 2
    r = run_command([sys.executable, 'tools/infer.py', cfg, 'free text only'], cwd=ROOT,
                    env=dict(os.environ, PYTHONPATH=ROOT),
                    timeout=600)
    assert r.returncode == 2 and 'needs a skeleton' in r.stderr and 'Traceback' not in r.stderr


def test_guidance_outside_the_frame_is_refused():
    import torch

    from finephys.models.finephys import check_guidance_in_frame
    kp = torch.rand(2, 4, 17, 2) * 32
    check_guidance_in_frame(kp, 32, 32)                  # inside: fine
    kp[1, :, :, 0] += 100.0                              # clip 1 entirely to the right
    with pytest.raises(ValueError, match=r'clip 1 lies outside the 32x32 frame .*x in \[1'):
        check_guidance_in_frame(kp, 32, 32)
    kp[1] = float('nan')
    with pytest.raises(ValueError, match='not finite'):
        check_guidance_in_frame(kp, 32, 32)
    kp[1] = torch.rand(4, 17, 2) * 32
    kp[1, 1:] += 500.0                                   # in view for one frame only: allowed
    check_guidance_in_frame(kp, 32, 32)
