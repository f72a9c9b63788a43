"""Is the physics still exact on inputs longer than one window?

    python tools/analysis_tools/eval_long_sequence.py CONFIG CHECKPOINT
        [--lengths 100 300 1000] [--seed 0] [--window 32] [--cfg-options k=v ...]

Long inputs are whole SynthGym test performances with flights, one after another
(:func:`finephys.evaluation.long_sequence.compose_long_input`: noisy 2D, each performance's own
camera). Each is lifted with the physics solved once over the whole input (``physics=
'sequence'``, what ``tools/infer_skeleton.py`` does) and window by window (``'windows'``, the
blend of separately solved windows), and scored by the largest ``|c̈ − g|`` of the centre of mass
(the physics' masses) over every frame triple the model calls flight, for ``S_pp`` and the fused
``S``. Ends with::

    RESULT long_sequence_ballistic_error=<m/s², max over lengths of S_pp and S, sequence>
    RESULT long_sequence_ballistic_error_windows=<the same, window by window>
    RESULT long_sequence_flight_boundary_crossings=<flights across window boundaries, summed>
"""
import argparse

from mmengine.config import DictAction

from finephys.utils.launch import UserInputError, friendly_errors, load_config


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--lengths', type=int, nargs='+', default=[100, 300, 1000])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--window', type=int, default=32)
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                   help='override config keys, e.g. model.fuser.keep_physics_com=True')
    args = p.parse_args()
    with friendly_errors('eval_long_sequence.py'):
        import os.path as osp

        from finephys.evaluation.long_sequence import evaluate_long_sequences
        from finephys.models.skeleton_pipeline import SkeletonPipeline
        from finephys.utils import register_all_modules
        if not osp.isfile(args.checkpoint):
            raise UserInputError(f'checkpoint not found: {args.checkpoint}')
        if min(args.lengths) < 4:
            raise UserInputError(f'--lengths {args.lengths}: every length must be >= 4')
        if args.window < 4:
            raise UserInputError(f'--window {args.window}: expected >= 4')
        cfg = load_config(args.config, args.cfg_options)
        register_all_modules(init_default_scope=True)
        # the input joins performances seen by different cameras: no one "up" to estimate, so
        # the solver assumes a level camera (and is scored against the g it used)
        pipelines = {mode: SkeletonPipeline(cfg, args.checkpoint, window=args.window,
                                            physics=mode, logger='silent', gravity='level')
                     for mode in ('sequence', 'windows')}
        if not getattr(pipelines['sequence'].model, 'whole_sequence_physics', False):
            raise UserInputError(f'{args.config}: its physics solver '
                                 f'({type(pipelines["sequence"].model.physics).__name__}) is '
                                 'not a whole-sequence solver; use a structured-solver config')
        rows = evaluate_long_sequences(pipelines, args.lengths, args.seed)
    print('| physics | frames | flight triples | crossings | max |c̈ − g| S_pp (m/s²) '
          '| S (m/s²) | lift (s) |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(f'| {r["physics_over"]} | {r["frames"]} | {r["flight_triples"]} | '
              f'{r["boundary_crossings"]} | {r["s_pp"]:.2e} | {r["fused"]:.2e} | '
              f'{r["seconds"]:.1f} |')
    worst = {mode: max(max(r['s_pp'], r['fused']) for r in rows if r['name'] == mode)
             for mode in ('sequence', 'windows')}
    crossings = sum(r['boundary_crossings'] for r in rows if r['name'] == 'sequence')
    print(f'RESULT long_sequence_ballistic_error={worst["sequence"]:.3g}')
    print(f'RESULT long_sequence_ballistic_error_windows={worst["windows"]:.3g}')
    print(f'RESULT long_sequence_flight_boundary_crossings={crossings}')


if __name__ == '__main__':
    main()
