#!/bin/bash
# Scheduler figures for `make bench`: for scx_simple and scx_qmap (the
# fixture schedulers, dynamically linked) on the fixture sched_ext kernel,
# the time from starting the scheduler in the guest to sched_ext reporting
# it enabled (start-to-ready), and what packaging it adds to the base
# initramfs: bytes, files and cold build time, against the agent-only base
# built in the same run.  TCG, and KVM where it runs guests at speed.
# Figures only; nothing is asserted.
# Usage: sched-bench.sh BUILDDIR SRCDIR
set -euo pipefail
builddir=$1
srcdir=$2
runs=${KTSTR_BENCH_RUNS:-3}
ktstr="$builddir/src/ktstr"
ktstr_srcdir=$srcdir
. "$srcdir/tests/fixtures.sh"
kernel=${KTSTR_TEST_KERNEL:-}
schedulers=${KTSTR_TEST_SCHEDULERS:-}
if [ ! -r "$kernel" ] || [ ! -x "$schedulers/scx_simple" ]; then
  echo "sched-bench: no fixture kernel or schedulers (set KTSTR_TEST_KERNEL and KTSTR_TEST_SCHEDULERS, or KTSTR_FIXTURES)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export KTSTR_SIDECAR_DIR="$work/sidecars"

# field NAME LINE: the value of NAME=value in LINE.
field () { sed -n "s/.*[ :]$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
stats () { sort -n | awk '{a[NR]=$1; s+=$1} END {if (!NR) {print "n/a"; exit}
  printf "mean %.0f ms, min %.0f, max %.0f (n=%d)", s/NR, a[1], a[NR], NR}'; }

base=$("$builddir/bench/initramfs-bench" "$builddir/guest-init/ktstr-init")
base_kib=$(sed -n 's/^initramfs base: \([0-9.]*\) KiB.*/\1/p' <<<"$base")
base_ms=$(sed -n 's/.*build cold \([0-9.]*\) ms.*/\1/p' <<<"$base")
echo "agent-only base initramfs: ${base_kib} KiB, built cold in ${base_ms} ms"

# KVM only where it really runs guests: a first KVM run that fails (an
# emulated /dev/kvm makes no boot progress) skips KVM for the rest.
accels=(tcg kvm)

for sched in scx_simple scx_qmap; do
  path="$schedulers/$sched"
  echo "$sched ($(du -k "$path" | cut -f1) KiB binary):"
  for accel in "${accels[@]}"; do
    : >ready.txt
    pack=""
    for i in $(seq "$runs"); do
      # A fresh cache on the first run: its base initramfs is built cold.
      [ "$i" = 1 ] && rm -rf "$work/cache"
      out=$(XDG_CACHE_HOME="$work/cache" KTSTR_ACCEL=$accel "$ktstr" test --timings \
              --timeout 60 --kernel="$kernel" --scheduler="$path" steady 2>/dev/null || true)
      line=$(grep "sched_start_to_ready_ms=" <<<"$out" || true)
      if [ -z "$line" ] || ! grep -q "^PASS" <<<"$out"; then
        echo "  $accel does not run this scheduler here: $(grep -m1 -E '^ +' <<<"$out" || echo 'no result')"
        [ "$i" = 1 ] && { accels=(tcg); continue 2; }
        continue
      fi
      r=$(field sched_start_to_ready_ms "$line")
      [ -n "$r" ] && [ "$r" -ge 0 ] && echo "$r" >>ready.txt
      [ "$i" = 1 ] && pack=$line
    done
    echo "  $accel start-to-ready: $(stats <ready.txt)"
    if [ -n "$pack" ]; then
      bytes=$(field initramfs_base_bytes "$pack")
      ms=$(field initramfs_base_ms "$pack")
      files=$(field packed_files "$pack")
      awk -v b="$bytes" -v ms="$ms" -v f="$files" -v bk="$base_kib" -v bms="$base_ms" \
        -v a="$accel" 'BEGIN { printf "  %s packaging: base initramfs %.1f KiB (+%.1f KiB over agent-only), " \
          "built cold in %.1f ms (+%.1f ms), %d files packed\n", a, b/1024, b/1024-bk, ms, ms-bms, f }'
    fi
  done
done
