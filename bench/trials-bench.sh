#!/bin/bash
# Trial figures for `make bench-trials`: what `ktstr test --repeat` costs
# and how much of the noise a trial sees comes from the boot.
#
#  1. Cost: a few built-ins with --repeat N --timings (every trial boots):
#     wall time, the share spent booting and tearing down VMs, what one boot
#     per test would save (the `timing trials` line), and the CV of each
#     test's total_iterations over its N trials.
#  2. Boot-level variance: the steady workload five times in one boot (five
#     3-s steps, each with steady's 2 x 2 CpuSpin workers), N boots.  The
#     spread of the steps within a boot is what trials sharing one boot
#     would see; the spread of the boots' means beyond it is what only
#     booting each trial reveals.
# Figures only; nothing is asserted.
# Usage: trials-bench.sh BUILDDIR SRCDIR
# KTSTR_BENCH_TRIALS (default 5), KTSTR_BENCH_TESTS (default "steady
# steady_mixed pipe_io"), KTSTR_TEST_KERNEL (default: the fixture beside the
# source tree).
set -euo pipefail
builddir=$1
srcdir=$2
trials=${KTSTR_BENCH_TRIALS:-5}
tests=${KTSTR_BENCH_TESTS:-steady steady_mixed pipe_io}
ktstr="$builddir/src/ktstr"
kernel=${KTSTR_TEST_KERNEL:-$srcdir/../shared/fixtures/linux-6.12-scx/bzImage}
if [ ! -r "$kernel" ]; then
  echo "trials-bench: no kernel (set KTSTR_TEST_KERNEL)"; exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$work/cache}"
echo "kernel $kernel, $trials trials, host load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 1. cost and the spread between trials --------------------------------
mkdir -p "$work/cost"
# shellcheck disable=SC2086
KTSTR_SIDECAR_DIR="$work/cost" "$ktstr" test --kernel "$kernel" --repeat "$trials" --timings \
  $tests > "$work/cost.out" 2> "$work/cost.err" || true
grep -E '^(PASS|FAIL)' "$work/cost.out" | sed 's/^/  /' || true
grep '^timing trials:' "$work/cost.out" | sed 's/^timing trials: /  /' || true
grep -E '^[0-9]+ passed' "$work/cost.out" | sed 's/^/  /' || true

# --- 2. boot-level variance ---------------------------------------------------
probe="$work/steady_steps.ktstr"
{
  printf '[test]\nname=steady_steps\nduration_ms=15000\n\n'
  for k in 0 1 2 3 4; do
    printf '[step %s]\nhold=frac:0.2\n\n' "$k"
    for c in a b; do
      printf '[cgroup s%s_%s]\nstep=%s\nwork=CpuSpin\nworkers=2\n\n' "$k" "$c" "$k"
    done
  done
} > "$probe"
mkdir -p "$work/steps"
KTSTR_SIDECAR_DIR="$work/steps" "$ktstr" test --kernel "$kernel" --repeat "$trials" "$probe" \
  > "$work/steps.out" 2> "$work/steps.err" || true

python3 - "$work/cost" "$work/steps" <<'PY'
import glob, json, math, os, sys

def load(d):
    out = []
    for p in sorted(glob.glob(os.path.join(d, "*.ktstr.json"))):
        with open(p) as f:
            out.append(json.load(f))
    return out

def mean(xs):
    return sum(xs) / len(xs)

def sd(xs):
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else float("nan")

print("total_iterations over the trials (one boot each):")
by_test = {}
for sc in load(sys.argv[1]):
    if sc.get("passed") and not sc.get("skipped"):
        by_test.setdefault(sc["test_name"], []).append(sc["stats"]["total_iterations"])
for name, xs in sorted(by_test.items()):
    print("  %-14s n=%d mean=%.0f min=%d max=%d CV=%.1f%% max/min=%.2f"
          % (name, len(xs), mean(xs), min(xs), max(xs), 100 * sd(xs) / mean(xs),
             max(xs) / max(min(xs), 1)))

# One row per boot, one column per 3-s step: a step's iterations are its
# two cgroups' (the stats list cgroups in file order, two per step).
boots = []
for sc in load(sys.argv[2]):
    cg = sc["stats"]["cgroups"]
    if sc.get("passed") and len(cg) == 10:
        boots.append([cg[2 * k]["total_iterations"] + cg[2 * k + 1]["total_iterations"]
                      for k in range(5)])
print("steady workload, five 3-s steps per boot, %d boots:" % len(boots))
if len(boots) < 2:
    print("  too few boots passed")
    sys.exit(0)
for i, b in enumerate(boots):
    print("  boot %d: %s  mean %.0f" % (i + 1, " ".join("%6d" % x for x in b), mean(b)))
s = len(boots[0])
grand = mean([x for b in boots for x in b])
within_var = mean([sd(b) ** 2 for b in boots])
means = [mean(b) for b in boots]
between_var = max(sd(means) ** 2 - within_var / s, 0.0)
first = [b[0] for b in boots]
print("  CV of a step within one boot (what shared-boot trials see): %.1f%%"
      % (100 * math.sqrt(within_var) / grand))
print("  CV of the boot level itself (seen only across boots):      %.1f%%"
      % (100 * math.sqrt(between_var) / grand))
print("  CV of step 0 across boots (what boot-each trials see):     %.1f%%"
      % (100 * sd(first) / mean(first)))
icc = between_var / (between_var + within_var) if between_var + within_var > 0 else 0
print("  share of a trial's variance that is the boot's: %.0f%%" % (100 * icc))
for n in (5, 10):
    shared = math.sqrt(within_var / n)
    true = math.sqrt(between_var + within_var / n)
    print("  n=%d trials in one boot: standard error estimated %.1f%%, actual %.1f%% (x%.1f)"
          % (n, 100 * shared / grand, 100 * true / grand, true / shared if shared else float("nan")))
PY
