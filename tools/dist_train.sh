#!/usr/bin/env bash
# Multi-process training with torchrun (OpenMMLab style).
#   bash tools/dist_train.sh CONFIG GPUS [train.py args]
# NNODES, NODE_RANK, PORT, MASTER_ADDR (and PYTHON, default `python`) come from the environment. Without CUDA the processes
# train on CPU over gloo (tools/train.py handles it).
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..":${PYTHONPATH:-} \
${PYTHON:-python} -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
