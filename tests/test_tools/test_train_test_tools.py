"""tools/train.py, tools/test.py, tools/dist_train.sh end to end on a tiny SynthGym config."""
import glob
import json
import os
import os.path as osp
import random
import re
import sys

import pytest
import torch

from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(ROOT, 'tests', 'data', 'tiny_temporal_conv_synthgym.py')


def run(args, env=None, **kw):
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = ROOT + os.pathsep + os.environ.get('PYTHONPATH', '')
    full_env.update(env or {})
    return run_command(args, ROOT, env=full_env, **kw)


def _scalars(work_dir):
    runs = sorted(d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d)))
    path = osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_train_then_test_then_resume(tmp_path):
    work = str(tmp_path / 'work')
    r = run([sys.executable, 'tools/train.py', TINY, '--work-dir', work])
    assert r.returncode == 0, r.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    assert 'finephys environment' in r.stdout + r.stderr and 'mmpose' in r.stdout + r.stderr
    first = [s for s in _scalars(work) if 'loss' in s]
    assert [s['iter'] for s in first] == [1, 2]
    # checkpoints load with torch's safe default loader
    ckpt = torch.load(osp.join(work, 'epoch_1.pth'), map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 2
    # evaluation of the checkpoint
    out = str(tmp_path / 'preds.pkl')
    r = run([sys.executable, 'tools/test.py', TINY, osp.join(work, 'epoch_1.pth'),
             '--work-dir', str(tmp_path / 'test'), '--out', out])
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'pose3d/mpjpe' in r.stdout + r.stderr and osp.isfile(out)
    # resume from the latest checkpoint and continue to epoch 2 (iterations 3 and 4)
    r = run([sys.executable, 'tools/train.py', TINY, '--work-dir', work, '--resume',
             '--cfg-options', 'train_cfg.max_epochs=2'])
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'resumed epoch: 1, iter: 2' in r.stdout + r.stderr
    second = [s for s in _scalars(work) if 'loss' in s]
    assert [s['iter'] for s in second] == [3, 4]
    ckpt = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 4


def test_two_process_cpu_training_keeps_ranks_identical(tmp_path):
    work = str(tmp_path / 'dist')
    port = str(random.randint(20000, 40000))
    r = run(['bash', 'tools/dist_train.sh', TINY, '2', '--work-dir', work],
            env=dict(PORT=port, OMP_NUM_THREADS='1', PYTHON=sys.executable))
    assert r.returncode == 0, r.stderr[-4000:]
    with open(osp.join(work, 'parameter_sync.json')) as f:
        report = json.load(f)
    assert report['world_size'] == 2
    assert report['max_abs_diff'] == 0.0 and report['num_parameters'] > 1000
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))


def test_example_project_trains_through_custom_imports(tmp_path):
    cfg = osp.join(ROOT, 'projects/example_project/configs/frame-mlp_h256-b2_adam-20e_synthgym.py')
    r = run([sys.executable, 'tools/train.py', cfg, '--work-dir', str(tmp_path),
             '--cfg-options', 'train_cfg.max_epochs=1', 'train_dataloader.dataset.num_samples=8',
             'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
             'train_dataloader.persistent_workers=False', 'train_cfg.val_interval=5',
             'train_dataloader.dataset.num_frames=40'],
            env=dict(PYTHONPATH=osp.join(ROOT, 'projects/example_project') + os.pathsep + ROOT))
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'FrameMLPLifter' in (tmp_path / 'frame-mlp_h256-b2_adam-20e_synthgym.py').read_text()
    assert osp.isfile(osp.join(str(tmp_path), 'epoch_1.pth'))
    ckpt = torch.load(osp.join(str(tmp_path), 'epoch_1.pth'), weights_only=True)
    assert any(k.startswith('lifter.blocks.0') for k in ckpt['state_dict'])


@pytest.mark.parametrize('args, message', [
    (['tools/train.py', 'configs/nope.py'], 'config file not found: configs/nope.py'),
    (['tools/train.py', TINY, '--cfg-options', 'train_cfg.max_epoch=2'],
     "['train_cfg.max_epoch'] do not exist"),
    (['tools/train.py', TINY, '--cfg-options', 'model.lifter.type=NoSuchLifter'],
     'NoSuchLifter is not in the'),
    (['tools/test.py', TINY, 'work_dirs/missing.pth'], 'checkpoint not found: work_dirs/missing.pth'),
    (['tools/train.py', TINY, '--resume', 'missing.pth'], '--resume checkpoint not found'),
])
def test_bad_input_gives_one_line_and_nonzero_exit(args, message, tmp_path):
    r = run([sys.executable] + args + ['--work-dir', str(tmp_path)])
    assert r.returncode == 2
    assert message in r.stderr
    assert 'Traceback' not in r.stderr


