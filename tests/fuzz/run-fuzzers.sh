#!/bin/sh
# Runs libFuzzer harnesses, each for SECONDS, one after the other, starting
# from its seed corpus (CORPUS_DIR/NAME, never written to).  New inputs go
# to a working corpus: FUZZ_WORK_DIR/NAME when FUZZ_WORK_DIR is set (kept,
# so long runs add up across calls), else a temporary directory removed at
# the end.  A crash, leak, sanitizer report, timeout or out-of-memory fails
# the run and leaves the input in FUZZ_WORK_DIR (or the current directory)
# as crash-*, leak-*, timeout-* or oom-*.  With no NAME every fuzz-*
# program in HARNESS_DIR runs.  Used by `make fuzz-smoke` and CI.
# Usage: run-fuzzers.sh HARNESS_DIR CORPUS_DIR SECONDS [NAME...]
set -u
hdir=$1
corpus=$2
seconds=$3
shift 3
names="$*"
if [ -z "$names" ]; then
  for h in "$hdir"/fuzz-*; do
    [ -x "$h" ] && names="$names $(basename "$h")"
  done
fi
if [ -z "$names" ]; then
  echo "run-fuzzers: no fuzz-* harness in $hdir: configure with --enable-fuzzing CC=clang-19 and run 'make fuzz'" >&2
  exit 2
fi

tmp=
if [ -n "${FUZZ_WORK_DIR:-}" ]; then
  work=$FUZZ_WORK_DIR
  artifacts=$FUZZ_WORK_DIR
else
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-fuzz-run-XXXXXX") || exit 2
  trap 'rm -rf "$tmp"' EXIT
  work=$tmp
  artifacts=$PWD
fi

# Whole stacks in reports: GLib is built without frame pointers.
ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0}
export ASAN_OPTIONS

status=0
for name in $names; do
  h=$hdir/$name
  if [ ! -x "$h" ]; then
    echo "run-fuzzers: $h is not built" >&2
    status=2
    continue
  fi
  mkdir -p "$work/$name"
  seeds=$corpus/$name
  [ -d "$seeds" ] || seeds=
  echo "=== $name: ${seconds}s"
  # -timeout: one input taking this long is a finding (a hang); the
  # harnesses handle an input in well under a millisecond.
  if "$h" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" "$work/$name" $seeds >"$work/$name.log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$work/$name.log" |
      tr '\n' ' '
    echo "corpus=$(ls "$work/$name" | wc -l)"
  else
    echo "=== FAILED: $name (artifacts under $artifacts/$name-*)"
    tail -60 "$work/$name.log"
    status=1
  fi
done
exit $status
