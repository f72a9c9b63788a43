import os.path as osp

import mmpose
import numpy as np
import pytest
import torch

from finephys.datasets.synthgym import generate_clip
from finephys.registry import POSE_ESTIMATORS
from finephys.structures import coco17_to_h36m17

RTMPOSE = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
                   'rtmpose', 'coco', 'rtmpose-t_8xb256-420e_coco-256x192.py')


def test_mmpose_estimator_matches_calling_mmpose_directly(tmp_path):
    from mmengine.registry import DefaultScope
    from mmpose.apis import inference_topdown, init_model
    # a real mmpose config with random weights, saved as a checkpoint
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpose'):
        ref = init_model(RTMPOSE, None, device='cpu')
    ckpt = str(tmp_path / 'rtmpose_random.pth')
    torch.save(dict(state_dict=ref.state_dict()), ckpt)
    est = POSE_ESTIMATORS.build(dict(type='MMPoseTopDownEstimator', config=RTMPOSE,
                                     checkpoint=ckpt, batch_size=3))
    clip = generate_clip('stag jump', 0, num_frames=5, render_size=96)
    frames = np.ascontiguousarray(clip['video'][..., ::-1])
    kp = clip['keypoints_2d_clean']
    boxes = np.concatenate([kp.min(1) - 6, kp.max(1) + 6], -1)
    ours, our_scores = est(frames, boxes)
    assert ours.shape == (5, 17, 2) and our_scores.shape == (5, 17)
    with DefaultScope.overwrite_default_scope('mmpose'):
        for i in range(5):
            res = inference_topdown(ref, frames[i], bboxes=boxes[i:i + 1])[0].pred_instances
            expect, expect_s = coco17_to_h36m17(res.keypoints[0],
                                                np.clip(res.keypoint_scores[0], 0, 1))
            np.testing.assert_allclose(ours[i], expect, atol=1e-3)
            np.testing.assert_allclose(our_scores[i], expect_s, atol=1e-5)
    from mmengine.registry import DefaultScope as DS
    assert DS.get_current_instance().scope_name == 'finephys'    # our scope is left intact


def test_annotation_estimator_converts_and_validates():
    est = POSE_ESTIMATORS.build(dict(type='AnnotationPoseEstimator', layout='coco17'))
    coco = np.random.default_rng(0).uniform(0, 100, (4, 17, 2))
    kp, s = est(coco)
    np.testing.assert_allclose(kp, coco17_to_h36m17(coco))
    with pytest.raises(ValueError, match='NaN'):
        est(np.full((4, 17, 2), np.nan))
    with pytest.raises(ValueError, match=r'\(T, 17, 2\)'):
        est(np.zeros((4, 18, 2)))
    with pytest.raises(ValueError, match='score is 0'):
        est(coco, np.zeros((4, 17)))
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        POSE_ESTIMATORS.build(dict(type='MMPoseTopDownEstimator', config=RTMPOSE,
                                   checkpoint='missing.pth'))
