import os
import os.path as osp
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def worker_threads():
    """Threads per pytest-xdist worker: an equal share of the cores (None outside xdist)."""
    if not os.environ.get('PYTEST_XDIST_WORKER'):
        return None
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    return max(1, (os.cpu_count() or 1) // workers)


# `make test` runs two xdist workers on two cores: each worker — and the tools its tests start as
# subprocesses, which inherit the environment — gets its share of the cores instead of torch's
# default of all of them (2 workers × 2 threads on 2 cores oversubscribe: the slowest tests ran
# 18 % longer). Set before anything imports torch.
if worker_threads() is not None:
    for _var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ.setdefault(_var, str(worker_threads()))

# property-based tests: the same examples on every run and machine, no per-example deadline
# (CI machines vary), a budget that keeps the suite fast
from hypothesis import settings  # noqa: E402

settings.register_profile('finephys', derandomize=True, deadline=None, max_examples=40,
                          print_blob=True)
settings.load_profile('finephys')


@pytest.fixture(scope='session', autouse=True)
def _registered():
    from finephys.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    if worker_threads() is not None:   # in case a plugin imported torch before this file
        import torch
        torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))
    yield


@pytest.fixture(scope='module', autouse=True)
def _finephys_default_scope():
    """Every test module starts with 'finephys' as mmengine's default scope, whatever a test
    before it on the same worker left current (mmpose's own API switches it to 'mmpose'; which
    modules share a worker depends on xdist's scheduling)."""
    from mmengine.registry import DefaultScope
    current = DefaultScope.get_current_instance()
    if current is not None and current.scope_name != 'finephys':
        import uuid
        DefaultScope.get_instance(f'finephys-{uuid.uuid4().hex}', scope_name='finephys')
    yield


@pytest.fixture
def repo_root():
    return ROOT


GYM99_CATEGORIES = os.path.join(ROOT, 'tests', 'data', 'finegym', 'gym99_categories.txt')


