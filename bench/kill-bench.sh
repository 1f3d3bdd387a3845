#!/bin/bash
# Kill figures for `make bench-kill`: what a `ktstr test` killed with
# SIGKILL leaves behind.  Runs two short tests (two VMs, two sidecars) and
# kills ktstr at KTSTR_BENCH_KILLS (default 20) moments drawn at random
# over a whole run's length, so the kills fall before the boot, during boot
# and scenario, and while sidecars and console logs are written.  After
# each kill it counts:
#   - QEMU processes of this bench still running 2 s after the kill
#     (they die with ktstr: common/parent-death.h);
#   - VM work directories left in $TMPDIR (a SIGKILL gives ktstr no chance
#     to remove them; the next ktstr sweeps them: util/owned-tmpdir.h);
#   - sidecars in the run directory that are not valid JSON (writes are
#     atomic: util/fsutil.h).
# A complete run at the end must pass and leave no work directory; its
# pre-clear removes the temporary files the killed writers left.
# Figures only; nothing is asserted.  Run it under the VM lock (it boots
# VMs): flock /tmp/ktstr-vm.lock make bench-kill
# Usage: kill-bench.sh BUILDDIR SRCDIR
# KTSTR_BENCH_KILLS (default 20), KTSTR_BENCH_SEED (default 1),
# KTSTR_TEST_KERNEL (default: the fixture beside the source tree).
set -euo pipefail
builddir=$1
srcdir=$2
kills=${KTSTR_BENCH_KILLS:-20}
RANDOM=${KTSTR_BENCH_SEED:-1}
ktstr="$builddir/src/ktstr"
kernel=${KTSTR_TEST_KERNEL:-$srcdir/../shared/fixtures/linux-6.12-scx/bzImage}
if [ ! -r "$kernel" ]; then
  echo "kill-bench: no kernel (set KTSTR_TEST_KERNEL)"; exit 0
fi

work=$(mktemp -d /tmp/ktstr-killbench-XXXXXX)
cleanup() {
  pkill -KILL -f -- "$work/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/tmp" "$work/repo"
export TMPDIR="$work/tmp" CARGO_TARGET_DIR="$work/target"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$work/cache}"
unset KTSTR_SIDECAR_DIR
for t in a b; do
  printf '[test]\nname=kill_%s\nduration_ms=2000\n\n[cgroup spin]\nwork=CpuSpin\nworkers=1\n' "$t" \
    > "$work/kill_$t.ktstr"
done
args=(test --kernel "$kernel" --topology 1n1l1c1t --memory-mb 256
  "$work/kill_a.ktstr" "$work/kill_b.ktstr")
qemus() { pgrep -f -- "$TMPDIR/ktstr-vm" | wc -l; }
workdirs() { find "$TMPDIR" -maxdepth 1 -name 'ktstr-vm-*' | wc -l; }
sidecars() { find "$CARGO_TARGET_DIR" -name '*.ktstr.json' 2> /dev/null | wc -l; }
invalid_sidecars() {
  python3 - "$CARGO_TARGET_DIR" <<'PY'
import glob, json, os, sys
bad = 0
for p in glob.glob(os.path.join(sys.argv[1], "ktstr", "*", "*.ktstr.json")):
    try:
        with open(p) as f:
            json.load(f)
    except Exception:
        bad += 1
print(bad)
PY
}
temps() { find "$CARGO_TARGET_DIR" -name '*.tmp-*' -o -name '*.ktstr.json.??????' 2> /dev/null | wc -l; }

cd "$work/repo"
echo "kernel $kernel, $kills kills, seed ${KTSTR_BENCH_SEED:-1}, host load $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s%N)
if ! "$ktstr" "${args[@]}" > "$work/full.out" 2>&1; then
  echo "kill-bench: the complete run failed:"; cat "$work/full.out"; exit 1
fi
full_ms=$((($(date +%s%N) - start) / 1000000))
echo "complete run: ${full_ms} ms, $(sidecars) sidecars"

left_qemu=0 left_dirs=0 bad_json=0 in_boot=0 before_boot=0 after_vm=0
printf '%4s %8s %-12s %9s %6s %8s %8s\n' kill at_ms phase sidecars qemu workdirs bad_json
for i in $(seq 1 "$kills"); do
  at=$((RANDOM * full_ms / 32768))
  "$ktstr" "${args[@]}" > "$work/kill-$i.out" 2>&1 &
  pid=$! # ktstr itself: bash execs a simple command in the child
  sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
  if [ "$(qemus)" -gt 0 ]; then
    phase=vm; in_boot=$((in_boot + 1))
  elif grep -q '^\(PASS\|FAIL\)' "$work/kill-$i.out"; then
    phase=between-vms; after_vm=$((after_vm + 1))
  else
    phase=before-vm; before_boot=$((before_boot + 1))
  fi
  kill -KILL "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  sleep 2
  q=$(qemus) d=$(workdirs) b=$(invalid_sidecars)
  left_qemu=$((left_qemu + q))
  left_dirs=$((left_dirs + d))
  bad_json=$((bad_json + b))
  printf '%4d %8d %-12s %9d %6d %8d %8d\n' "$i" "$at" "$phase" "$(sidecars)" "$q" "$d" "$b"
  if [ "$q" -gt 0 ]; then pkill -KILL -f -- "$TMPDIR/ktstr-vm" || true; fi
done
dirs_before=$(workdirs) temps_before=$(temps)
"$ktstr" "${args[@]}" > "$work/final.out" 2>&1 && final=passed || final="failed ($?)"
echo "kills by phase: $before_boot before a VM, $in_boot with a VM running, $after_vm between VMs"
echo "QEMU processes left 2 s after a kill: $left_qemu (over $kills kills)"
echo "sidecars that were not valid JSON: $bad_json"
echo "work directories left by the kills: $dirs_before; after the next complete run ($final): $(workdirs)"
echo "killed writers' temp files in the run directory: $temps_before before that run, $(temps) after"
echo "sidecars after it: $(sidecars), not valid JSON: $(invalid_sidecars)"
