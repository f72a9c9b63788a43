"""Add MediaPipe's lite and heavy pose landmark models (``model_complexity`` 0 and 2).

    python tools/misc/fetch_mediapipe_models.py [--tgz mediapipe-pose-0.5.1675469404.tgz]

The pip wheel ships only the full model; the npm package ``@mediapipe/pose`` (Apache-2.0) holds
``pose_landmark_lite.tflite`` and ``pose_landmark_heavy.tflite``. This runs ``npm pack
@mediapipe/pose@0.5.1675469404`` (the npm registry is reachable where PyPI is) — or takes the
``.tgz`` given — and copies both files next to the full model inside the installed mediapipe
package, where ``MediaPipePoseEstimator(model_complexity=0 | 2)`` finds them offline.
"""
import argparse
import os
import os.path as osp
import shutil
import subprocess
import tarfile
import tempfile

from finephys.utils.launch import UserInputError, friendly_errors

NPM_PACKAGE = '@mediapipe/pose@0.5.1675469404'
MODELS = ('pose_landmark_lite.tflite', 'pose_landmark_heavy.tflite')


def install_landmark_models(tgz, dest):
    """Copy :data:`MODELS` from an npm tarball (``package/<name>``) into ``dest``.

    Returns:
        list[str]: The installed paths.

    Raises:
        UserInputError: the tarball is unreadable or lacks a model.
    """
    try:
        with tarfile.open(tgz) as tar:
            names = set(tar.getnames())
            missing = [m for m in MODELS if f'package/{m}' not in names]
            if missing:
                raise UserInputError(f'{tgz}: not the @mediapipe/pose package (no {missing})')
            out = []
            for m in MODELS:
                src = tar.extractfile(f'package/{m}')
                tmp = osp.join(dest, f'.{m}.part')
                with open(tmp, 'wb') as f:
                    shutil.copyfileobj(src, f)
                os.replace(tmp, osp.join(dest, m))      # complete or absent
                out.append(osp.join(dest, m))
            return out
    except tarfile.TarError as err:
        raise UserInputError(f'{tgz}: cannot read the tarball ({err})') from err


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--tgz', default=None, help='an already downloaded npm tarball')
    args = p.parse_args()
    with friendly_errors('fetch_mediapipe_models.py'):
        from finephys.models.pose_estimators.mediapipe_pose_estimator import import_mediapipe
        mp = import_mediapipe()
        dest = osp.join(osp.dirname(mp.__file__), 'modules', 'pose_landmark')
        with tempfile.TemporaryDirectory() as tmp:
            tgz = args.tgz
            if tgz is None:
                if shutil.which('npm') is None:
                    raise UserInputError('npm not found: install Node.js/npm, or pass --tgz')
                r = subprocess.run(['npm', 'pack', NPM_PACKAGE], cwd=tmp, capture_output=True,
                                   text=True)
                if r.returncode != 0:
                    raise UserInputError(f'npm pack {NPM_PACKAGE} failed: '
                                         f'{r.stderr.strip().splitlines()[-1:]}')
                tgz = osp.join(tmp, r.stdout.strip().splitlines()[-1])
            elif not osp.isfile(tgz):
                raise UserInputError(f'--tgz not found: {tgz}')
            for path in install_landmark_models(tgz, dest):
                print(f'installed {path}')


if __name__ == '__main__':
    main()
