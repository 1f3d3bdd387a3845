#!/bin/bash
# The monitor's observer effect for `make bench`: the workload's iterations
# (the sidecar's stats.total_iterations) and the guest agent's own CPU time
# per second of scenario (`ktstr test --timings`, agent_cpu_ms_per_s; the
# guest sampler is a thread of the agent, so its cost lands there) with the
# monitor off, reading guest memory from the host, and sampling in the
# guest.  The modes take turns run by run, so load on the host spreads
# over all of them.  Test `steady` on $KTSTR_TEST_KERNEL (tests/fixtures.sh),
# with $KTSTR_VMLINUX or else the vmlinux.xz beside it decompressed next to
# a link to the bzImage; KTSTR_BENCH_SCHEDULER runs it under a sched_ext
# scheduler.  Figures only; nothing is asserted.
# Usage: monitor-overhead.sh BUILDDIR SRCDIR
set -euo pipefail
builddir=$1
srcdir=$2
runs=${KTSTR_BENCH_RUNS:-3}
test=${KTSTR_BENCH_TEST:-steady}
ktstr="$builddir/src/ktstr"
ktstr_srcdir=$srcdir
. "$srcdir/tests/fixtures.sh"
fixture=${KTSTR_TEST_KERNEL:-}
if [ ! -r "$fixture" ]; then
  echo "monitor-overhead: no kernel at $fixture (set KTSTR_TEST_KERNEL or KTSTR_FIXTURES)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kernel=$fixture
fixture_dir=$(dirname "$fixture")
if [ -z "${KTSTR_VMLINUX:-}" ] && [ -r "$fixture_dir/vmlinux.xz" ] && command -v xz >/dev/null; then
  xz -dc "$fixture_dir/vmlinux.xz" >"$work/vmlinux"
  ln -s "$fixture" "$work/bzImage"
  if [ -r "$fixture_dir/kernel.release" ]; then
    ln -s "$fixture_dir/kernel.release" "$work/kernel.release"
  fi
  kernel=$work/bzImage
fi
sched_args=()
if [ -n "${KTSTR_BENCH_SCHEDULER:-}" ]; then
  sched_args=(--scheduler "$KTSTR_BENCH_SCHEDULER")
fi
cd "$work"

# field NAME LINE: the value of NAME=value in LINE.
field () { sed -n "s/.*[ :]$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

modes="off host guest"
for m in $modes; do : >"iter-$m.txt"; : >"cpu-$m.txt"; done
for i in $(seq "$runs"); do
  for m in $modes; do
    export KTSTR_SIDECAR_DIR="$work/sidecars-$m-$i"
    out=$(KTSTR_ACCEL=tcg "$ktstr" test --timings --timeout 120 --monitor="$m" \
            --kernel="$kernel" "${sched_args[@]}" "$test" 2>/dev/null || true)
    line=$(grep "agent_cpu_ms_per_s=" <<<"$out" || true)
    if [ -z "$line" ] || ! grep -q "^PASS" <<<"$out"; then
      echo "  $m run $i: no figure ($(grep -m1 -E '^(FAIL|SKIP)' <<<"$out" || echo 'no result'))"
      continue
    fi
    field agent_cpu_ms_per_s "$line" >>"cpu-$m.txt"
    # The scenario's total: the stats object's own key (four spaces in).
    sed -n 's/^    "total_iterations": \([0-9]*\).*/\1/p' "$KTSTR_SIDECAR_DIR"/*.ktstr.json \
      >>"iter-$m.txt"
  done
done

stat () {
  sort -n "$1" | awk '{a[NR]=$1; s+=$1}
    END { if (NR == 0) { print "- - - 0"; exit }
          printf "%.3f %.3f %.3f %d\n", s/NR, a[1], a[NR], NR }'
}
read -r base _ _ _ < <(stat iter-off.txt)
echo "monitor observer effect under TCG ($test${KTSTR_BENCH_SCHEDULER:+ under $(basename "$KTSTR_BENCH_SCHEDULER")}, $runs runs per mode, modes interleaved)"
printf "  %-6s %-44s %s\n" mode "workload iterations: mean (min-max), vs off" \
  "agent CPU ms per s of scenario: mean (min-max)"
for m in $modes; do
  read -r im ilo ihi n < <(stat "iter-$m.txt")
  read -r cm clo chi _ < <(stat "cpu-$m.txt")
  if [ "$n" = 0 ]; then
    printf "  %-6s no runs\n" "$m"
    continue
  fi
  delta=$(awk -v a="$im" -v b="$base" 'BEGIN { if (b > 0) printf "%+.1f%%", (a - b) / b * 100; else print "-" }')
  spread=$(awk -v lo="$ilo" -v hi="$ihi" -v m="$im" 'BEGIN { if (m > 0) printf "%.1f%%", (hi - lo) / m * 100 }')
  printf "  %-6s %.0f (%.0f-%.0f, spread %s), %s %-8s %.3f (%.3f-%.3f)\n" "$m" "$im" "$ilo" "$ihi" \
    "$spread" "$delta" "" "$cm" "$clo" "$chi"
done
