"""Evaluate a checkpoint on a config's test (or val) set.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE] [--split test|val]
                         [--report-dir DIR] [--cfg-options k=v ...] [--launcher ...]

For generation configs this samples one video per clip (seeded per clip by the model's
``sample_seed``: the same videos in one process or sharded by ``tools/dist_test.sh``), scores
them with the config's evaluators (FVD, CLIP-SIM, PickScore, motion plausibility, guidance
fidelity) and writes ``test_report.json`` and ``test_report.md`` (Table 1's columns, then every
metric) to ``--report-dir`` (default: the work dir), with a progress bar over the batches.
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction

from finephys.utils.launch import (UserInputError, friendly_errors, load_config, setup_launcher,
                                   teardown_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Test a finephys model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for logs and metrics')
    parser.add_argument('--out', help='dump per-sample predictions to this pickle file')
    parser.add_argument('--split', choices=['test', 'val'], default='test',
                        help="evaluate the test set (default) or the config's val set")
    parser.add_argument('--report-dir', help='where test_report.json/.md go (default: work dir)')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
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
    # imported after the arguments are read: --help and a wrong argument answer at once instead
    # of after ~8 s of torch + mmengine's runner
    from mmengine.dist import get_world_size, is_main_process
    from mmengine.evaluator import DumpResults
    from mmengine.runner import Runner

    from finephys.evaluation import PAPER_COLUMNS, write_test_report
    from finephys.utils import env_info_text, register_all_modules
    with friendly_errors('test.py'):
        register_all_modules(init_default_scope=False)
        if not osp.isfile(args.checkpoint):
            raise UserInputError(f'checkpoint not found: {args.checkpoint}')
        cfg = load_config(args.config, args.cfg_options)
        cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
            './work_dirs', osp.splitext(osp.basename(args.config))[0])
        cfg.load_from = args.checkpoint
        if args.split == 'val':
            cfg.test_dataloader, cfg.test_evaluator = cfg.val_dataloader, cfg.val_evaluator
            cfg.test_cfg = cfg.get('test_cfg') or dict(type='TestLoop')
        if not args.no_progress and not any(h.get('type') == 'EvalProgressBarHook'
                                            for h in cfg.get('custom_hooks', [])):
            cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
                dict(type='EvalProgressBarHook')]
        setup_launcher(cfg, args.launcher)
        runner = Runner.from_cfg(cfg)
        runner.logger.info('finephys environment:\n' + env_info_text())
        if args.out:
            if not args.out.endswith(('.pkl', '.pickle')):
                raise UserInputError(f'--out {args.out}: expected a .pkl file')
            runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
        metrics = runner.test()
        if is_main_process():
            meta = dict(config=args.config, checkpoint=args.checkpoint, split=args.split,
                        num_clips=len(runner.test_dataloader.dataset),
                        world_size=get_world_size(),
                        sample_seed=cfg.model.get('sample_seed'))
            paths = write_test_report(metrics, args.report_dir or cfg.work_dir, meta)
            runner.logger.info(f'test report: {paths[0]}, {paths[1]}')
            for key, _, _ in PAPER_COLUMNS:       # the headline figures, when computed
                if key in metrics:
                    print(f'RESULT {key.split("/")[-1]}={metrics[key]:.4f}')
        del runner              # its DDP model holds the process group (teardown_distributed)
        teardown_distributed()


if __name__ == '__main__':
    main()
