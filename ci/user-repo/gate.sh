#!/usr/bin/env bash
# A GAN regression gate for a repository that holds its own benchbench family: run a small suite
# of that family beside WGAN-GP and compare it with the baseline committed in the repository.
# Exit 0: pass, 1: a quality or speed regression, 2: bad input (another suite, a broken plugin).
#
#   ci/gate.sh [--baseline]     # --baseline: (re)make the baseline instead, then commit it
#
# SUITE, BASELINE and RUN_DIR override where things are; BENCHBENCH the command to call.
# Throughput is gated only with GATE_SPEED=1: a shared CI runner's speed varies from run to run
# (an unchanged rerun beside other work read as 38% slower), so by default quality alone is gated.
set -euo pipefail
suite=${SUITE:-ci/gan-gate.toml}
baseline=${BASELINE:-baselines/gan-gate.json}
run_dir=${RUN_DIR:-results/gan-gate-$(date +%Y%m%d-%H%M%S)}
benchbench=${BENCHBENCH:-benchbench}
$benchbench check-family "$(python3 -c "import tomllib,sys; print(tomllib.load(open(sys.argv[1], 'rb'))['families'][0])" "$suite")"
$benchbench run "$suite" --device "${BENCHBENCH_DEVICE:-cpu}" --out "$run_dir"
if [ "${1:-}" = "--baseline" ]; then
  mkdir -p "$(dirname "$baseline")"
  $benchbench baseline "$run_dir" -o "$baseline"
  echo "wrote $baseline: commit it"
else
  speed=$([ "${GATE_SPEED:-0}" = 1 ] && echo --speed || echo --no-speed)
  $benchbench check "$run_dir" --baseline "$baseline" "$speed"
fi
