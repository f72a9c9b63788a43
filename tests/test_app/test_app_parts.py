"""The web app's framework-free parts: figures and their numbers, upload checks, session folders,
choosing the person, Video → 3D against the inferencer, SynthGym, generation, demo models."""
import os
import os.path as osp

import numpy as np
import pytest

from finephys.app.figures import (bone_length_cv, com_heights, fit_flight_gravity,
                                  skeleton_3d_figure)
from finephys.app.uploads import SessionFolders, UploadError, check_video_upload, safe_stem
from finephys.app.video_to_3d import VIDEO_STAGES, VideoTo3D, person_box, pick_person
from finephys.structures import H36M17

from tests.tool_process import run_command


def test_fit_flight_gravity_recovers_a_parabola_exactly():
    fps, g = 30.0, 9.81
    t = np.arange(40) / fps
    h = 1.0 + 2.5 * t - 0.5 * g * t ** 2
    flight = np.zeros(40, bool)
    flight[5:20] = True
    flight[25:28] = True               # 3 frames: below min_frames, not fitted
    fits = fit_flight_gravity(h, fps, flight)
    assert [(f['start'], f['stop']) for f in fits] == [(5, 20)]
    assert fits[0]['g'] == pytest.approx(g, rel=1e-9)
    np.testing.assert_allclose(fits[0]['curve'], h[5:20], atol=1e-9)


def test_com_height_and_bone_cv_against_direct_computations():
    rng = np.random.default_rng(0)
    rest = rng.normal(size=(17, 3))
    # a rigid body turning and moving: every bone keeps its length
    seq = []
    for i in range(20):
        a = 0.2 * i
        r = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
        seq.append(rest @ r.T + [0.1 * i, -0.05 * i, 3.0])
    seq = np.array(seq)
    assert bone_length_cv(seq).max() < 1e-9
    stretched = seq.copy()
    stretched[10:, 3] += 0.3          # the right foot moves away from the knee: that bone varies
    cv = bone_length_cv(stretched)
    bone = [j for j, p in enumerate(H36M17.parents) if p >= 0].index(3)
    assert cv[bone] > 1.0 and np.delete(cv, bone).max() < 1e-9
    from finephys.structures.anthropometry import joint_mass_fractions
    w = joint_mass_fractions()
    np.testing.assert_allclose(com_heights(seq), -(seq[..., 1] * w).sum(-1) / w.sum())


def test_skeleton_figure_has_one_slider_step_per_frame_holding_that_frames_bones():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 17, 3))
    filled = np.zeros(12, bool)
    filled[4] = True
    fig = skeleton_3d_figure(x, 30.0, filled)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 12
    args = steps[7].args[0]
    pts = np.stack([x[7, :, 0], x[7, :, 2], -x[7, :, 1]], -1)
    j, p = 3, H36M17.parents[3]
    bone = [b for b, par in enumerate(H36M17.parents) if par >= 0].index(j)
    got = np.array([args['x'][0][3 * bone:3 * bone + 2], args['y'][0][3 * bone:3 * bone + 2],
                    args['z'][0][3 * bone:3 * bone + 2]]).T
    np.testing.assert_allclose(got, pts[[p, j]], atol=1e-4)
    assert args['x'][0][3 * bone + 2] is None          # bones are separate segments
    assert steps[4].args[0]['line.color'] != steps[7].args[0]['line.color']   # filled: red
    assert len(skeleton_3d_figure(np.repeat(x, 30, 0), 30.0, max_frames=100)
               .layout.sliders[0].steps) == 90


def test_upload_checks_name_the_problem(app_videos):
    big = 2 ** 20
    for key, words in (('text', 'not a video that can be decoded'), ('empty', 'empty'),
                       ('zero', 'no frames'), ('big', 'larger than')):
        with pytest.raises(UploadError, match=words) as err:
            check_video_upload(app_videos[key], big, name=f'my {key}.mp4')
        assert f'my {key}.mp4' in str(err.value)
    with pytest.raises(UploadError, match='not a video type'):
        check_video_upload(__file__, big)
    with pytest.raises(UploadError, match='No video'):
        check_video_upload(None, big)
    info = check_video_upload(app_videos['clip'], big)
    assert (info['width'], info['height']) == (448, 256)
    assert safe_stem('../../etc/My clip (1).mp4') == 'My_clip_1'


