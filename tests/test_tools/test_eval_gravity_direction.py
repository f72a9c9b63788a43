"""``tools/analysis_tools/eval_gravity_direction.py``: tilted SynthGym performances, gravity
from the scene vs a level camera vs the truth, RESULT lines and the report."""
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(ROOT, 'configs/finephys-structured/'
                     'finephys-skeleton-structured_stage1_synthgym_tcn-lifter.py')


def test_eval_gravity_direction_tool(tmp_path):
    from finephys.evaluation.gravity_direction import tilted_clip
    from finephys.models.physics.gravity_direction import angle_deg
    from finephys.registry import MODELS
    from finephys.utils.setup_env import register_all_modules
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=MODELS.build(Config.fromfile(CFG).model).state_dict()), ckpt)
    r = run_command([sys.executable, 'tools/analysis_tools/eval_gravity_direction.py', CFG,
                     ckpt, '--num-clips', '2', '--out-dir', str(tmp_path / 'g')], cwd=ROOT,
                    timeout=600,
                    env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr[-3000:]
    results = dict(line[len('RESULT '):].split('=') for line in r.stdout.splitlines()
                   if line.startswith('RESULT '))
    names = {'synthgym_gravity_direction_error_deg', 'synthgym_gravity_direction_error_level_deg',
             'synthgym_gravity_direction_error_oracle_deg'}
    names |= {f'synthgym_tilted_{k}_{s}' for k in ('ballistic_error', 'mpjpe')
              for s in ('scene', 'level', 'true')}
    assert set(results) == names
    # a level camera's error is each clip's own tilt (computed here from the clips' cameras);
    # the true gravity's is 0
    tilts = [angle_deg(tilted_clip(i)['camera']['gravity'], (0.0, 1.0, 0.0)) for i in range(2)]
    assert float(results['synthgym_gravity_direction_error_level_deg']) == pytest.approx(
        np.median(tilts), abs=0.01)
    with open(tmp_path / 'g' / 'report.json') as f:
        report = json.load(f)
    assert [c['angle_true'] for c in report['clips']] == pytest.approx([0, 0], abs=1e-6)
    assert all(c['source'] for c in report['clips']) and report['split'] == 'test'
    assert 'FX-JUMP' in open(tmp_path / 'g' / 'report.md').read()


def test_eval_gravity_direction_refuses_bad_arguments(tmp_path, monkeypatch, capsys):
    """One line, exit 2, no traceback (in process: the refusal comes before any model)."""
    import runpy
    for args, words in ((['--tilt-deg', '0'], '--tilt-deg 0'),
                        (['--num-clips', '0'], '--num-clips 0')):
        monkeypatch.setattr(sys, 'argv', ['eval_gravity_direction.py', CFG, __file__, *args])
        with pytest.raises(SystemExit) as exit_info:
            runpy.run_path(osp.join(ROOT, 'tools/analysis_tools/eval_gravity_direction.py'),
                           run_name='__main__')
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and words in err and 'Traceback' not in err
