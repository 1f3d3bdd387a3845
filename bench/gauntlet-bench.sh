#!/bin/bash
# Gauntlet throughput for `make bench`: the same gauntlet (TESTS × PRESETS,
# one VM per variant) with -j 1 and -j 2, reporting wall time, VMs per
# minute and CPU utilisation (user + system time of ktstr and its VMs over
# wall time × host CPUs).  Figures only; nothing is asserted.
# Usage: gauntlet-bench.sh BUILDDIR SRCDIR
# Env: KTSTR_TEST_KERNEL, KTSTR_BENCH_GAUNTLET_TESTS (default "steady basic_yield"),
#      KTSTR_BENCH_GAUNTLET_PRESETS (default "tiny-1llc,tiny-2llc"), KTSTR_BENCH_JOBS ("1 2").
set -euo pipefail
builddir=$1
srcdir=$2
ktstr="$builddir/src/ktstr"
tests=${KTSTR_BENCH_GAUNTLET_TESTS:-steady basic_yield}
presets=${KTSTR_BENCH_GAUNTLET_PRESETS:-tiny-1llc,tiny-2llc}
jobs_list=${KTSTR_BENCH_JOBS:-1 2}

ktstr_srcdir=$srcdir
. "$srcdir/tests/fixtures.sh"
kernel=${KTSTR_TEST_KERNEL:-}
if [ ! -r "$kernel" ]; then
  echo "gauntlet-bench: no kernel (set KTSTR_TEST_KERNEL)"; exit 0
fi
kernel=$(readlink -f "$kernel")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export XDG_CACHE_HOME="$work/cache" KTSTR_SIDECAR_DIR="$work/sidecars"
ncpu=$(nproc)
n_tests=$(wc -w <<<"$tests")
n_presets=$(tr ',' ' ' <<<"$presets" | wc -w)
n_vms=$((n_tests * n_presets))

# Warm the initramfs cache so every figure measures VMs, not packaging.
# shellcheck disable=SC2086
"$ktstr" test --kernel "$kernel" --gauntlet -j 1 --preset "${presets%%,*}" ${tests%% *} \
  >/dev/null 2>&1 || true

read -r cutime cstime < <(awk '{print $16, $17}' /proc/$$/stat)
prev_ticks=$((cutime + cstime))
echo "gauntlet-bench: $n_tests test(s) × $n_presets preset(s) = $n_vms VMs per run," \
  "kernel $(basename "$kernel"), $ncpu host CPUs, accel ${KTSTR_ACCEL:-auto}"
printf '%-6s %9s %9s %10s %8s %s\n' jobs wall_s cpu_s vms_per_min cpu_util result
for j in $jobs_list; do
  rm -rf "$KTSTR_SIDECAR_DIR"
  start=$(date +%s.%N)
  rc=0
  # shellcheck disable=SC2086
  "$ktstr" test --kernel "$kernel" --gauntlet -j "$j" --preset "$presets" $tests \
    >"$work/out-$j.txt" 2>&1 || rc=$?
  end=$(date +%s.%N)
  # Children's CPU time (ktstr, and through it every QEMU) in clock ticks.
  read -r cutime cstime < <(awk '{print $16, $17}' /proc/$$/stat)
  tck=$(getconf CLK_TCK)
  summary=$(grep '^gauntlet: .* passed' "$work/out-$j.txt" | tail -1 || true)
  awk -v s="$start" -v e="$end" -v cu="$cutime" -v cs="$cstime" -v tck="$tck" \
      -v prev="$prev_ticks" -v n="$n_vms" -v ncpu="$ncpu" -v j="$j" -v sum="$summary" \
      -v rc="$rc" 'BEGIN {
        wall = e - s; cpu = (cu + cs - prev) / tck;
        printf "%-6s %9.1f %9.1f %10.2f %7.0f%% rc=%d %s\n", "-j" j, wall, cpu, n / wall * 60,
               cpu / (wall * ncpu) * 100, rc, sum }'
  prev_ticks=$((cutime + cstime))
done
