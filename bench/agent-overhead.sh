#!/bin/bash
# The guest agent's own overhead for `make bench`: the CPU time the agent
# (PID 1 and its threads; its workers, scheduler and payloads excluded)
# uses per second of scenario, measured in the guest from ScenarioStart
# to ScenarioEnd (common/proto.h, "done") and printed by `ktstr test
# --timings`.  A few built-in tests under TCG on the fixture kernel (or
# KTSTR_TEST_KERNEL).  Figures only; nothing is asserted.
# Usage: agent-overhead.sh BUILDDIR SRCDIR
set -euo pipefail
builddir=$1
srcdir=$2
runs=${KTSTR_BENCH_RUNS:-3}
tests=${KTSTR_BENCH_TESTS:-steady pipe_io futex_ping_pong dynamic_cpuset_loop}
ktstr="$builddir/src/ktstr"
ktstr_srcdir=$srcdir
. "$srcdir/tests/fixtures.sh"
kernel=${KTSTR_TEST_KERNEL:-}
if [ ! -r "$kernel" ]; then
  echo "agent-overhead: no kernel at $kernel (set KTSTR_TEST_KERNEL or KTSTR_FIXTURES)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export KTSTR_SIDECAR_DIR="$work/sidecars"

# field NAME LINE: the value of NAME=value in LINE.
field () { sed -n "s/.*[ :]$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

echo "guest agent overhead under TCG ($runs runs per test; CPU ms of the agent per second of scenario)"
for t in $tests; do
  : >per_s.txt
  : >cpu.txt
  for i in $(seq "$runs"); do
    out=$(KTSTR_ACCEL=tcg "$ktstr" test --timings --timeout 120 --kernel="$kernel" "$t" \
            2>/dev/null || true)
    line=$(grep "agent_cpu_ms_per_s=" <<<"$out" || true)
    if [ -z "$line" ]; then
      echo "  $t: no figure ($(grep -m1 -E '^(FAIL|SKIP)' <<<"$out" || echo 'no result'))"
      continue 2
    fi
    field agent_cpu_ms_per_s "$line" >>per_s.txt
    field agent_cpu_ms "$line" >>cpu.txt
    run_ms=$(field scenario_run_ms "$line")
  done
  sort -n per_s.txt | awk -v t="$t" -v run="$run_ms" '{a[NR]=$1; s+=$1}
    END { printf "  %-20s %.3f ms/s mean (min %.3f, max %.3f; %.3f%% of one CPU) over %d ms runs, n=%d\n",
            t, s/NR, a[1], a[NR], s/NR/10, run, NR }'
done