def test_session_folders_are_separate_and_removed(tmp_path):
    folders = SessionFolders(str(tmp_path / 'root'), str(tmp_path / 'gradio'))
    a1, a2, b1 = folders.new_run('a'), folders.new_run('a'), folders.new_run('b')
    assert len({a1, a2, b1}) == 3 and all(osp.isdir(p) for p in (a1, a2, b1))
    uploads = []
    for name in ('h1/x.mp4', 'h2/shared.mp4'):
        uploads.append(tmp_path / 'gradio' / name)
        uploads[-1].parent.mkdir(parents=True)
        uploads[-1].write_bytes(b'x')
    outside = tmp_path / 'example.mp4'          # not an upload: never deleted
    outside.write_bytes(b'x')
    for path in (*uploads, outside):
        folders.track_upload('a', str(path))
    folders.track_upload('b', str(uploads[1]))  # the same file uploaded by another session
    folders.remove('a')
    assert not osp.exists(osp.dirname(a1)) and osp.isdir(b1)
    assert not uploads[0].exists() and not uploads[0].parent.exists()
    assert uploads[1].exists() and outside.exists()
    folders.remove('b')
    assert not uploads[1].exists()
    assert osp.basename(folders.new_run('a')) == 'run-1'        # a new session starts afresh
    folders.close()
    assert not osp.exists(folders.root)


def test_pick_person_by_click_and_by_size():
    people = [(np.array([0, 0, 100, 200.0]), 0.9), (np.array([150, 0, 400, 250.0]), 0.8),
              (np.array([160, 10, 220, 120.0]), 0.7)]
    assert pick_person([]) is None
    assert pick_person(people) == 1                          # the largest
    assert pick_person(people, (50, 50)) == 0
    assert pick_person(people, (200, 100)) == 2              # inside two: the smaller one
    assert pick_person(people, (300, 240)) == 1
    assert pick_person(people, (120, 400)) == 0              # outside all: nearest centre
    box = person_box(people, 0, (240, 320, 3))
    assert box == [0.0, 0.0, 115.0, 230.0]                   # widened by 15 %, clipped


@pytest.fixture(scope='module')
def video3d(realvideo_checkpoint):
    cfg, ckpt = realvideo_checkpoint
    return VideoTo3D({'default': dict(config=cfg, checkpoint=ckpt)}, max_upload_bytes=2 ** 20)


def test_video_to_3d_equals_the_inferencer_and_reports_every_stage(video3d, app_videos,
                                                                   tmp_path,
                                                                   realvideo_checkpoint):
    index, frame, people = video3d.people(app_videos['clip'])
    assert people and frame.shape == (256, 448, 3)
    box = person_box(people, pick_person(people), frame.shape)
    heard = []
    out = video3d.run(app_videos['clip'], str(tmp_path), person_box=box, name='My clip.mp4',
                      progress=lambda *a: heard.append(a))
    # every stage reported, in order, each ending complete
    stages = list(dict.fromkeys(h[0] for h in heard))
    assert stages == list(VIDEO_STAGES)
    for stage in VIDEO_STAGES:
        last = [h for h in heard if h[0] == stage][-1]
        assert last[1] == last[2]
    assert set(out['stage_seconds']) == set(VIDEO_STAGES)
    for kind in ('npz', 'json', 'bvh', 'overlay'):
        assert osp.isfile(out['paths'][kind]) and 'My_clip' in out['paths'][kind]
    # the same numbers as the inferencer on the same file with the same person
    from finephys.apis import SkeletonInferencer
    cfg, ckpt = realvideo_checkpoint
    direct = SkeletonInferencer(cfg, ckpt)(app_videos['clip'], show_progress=False,
                                           person_box=box)
    got = np.load(out['paths']['npz'])
    for key in ('fused', 's_pp', 's_dd'):
        np.testing.assert_allclose(got[key], direct[key], atol=1e-6)
    np.testing.assert_array_equal(got['lost_frames'], direct['lost_frames'])
    assert len(out['figures']['skeleton'].layout.sliders[0].steps) == len(direct['fused'])
    assert '**My clip.mp4**: 36 frames' in out['summary']


def test_video_to_3d_refuses_what_it_cannot_use(video3d, app_videos, tmp_path):
    with pytest.raises(UploadError, match='nobody.mp4: no person was found'):
        video3d.run(app_videos['nobody'], str(tmp_path), name='nobody.mp4')
    with pytest.raises(UploadError, match='larger than'):
        video3d.run(app_videos['big'], str(tmp_path))
    assert video3d.people(app_videos['nobody'])[2] == []
    with pytest.raises(UploadError, match='unknown skeleton model'):
        video3d.run(app_videos['clip'], str(tmp_path), model='other')


