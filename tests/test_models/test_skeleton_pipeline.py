"""SkeletonPipeline: the one 2D → 3D path of SkeletonInferencer and MotionPlausibilityMetric."""
import numpy as np
import pytest
import torch

from finephys.evaluation.metrics import MotionPlausibilityMetric
from finephys.models.skeleton_pipeline import SkeletonPipeline
from finephys.structures import default_intrinsics, pixels_to_normalized

SKELETON = ("model = dict(type='FinePhysSkeleton', lifter=dict(type='TemporalConvLifter', "
            "channels=8, num_blocks=1), physics=dict(type='FiniteDifferenceSolver'))\n")


@pytest.fixture(scope='module')
def skeleton(tmp_path_factory):
    from mmengine.config import Config

    from finephys.registry import MODELS
    from finephys.utils import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('skeleton_pipeline')
    (root / 'skeleton.py').write_text(SKELETON)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(root / 'skeleton.py')).model)
    torch.save(dict(state_dict=model.state_dict(), meta={}), root / 'skeleton.pth')
    return str(root / 'skeleton.py'), str(root / 'skeleton.pth')


def _motion(t, seed=0):
    from finephys.datasets.synthgym import generate_clip
    clip = generate_clip('stag jump', seed, num_frames=t, render_size=None)
    return (clip['keypoints_2d'].astype(np.float64), clip['keypoint_scores'].astype(np.float64),
            clip['camera']['K'].astype(np.float64))


def _direct(model, kp, scores, K, fps):
    """The model called once on the whole clip (no windows)."""
    norm = pixels_to_normalized(kp, K)
    out = model(dict(keypoints_2d_norm=torch.as_tensor(norm[None], dtype=torch.float32),
                     keypoint_scores=torch.as_tensor(scores[None], dtype=torch.float32)),
                dict(fps=torch.tensor([fps])), mode='predict')[0]
    return {k: out[n].numpy().astype(np.float64) for k, n in (
        ('s_dd', 'pred_keypoints_3d_dd'), ('s_pp', 'pred_keypoints_3d_pp'),
        ('fused', 'pred_keypoints_3d'))}


def test_a_clip_within_one_window_is_one_model_call_exactly(skeleton):
    pipeline = SkeletonPipeline(*skeleton, window=32)
    kp, scores, K = _motion(20)
    got = pipeline.lift(kp, scores, K, 30.0)
    with torch.no_grad():
        want = _direct(pipeline.model, kp, scores, K, 30.0)
    for key in ('s_dd', 's_pp', 'fused'):
        np.testing.assert_array_equal(got[key], want[key])      # the blend divides back exactly


def test_long_clips_blend_half_overlapping_windows_with_triangular_weights(skeleton):
    pipeline = SkeletonPipeline(*skeleton, window=8)
    kp, scores, K = _motion(21)
    got = pipeline.lift(kp, scores, K, 30.0)['fused']
    # an independent slow loop: every frame's weighted mean over the windows that hold it
    starts = [0, 4, 8, 12, 13]                                 # stride 4, the last flush right
    tri = np.array([1, 2, 3, 4, 4, 3, 2, 1], float)
    num, den = np.zeros((21, 17, 3)), np.zeros(21)
    with torch.no_grad():
        for s in starts:
            window = _direct(pipeline.model, kp[s:s + 8], scores[s:s + 8], K[s:s + 8], 30.0)
            for i in range(8):
                num[s + i] += tri[i] * window['fused'][i]
                den[s + i] += tri[i]
    np.testing.assert_allclose(got, num / den[:, None, None], rtol=1e-12, atol=1e-12)


