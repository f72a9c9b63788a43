import pytest
import torch

from finephys.registry import MODELS
from finephys.structures import estimator_head_from_h36m


def _model(**kw):
    cfg = dict(type='FinePhysSkeleton',
               lifter=dict(type='TemporalConvLifter', channels=16, num_blocks=1),
               physics=dict(type='EulerLagrangeSolver', hidden=16, global_layers=2),
               fuser=dict(type='LearnedGateFuser', hidden=8))
    cfg.update(kw)
    return MODELS.build(cfg)


def _batch(b=2, t=10):
    torch.manual_seed(0)
    gt = torch.randn(b, t, 17, 3).cumsum(1) * 0.01 + torch.tensor([0.0, 0.0, 10.0])
    kp = gt[..., :2] / gt[..., 2:]
    inputs = dict(keypoints_2d_norm=kp + 0.001 * torch.randn_like(kp),
                  keypoint_scores=torch.rand(b, t, 17) * 0.5 + 0.5)
    samples = dict(keypoints_3d=gt, fps=torch.tensor([30.0, 25.0])[:b],
                   camera_K=torch.tensor([[500.0, 0, 128], [0, 500, 128], [0, 0, 1]]).expand(b, t, 3, 3))
    return inputs, samples


def test_stage1_losses_reach_every_submodule():
    model = _model().train()
    inputs, samples = _batch()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_3d_dd', 'loss_3d_pp', 'loss_3d_fused', 'loss_noise'}
    sum(losses.values()).backward()
    for name in ('lifter', 'physics', 'fuser'):
        grads = [p.grad for p in getattr(model, name).parameters()]
        assert all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads), name


def test_stage2_uses_only_2d_and_keeps_the_lifter_frozen():
    model = _model(loss_weights=dict(dd=0, pp=0, fused=0, reproj=1.0), frozen=('lifter',)).train()
    inputs, samples = _batch()
    samples = {k: v for k, v in samples.items() if k != 'keypoints_3d'}   # no 3D labels at all
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_2d', 'loss_noise'}
    sum(losses.values()).backward()
    assert all(p.grad is None for p in model.lifter.parameters())
    assert not model.lifter.training                     # frozen BN statistics
    assert any(p.grad is not None for p in model.physics.parameters())


def test_predict_returns_all_three_sources_and_pixel_projection():
    model = _model().eval()
    inputs, samples = _batch()
    out = model(inputs, samples, mode='predict')
    assert len(out) == 2
    for key in ('pred_keypoints_3d', 'pred_keypoints_3d_dd', 'pred_keypoints_3d_pp'):
        assert out[0][key].shape == (10, 17, 3)
    # the 2D is in the estimator's terms: its head is the nose tip and the mid-ear
    fused = estimator_head_from_h36m(out[0]['pred_keypoints_3d'])
    expect = fused[..., :2] / fused[..., 2:] * 500 + 128
    torch.testing.assert_close(out[0]['pred_keypoints_2d'], expect)
    g = out[0]['fusion_gate']
    assert g.shape == (10, 17) and ((g > 0) & (g < 1)).all()
    assert 'pred_keypoints_3d_dd_lowpass' not in out[0]        # the gate fuser has no filter
    comp = _model(fuser=dict(type='ComplementaryFuser')).eval()
    out = comp(inputs, samples, mode='predict')
    torch.testing.assert_close(out[0]['pred_keypoints_3d_dd_lowpass'],
                               comp.fuser.low_pass(out[0]['pred_keypoints_3d_dd'][None])[0])


def test_bad_inputs_give_clear_errors():
    model = _model()
    inputs, samples = _batch()
    with pytest.raises(ValueError, match='all-zero'):
        model(dict(inputs, keypoint_scores=torch.zeros(2, 10, 17)), samples, mode='predict')
    with pytest.raises(ValueError, match='fps'):
        model(inputs, {}, mode='predict')
    with pytest.raises(KeyError, match='valid'):
        _model(loss_weights=dict(l3d=1.0))


def test_detached_physics_input_keeps_physics_loss_out_of_the_lifter():
    model = _model(loss_weights=dict(dd=0, fused=0, noise=0, pp=1.0),
                   detach_physics_input=True).train()
    inputs, samples = _batch()
    sum(model(inputs, samples, mode='loss').values()).backward()
    assert all(p.grad is None or p.grad.abs().sum() == 0 for p in model.lifter.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.physics.parameters())


