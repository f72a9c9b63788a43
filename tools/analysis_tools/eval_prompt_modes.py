"""Evaluate an in-context lifter checkpoint with each test-time prompt mode, side by side.

    python tools/analysis_tools/eval_prompt_modes.py CONFIG CHECKPOINT \\
        [--modes nearest random none] [--split test] [--work-dir DIR] [--cfg-options k=v ...]

One process, one test set (``--split val`` to choose a mode without touching test), the same
checkpoint and prompt pool (the one saved in it); only ``model.lifter.test_prompt`` changes:

* ``nearest`` — the pool clip whose 2D looks most like the query (this project's extension);
* ``random``  — a pool clip drawn per query (seeded by the query, so repeatable);
* ``none``    — no prompt at all (a model trained with prompts, asked without context).

Prints a markdown table and ends with ``RESULT <mode>_mpjpe=…`` / ``RESULT <mode>_p_mpjpe=…``.
"""
import argparse
import copy
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mmengine.config import DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from finephys.utils import register_all_modules  # noqa: E402
from finephys.utils.launch import UserInputError, friendly_errors, load_config  # noqa: E402

MODES = ('nearest', 'random', 'none')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--modes', nargs='+', default=list(MODES), choices=MODES)
    p.add_argument('--split', choices=('val', 'test'), default='test')
    p.add_argument('--work-dir', default=None)
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def evaluate(cfg, checkpoint, mode, split, work_dir):
    """Pose3DMetric results of ``checkpoint`` on ``split`` with ``test_prompt=mode``."""
    cfg = copy.deepcopy(cfg)
    if cfg.model.get('lifter', {}).get('type') != 'InContextLifter':
        raise UserInputError(f'eval_prompt_modes: the config\'s model.lifter is '
                             f'{cfg.model.get("lifter", {}).get("type")!r}, not InContextLifter')
    cfg.model.lifter.test_prompt = mode
    if split == 'val':
        cfg.test_dataloader = cfg.val_dataloader
        cfg.test_evaluator = cfg.val_evaluator
    cfg.load_from = checkpoint
    cfg.work_dir = osp.join(work_dir, mode)
    cfg.default_hooks.logger.interval = 1000
    runner = Runner.from_cfg(cfg)
    return runner.test()


def main(argv=None):
    args = parse_args(argv)
    with friendly_errors('eval_prompt_modes.py'):
        register_all_modules(init_default_scope=False)
        if not osp.isfile(args.checkpoint):
            raise UserInputError(f'checkpoint not found: {args.checkpoint}')
        cfg = load_config(args.config, args.cfg_options)
        work_dir = args.work_dir or osp.join('work_dirs', 'eval_prompt_modes',
                                             osp.splitext(osp.basename(args.config))[0])
        rows = {m: evaluate(cfg, args.checkpoint, m, args.split, work_dir) for m in args.modes}
        print(f'\n{args.split} split, {osp.basename(args.checkpoint)}\n')
        print('| test prompt | MPJPE (mm) | P-MPJPE (mm) | N-MPJPE (mm) | root (mm) |')
        print('|---|---|---|---|---|')
        for mode, m in rows.items():
            print(f"| {mode} | {m['pose3d/mpjpe']:.1f} | {m['pose3d/p-mpjpe']:.1f} | "
                  f"{m['pose3d/n-mpjpe']:.1f} | {m['pose3d/root']:.0f} |")
        for mode, m in rows.items():
            print(f"RESULT {mode}_mpjpe={m['pose3d/mpjpe']:.2f}")
            print(f"RESULT {mode}_p_mpjpe={m['pose3d/p-mpjpe']:.2f}")


if __name__ == '__main__':
    main()
