#!/bin/bash
# The whole built-in catalog for `make bench-catalog`: its wall time, the
# CPU it used and what each test costs beyond its scenario, in several
# modes run one after the other on the same host:
#   j1-bzimage  one VM at a time booting the bzImage (ktstr's behaviour
#               before plain runs had -j and before the PVH boot)
#   j1-pvh      one VM at a time booting the vmlinux through PVH
#   j2-pvh      two VMs at a time, PVH (the default on a 2-CPU TCG host)
# A mode name is jN-BOOT[-fresh|-shared][-rev]: N VMs at a time; BOOT
# pvh or bzimage; -fresh boots one VM per test (--fresh-boot), -shared
# (or nothing) lets the tests that may share a VM share one (the default
# since shared boots); -rev runs the tests in the reverse order, which
# shows whether a test's verdict depends on the tests before it in a
# shared VM.  The default modes compare shared boots with one boot per
# test at -j 1 and -j 2 and print the ratios.
# Per mode: wall time; CPU utilisation (user + system time of ktstr and
# its VMs over wall time × host CPUs); the sum of the tests' scenario
# times (settle + duration) and the wall time over it (1.0 would be a run
# that costs its scenarios and nothing else); the mean per-test overhead
# (--timings total minus scenario) and time to the agent's hello; the
# boot path the sidecars record; and whether every test's verdict equals
# the first mode's.  The host load (uptime) is printed before and after
# each mode: absolute times move with it, the ratios less.  Figures only;
# nothing is asserted.
# Usage: catalog-bench.sh BUILDDIR SRCDIR
# Env: KTSTR_TEST_KERNEL (a bzImage; its folder's vmlinux.xz, or
#      KTSTR_VMLINUX, gives the PVH modes their vmlinux),
#      KTSTR_BENCH_CATALOG_MODES (default "j2-pvh-shared j2-pvh-shared-rev
#      j1-pvh-shared j2-pvh-fresh j1-pvh-fresh"),
#      KTSTR_BENCH_CATALOG_TESTS (default: every built-in test).
set -euo pipefail
builddir=$1
srcdir=$2
ktstr="$builddir/src/ktstr"
modes=${KTSTR_BENCH_CATALOG_MODES:-j2-pvh-shared j2-pvh-shared-rev j1-pvh-shared j2-pvh-fresh j1-pvh-fresh}

ktstr_srcdir=$srcdir
. "$srcdir/tests/fixtures.sh"
kernel=${KTSTR_TEST_KERNEL:-}
if [ ! -r "$kernel" ]; then
  echo "catalog-bench: no kernel (set KTSTR_TEST_KERNEL)"; exit 0
fi
kernel=$(readlink -f "$kernel")
kdir=$(dirname "$kernel")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export XDG_CACHE_HOME="$work/cache"

# The kernel as a folder holding the bzImage and its vmlinux, where ktstr
# finds the vmlinux beside the image (the release file keeps the run
# directory's name).
mkdir "$work/kernel"
ln -s "$kernel" "$work/kernel/bzImage"
for f in kernel.release config; do
  if [ -e "$kdir/$f" ]; then ln -s "$kdir/$f" "$work/kernel/$f"; fi
done
if [ -n "${KTSTR_VMLINUX:-}" ]; then
  ln -s "$(readlink -f "$KTSTR_VMLINUX")" "$work/kernel/vmlinux"
  unset KTSTR_VMLINUX
elif [ -r "$kdir/vmlinux" ]; then
  ln -s "$kdir/vmlinux" "$work/kernel/vmlinux"
elif [ -r "$kdir/vmlinux.xz" ] && command -v xz >/dev/null; then
  xz -dc "$kdir/vmlinux.xz" >"$work/kernel/vmlinux"
fi
has_vmlinux=no
if [ -e "$work/kernel/vmlinux" ]; then has_vmlinux=yes; fi

if [ -n "${KTSTR_BENCH_CATALOG_TESTS:-}" ]; then
  read -r -a tests <<<"$KTSTR_BENCH_CATALOG_TESTS"
else
  mapfile -t tests < <("$ktstr" list --names)
fi
ncpu=$(nproc)
tck=$(getconf CLK_TCK)

# Planning builds and caches the guest's base image: every figure then
# measures VMs, not packaging.
"$ktstr" test --kernel "$work/kernel/bzImage" --list-variants "${tests[@]}" >/dev/null

echo "catalog-bench: ${#tests[@]} tests, kernel $(basename "$kernel") ($kdir)," \
  "vmlinux: $has_vmlinux, $ncpu host CPUs, accel ${KTSTR_ACCEL:-auto}"
