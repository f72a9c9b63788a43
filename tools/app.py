"""The FinePhys web app: video in, physics-true 3D out (plus SynthGym and generation tabs).

    python tools/app.py [--host 127.0.0.1] [--port 7860] [--work-dir work_dirs/demo]
        [--skeleton NAME CONFIG CHECKPOINT ...] [--generator NAME CONFIG CHECKPOINT ...]
        [--max-upload-mb 500] [--device cpu] [--no-example]

Open the printed address (http://127.0.0.1:7860 by default) in a browser. The models offered are
the ones `make demo` trained (found under --work-dir) plus any given with --skeleton /
--generator; the page can choose among them but cannot point the server at other files. The
server binds the loopback address unless --host says otherwise (only do that on a trusted
network: the app has no authentication). Uploads and results live in a per-session temporary
folder removed when the browser session ends.
"""
import argparse
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from finephys.utils.launch import UserInputError, friendly_errors  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--host', default='127.0.0.1', help='address to bind (default loopback)')
    p.add_argument('--port', type=int, default=7860)
    p.add_argument('--work-dir', default='work_dirs/demo',
                   help="make demo's --work-dir: its checkpoints are offered by default")
    p.add_argument('--skeleton', nargs=3, action='append', default=[],
                   metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
                   help='a skeleton model to offer (repeatable; the first given is preselected)')
    p.add_argument('--generator', nargs=3, action='append', default=[],
                   metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
                   help='a stage-3 generator to offer (repeatable)')
    p.add_argument('--max-upload-mb', type=float, default=500.0)
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-example', action='store_true',
                   help="don't offer Pose2Sim's real example clip")
    p.add_argument('--tmp-dir', default=None,
                   help='where session folders and uploads go (default: a new temporary folder,'
                        ' removed when the server stops)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with friendly_errors('app.py'):
        # the arguments first (one line each, before the heavy imports)
        skeleton, generators = {}, {}
        for flag, given, out in (('--skeleton', args.skeleton, skeleton),
                                 ('--generator', args.generator, generators)):
            for name, cfg, ckpt in given:
                for what, path in (('config', cfg), ('checkpoint', ckpt)):
                    if not osp.isfile(path):
                        raise UserInputError(f'{flag} {name}: {what} not found: {path}')
                out[name] = dict(config=osp.abspath(cfg), checkpoint=osp.abspath(ckpt))
        if args.max_upload_mb <= 0:
            raise UserInputError(f'--max-upload-mb {args.max_upload_mb}: expected > 0')
        import socket
        try:
            with socket.socket() as probe:
                probe.bind((args.host, args.port))
        except OSError as err:
            raise UserInputError(f'cannot serve on {args.host}:{args.port} ({err.strerror}); '
                                 'choose another --port') from err
        from finephys.apis.demo_models import demo_generator, demo_skeleton_models
        for name, pair in demo_skeleton_models(args.work_dir, ROOT).items():
            skeleton.setdefault(name, pair)
        if not skeleton:
            raise UserInputError(
                f'no skeleton model: {args.work_dir} holds no `make demo` checkpoints; run '
                '`make demo` first, or give one with --skeleton NAME CONFIG CHECKPOINT')
        demo_gen = demo_generator(args.work_dir, ROOT)
        if demo_gen is not None:
            generators.setdefault('make demo: tiny SynthGym generator', demo_gen)
        example = None
        if not args.no_example:
            try:
                from finephys.datasets.pose2sim_demo import locate_pose2sim_demo
                example = osp.join(locate_pose2sim_demo(), 'videos', 'cam02.mp4')
            except (FileNotFoundError, ImportError):
                example = None
        import tempfile
        root = args.tmp_dir or tempfile.mkdtemp(prefix='finephys-app-')
        # Gradio's own upload cache inside the app's folder: gone with the server
        os.environ.setdefault('GRADIO_TEMP_DIR', osp.join(root, 'uploads'))
        os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
        from finephys.app import AppSettings, launch
        settings = AppSettings(skeleton_models=skeleton, generators=generators,
                               device=args.device, max_upload_mb=args.max_upload_mb,
                               example_video=example, work_root=osp.join(root, 'sessions'))
        os.chdir(ROOT)      # configs name files relative to the repository
        blocks, folders, url = launch(settings, args.host, args.port, block=False)
        print(f'FinePhys app running on {url} (Ctrl+C stops it)', flush=True)
        try:
            blocks.block_thread()
        finally:
            folders.close()
            if args.tmp_dir is None:
                import shutil
                shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
