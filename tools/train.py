"""Train a finephys model with an MMEngine runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
                                 [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction

from finephys.utils.launch import (UserInputError, friendly_errors, load_config, setup_launcher,
                                   teardown_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a finephys model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from CKPT, or from the latest checkpoint in the work dir '
                        'when no path is given')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision (CUDA)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the total batch size')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_cfg.max_epochs=2; the keys '
                        'must exist in the config')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_cfg(args):
    cfg = load_config(args.config, args.cfg_options)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise UserInputError('--amp needs a CUDA device; this machine has none')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise UserInputError(f'--resume checkpoint not found: {args.resume}')
        cfg.resume, cfg.load_from = True, args.resume
    setup_launcher(cfg, args.launcher)
    return cfg


def main():
    args = parse_args()
    # imported after the arguments are read: --help and a wrong argument answer at once instead
    # of after ~8 s of torch + mmengine's runner
    from mmengine.runner import Runner

    from finephys.utils import env_info_text, register_all_modules
    with friendly_errors('train.py'):
        register_all_modules(init_default_scope=False)
        cfg = build_cfg(args)
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else None
        if runner is None:
            from mmengine.registry import RUNNERS
            runner = RUNNERS.build(cfg)
        runner.logger.info('finephys environment:\n' + env_info_text())
        runner.train()
        del runner              # its DDP model holds the process group (teardown_distributed)
        teardown_distributed()


if __name__ == '__main__':
    main()
