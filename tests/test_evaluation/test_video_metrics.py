"""FVDMetric, CLIPSimMetric, PickScoreMetric and MotionPlausibilityMetric on tiny random models
saved in the real formats."""
import numpy as np
import pytest
import torch

from finephys.evaluation.feature_extractors import (I3DFeatureExtractor, write_tiny_clip_folder,
                                                    write_tiny_i3d)
from finephys.evaluation.functional import (InsufficientSamplesError, acceleration_error,
                                            frechet_distance_from_features, jitter, mpjpe)
from finephys.evaluation.metrics import (CLIPSimMetric, FVDMetric, MotionPlausibilityMetric,
                                         PickScoreMetric)

TEXTS = ['a stag leap', 'a split leap forward', 'a turn on one foot']


@pytest.fixture(scope='module')
def weights(tmp_path_factory):
    root = tmp_path_factory.mktemp('video_metric_weights')
    return dict(i3d=write_tiny_i3d(str(root / 'i3d.safetensors'), seed=1),
                i3d_ts=write_tiny_i3d(str(root / 'i3d_torchscript.pt'), seed=1,
                                      torchscript=True, example_shape=(1, 3, 8, 64, 64)),
                clip=write_tiny_clip_folder(str(root / 'clip'), TEXTS))


def moving_square_videos(n, t=8, size=32, seed=0):
    """``(n, t, size, size, 3)`` uint8: a coloured square moving over a coloured background."""
    rng = np.random.default_rng(seed)
    videos = np.zeros((n, t, size, size, 3), np.uint8)
    for i in range(n):
        videos[i] = rng.integers(0, 256, 3)
        x0, y0, vx = rng.integers(0, size // 2, 2).tolist() + [int(rng.integers(1, 3))]
        colour = rng.integers(0, 256, 3)
        for f in range(t):
            x = (x0 + vx * f) % (size - 8)
            videos[i, f, y0:y0 + 8, x:x + 8] = colour
    return videos


def batches(generated, real, texts=None, labels=None, batch_size=2):
    """(data_batch, outputs) pairs as the TestLoop hands them to a metric."""
    for s in range(0, len(real), batch_size):
        sl = slice(s, s + batch_size)
        samples = dict(text=list(texts[sl]) if texts is not None else None)
        if labels is not None:
            samples['label'] = torch.as_tensor(labels[sl])
        samples = {k: v for k, v in samples.items() if v is not None}
        yield (dict(inputs=dict(video=torch.from_numpy(real[sl])), data_samples=samples),
               [dict(video=torch.from_numpy(v)) for v in generated[sl]])


def evaluate(metric, generated, real, **kw):
    for data_batch, outputs in batches(generated, real, **kw):
        metric.process(data_batch, outputs)
    return metric.evaluate(len(real))


# --- FVD ----------------------------------------------------------------------------------

def test_fvd_equals_the_frechet_distance_of_independently_extracted_features(weights, tmp_path):
    real, generated = moving_square_videos(6, seed=0), moving_square_videos(6, seed=1)
    metric = FVDMetric(weights['i3d'], i3d_width=0.0625, resolution=64, cache_dir=False,
                       device='cpu')
    with pytest.warns(UserWarning, match='6 samples of 400-d'):
        out = evaluate(metric, generated, real)
    extractor = I3DFeatureExtractor(weights['i3d'], width=0.0625, resolution=64, device='cpu')
    with pytest.warns(UserWarning):
        expected = frechet_distance_from_features(extractor(generated).numpy(),
                                                  extractor(real).numpy())
    assert out['video/fvd'] == pytest.approx(expected, rel=1e-6)
    assert out['video/fvd_num_samples'] == 6 and out['video/fvd'] > 1e-3


def test_fvd_of_a_set_with_itself_is_zero_and_torchscript_agrees(weights):
    videos = moving_square_videos(6, seed=2)
    values = []
    for path in (weights['i3d'], weights['i3d_ts']):
        metric = FVDMetric(path, i3d_width=0.0625, resolution=64, cache_dir=False,
                           device='cpu')
        with pytest.warns(UserWarning):
            values.append(evaluate(metric, videos, videos)['video/fvd'])
    other = FVDMetric(weights['i3d'], i3d_width=0.0625, resolution=64, cache_dir=False)
    with pytest.warns(UserWarning):
        shifted = evaluate(other, moving_square_videos(6, seed=3), videos)['video/fvd']
    assert abs(values[0]) < 1e-2 * shifted and abs(values[1] - values[0]) < 1e-2 * shifted


def test_fvd_real_features_are_cached_so_a_rerun_embeds_only_generated(weights, tmp_path):
    real, generated = moving_square_videos(4, seed=4), moving_square_videos(4, seed=5)
    results = []
    for _ in range(2):
        metric = FVDMetric(weights['i3d'], i3d_width=0.0625, resolution=64,
                           cache_dir=str(tmp_path / 'cache'), device='cpu')
        with pytest.warns(UserWarning):
            results.append(evaluate(metric, generated, real)['video/fvd'])
        results.append((metric._cache.hits, metric._cache.misses))
    assert results[1] == (0, 4) and results[3] == (4, 0)        # 2nd run: all real from disk
    assert results[0] == pytest.approx(results[2], rel=1e-9)
    assert len(list((tmp_path / 'cache').glob('*.npy'))) == 4
    # a changed pixel is a miss, not a stale hit
    real[0, 0, 0, 0, 0] ^= 1
    metric = FVDMetric(weights['i3d'], i3d_width=0.0625, resolution=64,
                       cache_dir=str(tmp_path / 'cache'), device='cpu')
    with pytest.warns(UserWarning):
        evaluate(metric, generated, real)
    assert (metric._cache.hits, metric._cache.misses) == (3, 1)


def test_fvd_bad_input_is_a_clear_error(weights, tmp_path):
    with pytest.raises(FileNotFoundError, match="i3d_checkpoint '.*nope.pt' not found"):
        FVDMetric(str(tmp_path / 'nope.pt'))
    metric = FVDMetric(weights['i3d'], i3d_width=0.0625, resolution=64, cache_dir=False)
    real = moving_square_videos(2)
    metric.process(*next(batches(real, real)))
    shorter = moving_square_videos(2, t=6)
    with pytest.raises(ValueError, match=r'shape \(6, 32, 32, 3\), earlier clips \(8, 32'):
        metric.process(*next(batches(shorter, shorter)))
    strict = FVDMetric(weights['i3d'], i3d_width=0.0625, resolution=64, cache_dir=False,
                       min_samples='raise')
    with pytest.raises(InsufficientSamplesError, match='401 samples'):
        evaluate(strict, real, real)


# --- CLIP-SIM and PickScore ---------------------------------------------------------------

def clip_reference(folder, videos, texts):
    """Cosines from CLIPModel's own forward: ``(B, T)`` frame-vs-prompt and the frame
    embeddings ``(B, T, D)`` normalised."""
    from transformers import CLIPModel, CLIPProcessor
    model = CLIPModel.from_pretrained(folder).eval()
    proc = CLIPProcessor.from_pretrained(folder)
    b, t = videos.shape[:2]
    cos, frames = np.zeros((b, t)), []
    for i in range(b):
        inputs = proc(text=[texts[i]], images=list(videos[i]), return_tensors='pt',
                      padding=True)
        with torch.no_grad():
            out = model(**inputs)
        cos[i] = (out.logits_per_image[:, 0] / model.logit_scale.exp()).detach().numpy()
        frames.append(out.image_embeds.numpy())
    return cos, np.stack(frames), float(model.logit_scale.detach().exp())


def test_clip_sim_text_domain_and_smooth_against_clip_forward(weights):
    real, generated = moving_square_videos(4, seed=6), moving_square_videos(4, seed=7)
    texts, labels = [TEXTS[0], TEXTS[1], TEXTS[0], TEXTS[2]], [0, 1, 0, 2]
    out = evaluate(CLIPSimMetric(weights['clip'], device='cpu', batch_size=5), generated, real,
                   texts=texts, labels=labels)
    cos, gen_emb, _ = clip_reference(weights['clip'], generated, texts)
    _, real_emb, _ = clip_reference(weights['clip'], real, texts)
    assert out['video/clip_sim_text'] == pytest.approx(np.mean(100 * np.maximum(cos, 0)),
                                                       abs=1e-3)
    # domain: mean cosine over all (generated frame, real frame of the same class) pairs
    pairs = [np.mean(gen_emb[i] @ np.concatenate([real_emb[j] for j in range(4)
                                                  if labels[j] == labels[i]]).T)
             for i in range(4)]
    assert out['video/clip_sim_domain'] == pytest.approx(np.mean(pairs), abs=1e-5)
    smooth = np.mean([np.mean(np.sum(e[1:] * e[:-1], -1)) for e in gen_emb])
    assert out['video/clip_sim_smooth'] == pytest.approx(smooth, abs=1e-5)


def test_clip_sim_smooth_is_one_for_a_still_video_and_lower_when_shuffled(weights):
    still = np.repeat(moving_square_videos(2, seed=8)[:, :1], 8, axis=1)
    moving = moving_square_videos(2, seed=8)
    shuffled = moving[:, [0, 4, 1, 6, 2, 7, 3, 5]]
    values = {}
    for name, video in (('still', still), ('moving', moving), ('shuffled', shuffled)):
        out = evaluate(CLIPSimMetric(weights['clip'], device='cpu'), video, moving,
                       texts=TEXTS[:2])
        values[name] = out['video/clip_sim_smooth']
    assert values['still'] == pytest.approx(1.0, abs=1e-5)
    assert values['moving'] > values['shuffled']


def test_pickscore_is_the_models_scaled_cosine_averaged_over_frames(weights):
    real, generated = moving_square_videos(3, seed=9), moving_square_videos(3, seed=10)
    out = evaluate(PickScoreMetric(weights['clip'], device='cpu'), generated, real,
                   texts=TEXTS)
    cos, _, scale = clip_reference(weights['clip'], generated, TEXTS)
    real_cos, _, _ = clip_reference(weights['clip'], real, TEXTS)
    assert out['video/pickscore'] == pytest.approx(scale * cos.mean(), abs=1e-3)
    assert out['video/pickscore_real'] == pytest.approx(scale * real_cos.mean(), abs=1e-3)


def test_clip_metrics_bad_input(weights, tmp_path):
    for cls in (CLIPSimMetric, PickScoreMetric):
        with pytest.raises(FileNotFoundError, match='not a local transformers folder'):
            cls(str(tmp_path / 'missing'))
    videos = moving_square_videos(2)
    with pytest.raises(KeyError, match=r"data_samples\['text'\]"):
        evaluate(CLIPSimMetric(weights['clip'], device='cpu'), videos, videos)
    data_batch, outputs = next(batches(videos, videos, texts=TEXTS[:2]))
    outputs[1]['video'] = outputs[1]['video'][:4]
    with pytest.raises(ValueError, match=r'generated videos\[1\] has shape'):
        PickScoreMetric(weights['clip'], device='cpu').process(data_batch, outputs)


# --- motion plausibility ------------------------------------------------------------------

@pytest.fixture(scope='module')
def pose_pipeline(tmp_path_factory):
    """A tiny heatmap detector and a tiny FinePhysSkeleton, saved as tools/train.py would."""
    from finephys.registry import MODELS
    root = tmp_path_factory.mktemp('pose_pipeline')
    det_cfg = root / 'pose.py'
    det_cfg.write_text("model = dict(type='KeypointHeatmapModel', "
                       "net=dict(type='HeatmapPoseNet', channels=(4, 8)))\n")
    torch.manual_seed(0)
    net = MODELS.build(dict(type='KeypointHeatmapModel',
                            net=dict(type='HeatmapPoseNet', channels=(4, 8))))
    torch.save(dict(state_dict=net.state_dict(), meta={}), root / 'pose.pth')
    skel_cfg = root / 'skeleton.py'
    skel_cfg.write_text("model = dict(type='FinePhysSkeleton', lifter=dict(type="
                        "'TemporalConvLifter', channels=8, num_blocks=1), "
                        "physics=dict(type='FiniteDifferenceSolver'))\n")
    from mmengine.config import Config
    skel = MODELS.build(Config.fromfile(str(skel_cfg)).model)
    torch.save(dict(state_dict=skel.state_dict(), meta={}), root / 'skeleton.pth')
    return dict(pose_estimator=dict(type='HeatmapPoseEstimator', config=str(det_cfg),
                                    checkpoint=str(root / 'pose.pth')),
                skeleton_config=str(skel_cfg), skeleton_checkpoint=str(root / 'skeleton.pth'))


def test_motion_plausibility_composes_detector_lifter_and_closed_forms(pose_pipeline):
    from finephys.datasets.synthgym import generate_clip
    clip = generate_clip('stag jump', 3, num_frames=8, render_size=32)
    video, K = clip['video'], clip['camera']['K']
    metric = MotionPlausibilityMetric(**pose_pipeline)
    # independently: the same detector and lifter, called directly
    kp, scores = metric.detector()(np.ascontiguousarray(video[..., ::-1]))
    from finephys.utils.keypoint_gaps import fill_missing_keypoints
    kp, scores, _ = fill_missing_keypoints(kp, scores)
    pred = metric.lift(kp, scores, K, 25.0)
    guidance_3d = pred + np.array([0.3, -0.1, 2.0])       # a rigid shift: no pose error
    guidance_3d[:, 1:] += 0.01 * np.arange(8)[:, None, None] ** 2   # but the limbs accelerate
    guidance_2d = kp + np.array([3.0, 4.0])               # 5 px everywhere
    data_batch = dict(inputs=dict(video=torch.from_numpy(video)[None]),
                      data_samples=dict(camera_K=torch.from_numpy(K)[None],
                                        fps=torch.tensor([25.0])))
    outputs = [dict(video=torch.from_numpy(video),
                    guidance_keypoints_3d=torch.from_numpy(guidance_3d),
                    guidance_keypoints_2d=torch.from_numpy(guidance_2d))]
    metric.process(data_batch, outputs)
    out = metric.evaluate(1)
    assert out['motion/jitter'] == pytest.approx(jitter(pred, 25.0), rel=1e-6)
    assert out['motion/error_2d_px'] == pytest.approx(5.0, abs=1e-6)
    rel, guide_rel = pred - pred[:, :1], guidance_3d - guidance_3d[:, :1]
    assert out['motion/jitter_rel'] == pytest.approx(jitter(rel, 25.0), rel=1e-6)
    assert out['motion/mpjpe'] == pytest.approx(mpjpe(rel, guide_rel).mean(), abs=1e-9)
    # limbs offset by 0.01 t² m from a rigid copy: second difference 0.02 m/frame² per axis
    assert out['motion/accel_error'] == pytest.approx(16 / 17 * 0.02 * np.sqrt(3), rel=1e-6)
    assert out['motion/accel_error'] == pytest.approx(acceleration_error(rel, guide_rel))
    for key in ('jitter', 'jitter_rel', 'error_2d_px', 'mpjpe'):   # same video, same numbers
        assert out[f'motion/{key}_gt_video'] == pytest.approx(out[f'motion/{key}'])
    assert out['motion/num_no_person'] == 0


def test_motion_plausibility_missing_files(pose_pipeline, tmp_path):
    with pytest.raises(FileNotFoundError, match="skeleton_checkpoint '.*none.pth' not found"):
        MotionPlausibilityMetric(**dict(pose_pipeline,
                                        skeleton_checkpoint=str(tmp_path / 'none.pth')))


def test_motion_plausibility_is_off_with_placeholder_checkpoints(pose_pipeline):
    metric = MotionPlausibilityMetric(**dict(pose_pipeline, skeleton_checkpoint=None))
    videos = moving_square_videos(1)
    metric.process(*next(batches(videos, videos)))
    assert metric.evaluate(1) == {}