def test_stage3_trains_through_the_tools_and_writes_sample_grids(tmp_path):
    from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder
    sd = write_tiny_sd15_folder(str(tmp_path / 'sd'), pixel_space=True, texts=['stag jump'])
    ma = write_tiny_motion_adapter(str(tmp_path / 'ma'))
    cfg = osp.join(ROOT, 'configs/finephys/finephys_tiny_synthgym.py')
    work = str(tmp_path / 'work')
    r = run([sys.executable, 'tools/train.py', cfg, '--work-dir', work, '--cfg-options',
             'train_cfg.max_iters=2', 'default_hooks.checkpoint.interval=2',
             f'model.generator.pretrained_model_path={sd}',
             f'model.generator.motion_adapter_path={ma}', 'model.num_inference_steps=2',
             'train_dataloader.dataset.num_samples=4', 'train_cfg.val_interval=2',
             'val_dataloader.dataset.num_samples=2', 'custom_hooks.1.interval=1'])
    assert r.returncode == 0, r.stderr[-3000:]
    # the ValLoop sampled the val clips and scored them against SynthGym's silhouettes
    log = open(glob.glob(osp.join(work, '*', '*.log'))[0]).read()
    assert re.search(r'Iter\(val\).*guidance/iou: [0-9.]+ +guidance/iou_gt_video: [0-9.]+', log)
    ckpt = torch.load(osp.join(work, 'iter_2.pth'), map_location='cpu', weights_only=True)
    # one optimiser, three named groups (MotionDirector's step, one Adam state for the adapter)
    assert [g['name'] for g in ckpt['optimizer']['param_groups']] == ['spatial', 'temporal',
                                                                     'adapter']
    import imageio.v3 as iio
    # sampled after iterations 1 and 2, named by the iteration count; not twice at the end
    assert sorted(os.listdir(osp.join(work, 'vis'))) == ['iter_1', 'iter_2']
    grid = iio.imread(osp.join(work, 'vis', 'iter_2', 'clip0.mp4'), plugin='pyav')
    assert grid.shape == (8, 32, 96, 3)          # generated | skeleton | ground truth


def test_in_context_lifter_trains_and_its_checkpoint_carries_the_prompt_pool(tmp_path):
    """train.py builds the pool from the config's own training set (PromptPoolHook) and saves
    it with the weights; test.py and eval_prompt_modes.py use that pool, with no rebuild."""
    cfg = osp.join(ROOT, 'tests', 'data', 'tiny_in_context_synthgym.py')
    work = str(tmp_path / 'work')
    r = run([sys.executable, 'tools/train.py', cfg, '--work-dir', work])
    assert r.returncode == 0, r.stderr[-3000:]
    assert ('PromptPoolHook: prompt pool of 4 clips × 12 frames (projected 2D) from '
            'train_dataloader') in r.stdout + r.stderr
    ckpt_path = osp.join(work, 'epoch_1.pth')
    state = torch.load(ckpt_path, map_location='cpu', weights_only=True)['state_dict']
    assert state['lifter.prompt_pool_3d'].shape == (4, 12, 17, 3)
    losses = [s for s in _scalars(work) if 'loss' in s][0]
    assert {'loss_pose_mpjpe', 'loss_pose_n_mpjpe', 'loss_pose_velocity'} <= set(losses)
    r = run([sys.executable, 'tools/analysis_tools/eval_prompt_modes.py', cfg, ckpt_path,
             '--split', 'val', '--work-dir', str(tmp_path / 'modes')])
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'PromptPoolHook: prompt pool' not in r.stdout + r.stderr     # the checkpoint's pool
    results = dict(re.findall(r'RESULT (\w+)=([\d.]+)', r.stdout))
    assert set(results) == {f'{m}_{k}' for m in ('nearest', 'random', 'none')
                            for k in ('mpjpe', 'p_mpjpe')}
    assert all(0 < float(v) < 5000 for v in results.values())
    assert results['none_mpjpe'] != results['nearest_mpjpe']            # the prompt matters
