import os
import shutil

import numpy as np
import pytest

from finephys.datasets import (FINEGYM_SUBSETS, SKIP_REASONS, FineGymSkeletonDataset,
                               FineGymVideoDataset, format_element_id, parse_element_id,
                               parse_finegym_categories, parse_gym99_categories, subset_labels)
from finephys.datasets.synthgym import ACTIONS
from finephys.datasets.transforms import (LoadVideoFrames, NormalizeKeypoints2D, SampleFrames,
                                          SkeletonCropResize)
from finephys.utils.launch import InputDataError

GYM99_CATEGORIES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'data', 'finegym', 'gym99_categories.txt')


def test_gym99_subsets_by_element_set_have_the_papers_class_counts():
    cats = parse_finegym_categories(GYM99_CATEGORIES)
    assert len(cats) == 99 and parse_gym99_categories is parse_finegym_categories
    counts = {s: len(subset_labels(cats, s)) for s in FINEGYM_SUBSETS}
    assert counts == {'FX-JUMP': 11, 'FX-TURN': 7, 'FX-SALTO': 17}
    # the cases a text rule got wrong: a leap named "johnson", a salto-less "aerial walkover"
    johnson = next(c for c, v in cats.items() if v['text'].startswith('johnson'))
    aerial = next(c for c, v in cats.items() if v['text'] == 'aerial walkover forward')
    assert johnson in subset_labels(cats, 'FX-JUMP') and aerial in subset_labels(cats, 'FX-SALTO')
    assert not set(subset_labels(cats, 'FX-TURN')) & {johnson, aerial}
    # every FX class of gym99 belongs to exactly one subset
    fx = {c for c, v in cats.items() if v['event'] == 'FX'}
    union = [c for s in FINEGYM_SUBSETS for c in subset_labels(cats, s)]
    assert sorted(union) == sorted(fx)
    # SynthGym's catalogue speaks gym99: its labels land in the same subsets
    for name, spec in ACTIONS.items():
        assert cats[spec['label']]['text'] == name
        assert spec['label'] in subset_labels(cats, spec['subset'])
    with pytest.raises(ValueError, match='FX-LEAP'):
        subset_labels(cats, 'FX-LEAP')


def test_gym288_category_lines_parse_and_subset(tmp_path):
    # gym288 uses the same line form with 288 classes and the same element-set ids
    p = tmp_path / 'gym288_categories.txt'
    p.write_text('Clabel: 0; set: 1; Glabel: 1; (VT) round-off, flic-flac with 0.5 turn on, '
                 'stretched salto forward with 0.5 turn off\n'
                 'Clabel:  97; set: 21; Glabel:  66; (FX) switch leap with 0.5 turn\r\n'
                 '\n'
                 'Clabel: 287; set: 74; Glabel: 529; (UB) clear pike circle backward\n'
                 'Clabel:  120; set: 25; Glabel:  199; (FX) double salto backward piked\n')
    cats = parse_finegym_categories(str(p))
    assert cats[287] == dict(set=74, glabel=529, event='UB', text='clear pike circle backward')
    assert cats[97]['text'] == 'switch leap with 0.5 turn'
    assert subset_labels(cats, 'FX-JUMP') == [97] and subset_labels(cats, 'FX-SALTO') == [120]


@pytest.mark.parametrize('text, match', [
    ('Clabel: 0; set: 1; Glabel: 1; (VT) round-off\nnot a category\n', r'cats.txt:2'),
    ('Clabel: 0; set: 1; Glabel: 1; (VT) a\nClabel: 0; set: 2; Glabel: 2; (FX) b\n',
     r'cats.txt:2: Clabel 0 is given twice'),
    ('\n\n', 'empty categories file')])
def test_bad_category_file_is_named(tmp_path, text, match):
    p = tmp_path / 'cats.txt'
    p.write_text(text)
    with pytest.raises(ValueError, match=match):
        parse_finegym_categories(str(p))


