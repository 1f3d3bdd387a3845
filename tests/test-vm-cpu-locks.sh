#!/bin/sh
# Host CPU reservations between ktstr processes, on a real kernel (the VM
# tier):
#   - two `ktstr test --gauntlet -j 2 --cpu-cap 1` runs started at once
#     never have two QEMUs whose vCPU threads may run on one host CPU
#     (each QEMU's /proc/PID/task/*/status Cpus_allowed_list, sampled while
#     they run), each VM is pinned to one CPU, and two VMs did run side by
#     side (else the check would prove nothing);
#   - a performance-mode test whose topology this host can never place is
#     a skip that says why, and boots nothing;
#   - one whose CPUs another process holds is a skip naming that process;
#   - one that fits runs with its vCPU on a host CPU of its own, QEMU's
#     other threads on the service CPU; realtime runs the vCPU at
#     SCHED_FIFO.
# TAP output.  Skips when the fixture kernel or QEMU is missing, or the
# host has fewer than 2 CPUs.
set -u

top_build=${KTSTR_TOP_BUILDDIR:-.}
top_src=${KTSTR_TOP_SRCDIR:-.}
ktstr="$top_build/src/ktstr"
kernel=${KTSTR_TEST_KERNEL:-}

skip () {
  echo "1..0 # SKIP $1"
  exit 0
}
[ -x "$ktstr" ] || skip "$ktstr not built"
[ -n "$kernel" ] && [ -r "$kernel" ] || skip "no sched_ext kernel: set KTSTR_TEST_KERNEL"
command -v "${KTSTR_QEMU:-qemu-system-x86_64}" > /dev/null 2>&1 || skip "QEMU not found"
[ "$(nproc)" -ge 2 ] || skip "needs 2 host CPUs"

work=$(mktemp -d "${TMPDIR:-/tmp}/test-vm-cpu-locks-XXXXXX")
export TMPDIR="$work"
# Our own lock directory: the runs coordinate with each other, not with
# whatever else the host runs.
export KTSTR_LOCK_DIR="$work/locks"
holders=""
cleanup () {
  for p in $holders; do kill "$p" 2> /dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
n=0
failed=0
ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}
not_ok () {
  n=$((n + 1))
  failed=1
  echo "not ok $n - $1"
  shift
  for f in "$@"; do
    [ -s "$f" ] && sed 's/^/# /' "$f" | tail -25
  done
}

# sample PID... : while any PID lives, one line per vCPU thread of each of
# their QEMU children, "ROUND QEMU-PID CPULIST", every 0.2 s; and one
# "ROUND QEMU-PID other CPULIST" per other thread.
sample () {
  round=0
  while :; do
    alive=0
    for p in "$@"; do
      kill -0 "$p" 2> /dev/null || continue
      alive=1
      for q in $(pgrep -P "$p" 2> /dev/null); do
        for t in /proc/"$q"/task/*; do
          comm=$(cat "$t/comm" 2> /dev/null) || continue
          list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status" 2> /dev/null)
          [ -n "$list" ] || continue
          case $comm in
          CPU*)
            echo "$round $q $list"
            # The vCPU's scheduling policy, for realtime performance mode.
            chrt -p "${t##*/}" 2> /dev/null | sed -n "s/.*policy: /$round $q policy /p"
            ;;
          *) echo "$round $q other $list" ;;
          esac
        done
      done
    done
    [ $alive = 1 ] || break
    round=$((round + 1))
    sleep 0.2
  done
}