def test_structured_solver_gets_context_and_trains_contacts():
    model = _model(physics=dict(type='StructuredPhysicsSolver', contact_hidden=8,
                                contact_layers=1),
                   fuser=dict(type='ComplementaryFuser'), detach_physics_input=True).train()
    inputs, samples = _batch()
    contacts = torch.zeros(2, 10, 2, dtype=torch.bool)
    contacts[:, :3] = True
    samples = dict(samples, contacts=contacts,
                   camera_gravity=torch.tensor([[0.0, 9.8, 0.5], [0.0, 9.8, -0.5]]))
    losses = model(inputs, samples, mode='loss')
    assert {'loss_3d_dd', 'loss_3d_pp', 'loss_3d_fused', 'loss_contact'} <= set(losses)
    sum(losses.values()).backward()
    net = model.physics.contact_net
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())
    assert model.physics.log_internal_smoothness.grad.abs() > 0     # learnt through the solve
    out = model.eval()(inputs, samples, mode='predict')[0]
    for key in ('pred_keypoints_3d_dd_scaled', 'contact_prob', 'pred_flight', 'gravity_scale',
                'contact_force', 'internal_forces'):
        assert key in out
    assert out['contact_prob'].shape == (10, 4) and out['internal_forces'].shape == (10, 17, 3)


def test_missing_joints_reach_the_lifter_with_its_score_and_the_fuser_with_zero():
    """lifter_missing_score: the lifter sees the configured score on missing joints (score 0),
    the fuser still sees 0 — and its missing_gate then applies there."""
    inputs, samples = _batch(b=1)
    scores = inputs['keypoint_scores'].clone()
    scores[:, 4:7] = 0.0                                  # three lost frames
    comp = dict(type='ComplementaryFuser', missing_gate=0.25)
    a = _model(lifter_missing_score=0.7, fuser=comp).eval()
    b = _model(fuser=comp).eval()
    b.load_state_dict(a.state_dict())
    out_a = a(dict(inputs, keypoint_scores=scores), samples, mode='predict')[0]
    filled = torch.where(scores <= 0, torch.tensor(0.7), scores)
    out_b = b(dict(inputs, keypoint_scores=filled), samples, mode='predict')[0]
    torch.testing.assert_close(out_a['pred_keypoints_3d_dd'], out_b['pred_keypoints_3d_dd'])
    gate = out_a['fusion_gate']
    assert (gate[4:7] == 0.25).all() and (gate[:4] > 0.9).all()
    # the fused output is the complementary formula with that gate
    dd, pp = out_a['pred_keypoints_3d_dd'][None], out_a['pred_keypoints_3d_pp'][None]
    expect = pp + a.fuser.low_pass(gate[None, ..., None] * (dd - pp))
    torch.testing.assert_close(out_a['pred_keypoints_3d'], expect[0])
    with pytest.raises(ValueError, match='lifter_missing_score=1.5'):
        _model(lifter_missing_score=1.5)
    with pytest.raises(ValueError, match='missing_gate=-1'):
        _model(fuser=dict(type='LearnedGateFuser', missing_gate=-1))
    lg = _model(fuser=dict(type='LearnedGateFuser', missing_gate=0.0)).eval()
    out = lg(dict(inputs, keypoint_scores=scores), samples, mode='predict')[0]
    torch.testing.assert_close(out['pred_keypoints_3d'][4:7], out['pred_keypoints_3d_pp'][4:7])


def test_lifter_extra_terms_on_s_dd_match_the_standalone_losses():
    from finephys.models.losses import NMPJPELoss, VelocityLoss
    model = _model(loss_weights=dict(dd_n_mpjpe=0.5, dd_velocity=20.0)).eval()
    inputs, samples = _batch()
    losses = model(inputs, samples, mode='loss')
    s_dd = model.lifter(inputs['keypoints_2d_norm'], inputs['keypoint_scores'])
    rel = lambda x: x - x[:, :, :1]                                # noqa: E731
    gt = samples['keypoints_3d']
    torch.testing.assert_close(losses['loss_dd_n_mpjpe'], 0.5 * NMPJPELoss()(rel(s_dd), rel(gt)))
    torch.testing.assert_close(losses['loss_dd_velocity'],
                               20.0 * VelocityLoss()(rel(s_dd), rel(gt)))
