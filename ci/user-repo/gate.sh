#!/usr/bin/env bash
# A GAN regression gate for a repository that holds its own benchbench family: run a small suite
# of that family beside WGAN-GP and compare it with the baseline committed in the repository.
# Exit 0: pass, 1: a quality or speed regression, 2: bad input (another suite, a broken plugin).
#
#   ci/gate.sh [--baseline]     # --baseline: (re)make the baseline instead, then commit it
#
# SUITE, BASELINE and RUN_DIR override where things are; BENCHBENCH the command to call.
# GATE_HISTORY=DIR records the run in a history folder (benchbench history); GATE_AGAINST=history
# compares with the records before this run instead of the baseline; GATE_MACHINE=NAME labels the
# history's machine kind (e.g. gh-ubuntu-latest, whose CPU model changes between jobs: speed is
# still compared only within one CPU model); GATE_SPEED=0 gates quality alone (the
# speed is gated relative to a reference workload timed in the same process, so a busy runner
# does not read as a slowdown).
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
  exit 0
fi
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
