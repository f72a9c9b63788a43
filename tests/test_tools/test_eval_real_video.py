"""Pose2Sim's real multi-view demo: the Qualisys calibration and the evaluation tool."""
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(ROOT, 'configs/finephys/finephys-skeleton_stage1_synthgym_tcn-lifter.py')


def test_qualisys_reader_follows_the_documented_conventions(tmp_path):
    from finephys.datasets.pose2sim_demo import read_qualisys_calibration
    rot = np.array([[0.0, 1, 0], [0, 0, 1], [1, 0, 0]])     # world → Qualisys camera axes
    pos = np.array([1.0, -2.0, 1.5])                          # camera centre, metres
    (tmp_path / 'c.qca.txt').write_text(
        '<calibration><cameras>'
        '<camera serial="cam02"><fov_video left="8" top="0" right="1087" bottom="1919"/>'
        '<transform ' + ' '.join(f'r{i + 1}{j + 1}="{rot[i, j]}"' for i in range(3)
                                 for j in range(3)) +
        f' x="{pos[0] * 1000}" y="{pos[1] * 1000}" z="{pos[2] * 1000}"/>'
        '<intrinsic focalLengthU="64000" focalLengthV="64064" centerPointU="35200" '
        'centerPointV="61440" radialDistortion1="-0.64" radialDistortion2="1.28" '
        'tangentalDistortion1="0.064" tangentalDistortion2="0"/></camera>'
        '<camera serial="cam01"><fov_video left="0" top="0" right="99" bottom="99"/>'
        '<transform r11="1" r12="0" r13="0" r21="0" r22="1" r23="0" r31="0" r32="0" r33="1" '
        'x="0" y="0" z="0"/><intrinsic focalLengthU="64" focalLengthV="64" centerPointU="0" '
        'centerPointV="0" radialDistortion1="0" radialDistortion2="0" '
        'tangentalDistortion1="0" tangentalDistortion2="0"/></camera></cameras></calibration>')
    cams = read_qualisys_calibration(str(tmp_path / 'c.qca.txt'))
    assert [c['name'] for c in cams] == ['cam01', 'cam02']
    c = cams[1]
    np.testing.assert_allclose(c['K'], [[1000, 0, 550 - 8], [0, 1001, 960], [0, 0, 1]])
    np.testing.assert_allclose(c['dist'], [-0.01, 0.02, 0.001, 0])
    assert c['size'] == (1080, 1920)
    np.testing.assert_allclose(c['R'] @ pos + c['t'], 0, atol=1e-12)   # the centre maps to 0
    # OpenCV camera = Qualisys camera rotated by 180° about x
    np.testing.assert_allclose(c['R'], np.diag([1, -1, -1]) @ rot)
    (tmp_path / 'bad.qca.txt').write_text('<calibration><cameras><camera serial="x"/>'
                                          '</cameras></calibration>')
    with pytest.raises(ValueError, match="camera 'x' lacks a field"):
        read_qualisys_calibration(str(tmp_path / 'bad.qca.txt'))


