import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

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
    yield


@pytest.fixture
def repo_root():
    return ROOT


def write_tiny_finegym(root, num_frames=20, size=48):
    """A FineGym-layout folder written from SynthGym clips: ``gym99_categories.txt`` (every
    SynthGym class with its gym99 Clabel, plus vault/beam lines), a split list, PYSKL's pickle
    (COCO-17, person 0 = the gymnast) and trimmed mp4 clips. One listed clip lacks a skeleton,
    one lacks its video and one is too short, for the skip counters."""
    import pickle

    import numpy as np

    from finephys.datasets.synthgym import ACTIONS, generate_clip
    from finephys.structures import H36M17
    from finephys.visualization.video import write_video
    root = str(root)
    os.makedirs(os.path.join(root, 'subactions'), exist_ok=True)
    lines = ['Clabel: 0; set: 1; Glabel: 1; (VT) round-off, flic-flac with 0.5 turn on, '
             'stretched salto forward with 0.5 turn off',
             'Clabel: 45; set: 33; Glabel: 200; (BB) 1 turn on one leg with free leg below '
             'horizontal']
    lines += [f'Clabel: {v["label"]}; set: 2; Glabel: {100 + v["label"]}; (FX) {name}'
              for name, v in ACTIONS.items()]
    with open(os.path.join(root, 'gym99_categories.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    coco_from_h36m = ['neck', 'head', 'head', 'head', 'head', 'left_shoulder', 'right_shoulder',
                      'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
                      'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle']
    idx = [H36M17.index(n) for n in coco_from_h36m]
    clips = [('vid0_E_000001_000010_A_0000_0001', 'stag jump', num_frames),
             ('vid0_E_000001_000010_A_0002_0003', '2 turn on one leg, free leg optional below '
              'horizontal', num_frames),
             ('vid1_E_000011_000020_A_0000_0002', 'salto forward tucked', num_frames),
             ('vid1_E_000011_000020_A_0003_0004', 'salto forward tucked', 6)]
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
    split.append('vid2_E_000001_000010_A_0000_0001 16')             # no skeleton
    anns.append(dict(anns[0], frame_dir='vid3_E_000001_000010_A_0000_0001'))
    split.append('vid3_E_000001_000010_A_0000_0001 16')             # no video
    with open(os.path.join(root, 'gym99_train_element_v1.1.txt'), 'w') as f:
        f.write('\n'.join(split) + '\n')
    with open(os.path.join(root, 'gym_hrnet.pkl'), 'wb') as f:
        pickle.dump(dict(split=dict(train=[a['frame_dir'] for a in anns]), annotations=anns), f)
    return dict(root=root, ann_file=os.path.join(root, 'gym99_train_element_v1.1.txt'),
                categories_file=os.path.join(root, 'gym99_categories.txt'),
                skeleton_file=os.path.join(root, 'gym_hrnet.pkl'),
                video=os.path.join(root, 'subactions'))


@pytest.fixture(scope='session')
def tiny_finegym(tmp_path_factory):
    return write_tiny_finegym(tmp_path_factory.mktemp('finegym'))


def compose_two_person_video(num_frames=36, size=(448, 256), invert=(24, 34)):
    """A video of two rendered SynthGym bodies: the gymnast A (blue leotard, centred; a stag
    jump, shown rotated by 180° — inverted — in frames ``invert``) and B (red leotard, a turn)
    who walks through the frame from left to right, in front of A, crossing it mid-clip.

    Returns:
        tuple: ``video (T, H, W, 3)`` uint8 RGB, A's and B's 2D keypoints ``(T, 17, 2)``
        (H36M-17, pixels of the composed frames).
    """
    import numpy as np

    from finephys.datasets.synthgym.generate import generate_clip
    from finephys.datasets.synthgym.render import render_silhouette
    w, h = size
    a = generate_clip('stag jump', 3, num_frames=num_frames, render_size=256, view='side')
    b = generate_clip('1 turn on one leg, free leg optional below horizontal', 5,
                      num_frames=num_frames, render_size=256, view='side')
    yy, xx = np.mgrid[0:h, 0:w]
    bg = np.stack([90 + 0 * xx, 110 + 20 * yy / h, 120 + 0 * xx], -1)
    mask_a, mask_b = (render_silhouette(c['keypoints_3d'], c['camera']['K'], 256, c['stature'])
                      for c in (a, b))
    xa = (w - 256) // 2
    video = np.empty((num_frames, h, w, 3), np.uint8)
    gt_a, gt_b = np.zeros((num_frames, 17, 2)), np.zeros((num_frames, 17, 2))
    for i in range(num_frames):
        f = bg.astype(float)
        va, ma, ka = a['video'][i].astype(float), mask_a[i][..., None], a['keypoints_2d_clean'][i]
        if invert[0] <= i < invert[1]:     # 180° rotation of the patch: (u, v) → (256 − u, 256 − v)
            va, ma, ka = va[::-1, ::-1], ma[::-1, ::-1], 256.0 - ka
        f[:, xa:xa + 256] = f[:, xa:xa + 256] * (1 - ma) + va * ma
        gt_a[i] = ka + [xa, 0]
        xb = int(round(-256 + (w + 256) * i / (num_frames - 1)))
        vb, mb = b['video'][i][..., ::-1].astype(float), mask_b[i][..., None]   # red leotard
        x0, x1 = max(xb, 0), min(xb + 256, w)
        if x1 > x0:
            sl = slice(x0 - xb, x1 - xb)
            f[:, x0:x1] = f[:, x0:x1] * (1 - mb[:, sl]) + vb[:, sl] * mb[:, sl]
        gt_b[i] = b['keypoints_2d_clean'][i] + [xb, 0]
        video[i] = np.clip(f + 0.5, 0, 255).astype(np.uint8)
    return video, gt_a, gt_b


@pytest.fixture(scope='session')
def two_person_video():
    return compose_two_person_video()