def test_element_id_timestamp_arithmetic():
    e = parse_element_id('0LtLS9wROrk_E_002407_002435_A_0003_0005')
    assert e.youtube_id == '0LtLS9wROrk' and (e.event_start, e.event_end) == (2407, 2435)
    assert (e.action_start, e.action_end) == (3, 5)
    assert e.absolute_span == (2410, 2412) and e.event_id == '0LtLS9wROrk_E_002407_002435'
    # YouTube ids with "_" and "-"; an event id alone
    e = parse_element_id('a_b-c_E_000010_000200_A_0100_0190')
    assert e.youtube_id == 'a_b-c' and e.absolute_span == (110, 200)
    ev = parse_element_id('a_b-c_E_000010_000200')
    assert ev.action_start is None and ev.absolute_span == (10, 200)
    # formatting floors to whole seconds and round-trips
    clip = format_element_id('0LtLS9wROrk', 2407.6, 2435.2, 3.9, 5.01)
    assert clip == '0LtLS9wROrk_E_002407_002435_A_0003_0005'
    assert parse_element_id(clip).absolute_span == (2410, 2412)
    for bad in ('noevent', 'x_E_12_A_1_2', 'x_E_000020_000010'):
        with pytest.raises(InputDataError, match='FineGym clip id'):
            parse_element_id(bad)


def _dataset(fg, cls=FineGymVideoDataset, **kw):
    kw.setdefault('probe_cache', False) if cls is FineGymVideoDataset else None
    extra = dict(data_prefix=dict(video=fg['video'])) if cls is FineGymVideoDataset else {}
    return cls(ann_file=fg['ann_file'], categories_file=fg['categories_file'],
               skeleton_file=fg['skeleton_file'], **extra, **kw)


def test_every_skip_reason_is_counted_when_the_dataset_is_built(tiny_finegym):
    ds = _dataset(tiny_finegym)
    assert len(ds) == 4
    assert ds.num_skipped == tiny_finegym['expected_skips']
    assert list(ds.num_skipped) == [r for r in SKIP_REASONS if r in ds.num_skipped]
    assert 'vid8' in ds.skip_examples['bad_video'] and '150' in ds.skip_examples['unknown_label']
    # every kept clip's video decodes in full (the epoch never meets a bad file)
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        r = LoadVideoFrames()(SampleFrames(clip_len=len(info['keypoints_2d']), random=False)(
            dict(info)))
        assert r['video'].shape[0] == len(info['keypoints_2d'])
    # the skeleton-only dataset has no video checks: the video-only failures are kept
    sk = _dataset(tiny_finegym, FineGymSkeletonDataset)
    video_reasons = {'no_video', 'bad_video', 'video_too_short'}
    assert sk.num_skipped == {k: v for k, v in tiny_finegym['expected_skips'].items()
                              if k not in video_reasons}
    assert len(sk) == 4 + sum(tiny_finegym['expected_skips'][k] for k in video_reasons)


def test_bad_clip_can_raise_instead(tiny_finegym):
    # the first bad clip in list order stops the build, named with its reason
    with pytest.raises(InputDataError, match=r'too_short: vid1_E_000011_000020_A_0003_0004: 6 '):
        _dataset(tiny_finegym, on_bad_clip='raise')
    with pytest.raises(InputDataError, match='on_bad_clip'):
        _dataset(tiny_finegym, on_bad_clip='ignore')


def test_subsets_and_texts(tiny_finegym):
    jump = _dataset(tiny_finegym, subset='FX-JUMP')
    assert [d['class_name'] for d in jump] == ['stag jump']
    # the shipped description is the prompt by default; the template composes fields
    assert jump[0]['text'].startswith('The gymnast takes off from one foot')
    named = _dataset(tiny_finegym, subset='FX-JUMP', text_template='{subset}: {name}')
    assert named[0]['text'] == 'FX-JUMP: stag jump'
    salto = _dataset(tiny_finegym, subset='FX-SALTO')
    assert sorted(d['label'] for d in salto) == [25, 40]
    info = salto[0]
    assert info['keypoints_2d'].shape == (20, 17, 2) and info['keypoint_scores'].shape == (20, 17)
    assert np.isfinite(info['keypoints_2d']).all()


def test_probe_cache_probes_each_video_once(tiny_finegym, tmp_path, monkeypatch):
    import finephys.datasets.io.video_probe as vp
    calls = []
    real = vp.probe_video
    monkeypatch.setattr(vp, 'probe_video', lambda p, full=True: calls.append(p) or real(p, full))
    cache = str(tmp_path / 'probe.json')
    first = _dataset(tiny_finegym, probe_cache=cache)
    n = len(calls)
    assert n == 4 + 3      # kept + bad_video (2) + video_too_short; missing files never probed
    again = _dataset(tiny_finegym, probe_cache=cache)
    assert len(calls) == n and again.num_skipped == first.num_skipped
    # a changed file is probed again: repair the truncated video
    fixed = tmp_path / 'copy'
    shutil.copytree(tiny_finegym['root'], fixed)
    fg = {k: (v.replace(tiny_finegym['root'], str(fixed)) if isinstance(v, str) else v)
          for k, v in tiny_finegym.items()}
    sub = os.path.join(fg['video'], '{}.mp4')
    cache2 = str(tmp_path / 'probe2.json')
    _dataset(fg, probe_cache=cache2)
    shutil.copy(sub.format('vid0_E_000001_000010_A_0000_0001'),
                sub.format('vid8_E_000001_000010_A_0000_0001'))
    before = len(calls)
    repaired = _dataset(fg, probe_cache=cache2)
    assert len(calls) == before + 1 and repaired.num_skipped['bad_video'] == 1


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


