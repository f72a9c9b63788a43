"""Exact resume after SIGKILL: a run killed mid-epoch, during a checkpoint write or right after
validation, then restarted with ``--resume``, ends with the uninterrupted run's weights bit for
bit and logs the same losses after the resume point (epoch-based lifter with two persistent
workers and dropout; iteration-based stage 3 with its three-group AdamW and diffusion noise)."""
import glob
import json
import os
import os.path as osp
import sys

import pytest
import torch

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LIFTER = osp.join(ROOT, 'tests', 'data', 'tiny_resume_synthgym.py')
STAGE3 = osp.join(ROOT, 'tests', 'data', 'tiny_stage3_resume.py')


def train(cfg, work_dir, kill=None, resume=False, options=()):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    env.pop('FINEPHYS_TEST_KILL', None)
    if kill:
        env['FINEPHYS_TEST_KILL'] = kill
    args = [sys.executable, 'tools/train.py', cfg, '--work-dir', str(work_dir)]
    args += ['--resume'] if resume else []
    args += ['--cfg-options', *options] if options else []
    return run_command(args, ROOT, env=env)


def losses(work_dir):
    """``{step: loss}`` of every run in ``work_dir``, one dict per run, oldest first."""
    runs = []
    for path in sorted(glob.glob(osp.join(str(work_dir), '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            rows = [json.loads(line) for line in f]
        runs.append({r['step']: r['loss'] for r in rows if 'loss' in r})
    return runs


def weights(path):
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def assert_identical(a, b):
    assert a.keys() == b.keys()
    diff = {k: (a[k].double() - b[k].double()).abs().max().item() for k in a
            if a[k].is_floating_point()}
    assert all(torch.equal(a[k], b[k]) for k in a), max(diff.items(), key=lambda kv: kv[1])


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    work = tmp_path_factory.mktemp('straight')
    r = train(LIFTER, work)
    assert r.returncode == 0, r.stderr[-3000:]
    return work


@pytest.mark.parametrize('kill, resumes_from, first_step', [
    ('after_train_iter:9', 'iter_8.pth', 9),       # mid-epoch 2, from the mid-epoch checkpoint
    ('during_save:12', 'iter_10.pth', 11),         # writing epoch_2.pth: the previous one holds
    ('after_val:3', 'epoch_3.pth', 19),            # right after epoch 3's validation
])
def test_killed_lifter_run_resumes_bit_exact(uninterrupted, tmp_path, kill, resumes_from,
                                             first_step):
    work = tmp_path / 'killed'
    r = train(LIFTER, work, kill=kill)
    assert r.returncode == -9, (r.returncode, r.stderr[-2000:])
    with open(work / 'last_checkpoint') as f:
        assert osp.basename(f.read().strip()) == resumes_from
    if kill.startswith('during_save'):
        # the kill landed inside the write: a partial temporary file, never a partial checkpoint
        assert glob.glob(str(work / '.epoch_2.pth.tmp-*')) and not (work / 'epoch_2.pth').exists()
    r = train(LIFTER, work, resume=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert_identical(weights(work / 'epoch_4.pth'), weights(uninterrupted / 'epoch_4.pth'))
    reference, (killed, resumed) = losses(uninterrupted)[0], losses(work)
    assert min(resumed) == first_step and max(resumed) == 24
    assert resumed == {s: reference[s] for s in resumed}
    assert killed == {s: reference[s] for s in killed}


def test_without_the_random_state_hook_the_resume_is_not_exact(uninterrupted, tmp_path):
    """The control: with mmengine's behaviour (random stream not checkpointed) the same kill
    gives different weights — the exactness above is the hooks' doing, not luck."""
    work = tmp_path / 'killed'
    off = ['default_hooks.random_state.type=IterTimerHook']
    assert train(LIFTER, work, kill='after_train_iter:9', options=off).returncode == -9
    assert train(LIFTER, work, resume=True, options=off).returncode == 0
    a, b = weights(work / 'epoch_4.pth'), weights(uninterrupted / 'epoch_4.pth')
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_killed_stage3_run_resumes_bit_exact(tmp_path):
    from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
    sd = write_tiny_sd15_folder(str(tmp_path / 'sd'), pixel_space=True,
                                texts=['stag jump', 'split leap'])
    ma = write_tiny_motion_adapter(str(tmp_path / 'ma'))
    opts = [f'model.generator.pretrained_model_path={sd}',
            f'model.generator.motion_adapter_path={ma}']
    straight, work = tmp_path / 'straight', tmp_path / 'killed'
    r = train(STAGE3, straight, options=opts)
    assert r.returncode == 0, r.stderr[-3000:]
    r = train(STAGE3, work, kill='after_train_iter:5', options=opts)
    assert r.returncode == -9, r.stderr[-2000:]
    r = train(STAGE3, work, resume=True, options=opts)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'without loading it' in r.stdout + r.stderr
    a, b = weights(work / 'iter_6.pth'), weights(straight / 'iter_6.pth')
    assert_identical(a, b)
    trained = [k for k in a if 'lora' in k or 'adapter.' in k]
    assert trained  # the comparison covers the weights stage 3 trains
    ref, (_, resumed) = losses(straight)[0], losses(work)
    assert sorted(resumed) == [5, 6] and resumed == {s: ref[s] for s in resumed}


def test_check_exact_resume_tool_reports_identical_weights(tmp_path):
    """The user-facing check (an external SIGKILL at whatever point the process has reached)."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('FINEPHYS_TEST_KILL', None)
    r = run_command([sys.executable, 'tools/analysis_tools/check_exact_resume.py', LIFTER,
                     '--work-dir', str(tmp_path), '--kill-after-iter', '7',
                     # 2 epochs (12 iterations) instead of 4: the kill at 7 is mid-epoch 2
                     '--cfg-options', 'train_cfg.max_epochs=2'], ROOT, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    results = dict(line[7:].split('=') for line in r.stdout.splitlines()
                   if line.startswith('RESULT '))
    assert results['resume_weights_identical'] == '1'
    assert float(results['resume_max_weight_diff']) == 0.0
    assert results['resume_loss_mismatches'] == '0'
    assert int(results['resume_first_resumed_step']) > 1
