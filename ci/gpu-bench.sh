#!/usr/bin/env bash
# The GPU measurements committed in baselines/: `benchbench bench` with and without the GPU
# options at Lucic et al.'s full network width, then a short CUDA suite end to end.
#   ci/gpu-bench.sh OUT_DIR
set -uo pipefail
out=${1:?usage: ci/gpu-bench.sh OUT_DIR}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
bb="${BENCHBENCH:-python3 -m benchbench}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
python3 -c "import torch, torch_fidelity; print('torch', torch.__version__, 'torch-fidelity', torch_fidelity.__version__)" | tee -a "$out/gpu.txt"
timeout 330 $bb bench --device cuda --gpu-options --width 1.0 --repeats 10 --block 10 --overhead-steps 100 \
    --json "$out/bench-cuda.json" 2>&1 | tee "$out/bench-cuda.txt"
timeout 180 $bb run --device cuda --budget 300steps --seeds 2 --width 1.0 --out /tmp/gpu-run 2>&1 | tail -25
cp /tmp/gpu-run/report.md "$out/gpu-run-report.md" 2>/dev/null
