"""evaluation/missing_frames: errors on lost frames, against an independent computation."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate

from finephys.evaluation.missing_frames import (lost_frame_errors, lost_frames_of,
                                                missing_frames_table, with_simulated_gaps)
from finephys.registry import DATASETS, MODELS
from finephys.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(ROOT, 'configs/finephys/finephys-skeleton_stage1_synthgym_tcn-lifter.py')


@pytest.fixture(scope='module')
def setup():
    register_all_modules()
    cfg = Config.fromfile(CFG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    ds_cfg = cfg.val_dataloader.dataset
    ds_cfg.num_samples = 3
    return model, ds_cfg


def test_gaps_go_after_frame_sampling(setup):
    _, ds_cfg = setup
    gapped = with_simulated_gaps(ds_cfg, gap=5, num_gaps=2)
    types = [t['type'] for t in gapped['pipeline']]
    at = types.index('SimulateMissingFrames')
    assert types[at - 1] == 'SampleFrames' and len(types) == len(ds_cfg.pipeline) + 1
    assert gapped['pipeline'][at]['gap'] == 5 and gapped['pipeline'][at]['num_gaps'] == 2
    assert [t['type'] for t in ds_cfg.pipeline].count('SimulateMissingFrames') == 0   # a copy


def test_lost_frame_errors_match_a_direct_computation(setup):
    model, ds_cfg = setup
    dataset = DATASETS.build(with_simulated_gaps(ds_cfg, gap=6, num_gaps=1))
    errors, selected = lost_frame_errors(model, dataset, lost_frames_of)
    sq = {'mpjpe': [], 'abs': []}
    for i in range(len(dataset)):
        batch = default_collate([dataset[i]])
        with torch.no_grad():
            out = model.test_step(batch)[0]
        lost = (batch['inputs']['keypoint_scores'][0] <= 0).all(-1).numpy()
        assert lost.sum() == 6 and (selected[i] == lost).all()
        pred = out['pred_keypoints_3d'].double().numpy()[lost]
        gt = batch['data_samples']['keypoints_3d'][0].double().numpy()[lost]
        sq['abs'] += list(np.linalg.norm(pred - gt, axis=-1).mean(-1))
        sq['mpjpe'] += list(np.linalg.norm((pred - pred[:, :1]) - (gt - gt[:, :1]),
                                           axis=-1).mean(-1))
    for m in ('mpjpe', 'abs'):
        assert errors[('fused', m)] == pytest.approx(1e3 * np.mean(sq[m]), rel=1e-9)
    assert {name for name, _ in errors} == {'s_dd', 's_pp', 'fused', 'interp_3d'}


def test_table_restores_the_model_settings_and_scores_the_same_frames_without_gaps(setup):
    model, ds_cfg = setup
    with_gaps = DATASETS.build(with_simulated_gaps(ds_cfg, gap=6, num_gaps=1))
    without = DATASETS.build(ds_cfg)
    before = (model.fuser.missing_gate, model.lifter_missing_score)
    rows = missing_frames_table(model, with_gaps, without, [None, 0.0], [None, 0.5])
    assert (model.fuser.missing_gate, model.lifter_missing_score) == before
    assert set(rows) == {'lifter0_s_dd', 'lifter0_s_pp', 'lifter0_interp_3d',
                         'lifter0_fused_learned', 'lifter0_fused_gate0',
                         'lifter0.5_s_dd', 'lifter0.5_s_pp', 'lifter0.5_interp_3d',
                         'lifter0.5_fused_learned', 'lifter0.5_fused_gate0',
                         'nogap_s_dd', 'nogap_s_pp', 'nogap_fused'}
    # gate 0 on missing joints = physics there: on the lost frames the fused output is S_pp
    assert rows['lifter0_fused_gate0']['abs'] == pytest.approx(rows['lifter0_s_pp']['abs'])
