import torch

from finephys.models.fusion import estimate_intrinsics, project_points
from finephys.registry import FUSERS


def test_complementary_fuser_keeps_low_and_takes_high_frequencies():
    fuser = FUSERS.build(dict(type='ComplementaryFuser', window=9, sigma=2.0))
    t = torch.arange(64, dtype=torch.float32)
    truth = torch.stack([torch.sin(t / 10), torch.cos(t / 13), 10 + 0.1 * t], -1)
    truth = truth[None, :, None].expand(1, 64, 17, 3)
    jitter = 0.05 * torch.randn(1, 64, 17, 3)
    drift = 0.3 * (t / 64)[None, :, None, None]                     # smooth physics drift
    s_dd, s_pp = truth + jitter, truth + drift
    with torch.no_grad():
        fused, gate = fuser(s_dd, s_pp, torch.ones(1, 64, 17))
    inner = slice(8, -8)
    err = lambda x: (x - truth)[:, inner].norm(dim=-1).mean()
    acc = lambda x: (x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2])[:, 6:-6].norm(dim=-1).mean()
    assert err(fused) < 0.5 * err(s_dd) + 0.05 and err(fused) < 0.5 * err(s_pp)
    assert acc(fused) < 0.3 * acc(s_dd)
    # the kernel sums to one: a constant offset between the two passes through unchanged
    with torch.no_grad():
        same, _ = fuser(truth + 1.0, truth, torch.ones(1, 64, 17) * 10)
    torch.testing.assert_close(same, truth + gate_one(fuser) * 1.0, atol=1e-4, rtol=0)


def gate_one(fuser):
    return torch.sigmoid(fuser.gate_scale * 10 + fuser.gate_bias).item()


def test_learned_gate_fuser_is_a_convex_combination():
    fuser = FUSERS.build(dict(type='LearnedGateFuser'))
    a, b = torch.zeros(2, 5, 17, 3), torch.ones(2, 5, 17, 3)
    fused, gate = fuser(a, b)
    torch.testing.assert_close(fused, (1 - gate)[..., None].expand_as(fused))
    assert ((gate > 0) & (gate < 1)).all()


def test_least_squares_intrinsics_recover_the_camera():
    torch.manual_seed(0)
    pts = torch.randn(2, 6, 17, 3) * 0.5 + torch.tensor([0.0, 0.0, 8.0])
    k = torch.tensor([[700.0, 0, 320], [0, 700, 180], [0, 0, 1]]).expand(2, 3, 3)
    uv = project_points(pts, k)
    torch.testing.assert_close(estimate_intrinsics(uv, pts), k, atol=1e-2, rtol=1e-4)
