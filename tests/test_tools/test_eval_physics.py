"""tools/analysis_tools/eval_physics.py end to end: val tuning, both sets, tables, PNGs, RESULT."""
import os
import os.path as osp
import re
import sys

import numpy as np
import torch

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(ROOT, 'configs/finephys-structured/'
                     'finephys-skeleton-structured_stage1_synthgym_tcn-lifter.py')


def test_eval_physics_reports_both_sets(tmp_path):
    from mmengine.config import Config

    from finephys.datasets.mocap import build_realmotion_clips
    from finephys.registry import MODELS
    from tests.test_datasets.test_mocap.test_deepmimic import _jump
    small = ['model.lifter.channels=16', 'model.lifter.num_blocks=1',
             'model.physics.contact_hidden=8', 'model.physics.contact_layers=1']
    cfg = Config.fromfile(CFG)
    cfg.merge_from_dict(dict(model=dict(lifter=dict(channels=16, num_blocks=1),
                                        physics=dict(contact_hidden=8, contact_layers=1))))
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), ckpt)
    real = str(tmp_path / 'real.npz')
    np.savez(real, **build_realmotion_clips({'hop': (_jump(), 30.0)}, views=1))
    out = str(tmp_path / 'report' / 'physics.md')
    env = dict(os.environ, PYTHONPATH=ROOT)
    loaders = [f'{k}_dataloader.{a}' for k in ('val', 'test')
               for a in ('num_workers=0', 'persistent_workers=False', 'batch_size=4')]
    r = run_command([sys.executable, 'tools/analysis_tools/eval_physics.py', CFG, ckpt,
                     '--num-clips', '4', '--val-clips', '4', '--realmotion', real,
                     '--compare', CFG, ckpt, '--out', out, '--work-dir', str(tmp_path / 'w'),
                     '--cfg-options', *small, *loaders],
                    cwd=ROOT, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    report = open(out).read()
    for row in ('data-driven lifter (S_dd)', 'Kalman/RTS', 'Butterworth', 'Savitzky',
                '**best smoother**', 'physics alone (S_pp)', 'ground truth'):
        assert row in report
    assert report.count('| source |') == 2                          # one table per set
    for name in ('synthgym', 'realmotion'):
        assert osp.isfile(osp.join(osp.dirname(out), f'physics_{name}_com_height.png'))
        for key in ('physics_vs_best_smoother_accel_reduction',
                    'physics_vs_best_smoother_ballistic_reduction',
                    'physics_vs_best_smoother_mpjpe_reduction', 'structured_ballistic_error',
                    'flight_recall'):
            assert re.search(rf'^RESULT {name}_{key}=-?[0-9.]+$', r.stdout, re.M), (name, key)
    # flight detection per motion name (the real set's clips are named 'hop')
    assert '### Flight detection' in report and '| hop |' in report
    # a missing real-motion file is one clear error
    r = run_command([sys.executable, 'tools/analysis_tools/eval_physics.py', CFG, ckpt,
                     '--realmotion', str(tmp_path / 'none.npz')], cwd=ROOT, env=env,
                    timeout=300)
    assert r.returncode == 2 and 'none.npz' in r.stderr and 'Traceback' not in r.stderr
    bad = str(tmp_path / 'bad.npz')
    np.savez(bad, keypoints_3d=np.zeros((2, 8, 17, 3)))                # no camera_K / fps
    r = run_command([sys.executable, 'tools/analysis_tools/eval_physics.py', CFG, ckpt,
                     '--realmotion', bad], cwd=ROOT, env=env, timeout=300)
    assert r.returncode == 2 and 'missing arrays' in r.stderr and 'Traceback' not in r.stderr
