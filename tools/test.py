"""Evaluate a checkpoint on a config's test set.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
                         [--cfg-options k=v ...] [--launcher ...]
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.evaluator import DumpResults
from mmengine.runner import Runner

from finephys.utils import env_info_text, register_all_modules
from finephys.utils.launch import UserInputError, friendly_errors, load_config, setup_launcher


def parse_args():
    parser = argparse.ArgumentParser(description='Test a finephys model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for logs and metrics')
    parser.add_argument('--out', help='dump per-sample predictions to this pickle file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries; the keys must exist in the config')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    with friendly_errors('test.py'):
        register_all_modules(init_default_scope=False)
        if not osp.isfile(args.checkpoint):
            raise UserInputError(f'checkpoint not found: {args.checkpoint}')
        cfg = load_config(args.config, args.cfg_options)
        cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
            './work_dirs', osp.splitext(osp.basename(args.config))[0])
        cfg.load_from = args.checkpoint
        setup_launcher(cfg, args.launcher)
        runner = Runner.from_cfg(cfg)
        runner.logger.info('finephys environment:\n' + env_info_text())
        if args.out:
            if not args.out.endswith(('.pkl', '.pickle')):
                raise UserInputError(f'--out {args.out}: expected a .pkl file')
            runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
        runner.test()


if __name__ == '__main__':
    main()
