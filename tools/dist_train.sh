#!/usr/bin/env bash
# Multi-process training with torchrun (OpenMMLab style).
#   bash tools/dist_train.sh CONFIG GPUS [train.py args]
# NNODES, NODE_RANK, PORT, MASTER_ADDR come from the environment; the Python is $PYTHON, the active
# virtual environment's or the project's .venv (tools/python_env.sh). Without CUDA the processes
# train on CPU over gloo (tools/train.py handles it).
source "$(dirname "$0")/python_env.sh"
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ] || [ $# -lt 2 ]; then
  echo "usage: bash tools/dist_train.sh CONFIG GPUS [train.py args]   (Python: $PYTHON)"
  [ $# -lt 2 ] && [ "${1:-}" != "-h" ] && [ "${1:-}" != "--help" ] && exit 2
  exec "$PYTHON" "$(dirname "$0")/train.py" --help
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

"$PYTHON" -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
