#!/usr/bin/env bash
# Regression gate for a project that uses benchbench: run the small pinned suite and compare it
# with a committed baseline. Exit 0: pass, 1: a quality regression (or a speed one, with
# GATE_SPEED=1 on a machine of its own), 2: bad input.
#
#   ci/regression.sh [BASELINE] [RUN_DIR]
#
# Make a baseline once, on the machine type your CI uses, and commit it:
#   benchbench run regression --out results/regression && \
#   benchbench baseline results/regression -o baselines/regression-cpu.json
set -euo pipefail
baseline=${1:-baselines/regression-cpu.json}
run_dir=${2:-results/regression-$(date +%Y%m%d-%H%M%S)}
benchbench=${BENCHBENCH:-benchbench}
$benchbench run regression --device "${BENCHBENCH_DEVICE:-cpu}" --out "$run_dir"
speed=$([ "${GATE_SPEED:-0}" = 1 ] && echo --speed || echo --no-speed)
$benchbench check "$run_dir" --baseline "$baseline" "$speed"