def write_tiny_finegym(root, num_frames=20, size=48):
    """A FineGym-layout folder written from SynthGym clips: FineGym's own
    ``gym99_categories.txt`` (tests/data/finegym), a split list, PYSKL's pickle (COCO-17,
    person 0 = the gymnast) and trimmed mp4 clips. Four good clips (one FX-JUMP, one FX-TURN,
    two FX-SALTO) and one listed clip per skip reason of ``FineGymSkeletonDataset`` /
    ``FineGymVideoDataset``:

    unknown_label (Clabel 150), no_skeleton, bad_keypoints (NaN with score > 0), zero_score,
    too_short (6 frames), no_video, bad_video (an mp4 cut in half; a text file named .mp4),
    video_too_short (a 10-frame video for a 20-frame skeleton).
    """
    import pickle
    import shutil

    import numpy as np

    from finephys.datasets.synthgym import ACTIONS, generate_clip
    from finephys.structures import H36M17
    from finephys.visualization.video import write_video
    root = str(root)
    os.makedirs(os.path.join(root, 'subactions'), exist_ok=True)
    shutil.copy(GYM99_CATEGORIES, os.path.join(root, 'gym99_categories.txt'))
    coco_from_h36m = ['neck', 'head', 'head', 'head', 'head', 'left_shoulder', 'right_shoulder',
                      'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
                      'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle']
    idx = [H36M17.index(n) for n in coco_from_h36m]
    turn = '2 turn on one leg, free leg optional below horizontal'
    clips = [('vid0_E_000001_000010_A_0000_0001', 'stag jump', num_frames),
             ('vid0_E_000001_000010_A_0002_0003', turn, num_frames),
             ('vid1_E_000011_000020_A_0000_0002', 'salto forward tucked', num_frames),
             ('vid1-x_E_000011_000020_A_0005_0007', 'double salto backward piked', num_frames),
             ('vid1_E_000011_000020_A_0003_0004', 'salto forward tucked', 6)]   # too_short
    anns, split = [], []
    for i, (clip_id, action, frames) in enumerate(clips):
        c = generate_clip(action, 100 + i, num_frames=frames, render_size=size)
        kp = c['keypoints_2d'][:, idx]
        anns.append(dict(frame_dir=clip_id, label=ACTIONS[action]['label'],
                         keypoint=kp[None].astype(np.float32),
                         keypoint_score=c['keypoint_scores'][:, idx][None].astype(np.float32),
                         img_shape=(size, size), original_shape=(size, size),
                         total_frames=frames))
        write_video(os.path.join(root, 'subactions', clip_id + '.mp4'), c['video'])
        split.append(f'{clip_id} {ACTIONS[action]["label"]}')
    good = anns[0]
    video0 = os.path.join(root, 'subactions', good['frame_dir'] + '.mp4')

    def bad(clip_id, video=True, **fields):
        anns.append(dict(good, frame_dir=clip_id, **fields))
        split.append(f'{clip_id} 16')
        if video:
            shutil.copy(video0, os.path.join(root, 'subactions', clip_id + '.mp4'))

    split.append('vid5_E_000001_000010_A_0000_0001 150')                # unknown_label
    split.append('vid2_E_000001_000010_A_0000_0001 16')                 # no_skeleton
    nan = good['keypoint'].copy()
    nan[0, 3, 5] = np.nan
    bad('vid6_E_000001_000010_A_0000_0001', keypoint=nan)              # bad_keypoints
    bad('vid7_E_000001_000010_A_0000_0001',                             # zero_score
        keypoint_score=np.zeros_like(good['keypoint_score']))
    bad('vid3_E_000001_000010_A_0000_0001', video=False)                # no_video
    bad('vid8_E_000001_000010_A_0000_0001', video=False)                # bad_video: truncated
    with open(video0, 'rb') as f:
        data = f.read()
    with open(os.path.join(root, 'subactions', 'vid8_E_000001_000010_A_0000_0001.mp4'),
              'wb') as f:
        f.write(data[:len(data) // 2])
    bad('vid9_E_000001_000010_A_0000_0001', video=False)                # bad_video: not a video
    with open(os.path.join(root, 'subactions', 'vid9_E_000001_000010_A_0000_0001.mp4'),
              'w') as f:
        f.write('<html>404 not found</html>')
    bad('vid4_E_000001_000010_A_0000_0001', video=False)                # video_too_short
    short = generate_clip('stag jump', 100, num_frames=10, render_size=size)['video']
    write_video(os.path.join(root, 'subactions', 'vid4_E_000001_000010_A_0000_0001.mp4'), short)
    with open(os.path.join(root, 'gym99_train_element_v1.1.txt'), 'w') as f:
        f.write('\n'.join(split) + '\n')
    with open(os.path.join(root, 'gym_hrnet.pkl'), 'wb') as f:
        pickle.dump(dict(split=dict(train=[a['frame_dir'] for a in anns]), annotations=anns), f)
    return dict(root=root, ann_file=os.path.join(root, 'gym99_train_element_v1.1.txt'),
                categories_file=os.path.join(root, 'gym99_categories.txt'),
                skeleton_file=os.path.join(root, 'gym_hrnet.pkl'),
                video=os.path.join(root, 'subactions'),
                expected_skips=dict(unknown_label=1, no_skeleton=1, bad_keypoints=1,
                                    zero_score=1, too_short=1, no_video=1, bad_video=2,
                                    video_too_short=1))


@pytest.fixture(scope='session')
def tiny_finegym(tmp_path_factory):
    return write_tiny_finegym(tmp_path_factory.mktemp('finegym'))


@pytest.fixture(scope='session')
def two_person_video():
    from finephys.datasets.synthgym.compose import compose_two_person_video
    return compose_two_person_video()


@pytest.fixture(scope='session')
def salto_with_walker_video():
    """A tucked salto (take-off, tuck, inversion, sideways frames, landing) with a walker
    crossing in front of the gymnast during the flight."""
    from finephys.datasets.synthgym.compose import compose_two_person_video
    return compose_two_person_video(num_frames=48, invert=(0, 0), action='salto forward tucked')


@pytest.fixture(scope='session')
def tiny_generator_config(tmp_path_factory):
    """``configs/finephys/finephys_tiny_synthgym.py`` on tiny random backbone folders (a
    pixel-space SD1.5 layout + MotionAdapter written here), 2 denoising steps: the config path."""
    from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
    root = tmp_path_factory.mktemp('tiny_generator')
    base = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                    'configs/finephys/finephys_tiny_synthgym.py')
    sd = write_tiny_sd15_folder(str(root / 'sd'), pixel_space=True, texts=['stag jump'])
    ma = write_tiny_motion_adapter(str(root / 'ma'))
    cfg = root / 'tiny.py'
    cfg.write_text(f"_base_ = ['{base}']\nmodel = dict("
                   f"generator=dict(pretrained_model_path='{sd}', motion_adapter_path='{ma}'), "
                   "num_inference_steps=2)\n")
    return str(cfg)
