#!/bin/bash
# Boot paths for `make bench-boot`: the time from VM launch to the guest
# agent's hello (ktstr test --timings launch_to_hello_ms), test `steady`,
# one VM at a time, for each boot path and machine type:
#   bzimage/pc   the bzImage, QEMU's "pc" machine
#   pvh/pc       the vmlinux through PVH, "pc" (ktstr's default when the
#                vmlinux is known)
#   pvh/q35      the vmlinux through PVH, "q35"
# The configurations take turns run by run, so a change of the host's
# load spreads over all of them; the load is printed before and after.
# Figures only; nothing is asserted.
# Usage: boot-bench.sh BUILDDIR SRCDIR
# Env: KTSTR_TEST_KERNEL (a bzImage with vmlinux.xz or vmlinux beside it,
#      or KTSTR_VMLINUX), KTSTR_BENCH_BOOT_RUNS (default 3).
set -euo pipefail
builddir=$1
srcdir=$2
ktstr="$builddir/src/ktstr"
runs=${KTSTR_BENCH_BOOT_RUNS:-3}
configs="bzimage/pc pvh/pc pvh/q35"

ktstr_srcdir=$srcdir
. "$srcdir/tests/fixtures.sh"
kernel=${KTSTR_TEST_KERNEL:-}
if [ ! -r "$kernel" ]; then
  echo "boot-bench: no kernel (set KTSTR_TEST_KERNEL)"; exit 0
fi
kernel=$(readlink -f "$kernel")
kdir=$(dirname "$kernel")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export XDG_CACHE_HOME="$work/cache" KTSTR_SIDECAR_DIR="$work/sidecars"
mkdir "$work/kernel"
ln -s "$kernel" "$work/kernel/bzImage"
if [ -n "${KTSTR_VMLINUX:-}" ]; then
  ln -s "$(readlink -f "$KTSTR_VMLINUX")" "$work/kernel/vmlinux"
  unset KTSTR_VMLINUX
elif [ -r "$kdir/vmlinux" ]; then
  ln -s "$kdir/vmlinux" "$work/kernel/vmlinux"
elif [ -r "$kdir/vmlinux.xz" ] && command -v xz >/dev/null; then
  xz -dc "$kdir/vmlinux.xz" >"$work/kernel/vmlinux"
else
  echo "boot-bench: no vmlinux for $kernel (vmlinux.xz beside it, or KTSTR_VMLINUX)"; exit 0
fi
"$ktstr" test --kernel "$work/kernel/bzImage" --list-variants steady >/dev/null

echo "boot-bench: kernel $kernel, test steady, $runs runs per configuration, TCG unless" \
  "KVM runs at speed; load before: $(uptime | sed 's/.*load average: //')"
for i in $(seq "$runs"); do
  for c in $configs; do
    boot=${c%/*}
    machine=${c#*/}
    line=$(env KTSTR_BOOT="$([ "$boot" = bzimage ] && echo bzimage || echo auto)" \
      KTSTR_QEMU_MACHINE="$machine" "$ktstr" test -j 1 --timings \
      --kernel "$work/kernel/bzImage" steady 2>&1 | grep '^timing steady: start' || true)
    hello=$(sed -E 's/.*launch_to_hello_ms=([0-9]+).*/\1/' <<<"$line")
    used=$(sed -E 's/.* boot=([a-z]+).*/\1/' <<<"$line")
    echo "$c $hello $used" >>"$work/results.txt"
  done
done
echo "boot-bench: load after: $(uptime | sed 's/.*load average: //')"
printf '%-12s %8s %8s %8s  %s\n' config min_ms mean_ms max_ms "booted as"
for c in $configs; do
  awk -v c="$c" '$1 == c && $2 ~ /^[0-9]+$/ {
      n++; s += $2; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2; used = $3 }
    END { if (n) printf "%-12s %8d %8.0f %8d  %s (%d runs)\n", c, min, s / n, max, used, n
          else printf "%-12s no run reached the hello\n", c }' "$work/results.txt"
done