# Reads sample lines; prints "overlaps=N concurrent=N unpinned=N": rounds
# where two QEMUs' vCPU CPUs meet, rounds with two or more QEMUs, and
# QEMUs whose vCPUs may use more than one CPU.
judge () {
  awk '
    function expand(list, out,   parts, i, r, a, b, c) {
      split(list, parts, ",")
      for (i in parts) {
        if (split(parts[i], r, "-") == 2) { a = r[1] + 0; b = r[2] + 0 } else { a = b = parts[i] + 0 }
        for (c = a; c <= b; c++) out[c] = 1
      }
    }
    $3 != "other" && $3 != "policy" {
      delete set; expand($3, set)
      for (c in set) { key = $1 SUBSEP c; if (!((key, $2) in seen)) { seen[key, $2] = 1; users[key]++ } }
      qemus[$1, $2] = 1
      for (c in set) cpus[$2, c] = 1
    }
    END {
      for (k in users) if (users[k] > 1) { split(k, kk, SUBSEP); bad[kk[1]] = 1 }
      for (k in bad) overlaps++
      for (k in qemus) { split(k, kk, SUBSEP); per[kk[1]]++ }
      for (r in per) if (per[r] > 1) concurrent++
      for (k in cpus) { split(k, kk, SUBSEP); width[kk[1]]++ }
      for (q in width) if (width[q] > 1) unpinned++
      printf "overlaps=%d concurrent=%d unpinned=%d\n", overlaps, concurrent, unpinned
    }'
}

# 1. Two gauntlets at once, each VM capped to one CPU of its own.
for i in 1 2; do
  KTSTR_SIDECAR_DIR="$work/runs$i" "$ktstr" test --kernel "$kernel" --gauntlet -j 2 \
    --cpu-cap 1 --preset tiny-1llc,tiny-2llc steady > "$work/g$i.out" 2>&1 &
  eval "g$i=\$!"
done
sample "$g1" "$g2" > "$work/samples"
wait "$g1"
rc1=$?
wait "$g2"
rc2=$?
verdict=$(judge < "$work/samples")
echo "# two gauntlets: $verdict (exit $rc1, $rc2)"
case $verdict in
*overlaps=0\ *) ok "two gauntlets at once never share a pinned CPU" ;;
*) not_ok "two gauntlets at once never share a pinned CPU ($verdict)" "$work/samples" ;;
esac
case $verdict in
*concurrent=0\ *) not_ok "two VMs ran side by side ($verdict)" "$work/g1.out" "$work/g2.out" ;;
*) ok "two VMs ran side by side" ;;
esac
case $verdict in
*unpinned=0) ok "every VM was pinned to one CPU (--cpu-cap 1)" ;;
*) not_ok "every VM was pinned to one CPU ($verdict)" "$work/samples" ;;
esac
if [ $rc1 -le 1 ] && [ $rc2 -le 1 ] && grep -q "^sidecars:" "$work/g1.out" \
  && grep -q "^sidecars:" "$work/g2.out" && ! grep -q SKIP "$work/g1.out" "$work/g2.out"; then
  ok "both gauntlets ran every variant (exit $rc1, $rc2), none skipped for CPUs"
else
  not_ok "both gauntlets ran every variant (exit $rc1, $rc2)" "$work/g1.out" "$work/g2.out"
fi

# 2. Performance mode.
mkdir -p "$work/t"
sed 's/^name=steady$/name=steady_perf/; s/^duration_ms=3000$/duration_ms=2000\nperformance_mode=true/' \
  "$top_src/data/tests/steady.ktstr" > "$work/t/steady_perf.ktstr"
perf_test () {
  KTSTR_SIDECAR_DIR="$work/perf" "$ktstr" test --kernel "$kernel" "$@" "$work/t/steady_perf.ktstr" \
    > "$work/p.out" 2>&1
}

# Never fits: 2 vCPUs + the service CPU on a host of 2 (or more vCPUs than
# the host has).
cpus=$(nproc)
perf_test --topology "1n1l${cpus}c1t"
rc=$?
if [ $rc = 0 ] && grep -q "SKIP steady_perf.*performance mode needs a host CPU for each of the $cpus vCPUs" "$work/p.out"; then
  ok "a performance-mode plan that cannot fit is skipped, saying why"
else
  not_ok "a performance-mode plan that cannot fit is skipped, saying why (exit $rc)" "$work/p.out"
fi