def test_eval_real_video_on_pose2sims_demo(tmp_path):
    """The real demo: the triangulated reference reprojects within pixels of MediaPipe's 2D
    (a wrong calibration convention gives hundreds), and the tool reports every source."""
    pytest.importorskip('mediapipe')
    from finephys.datasets.pose2sim_demo import locate_pose2sim_demo
    try:
        locate_pose2sim_demo()
    except FileNotFoundError:
        pytest.skip('pose2sim is not installed (tools/setup_env.sh installs it)')
    from mmengine.config import Config

    from finephys.registry import MODELS
    model = MODELS.build(Config.fromfile(CFG).model)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    # the estimator-3D lifter first (its rows are the RESULT lines), the TCN as a second row
    est_cfg = osp.join(ROOT, 'configs/finephys-structured/'
                             'finephys-skeleton-structured_stage1_synthgym_estimator3d-lifter.py')
    est_ckpt = str(tmp_path / 'estimator3d.pth')
    torch.save(dict(state_dict=MODELS.build(Config.fromfile(est_cfg).model).state_dict()),
               est_ckpt)
    r = run_command([sys.executable, 'tools/analysis_tools/eval_real_video.py', est_cfg,
                     est_ckpt, '--name', 'est3d', '--compare', 'tcn', CFG, ckpt,
                     '--out-dir', str(tmp_path / 'rv'), '--stride', '4',
                     # the bundled full model (the default, heavy, is fetched by make env)
                     '--model-complexity', '1'], cwd=ROOT,
                    timeout=900,
                    env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr[-3000:]
    results = dict(line[len('RESULT '):].split('=') for line in r.stdout.splitlines()
                   if line.startswith('RESULT '))
    assert set(results) == {'realvideo_mpjpe', 'realvideo_p_mpjpe', 'realvideo_accel_error',
                            'realvideo_bone_cv', 'realvideo_root_error',
                            'realvideo_reprojection_px', 'realvideo_reference_reprojection_px',
                            'realvideo_mediapipe_world_p_mpjpe',
                            'realvideo_mediapipe_world_accel_error',
                            'realvideo_mediapipe_world_flip_p_mpjpe',
                            'realvideo_mediapipe_world_flip_accel_error',
                            'realvideo_still_skeleton_accel_error',
                            'realvideo_raw_reference_p_mpjpe',
                            'realvideo_raw_reference_accel_error',
                            'realvideo_raw_reference_mediapipe_world_p_mpjpe',
                            'realvideo_raw_reference_mediapipe_world_accel_error',
                            'realvideo_raw_reference_still_skeleton_accel_error',
                            'realvideo_gravity_direction_error_deg',
                            'realvideo_gravity_direction_error_level_deg',
                            *(f'realvideo_model_{m}_{k}' for m in ('est3d', 'tcn')
                              for k in ('mpjpe', 'p_mpjpe', 'root_error'))}
    assert float(results['realvideo_reference_reprojection_px']) < 20
    # MediaPipe's own 3D is a real monocular estimate: well under 20 cm after alignment
    assert float(results['realvideo_mediapipe_world_p_mpjpe']) < 200
    with open(tmp_path / 'rv' / 'report.json') as f:
        report = json.load(f)
    assert report['frames'] == 100 and len(report['per_view']) == 4
    assert list(report['models']) == ['est3d', 'tcn']           # name -> config, checkpoint
    assert all(v['est3d/fused']['frames'] == 25 for v in report['per_view'].values())
    mean = report['mean']
    # the flip test: MediaPipe's world landmarks averaged with the mirror image's are closer to
    # the reference than its own (80.6 -> 77.2 mm on all 100 frames)
    flip = mean['mediapipe_world_flip']
    assert flip['p_mpjpe'] < mean['mediapipe_world']['p_mpjpe']
    assert float(results['realvideo_mediapipe_world_flip_p_mpjpe']) == pytest.approx(
        flip['p_mpjpe'], abs=0.05)
    # the estimator-3D lifter alone is MediaPipe's (flip-averaged) shape with constant bones,
    # placed by the 2D: its root-relative error is that baseline's to a few mm, its bones do not
    # stretch, and it lands on the body (the baseline has no position: it is put at the
    # reference's pelvis)
    assert abs(mean['est3d/s_dd']['p_mpjpe'] - flip['p_mpjpe']) < 10
    assert mean['est3d/s_dd']['bone_cv'] < 0.5 * mean['mediapipe_world']['bone_cv']
    assert mean['est3d/s_dd']['reproj_px'] < 20 and mean['est3d/s_dd']['root'] < 300
    assert float(results['realvideo_root_error']) == pytest.approx(mean['est3d/fused']['root'],
                                                                    abs=0.05)
    # every model's fused row by name: the first one's equals the headline lines
    assert results['realvideo_model_est3d_p_mpjpe'] == results['realvideo_p_mpjpe']
    assert float(results['realvideo_model_tcn_mpjpe']) == pytest.approx(
        mean['tcn/fused']['mpjpe'], abs=0.05)
    # the floor of the acceleration column: a still skeleton scores the reference's own
    # acceleration, below the noisy monocular estimate's
    still = float(results['realvideo_still_skeleton_accel_error'])
    assert still == pytest.approx(report['still_pose']['accel'], abs=0.01)
    assert 0 < still < mean['mediapipe_world']['accel']
    # the reference is filtered as Pose2Sim filters its own triangulation: the raw one's
    # frame-to-frame noise (its still skeleton's accel) is mostly gone, its shape is not (the
    # same P-MPJPE to a few mm); the raw reference is scored too
    assert report['reference_filter'] == 'pose2sim'
    raw, raw_still = report['mean_raw_reference'], report['still_pose_raw_reference']
    assert still < 0.8 * raw_still['accel']
    assert float(results['realvideo_raw_reference_still_skeleton_accel_error']) == \
        pytest.approx(raw_still['accel'], abs=0.01)
    for src in ('est3d/fused', 'mediapipe_world'):
        assert abs(raw[src]['p_mpjpe'] - mean[src]['p_mpjpe']) < 5, src
    # the even frames' reference against the odd frames' (independent triangulations): the
    # filtered halves agree on their acceleration far better than the raw ones (27.4 vs 5.2
    # mm/f² on all 100 frames with the heavy model)
    split = report['reference_split_accel']
    assert 0 < split['filtered'] < 0.5 * split['raw']
    # gravity: a level camera's error is the calibration's own tilt (world z up), computed
    # here from the calibration; the views' cameras look down 18-34°, and the direction
    # estimated from each view's scene (MediaPipe's upright body, the stances) is closer
    from finephys.datasets.pose2sim_demo import (locate_pose2sim_demo,
                                                 read_qualisys_calibration)
    cams = read_qualisys_calibration(osp.join(locate_pose2sim_demo(), 'calibration',
                                              'Calib.qca.txt'))
    tilts = [np.degrees(np.arccos(-(np.asarray(c['R']) @ [0, 0, 1.0])[1])) for c in cams]
    level = report['gravity_error_deg']['level camera']
    np.testing.assert_allclose([level[c['name']] for c in cams], tilts, atol=1e-6)
    assert float(results['realvideo_gravity_direction_error_level_deg']) == pytest.approx(
        np.mean(tilts), abs=0.01)
    assert set(report['gravity_error_deg']['tcn']) == {c['name'] for c in cams}
    assert float(results['realvideo_gravity_direction_error_deg']) < 0.75 * np.mean(tilts)


def test_benchmark_video_pose_runs_and_reports(tmp_path):
    pytest.importorskip('mediapipe')
    from finephys.datasets.pose2sim_demo import locate_pose2sim_demo
    try:
        locate_pose2sim_demo()
    except FileNotFoundError:
        pytest.skip('pose2sim is not installed (tools/setup_env.sh installs it)')
    r = run_command([sys.executable, 'tools/analysis_tools/benchmark_video_pose.py',
                     '--seconds', '0.5', '--sample-frames', '6', '--repeats', '2',
                     '--work-dir', str(tmp_path)],
                    cwd=ROOT, timeout=600,
                    env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr[-3000:]
    results = dict(line[len('RESULT '):].split('=') for line in r.stdout.splitlines()
                   if line.startswith('RESULT '))
    assert {'video_pose_fps_1080p', 'video_pose_speed_ratio', 'video_pipeline_fps_1080p',
            'video_tracking_vs_mediapipe_video_mode',
            'video_tracking_vs_mediapipe_video_mode_first_6',
            'video_pipeline_peak_rss_mb'} <= set(results)
    assert all(float(v) > 0 for v in results.values())
    assert '1920x1080, 15 frames' in r.stdout
    # the headline ratio is timed on every frame of the video, the _first_6 one on the sample
    assert 'whole video (15 frames)' in r.stdout


def test_eval_missing_frames_reports_every_source(tmp_path):
    from mmengine.config import Config

    from finephys.registry import MODELS
    cfg = osp.join(ROOT, 'configs/finephys-structured/'
                         'finephys-skeleton-structured_stage1_synthgym_tcn-lifter.py')
    model = MODELS.build(Config.fromfile(cfg).model)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    r = run_command([sys.executable, 'tools/analysis_tools/eval_missing_frames.py', cfg, ckpt,
                     '--num-clips', '3', '--gap', '4', '--missing-gates', 'config', '0',
                     '--lifter-missing-scores', 'config', 'none', '--out',
                     str(tmp_path / 'm.md')], cwd=ROOT, timeout=600,
                    env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr[-3000:]
    results = dict(line[len('RESULT '):].split('=') for line in r.stdout.splitlines()
                   if line.startswith('RESULT '))
    for key in ('lifter1_s_dd_mpjpe', 'lifter1_fused_gate0.5_abs', 'lifter1_fused_gate0_mpjpe',
                'lifter0_interp_3d_mpjpe', 'nogap_fused_mpjpe'):
        assert f'missing_{key}' in results and np.isfinite(float(results[f'missing_{key}'])), key
    assert osp.isfile(tmp_path / 'm.md')
