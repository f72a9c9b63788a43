"""Inception-I3D, FVD preprocessing, the weight loaders and the CLIP embedder."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from finephys.evaluation.feature_extractors import (CLIPEmbedder, I3DFeatureExtractor,
                                                    InceptionI3D, is_torchscript_archive,
                                                    load_i3d_state_dict, preprocess_fvd_video,
                                                    write_tiny_clip_folder, write_tiny_i3d)
from finephys.evaluation.feature_extractors.inception_i3d import same_padding
from finephys.registry import FEATURE_EXTRACTORS, MODELS


def test_full_network_has_the_kinetics_layout_and_key_names():
    state = InceptionI3D().state_dict()
    expected = {'Conv3d_1a_7x7.conv3d.weight': (64, 3, 7, 7, 7),
                'Conv3d_2b_1x1.conv3d.weight': (64, 64, 1, 1, 1),
                'Conv3d_2c_3x3.conv3d.weight': (192, 64, 3, 3, 3),
                'Mixed_3b.b0.conv3d.weight': (64, 192, 1, 1, 1),
                'Mixed_3b.b1b.conv3d.weight': (128, 96, 3, 3, 3),
                'Mixed_4b.b3b.conv3d.weight': (64, 480, 1, 1, 1),
                'Mixed_5c.b2b.bn.running_var': (128,),
                'logits.conv3d.weight': (400, 1024, 1, 1, 1), 'logits.conv3d.bias': (400,)}
    for key, shape in expected.items():
        assert tuple(state[key].shape) == shape, key
    assert not any(k.startswith('logits.bn') for k in state)
    assert FEATURE_EXTRACTORS.get('InceptionI3D') is InceptionI3D is MODELS.get('InceptionI3D')


@pytest.mark.parametrize('n, k, s', [(16, 7, 2), (15, 7, 2), (8, 3, 1), (7, 3, 2), (4, 2, 2),
                                     (1, 3, 2)])
def test_same_padding_gives_tensorflow_output_sizes(n, k, s):
    x = torch.zeros(1, 1, n, 1, 1)
    pad = same_padding((n, 1, 1), (k, 1, 1), (s, 1, 1))
    out = F.max_pool3d(F.pad(x, pad), (k, 1, 1), (s, 1, 1))
    assert out.shape[2] == math.ceil(n / s)
    before, after = pad[-2:]
    assert after - before in (0, 1)                # TF puts the odd pixel after


def test_tiny_i3d_shapes_and_state_dict_round_trip(tmp_path):
    net = InceptionI3D(width=0.0625).eval()
    x = torch.rand(2, 3, 16, 64, 64) * 2 - 1
    with torch.no_grad():
        assert net.features(x).shape == (2, net.feature_channels, 2, 2, 2)
        logits = net(x)
    assert logits.shape == (2, 400)
    for name in ('w.safetensors', 'w.pt'):
        path = write_tiny_i3d(str(tmp_path / name), width=0.0625)
        assert not is_torchscript_archive(path)
        other = InceptionI3D(width=0.0625)
        other.load_state_dict(load_i3d_state_dict(path))
        ref = InceptionI3D(width=0.0625)
        torch.manual_seed(0)
        assert set(other.state_dict()) == set(ref.state_dict())
    torch.save(dict(state_dict=other.state_dict(), meta={}), tmp_path / 'ckpt.pth')
    assert load_i3d_state_dict(str(tmp_path / 'ckpt.pth')).keys() == other.state_dict().keys()


def test_torchscript_and_state_dict_files_give_the_same_features(tmp_path):
    sd = write_tiny_i3d(str(tmp_path / 'i3d.safetensors'), seed=3)
    ts = write_tiny_i3d(str(tmp_path / 'i3d_torchscript.pt'), seed=3, torchscript=True,
                        example_shape=(1, 3, 16, 64, 64))
    assert is_torchscript_archive(ts)
    ramp = torch.linspace(0, 1, 72)[None, None, :, None]
    videos = torch.stack([torch.full((20, 48, 72, 3), 30.0), 255 * ramp.expand(20, 48, 72, 3),
                          torch.randint(0, 256, (20, 48, 72, 3)).float()]).to(torch.uint8)
    a = I3DFeatureExtractor(sd, width=0.0625, resolution=64, device='cpu')
    b = I3DFeatureExtractor(ts, resolution=64, device='cpu')
    fa, fb = a(videos, batch_size=2), b(videos, batch_size=1)
    assert fa.shape == (3, 400) and fa.dtype == torch.float64
    assert torch.allclose(fa, fb, atol=1e-5)
    assert fa[0].sub(fa[1]).abs().max() > 1e-4             # features depend on the clip
    assert a.fingerprint != b.fingerprint


def test_missing_or_wrong_weights_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='I3D weights not found'):
        I3DFeatureExtractor(str(tmp_path / 'nope.pt'))
    path = write_tiny_i3d(str(tmp_path / 'tiny.pt'), width=0.0625)
    with pytest.raises(ValueError, match=r'not an InceptionI3D\(width=1.0\) state dict'):
        I3DFeatureExtractor(path, width=1.0, device='cpu')


def test_fvd_preprocessing_frames_crop_and_range():
    video = np.zeros((1, 20, 224, 448, 3), np.uint8)
    video[..., 112:336, :] = 255                       # the centre 224 columns white
    video[:, :, 0, 200, 0] = 0                         # a marker inside the crop
    x = preprocess_fvd_video(video)
    assert x.shape == (1, 3, 16, 224, 224) and x.dtype == torch.float32
    # shorter side already 224: no resampling, the centre crop is the input's columns 112:336
    expected = torch.as_tensor(video[0, :16, :, 112:336]).permute(3, 0, 1, 2).float() / 127.5 - 1
    assert torch.allclose(x[0], expected)
    # a constant grey clip of another size maps to 2·v/255 − 1 everywhere
    grey = np.full((2, 9, 60, 40, 3), 51, np.uint8)
    y = preprocess_fvd_video(grey, resolution=32)
    assert y.shape == (2, 3, 9, 32, 32)
    assert torch.allclose(y, torch.full_like(y, 2 * 51 / 255 - 1), atol=1e-6)
    with pytest.raises(ValueError, match=r'videos\[1\] has shape'):
        preprocess_fvd_video([grey[0], grey[0, :8]])
    with pytest.raises(ValueError, match='expected'):
        preprocess_fvd_video(np.zeros((2, 8, 32, 32), np.uint8))


def test_clip_embedder_matches_the_model_forward(tmp_path):
    from transformers import CLIPModel, CLIPProcessor
    folder = write_tiny_clip_folder(str(tmp_path / 'clip'), texts=['a stag leap'])
    emb = CLIPEmbedder(folder, device='cpu', batch_size=2)
    frames = np.random.default_rng(0).integers(0, 256, (3, 40, 52, 3), dtype=np.uint8)
    img, txt = emb.embed_frames(frames), emb.embed_texts(['a stag leap', 'a turn'])
    assert img.shape == (3, 16) and txt.shape == (2, 16)
    assert torch.allclose(img.norm(dim=-1), torch.ones(3), atol=1e-5)
    # independent: CLIPModel's own forward, logits_per_image = exp(logit_scale) · cos
    model = CLIPModel.from_pretrained(folder).eval()
    proc = CLIPProcessor.from_pretrained(folder)
    inputs = proc(text=['a stag leap', 'a turn'], images=list(frames), return_tensors='pt',
                  padding=True)
    with torch.no_grad():
        logits = model(**inputs).logits_per_image
    assert torch.allclose(emb.logit_scale * img @ txt.T, logits, atol=1e-4)
    with pytest.raises(FileNotFoundError, match='no config.json'):
        CLIPEmbedder(str(tmp_path / 'missing'))