# Fits on an idle host, but another process holds every CPU.
mkdir -p "$KTSTR_LOCK_DIR"
for c in $(seq 0 $((cpus - 1))); do
  # The holder is the sleep itself (flock(1) would leave its child holding
  # the lock after it is killed).
  sh -c 'exec 9> "$1" && flock 9 && exec sleep 600' sh "$KTSTR_LOCK_DIR/cpu-$c.lock" &
  holders="$holders $!"
done
sleep 0.5
perf_test --topology 1n1l1c1t
rc=$?
if [ $rc = 0 ] && grep -q "SKIP steady_perf.*is reserved" "$work/p.out" && grep -q "pid=" "$work/p.out"; then
  ok "a performance-mode test whose CPUs another process holds is skipped, naming it"
else
  not_ok "a performance-mode test whose CPUs another process holds is skipped (exit $rc)" "$work/p.out"
fi
for p in $holders; do kill "$p" 2> /dev/null; done
holders=""
wait 2> /dev/null

# Fits: the vCPU alone on its CPU, QEMU's other threads elsewhere.
# ktstr itself in the background (not a subshell): QEMU is its child.
KTSTR_SIDECAR_DIR="$work/perf" "$ktstr" test --kernel "$kernel" --topology 1n1l1c1t \
  "$work/t/steady_perf.ktstr" > "$work/p.out" 2>&1 &
pp=$!
sample "$pp" > "$work/perf-samples"
wait "$pp"
rc=$?
# The last round that saw a vCPU thread: before QMP names the vCPU threads
# (the guest still paused) every thread has the vCPU and service CPUs.
last=$(awk '$3 != "other" && $3 != "policy" { r = $1 } END { print r }' "$work/perf-samples")
vcpu=$(awk -v r="$last" '$1 == r && $3 != "other" && $3 != "policy" { print $3 }' \
  "$work/perf-samples" | sort -u)
other=$(awk -v r="$last" '$1 == r && $3 == "other" { print $4 }' "$work/perf-samples" | sort -u)
echo "# performance mode: vCPU on '$vcpu', other threads on '$other' (exit $rc)"
if [ $rc -le 1 ] && grep -q "steady_perf.*1n1l1c1t" "$work/p.out" && ! grep -q SKIP "$work/p.out" \
  && [ -n "$vcpu" ] && [ "$(echo "$vcpu" | wc -l)" = 1 ] && ! echo "$vcpu" | grep -q '[-,]' \
  && [ -n "$other" ] && ! echo "$other" | grep -qx "$vcpu"; then
  ok "performance mode pins the vCPU to a CPU of its own, apart from QEMU's other threads"
else
  not_ok "performance mode pins the vCPU (vCPU '$vcpu', other '$other', exit $rc)" "$work/p.out" "$work/perf-samples"
fi

# Realtime: the same, and the vCPU thread at SCHED_FIFO.
sed -i 's/^performance_mode=true$/performance_mode=realtime/' "$work/t/steady_perf.ktstr"
KTSTR_SIDECAR_DIR="$work/perf" "$ktstr" test --kernel "$kernel" --topology 1n1l1c1t \
  "$work/t/steady_perf.ktstr" > "$work/p.out" 2>&1 &
pp=$!
sample "$pp" > "$work/rt-samples"
wait "$pp"
rc=$?
policy=$(awk '$3 == "policy" { p = $4 } END { print p }' "$work/rt-samples")
echo "# realtime performance mode: vCPU policy '$policy' (exit $rc)"
if [ $rc -le 1 ] && ! grep -q SKIP "$work/p.out" && [ "$policy" = SCHED_FIFO ]; then
  ok "realtime performance mode runs the vCPU at SCHED_FIFO"
elif [ $rc = 1 ] && grep -q "at SCHED_FIFO: Operation not permitted" "$work/p.out"; then
  ok "realtime performance mode says it needs CAP_SYS_NICE here # SKIP no permission for SCHED_FIFO"
else
  not_ok "realtime performance mode runs the vCPU at SCHED_FIFO (policy '$policy', exit $rc)" \
    "$work/p.out" "$work/rt-samples"
fi

echo "1..$n"
exit $failed