def test_the_metric_and_the_inferencer_run_the_same_pipeline(skeleton, tmp_path):
    from finephys.apis import SkeletonInferencer
    det_cfg = tmp_path / 'pose.py'
    det_cfg.write_text("model = dict(type='KeypointHeatmapModel', "
                       "net=dict(type='HeatmapPoseNet', channels=(4, 8)))\n")
    from finephys.registry import MODELS
    net = MODELS.build(dict(type='KeypointHeatmapModel',
                            net=dict(type='HeatmapPoseNet', channels=(4, 8))))
    torch.save(dict(state_dict=net.state_dict(), meta={}), tmp_path / 'pose.pth')
    estimator = dict(type='HeatmapPoseEstimator', config=str(det_cfg),
                     checkpoint=str(tmp_path / 'pose.pth'))
    metric = MotionPlausibilityMetric(estimator, *skeleton)
    inferencer = SkeletonInferencer(*skeleton, pose_estimator=estimator)
    assert type(metric.pipeline) is type(inferencer.pipeline) is SkeletonPipeline
    kp, scores, K = _motion(12)
    K0 = default_intrinsics(64, 64)
    np.testing.assert_array_equal(metric.lift(kp, scores, K0, 25.0),
                                  inferencer.pipeline.lift(kp, scores, K0, 25.0)['s_dd'])


def test_the_pose_estimator_is_the_given_one_else_the_configs_own(skeleton, tmp_path):
    """Videos go through the estimator the caller gives, else the skeleton config's
    ``pose_estimator`` (the estimator-3D configs ask for BlazePose heavy with its flip test),
    else plain
    MediaPipe — and the one built is that config."""
    import os.path as osp
    cfg, ckpt = skeleton
    assert SkeletonPipeline(cfg, ckpt).pose_estimator_cfg == dict(type='MediaPipePoseEstimator')
    own = tmp_path / 'own.py'
    own.write_text(open(cfg).read() + "pose_estimator = dict(type='MediaPipePoseEstimator', "
                   "flip_test=True)\n")
    pipeline = SkeletonPipeline(str(own), ckpt)
    assert pipeline.pose_estimator_cfg == dict(type='MediaPipePoseEstimator', flip_test=True)
    given = dict(type='MediaPipePoseEstimator', video_mode=False)
    assert SkeletonPipeline(str(own), ckpt, pose_estimator=given).pose_estimator_cfg == given
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    for name in ('finephys-structured/finephys-skeleton-structured_stage1_synthgym_'
                 'estimator3d-lifter.py',
                 'finephys/finephys-skeleton_stage1_synthgym_estimator3d-lifter_complementary.py'):
        own_cfg = SkeletonPipeline(osp.join(root, 'configs', name), ckpt).pose_estimator_cfg
        assert own_cfg['flip_test'] is True and own_cfg['model_complexity'] == 2
    pytest.importorskip('mediapipe')
    assert pipeline.pose_estimator.flip_test is True


def test_pose_options_set_arguments_on_the_estimator_videos_go_through(skeleton, tmp_path):
    """``infer_skeleton.py --pose-options``: set on the given estimator, else the config's own
    entry, else MediaPipe's — never changing what was given — and an argument the estimator
    does not take is one clear error naming it (exit 2)."""
    import os
    import os.path as osp
    import sys

    from finephys.apis import video_pose_estimator
    from finephys.visualization import write_video
    from tests.tool_process import run_command
    cfg, ckpt = skeleton
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    est3d = osp.join(root, 'configs/finephys-structured/'
                           'finephys-skeleton-structured_stage1_synthgym_estimator3d-lifter.py')
    assert video_pose_estimator(est3d) is None
    fast = dict(model_complexity=1, flip_test=False)
    assert video_pose_estimator(est3d, options=fast) == dict(type='MediaPipePoseEstimator',
                                                             **fast)
    assert video_pose_estimator(cfg, options=dict(video_mode=False)) == dict(
        type='MediaPipePoseEstimator', video_mode=False)
    given = dict(type='HeatmapPoseEstimator', config='c.py', checkpoint=None)
    assert video_pose_estimator(cfg, given, dict(device='cpu')) == dict(given, device='cpu')
    assert 'device' not in given
    video = str(tmp_path / 'dark.mp4')
    write_video(video, np.zeros((6, 64, 64, 3), np.uint8), fps=30)
    r = run_command([sys.executable, 'tools/infer_skeleton.py', cfg, ckpt, video,
                     '--out-dir', str(tmp_path / 'out'), '--pose-options', 'nonsense=1'],
                    cwd=root, env=dict(os.environ, PYTHONPATH=root))
    assert r.returncode == 2, r.stderr[-2000:]
    assert 'nonsense' in r.stderr and 'Traceback' not in r.stderr