def test_shipped_descriptions_cover_every_gym99_fx_class():
    from finephys.datasets import GYM99_FX_DESCRIPTIONS, load_descriptions
    cats = parse_finegym_categories(GYM99_CATEGORIES)
    texts = load_descriptions(GYM99_FX_DESCRIPTIONS)
    fx = {c: v for c, v in cats.items() if v['event'] == 'FX'}
    assert set(texts) == set(fx) and len(texts) == 35
    for c, v in fx.items():
        assert texts[c]['name'] == v['text']
        assert c in subset_labels(cats, texts[c]['subset'])
        assert len(texts[c]['description'].split()) > 2 * len(v['text'].split())


def test_text_override_template_and_synthgym(tmp_path):
    import json

    from finephys.datasets import SynthGymDataset, TextExpander
    from finephys.datasets.synthgym import describe
    override = tmp_path / 'mine.json'
    override.write_text(json.dumps({'16': 'a stag leap, front knee bent'}))
    ex = TextExpander('{name} ({subset}): {description}', override_file=str(override))
    assert ex(16, 'stag jump') == 'stag jump (FX-JUMP): a stag leap, front knee bent'
    assert ex(25, 'salto forward tucked').startswith('salto forward tucked (FX-SALTO): From a')
    assert ex(200, 'unlisted element') == 'unlisted element (): unlisted element'
    assert ex.undescribed == {200}
    with pytest.raises(InputDataError, match='no text description for class 200'):
        TextExpander(missing='raise')(200, 'x')
    with pytest.raises(InputDataError, match=r"unknown field\(s\) \['speed'\]"):
        TextExpander('{speed}')
    override.write_text('{"x": "y"}')
    with pytest.raises(InputDataError, match="key 'x' is not a class label"):
        TextExpander(override_file=str(override))
    # SynthGym: the same shipped text; the class name unless a template is given
    ds = SynthGymDataset(num_samples=2, num_frames=8, classes=['stag jump'])
    assert ds[0]['text'] == 'stag jump' and ds[0]['description'] == describe('stag jump')
    templ = SynthGymDataset(num_samples=2, num_frames=8, classes=['stag jump'],
                            text_template='{description}')
    assert templ[0]['text'] == describe('stag jump') == TextExpander()(16, 'stag jump')


def test_gym288_labels_never_borrow_a_gym99_description(tiny_finegym, tmp_path):
    # a gym288-style label space: Clabel 16 is another element there
    cats = tmp_path / 'gym288_categories.txt'
    cats.write_text('Clabel: 16; set: 21; Glabel: 104; (FX) stag ring jump\n'
                    'Clabel: 25; set: 24; Glabel: 163; (FX) salto forward tucked\n')
    split = tmp_path / 'split.txt'
    split.write_text('vid0_E_000001_000010_A_0000_0001 16\n')
    ds = FineGymSkeletonDataset(ann_file=str(split), categories_file=str(cats),
                                skeleton_file=tiny_finegym['skeleton_file'])
    assert ds[0]['text'] == 'stag ring jump' and ds.texts.undescribed == {16}


def test_annotation_without_image_shape_is_counted(tiny_finegym, tmp_path):
    import pickle
    with open(tiny_finegym['skeleton_file'], 'rb') as f:
        data = pickle.load(f)
    for a in data['annotations']:
        if a['frame_dir'] == 'vid0_E_000001_000010_A_0000_0001':
            a.pop('img_shape')
            a.pop('original_shape')
    path = tmp_path / 'sk.pkl'
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    ds = _dataset(dict(tiny_finegym, skeleton_file=str(path)), FineGymSkeletonDataset)
    assert ds.num_skipped['bad_keypoints'] == 2
    assert 'img_shape' in ds.skip_examples['bad_keypoints'] or 'NaN' in ds.skip_examples[
        'bad_keypoints']
