"""The OpenMMLab stack is really installed (mmcv with compiled ops, mmdet, mmpose)."""
import numpy as np
import torch

import finephys
from finephys.utils import collect_env


def test_version_and_env_report():
    assert finephys.__version__.count('.') == 2
    env = collect_env()
    for key in ('mmcv', 'mmpose', 'mmdet', 'diffusers', 'transformers', 'peft', 'finephys'):
        assert key in env and 'not available' not in str(env[key]), key


def test_mmcv_compiled_ops_run():
    from mmcv.ops import nms
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], dtype=torch.float32)
    scores = torch.tensor([0.9, 0.8, 0.7])
    _, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]


def test_mmpose_topdown_runs_on_a_rendered_synthgym_frame(tmp_path):
    import os.path as osp

    import mmpose
    from mmpose.apis import inference_topdown, init_model

    from finephys.datasets.synthgym import generate_clip
    cfg = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
                   'rtmpose', 'coco', 'rtmpose-t_8xb256-420e_coco-256x192.py')
    assert osp.isfile(cfg)
    from mmengine.registry import DefaultScope

    # mmpose's API makes its own scope the current one: give it back afterwards (a later test
    # on this worker builds finephys modules through the default scope)
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = init_model(cfg, checkpoint=None, device='cpu')
        clip = generate_clip('stag jump', 0, num_frames=4, render_size=96)
        frame = np.ascontiguousarray(clip['video'][0][..., ::-1])   # BGR, as mmpose reads
        kp = clip['keypoints_2d_clean'][0]
        box = np.array([[*kp.min(0) - 5, *kp.max(0) + 5]])
        results = inference_topdown(model, frame, bboxes=box)
    assert results[0].pred_instances.keypoints.shape == (1, 17, 2)


def test_mediapipe_finds_landmarks_and_tensorboard_writes_with_the_pinned_protobuf(tmp_path):
    """protobuf >= 5 makes MediaPipe 0.10.21 return no landmarks without an error; the pins of
    requirements/realvideo.txt and runtime.txt must keep both it and TensorBoard working."""
    import glob

    import google.protobuf
    assert int(google.protobuf.__version__.split('.')[0]) < 5
    from finephys.datasets.synthgym import generate_clip
    from finephys.models.pose_estimators.mediapipe_pose_estimator import import_mediapipe
    mp = import_mediapipe()
    clip = generate_clip('double salto backward piked', 0, num_frames=8, render_size=256)
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        found = sum(pose.process(f).pose_landmarks is not None for f in clip['video'])
    assert found >= 4
    from torch.utils.tensorboard import SummaryWriter
    with SummaryWriter(str(tmp_path)) as w:
        w.add_scalar('x', 1.0, 0)
    assert glob.glob(str(tmp_path / 'events.out.tfevents.*'))