read -r cutime cstime < <(awk '{print $16, $17}' /proc/$$/stat)
prev_ticks=$((cutime + cstime))
first=""
first_wall=""
for mode in $modes; do
  jobs=${mode%%-*}
  jobs=${jobs#j}
  boot=${mode#*-}
  boot=${boot%%-*}
  sharing=()
  case $mode in *-fresh*) sharing=(--fresh-boot) ;; esac
  order=("${tests[@]}")
  case $mode in
    *-rev) order=(); for ((i = ${#tests[@]} - 1; i >= 0; i--)); do order+=("${tests[i]}"); done ;;
  esac
  if [ "$boot" = pvh ] && [ "$has_vmlinux" = no ]; then
    echo "$mode: skipped: no vmlinux for the kernel"
    continue
  fi
  echo "$mode: load before: $(uptime | sed 's/.*load average: //')"
  export KTSTR_SIDECAR_DIR="$work/sidecars-$mode"
  start=$(date +%s.%N)
  rc=0
  if [ "$boot" = bzimage ]; then
    KTSTR_BOOT=bzimage "$ktstr" test -j "$jobs" --timings "${sharing[@]}" \
      --kernel "$work/kernel/bzImage" "${order[@]}" >"$work/out-$mode.txt" 2>&1 || rc=$?
  else
    env -u KTSTR_BOOT -u KTSTR_FRESH_BOOT "$ktstr" test -j "$jobs" --timings "${sharing[@]}" \
      --kernel "$work/kernel/bzImage" "${order[@]}" >"$work/out-$mode.txt" 2>&1 || rc=$?
  fi
  end=$(date +%s.%N)
  read -r cutime cstime < <(awk '{print $16, $17}' /proc/$$/stat)
  ticks=$((cutime + cstime - prev_ticks))
  prev_ticks=$((cutime + cstime))
  echo "$mode: load after:  $(uptime | sed 's/.*load average: //')"
  # Verdicts: "PASS name", one line per test, sorted by name.
  grep -E '^(PASS|FAIL|SKIP) ' "$work/out-$mode.txt" | awk '{print $2, $1}' | sort \
    >"$work/verdicts-$mode.txt" || true
  n_pvh=$( (grep -l '"boot": "pvh"' "$KTSTR_SIDECAR_DIR"/*.ktstr.json 2>/dev/null || true) | wc -l)
  n_bz=$( (grep -l '"boot": "bzimage"' "$KTSTR_SIDECAR_DIR"/*.ktstr.json 2>/dev/null || true) | wc -l)
  n_shared=$( (grep -l '"shared_boot"' "$KTSTR_SIDECAR_DIR"/*.ktstr.json 2>/dev/null || true) | wc -l)
  n_boots=$( (cat "$KTSTR_SIDECAR_DIR"/*.ktstr.json 2>/dev/null || true) | tr -d ' \n' |
    (grep -o '"shared_boot":{"id":"[0-9a-f]*"' || true) | sort -u | wc -l)
  summary=$(grep -E '^[0-9]+ passed' "$work/out-$mode.txt" | tail -1 || true)
  awk -v s="$start" -v e="$end" -v ticks="$ticks" -v tck="$tck" -v ncpu="$ncpu" \
      -v mode="$mode" -v rc="$rc" -v sum="$summary" -v pvh="$n_pvh" -v bz="$n_bz" \
      -v shared="$n_shared" -v boots="$n_boots" \
      -v first_wall="$first_wall" -v first="$first" '
    /^timing .*: start_to_hello_ms=/ {
      for (i = 1; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "start_to_hello_ms") hello += kv[2]
        if (kv[1] == "total_ms") total += kv[2]
        if (kv[1] == "scenario_ms") scen += kv[2]
      }
      n++
    }
    END {
      wall = e - s; cpu = ticks / tck
      printf "%s: wall %.1f s, CPU %.1f s, utilisation %.0f%% of %d CPUs, rc=%d, %s\n",
             mode, wall, cpu, 100 * cpu / (wall * ncpu), ncpu, rc, sum
      if (n > 0)
        printf "%s: %d tests timed: scenarios %.1f s in all, wall / scenarios %.2f; per test: " \
               "overhead %.2f s (%.2f × its scenario), start to hello %.2f s\n",
               mode, n, scen / 1000, wall / (scen / 1000), (total - scen) / n / 1000,
               (total - scen) / scen, hello / n / 1000
      printf "%s: sidecars booted through pvh: %d, bzimage: %d; in shared boots: %d " \
             "(in %d VMs)\n", mode, pvh, bz, shared, boots
      if (first_wall != "")
        printf "%s: wall / %s wall = %.2f\n", mode, first, wall / first_wall
      print wall > "wall.txt"
    }' "$work/out-$mode.txt"
  cp wall.txt "$work/wall-$mode.txt"
  if [ -z "$first" ]; then
    first=$mode
    first_wall=$(cat wall.txt)
  elif cmp -s "$work/verdicts-$first.txt" "$work/verdicts-$mode.txt"; then
    echo "$mode: verdicts identical to $first ($(wc -l <"$work/verdicts-$mode.txt") tests)"
  else
    echo "$mode: verdicts differ from $first:"
    diff "$work/verdicts-$first.txt" "$work/verdicts-$mode.txt" | grep '^[<>]' || true
  fi
  grep -E '^(FAIL|SKIP) ' -A1 "$work/out-$mode.txt" | sed "s/^/$mode: /" || true
done

# Shared boots against one boot per test, at each -j: ratios of the walls.
for mode in $modes; do
  case $mode in *-shared) ;; *) continue ;; esac
  fresh=${mode%-shared}-fresh
  if [ -r "$work/wall-$mode.txt" ] && [ -r "$work/wall-$fresh.txt" ]; then
    awk -v a="$(cat "$work/wall-$mode.txt")" -v b="$(cat "$work/wall-$fresh.txt")" \
      -v m="$mode" -v f="$fresh" \
      'BEGIN { printf "%s wall / %s wall = %.2f (%.1f s / %.1f s)\n", m, f, a / b, a, b }'
  fi
done
