#!/bin/sh
# Times ktstr-stats `list`, `compare` and `noise` over synthetic sidecar
# pools and prints the figures (best of 3 runs, warm page cache): wall
# time, CPU time (user + system, which other work on the machine disturbs
# less than the wall time) and peak RSS, with the host's load average.
#
#   bench/stats-bench.sh BUILDDIR [N...]        (default N: 1000 10000)
#
# Pools come from bench/stats-gen-pool (run `make` first): every test
# configuration has TRIALS trials a side (default 5, set STATS_BENCH_TRIALS),
# so compare runs its significance tests on every key; `compare --no-stats`
# is the same comparison on the gates alone, for the tests' cost.  `make
# bench` runs this with the build directory.  Nothing is asserted; the
# target is 10,000 sidecars compared in under a second.
set -eu

builddir=${1:-.}
[ $# -gt 0 ] && shift
sizes=${*:-"1000 10000"}
stats="$builddir/src/stats/ktstr-stats"
gen="$builddir/bench/stats-gen-pool"
runs=3
trials=${STATS_BENCH_TRIALS:-5}

for prog in "$stats" "$gen"; do
  if [ ! -x "$prog" ]; then
    echo "stats-bench: $prog is missing; build it with 'make' in $builddir first" >&2
    exit 2
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-stats-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# GNU time gives the peak RSS; without it, wall time comes from date(1).
if [ -x /usr/bin/time ] && /usr/bin/time -f '%e' true 2>/dev/null; then
  have_time=yes
else
  have_time=no
fi

# Exit status 1 is compare's "regressions found"; anything else is a failure.
check () {
  if [ "$1" -gt 1 ]; then
    echo "stats-bench: command failed with status $1:" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
}

# measure NAME CMD...: runs CMD $runs times and prints the best result.
measure () {
  name=$1
  shift
  best_s=
  best_cpu=
  best_kb=
  i=0
  while [ $i -lt $runs ]; do
    if [ $have_time = yes ]; then
      /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || check $?
      # GNU time puts "Command exited with non-zero status 1" first.
      set -- $(tail -n 1 "$tmp/time") "$@"
      s=$1
      cpu=$(awk -v u="$2" -v s="$3" 'BEGIN { printf "%.2f", u + s }')
      kb=$4
      shift 4
    else
      t0=$(date +%s.%N)
      "$@" >/dev/null 2>"$tmp/err" || check $?
      t1=$(date +%s.%N)
      s=$(echo "$t1 - $t0" | bc)
      cpu=n/a
      kb=n/a
    fi
    if [ -z "$best_s" ] || [ "$(echo "$s < $best_s" | bc)" = 1 ]; then
      best_s=$s
      best_cpu=$cpu
      best_kb=$kb
    fi
    i=$((i + 1))
  done
  printf '%9s  %-22s  %8s  %8s  %12s\n' "$n" "$name" "$best_s" "$best_cpu" "$best_kb"
}

echo "ktstr-stats benchmark: $(nproc) CPUs, best of $runs runs, warm cache," \
  "$trials trials a side per key"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%9s  %-22s  %8s  %8s  %12s\n' SIDECARS COMMAND WALL_S CPU_S PEAK_RSS_KIB
for n in $sizes; do
  target="$tmp/target-$n"
  "$gen" "$target/ktstr" "$n" "$trials"
  export CARGO_TARGET_DIR="$target"
  measure list "$stats" list
  measure "compare" "$stats" compare --a-kernel 6.14 --b-kernel 6.15
  measure "compare --no-stats" "$stats" compare --a-kernel 6.14 --b-kernel 6.15 --no-stats
  measure "compare --json" "$stats" compare --a-kernel 6.14 --b-kernel 6.15 --json
  measure "noise" "$stats" noise
  "$stats" compare --a-kernel 6.14 --b-kernel 6.15 >"$tmp/report" 2>/dev/null || true
  printf '%9s  %s\n' "" "$(grep '^summary:' "$tmp/report")"
  rm -rf "$target"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
