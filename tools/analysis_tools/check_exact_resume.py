"""Kill a training run with SIGKILL, resume it, and compare it with the uninterrupted run.

    python tools/analysis_tools/check_exact_resume.py CONFIG [--work-dir work_dirs/resume_check]
        [--kill-after-iter 50] [--cfg-options k=v ...]

Three runs of ``tools/train.py CONFIG`` in subfolders of ``--work-dir``: ``straight`` (never
interrupted), ``killed`` (sent SIGKILL from outside, as a preempting scheduler does, once its
log shows iteration ``--kill-after-iter``; it may have gone a little further — any point is a fair
test) and the same folder resumed with ``--resume`` to the end. Compares the final checkpoints
(the ``last_checkpoint`` of each folder) tensor by tensor and the losses the resumed run logged
with the uninterrupted run's at the same steps (``vis_data/scalars.json``). Use your own config
(and ``--cfg-options`` for a short schedule) to check that your modules resume exactly.

Ends with ``RESULT resume_max_weight_diff=<max |Δ|>``, ``RESULT resume_weights_identical=<0|1>``,
``RESULT resume_loss_mismatches=<count>``, ``RESULT resume_first_resumed_step=<step>``.
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time


ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--work-dir', default='work_dirs/resume_check')
    p.add_argument('--kill-after-iter', type=int, default=50)
    p.add_argument('--cfg-options', nargs='+', default=[])
    return p.parse_args()


def train_cmd(args, work_dir, resume=False):
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), args.config,
           '--work-dir', work_dir]
    cmd += ['--resume'] if resume else []
    cmd += ['--cfg-options', *args.cfg_options] if args.cfg_options else []
    return cmd


def logged_losses(work_dir):
    """``[{step: loss}]`` per run in ``work_dir``, oldest first."""
    runs = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        runs.append({r['step']: r['loss'] for r in rows if 'loss' in r})
    return runs


def last_step(work_dir):
    runs = logged_losses(work_dir)
    return max(runs[-1]) if runs and runs[-1] else 0


def final_weights(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        path = f.read().strip()
    import torch                       # here: --help without torch's ~2 s import
    return path, torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def main():
    args = parse_args()
    straight = osp.join(args.work_dir, 'straight')
    killed = osp.join(args.work_dir, 'killed')
    for d in (straight, killed):
        shutil.rmtree(d, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    t0 = time.time()
    print(f'[1/3] uninterrupted run -> {straight}', flush=True)
    subprocess.run(train_cmd(args, straight), check=True, **quiet)
    print(f'[2/3] run killed with SIGKILL after iteration {args.kill_after_iter} -> {killed}',
          flush=True)
    proc = subprocess.Popen(train_cmd(args, killed), **quiet)
    while proc.poll() is None and last_step(killed) < args.kill_after_iter:
        time.sleep(0.2)
    if proc.poll() is not None:
        sys.exit(f'error: the run ended (status {proc.returncode}) before iteration '
                 f'{args.kill_after_iter}; lower --kill-after-iter')
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    print(f'      killed at logged iteration {last_step(killed)}', flush=True)
    print('[3/3] resumed with --resume', flush=True)
    subprocess.run(train_cmd(args, killed, resume=True), check=True, **quiet)

    path_a, a = final_weights(straight)
    path_b, b = final_weights(killed)
    if osp.basename(path_a) != osp.basename(path_b) or a.keys() != b.keys():
        sys.exit(f'error: final checkpoints differ in name or keys: {path_a} vs {path_b}')
    diffs = {k: (a[k].double() - b[k].double()).abs().max().item() for k in a
             if a[k].is_floating_point() and a[k].numel()}
    worst = max(diffs.items(), key=lambda kv: kv[1])
    identical = all(a[k].equal(b[k]) for k in a)
    reference, resumed = logged_losses(straight)[-1], logged_losses(killed)[-1]
    mismatches = sum(reference.get(s) != v for s, v in resumed.items())
    print(f'final checkpoint {osp.basename(path_a)}: max |difference| {worst[1]:.3e} '
          f'({worst[0]}); {len(resumed)} resumed log steps, {mismatches} differ from the '
          f'uninterrupted run ({time.time() - t0:.0f} s)')
    print(f'RESULT resume_max_weight_diff={worst[1]:.6g}')
    print(f'RESULT resume_weights_identical={int(identical)}')
    print(f'RESULT resume_loss_mismatches={mismatches}')
    print(f'RESULT resume_first_resumed_step={min(resumed) if resumed else -1}')


if __name__ == '__main__':
    main()
