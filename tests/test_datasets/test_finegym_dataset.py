import numpy as np
import pytest

from finephys.datasets import (FineGymVideoDataset, parse_gym99_categories, subset_labels)
from finephys.datasets.synthgym import ACTIONS
from finephys.datasets.transforms import (LoadVideoFrames, NormalizeKeypoints2D, SampleFrames,
                                          SkeletonCropResize)


def test_categories_and_subsets_match_synthgym_catalogue(tiny_finegym):
    cats = parse_gym99_categories(tiny_finegym['categories_file'])
    assert cats[0]['event'] == 'VT' and cats[45]['event'] == 'BB'
    for subset in ('FX-JUMP', 'FX-TURN', 'FX-SALTO'):
        expected = sorted(v['label'] for v in ACTIONS.values() if v['subset'] == subset)
        assert subset_labels(cats, subset) == expected      # beam's "1 turn" is not FX-TURN
    with pytest.raises(ValueError, match='FX-LEAP'):
        subset_labels(cats, 'FX-LEAP')


def test_bad_category_line_is_named(tmp_path):
    p = tmp_path / 'cats.txt'
    p.write_text('Clabel: 0; set: 1; Glabel: 1; (VT) round-off\nnot a category\n')
    with pytest.raises(ValueError, match=r'cats.txt:2'):
        parse_gym99_categories(str(p))


def _dataset(fg, **kw):
    return FineGymVideoDataset(ann_file=fg['ann_file'], categories_file=fg['categories_file'],
                               skeleton_file=fg['skeleton_file'], data_prefix=dict(video=fg['video']),
                               **kw)


def test_dataset_filters_subset_and_counts_skips(tiny_finegym):
    ds = _dataset(tiny_finegym)
    assert len(ds) == 3
    assert ds.num_skipped == dict(no_skeleton=1, no_video=1, too_short=1)
    jump = _dataset(tiny_finegym, subset='FX-JUMP')
    assert [d['text'] for d in jump] == ['stag jump']
    salto = _dataset(tiny_finegym, subset='FX-SALTO')
    assert len(salto) == 1 and salto[0]['label'] == ACTIONS['salto forward tucked']['label']
    info = salto[0]
    assert info['keypoints_2d'].shape == (20, 17, 2) and info['keypoint_scores'].shape == (20, 17)
    assert np.isfinite(info['keypoints_2d']).all()


def test_bad_split_line_is_named(tiny_finegym, tmp_path):
    bad = tmp_path / 'split.txt'
    bad.write_text('vid0_E_000001_000010_A_0000_0001\n')
    with pytest.raises(ValueError, match='split.txt:1'):
        _dataset(dict(tiny_finegym, ann_file=str(bad)))


def test_video_pipeline_keeps_normalised_coordinates(tiny_finegym):
    info = _dataset(tiny_finegym, subset='FX-TURN')[0]
    r = SampleFrames(clip_len=8, random=False)(info)
    r = LoadVideoFrames()(r)
    assert r['video'].shape == (8, 48, 48, 3) and r['video'].dtype == np.uint8
    before = NormalizeKeypoints2D('camera')(dict(r))['keypoints_2d_norm']
    crop = SkeletonCropResize(size=32)(dict(r))
    assert crop['video'].shape == (8, 32, 32, 3)
    after = NormalizeKeypoints2D('camera')(dict(crop))['keypoints_2d_norm']
    np.testing.assert_allclose(after, before, atol=1e-5)      # K follows the crop exactly
    # the crop is a similarity: pixel (u, v) of the source lands at s (u − x0, v − y0)
    x0, y0, side = crop['crop_box']
    s = 32 / side
    np.testing.assert_allclose(crop['keypoints_2d'], (r['keypoints_2d'] - [x0, y0]) * s,
                               rtol=1e-4, atol=1e-3)
    # every joint of the performer lies inside the crop
    u, v = np.round(crop['keypoints_2d'][:, 0]).astype(int).T
    assert ((u >= 0) & (u < 32) & (v >= 0) & (v < 32)).all()


def test_load_video_errors_name_the_file(tiny_finegym):
    info = _dataset(tiny_finegym, subset='FX-TURN')[0]
    with pytest.raises(ValueError, match=r'asks for frame 99'):
        LoadVideoFrames()(dict(info, frame_inds=np.array([0, 99])))
    with pytest.raises(ValueError, match=r'skeleton file says 64x48'):
        LoadVideoFrames()(dict(info, camera=dict(info['camera'], image_size=(64, 48))))
