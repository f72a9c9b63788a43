"""Videos and a checkpoint for the web app's tests (small: a composed two-person SynthGym clip,
36 frames of 448x256)."""
import os.path as osp

import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='session')
def realvideo_checkpoint(tmp_path_factory):
    """The real-video default config (Estimator3DLifter + structured physics) with its
    initial weights saved as a checkpoint (the lifter has none; physics and fuser as built).

    Its videos go through the bundled full BlazePose model without the flip test (a config
    inheriting the default's): the app is what these tests judge, and the default's heavy model
    with its flip test costs ~5× a frame (tested in test_mediapipe_pose_estimator.py)."""
    from mmengine.config import Config

    from finephys.apis.demo_models import REALVIDEO_CONFIG
    from finephys.registry import MODELS
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp('app_ckpt')
    cfg = root / 'realvideo_full_blazepose.py'
    cfg.write_text(f"_base_ = ['{osp.join(ROOT, REALVIDEO_CONFIG)}']\n"
                   "pose_estimator = dict(_delete_=True, type='MediaPipePoseEstimator')\n")
    model = MODELS.build(Config.fromfile(str(cfg)).model)
    path = str(root / 'realvideo.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(cfg), path


@pytest.fixture(scope='session')
def app_videos(tmp_path_factory, two_person_video):
    """``clip`` (two people, the athlete found from frame 3 on), ``mirrored`` (the same clip
    flipped left-right: another result), ``nobody`` (12 frames without a person) and the bad
    uploads: ``text`` (a text file named .mp4), ``empty``, ``zero`` (a container with a video
    stream and no frame), ``big`` (1.5 MB, over a 1 MB limit)."""
    import av

    from finephys.visualization import write_video
    root = tmp_path_factory.mktemp('app_videos')
    video = two_person_video[0]
    paths = dict(clip=str(root / 'clip.mp4'), mirrored=str(root / 'mirrored.mp4'),
                 nobody=str(root / 'nobody.mp4'), text=str(root / 'notes.mp4'),
                 empty=str(root / 'empty.mp4'), zero=str(root / 'zero.mkv'),
                 big=str(root / 'big.mp4'))
    write_video(paths['clip'], video, fps=30)
    write_video(paths['mirrored'], np.ascontiguousarray(video[:, :, ::-1]), fps=30)
    ramp = np.linspace(40, 200, 128, dtype=np.uint8)
    write_video(paths['nobody'], np.broadcast_to(ramp[None, :, None, None],
                                                 (12, 128, 128, 3)).copy(), fps=30)
    with open(paths['text'], 'w') as f:
        f.write('these are my notes, not a video\n')
    open(paths['empty'], 'wb').close()
    with av.open(paths['zero'], 'w') as c:
        s = c.add_stream('mpeg4', rate=30)
        s.width, s.height, s.pix_fmt = 64, 64, 'yuv420p'
        c.start_encoding()
    with open(paths['big'], 'wb') as f:
        f.write(np.random.default_rng(0).bytes(3 * 2 ** 19))
    return paths
