#!/usr/bin/env bash
# The one prepared GPU run (under 8 minutes): installs the project, then `benchbench bench` for
# every family but CycleGAN (its image pairs need their own data) at Lucic et al.'s full width with each step setting (plain, channels_last, bf16,
# fused Adam, TF32, torch.compile, CUDA graphs through compile, all together), MFU beside
# images/s; then K = 1, 2, 4, 8 trials of the default suite's families packed on the device for
# a fixed number of steps. Writes baselines/bench-cuda-<gpu>.json (and the tables) into OUT_DIR.
#   ci/gpu-bench.sh OUT_DIR
set -uo pipefail
out=${1:?usage: ci/gpu-bench.sh OUT_DIR}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python3 -m pip install --quiet -e . 2>&1 | tail -1
bb="${BENCHBENCH:-python3 -m benchbench.cli}"
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr ' ' '-' | tr -cd '[:alnum:]-' | tr 'A-Z' 'a-z')
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
timeout 240 $bb bench --device cuda --gpu-options --width 1.0 --repeats 10 --block 10 --overhead-steps 100 \
    --families wgan-gp,began,wgan,dcgan,progan --datasets mnist \
    --json "$out/bench-cuda-$gpu.json" 2>&1 | tee "$out/bench-cuda.txt"
timeout 150 $bb bench --device cuda --width 1.0 --repeats 3 --block 5 --overhead-steps 0 \
    --families wgan-gp,began --datasets mnist --packed 1,2,4,8 --packed-steps 100 --trial-steps 1000 \
    --json "$out/bench-cuda-$gpu-packed.json" 2>&1 | tee "$out/bench-cuda-packed.txt"