def test_synthgym_view_fits_the_true_gravity(tmp_path):
    from finephys.app.synthgym_view import render_synthgym
    out = render_synthgym('stag jump', 3, 'side', str(tmp_path), size=64)
    assert osp.isfile(out['video'])
    g = np.linalg.norm(out['clip']['camera']['gravity'])
    assert out['fits'] and all(abs(f['g'] - g) < 1e-3 * g for f in out['fits'])
    assert len(out['figures']['skeleton'].layout.sliders[0].steps) == len(out['clip']['flight'])
    for bad in (dict(action='cartwheel'), dict(camera='overhead'), dict(seed=-1)):
        kwargs = dict(dict(action='stag jump', seed=0, camera='side'), **bad)
        with pytest.raises(UploadError):
            render_synthgym(out_dir=str(tmp_path), **kwargs)


def test_latest_checkpoint_and_demo_models(tmp_path):
    from finephys.apis.demo_models import (IN_CONTEXT_CONFIG, REALMOTION_TCN_CONFIG,
                                           REALVIDEO_CONFIG, demo_generator,
                                           demo_skeleton_models, latest_checkpoint)
    work = tmp_path / 'demo'
    struct = work / 'finephys_skeleton_structured'
    struct.mkdir(parents=True)
    for n in (5, 30, 100):
        (struct / f'epoch_{n}.pth').write_bytes(b'')
    assert latest_checkpoint(str(struct)).endswith('epoch_100.pth')
    (struct / 'best_mpjpe_epoch_20.pth').write_bytes(b'')
    assert latest_checkpoint(str(struct)).endswith('best_mpjpe_epoch_20.pth')
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    models = demo_skeleton_models(str(work), root)
    first = next(iter(models.values()))
    assert len(models) == 2 and first['config'] == osp.join(root, REALVIDEO_CONFIG)
    # the real-motion lifter's run, once it has a checkpoint
    realmotion = work / 'finephys_skeleton_structured_realmotion'
    realmotion.mkdir()
    (realmotion / 'best_pose3d_mpjpe_epoch_30.pth').write_bytes(b'')
    models = demo_skeleton_models(str(work), root)
    assert models['Real-motion TCN + structured physics'] == dict(
        config=osp.join(root, REALMOTION_TCN_CONFIG),
        checkpoint=str(realmotion / 'best_pose3d_mpjpe_epoch_30.pth'))
    assert len(models) == 3 and osp.isfile(models['Real-motion TCN + structured physics']['config'])
    # and the in-context lifter's
    in_context = work / 'finephys_skeleton_structured_in_context'
    in_context.mkdir()
    (in_context / 'best_pose3d_mpjpe_epoch_10.pth').write_bytes(b'')
    models = demo_skeleton_models(str(work), root)
    assert models['In-context lifter + structured physics'] == dict(
        config=osp.join(root, IN_CONTEXT_CONFIG),
        checkpoint=str(in_context / 'best_pose3d_mpjpe_epoch_10.pth'))
    assert len(models) == 4 and osp.isfile(osp.join(root, IN_CONTEXT_CONFIG))
    assert demo_generator(str(work), root) is None
    assert demo_skeleton_models(str(tmp_path / 'none'), root) == {}


@pytest.mark.parametrize('which', ['REALMOTION_TCN', 'IN_CONTEXT'])
def test_demo_realmotion_training_set_is_the_one_its_config_documents(which):
    """make demo writes the real-motion lifters' training sets with the command in each config's
    header (the config names the file; the demo passes its own path)."""
    from finephys.apis import demo_models
    config = getattr(demo_models, f'{which}_CONFIG')
    args = getattr(demo_models, 'REALMOTION_TRAIN_ARGS' if which == 'REALMOTION_TCN'
                   else 'IN_CONTEXT_TRAIN_ARGS')
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    with open(osp.join(root, config)) as f:
        header = [ln.lstrip('#').strip().rstrip('\\').strip() for ln in f
                  if ln.startswith('#')]
    start = next(i for i, ln in enumerate(header) if 'generate_realmotion.py' in ln)
    words = ' '.join(header[start:start + 4]).split()
    words = words[words.index('--out') + 2:]
    assert words[:len(args)] == list(args)
    # and no further option on that command (a dropped one would go unnoticed otherwise)
    assert len(words) == len(args) or not words[len(args)].startswith('--'), words


