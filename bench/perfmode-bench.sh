#!/bin/bash
# A/A variance with and without performance mode (`make bench-perfmode`):
# the built-in `steady` at a topology performance mode can place on this
# host (1n1l1c1t: one vCPU plus the service CPU, so it fits from 2 host
# CPUs), run N times in each of three modes, interleaved round by round so
# that the host's load falls on every mode alike:
#   off       the VM floats over every CPU (the default);
#   on        performance_mode=true: the vCPU alone on a host CPU of its
#             own, QEMU's other threads on the service CPU;
#   realtime  performance_mode=realtime: the same, the vCPU at SCHED_FIFO.
# Prints, per mode, the mean and coefficient of variation of
# total_iterations, of iterations per vCPU-second (total_iterations over
# the CPU time the host gave the vCPU threads, the sidecar's vcpu_host),
# and the share of the scenario the vCPUs waited for a host CPU.  Figures
# only; nothing is asserted.
# Usage: perfmode-bench.sh BUILDDIR SRCDIR
# KTSTR_BENCH_ROUNDS (default 5), KTSTR_BENCH_MODES (default "off on
# realtime"), KTSTR_TEST_KERNEL (default: the fixture beside the tree).
set -euo pipefail
builddir=$1
srcdir=$2
rounds=${KTSTR_BENCH_ROUNDS:-5}
modes=${KTSTR_BENCH_MODES:-off on realtime}
ktstr="$builddir/src/ktstr"
kernel=${KTSTR_TEST_KERNEL:-$srcdir/../shared/fixtures/linux-6.12-scx/bzImage}
if [ ! -r "$kernel" ]; then
  echo "perfmode-bench: no kernel (set KTSTR_TEST_KERNEL)"; exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$work/cache}"
echo "kernel $kernel, $rounds rounds of: $modes; host load $(cut -d' ' -f1-3 /proc/loadavg)"
for m in $modes; do
  case $m in
  off) pm=false ;;
  on) pm=true ;;
  realtime) pm=realtime ;;
  *) echo "perfmode-bench: unknown mode '$m'"; exit 2 ;;
  esac
  sed "s/^name=steady\$/name=steady_$m/; s/^duration_ms=3000\$/duration_ms=3000\nperformance_mode=$pm/" \
    "$srcdir/data/tests/steady.ktstr" > "$work/steady_$m.ktstr"
done
for r in $(seq 1 "$rounds"); do
  for m in $modes; do
    mkdir -p "$work/$m/$r"
    KTSTR_SIDECAR_DIR="$work/$m/$r" "$ktstr" test --kernel "$kernel" --topology 1n1l1c1t \
      "$work/steady_$m.ktstr" > "$work/$m/$r.out" 2>&1 || true
    grep -E '^(PASS|FAIL|SKIP)' "$work/$m/$r.out" | sed "s/^/  round $r: /" || true
  done
done
echo "host load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" $modes <<'PY'
import glob, json, math, os, sys

def stats(xs):
    if not xs:
        return "n=0"
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else float("nan")
    return "mean %10.1f  CV %5.1f %%  (n=%d)" % (m, 100 * sd / m if m else float("nan"), len(xs))

work = sys.argv[1]
for mode in sys.argv[2:]:
    iters, per_s, waited = [], [], []
    for p in sorted(glob.glob(os.path.join(work, mode, "*", "*.ktstr.json"))):
        with open(p) as f:
            sc = json.load(f)
        if not sc.get("passed") or sc.get("skipped"):
            continue
        it = sc["stats"]["total_iterations"]
        iters.append(it)
        vh = sc.get("vcpu_host")
        if vh and vh.get("run_ns"):
            per_s.append(it / (vh["run_ns"] / 1e9))
            waited.append(100.0 * vh["wait_ns"] / (vh["span_ms"] * 1e6 * vh["threads"]))
    print("%-8s total_iterations          %s" % (mode, stats(iters)))
    print("%-8s iterations per vCPU-second %s" % ("", stats(per_s)))
    print("%-8s vCPU waited, %% of span    %s" % ("", stats(waited)))
PY
