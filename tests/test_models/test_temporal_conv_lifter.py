import pytest
import torch

from finephys.registry import LIFTERS, MODELS


def _lifter(**kw):
    return LIFTERS.build(dict(type='TemporalConvLifter', channels=32, num_blocks=2, **kw))


def test_output_shape_root_and_consistency_with_input_projection():
    torch.manual_seed(0)
    lifter = _lifter().eval()
    kp = torch.randn(2, 12, 17, 2) * 0.05
    out = lifter(kp, torch.rand(2, 12, 17))
    assert out.shape == (2, 12, 17, 3)
    # root head starts at zero: the root projects exactly onto the input root, at the depth
    # where a body of the learned size looks as large as the 2D pose (z = size_3d / size_2d)
    root = out[:, :, 0]
    torch.testing.assert_close(root[..., :2] / root[..., 2:], kp[:, :, 0])
    size_2d = (kp - kp[:, :, :1]).norm(dim=-1).mean(-1)
    torch.testing.assert_close(root[..., 2], lifter.log_body_size.exp() / size_2d)


def test_is_causal_free_sequence_to_sequence_and_sees_context():
    lifter = _lifter().eval()
    kp = torch.randn(1, 20, 17, 2) * 0.05
    base = lifter(kp)
    kp2 = kp.clone()
    kp2[:, 10] += 0.1
    diff = (lifter(kp2) - base).abs().amax((0, 2, 3))
    assert diff[10] > 0 and diff[12] > 0 and diff[8] > 0   # temporal receptive field both ways


def test_gradients_reach_every_parameter():
    model = MODELS.build(dict(type='PoseLiftingModel',
                              lifter=dict(type='TemporalConvLifter', channels=16, num_blocks=1)))
    inputs = dict(keypoints_2d_norm=torch.randn(2, 8, 17, 2) * 0.05,
                  keypoint_scores=torch.rand(2, 8, 17))
    target = torch.randn(2, 8, 17, 3) * 0.3 + torch.tensor([0, 0, 10.0])
    losses = model(inputs, dict(keypoints_3d=target), mode='loss')
    sum(losses.values()).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_wrong_layout_and_nan_give_clear_errors():
    lifter = _lifter()
    with pytest.raises(ValueError, match=r'\(B, T, 17, 2\)'):
        lifter(torch.zeros(2, 8, 17, 3))
    model = MODELS.build(dict(type='PoseLiftingModel', lifter=dict(type='TemporalConvLifter',
                                                                    channels=8, num_blocks=1)))
    bad = torch.zeros(1, 8, 17, 2)
    bad[0, 3, 4, 0] = float('nan')
    with pytest.raises(ValueError, match='NaN'):
        model(dict(keypoints_2d_norm=bad), mode='tensor')