def test_generation_guided_by_an_element_equals_the_same_motion_as_a_file(
        tiny_generator_config, tmp_path):
    from finephys.app.generation import Generation, synthgym_motion_file
    gen = Generation({'tiny': dict(config=tiny_generator_config, checkpoint=None)})
    os.makedirs(tmp_path / 'a')
    a = gen.run('a gymnast jumps', str(tmp_path / 'a'), element='stag jump', seed=2)
    assert osp.isfile(a['side_by_side']) and osp.isfile(a['video'])
    video = a['result']['video']
    size = gen.frame_size('tiny')
    assert video.shape == (8, size, size, 3)
    # the same motion given as a skeleton file: the same video, bit for bit
    os.makedirs(tmp_path / 'b')
    motion = synthgym_motion_file('stag jump', 2, str(tmp_path / 'motion.npz'))
    b = gen.run('a gymnast jumps', str(tmp_path / 'b'), skeleton=motion, seed=2)
    np.testing.assert_array_equal(b['result']['video'], video)
    import imageio.v3 as iio
    assert iio.imread(a['side_by_side'], plugin='pyav').shape[2] == 2 * size


def test_generation_bad_requests(tiny_generator_config, tmp_path):
    from finephys.app.generation import Generation
    gen = Generation({'tiny': dict(config=tiny_generator_config, checkpoint=None)})
    for kwargs, words in ((dict(prompt=' '), 'prompt is empty'),
                          (dict(prompt='a leap'), 'Give the motion'),
                          (dict(prompt='x', skeleton=__file__, skeleton_name='code.py'),
                           'code.py: ".py" is neither'),
                          (dict(prompt='x', element='cartwheel'), 'unknown SynthGym'),
                          (dict(prompt='x', element='stag jump', model='big'),
                           'unknown generator')):
        with pytest.raises(UploadError, match=words):
            gen.run(out_dir=str(tmp_path), **kwargs)
    with pytest.raises(UploadError, match='No generator'):
        Generation({}).run('stag jump', str(tmp_path))


def test_video_to_3d_with_window_physics(app_videos, tmp_path):
    """A Phys-Net model (physics window by window, no contacts) through the same page path."""
    import torch
    from mmengine.config import Config

    from finephys.apis.demo_models import ESTIMATOR3D_PHYSNET_CONFIG
    from finephys.registry import MODELS
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = osp.join(root, ESTIMATOR3D_PHYSNET_CONFIG)
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'physnet.pth')
    torch.save(dict(state_dict=MODELS.build(Config.fromfile(cfg).model).state_dict()), ckpt)
    heard = []
    out = VideoTo3D({'physnet': dict(config=cfg, checkpoint=ckpt)}).run(
        app_videos['clip'], str(tmp_path), progress=lambda *a: heard.append(a[0]))
    assert list(dict.fromkeys(heard)) == ['decode', '2D pose + tracking', 'stabilisation',
                                          'lifting + physics', 'rendering']
    assert out['figures']['contacts'] is None and out['figures']['com'] is not None
    assert np.load(out['paths']['npz'])['fused'].shape == (36, 17, 3)


def test_app_command_line_errors_are_one_line(tmp_path, capsys):
    """The first refusal through a real process (exit status, nothing else on stderr); the
    others through the tool's ``main`` in this process (a fresh interpreter costs ~9 s each)."""
    import socket
    import sys

    from finephys.utils.tool_runner import run_tool_in_process
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    r = run_command([sys.executable, 'tools/app.py', '--work-dir', str(tmp_path)], cwd=root,
                    timeout=120,
                    env=dict(os.environ, PYTHONPATH=root))
    assert r.returncode == 2 and 'no skeleton model' in r.stderr, r.stderr[-2000:]
    assert len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen()
        port = busy.getsockname()[1]
        for args, words in ((['--skeleton', 'a', 'missing.py', 'x.pth'], 'config not found'),
                            (['--skeleton', 'a', __file__, __file__, '--port', str(port)],
                             'choose another --port')):
            capsys.readouterr()
            with pytest.raises(SystemExit) as exited:
                run_tool_in_process('tools/app.py', args)
            err = capsys.readouterr().err
            assert exited.value.code == 2 and words in err, (args, err[-2000:])
            assert len(err.strip().splitlines()) == 1 and 'Traceback' not in err
