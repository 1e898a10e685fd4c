#!/usr/bin/env bash
# Regression gate for a project that uses benchbench: run the pinned `regression` suite, record
# it in the history if asked, and compare it with a committed baseline or with the recent history.
# Exit 0: pass, 1: a quality or speed regression, 2: bad input.
#
#   ci/regression.sh [BASELINE] [RUN_DIR]
#
# GATE_HISTORY=DIR   append this run to the history in DIR (one new file; safe beside other jobs)
# GATE_AGAINST=history   compare with DIR's recent records instead of BASELINE
# GATE_MACHINE=NAME  the machine kind the history is kept for (default: the CPU model and threads)
# GATE_SPEED=0       gate quality alone (the relative speed is gated by default)
#
# Make a baseline once, on the machine type your CI uses, and commit it:
#   benchbench run regression --out results/regression && \
#   benchbench baseline results/regression -o baselines/regression-cpu.json
set -euo pipefail
baseline=${1:-baselines/regression-cpu.json}
run_dir=${2:-results/regression-$(date +%Y%m%d-%H%M%S)}
benchbench=${BENCHBENCH:-benchbench}
$benchbench run regression --device "${BENCHBENCH_DEVICE:-cpu}" --out "$run_dir"
if [ -n "${GATE_HISTORY:-}" ]; then
  $benchbench history add "$run_dir" --into "$GATE_HISTORY" ${GATE_MACHINE:+--machine "$GATE_MACHINE"}
fi
speed=$([ "${GATE_SPEED:-1}" = 0 ] && echo --no-speed || echo --speed)
if [ "${GATE_AGAINST:-baseline}" = history ]; then
  $benchbench check "$run_dir" --history "${GATE_HISTORY:?GATE_AGAINST=history needs GATE_HISTORY}" \
    ${GATE_MACHINE:+--machine "$GATE_MACHINE"} "$speed"
else
  $benchbench check "$run_dir" --baseline "$baseline" "$speed"
fi
