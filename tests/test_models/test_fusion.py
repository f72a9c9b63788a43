import numpy as np
import torch

from finephys.models.fusion import project_points
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


def test_torch_projection_equals_the_numpy_camera_model():
    """``project_points`` (torch, in the model) and ``structures.camera_to_pixels`` (numpy, in
    the readers and writers) are the same pinhole model, per-sequence and per-frame K."""
    from finephys.structures import camera_to_pixels
    torch.manual_seed(0)
    pts = torch.randn(2, 6, 17, 3, dtype=torch.float64) * 0.5 + torch.tensor([0.0, 0.0, 8.0])
    k = torch.tensor([[700.0, 0, 320], [0, 650, 180], [0, 0, 1]], dtype=torch.float64)
    uv = project_points(pts, k.expand(2, 3, 3))
    for b in range(2):
        np.testing.assert_allclose(uv[b].numpy(), camera_to_pixels(pts[b].numpy(), k.numpy()),
                                   rtol=1e-12)
    k_t = k.expand(2, 6, 3, 3).clone()
    k_t[:, :, 0, 0] += torch.arange(6.0, dtype=torch.float64)     # a zoom
    uv = project_points(pts, k_t)
    np.testing.assert_allclose(uv[1].numpy(), camera_to_pixels(pts[1].numpy(), k_t[1].numpy()),
                               rtol=1e-12)
