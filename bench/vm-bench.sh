#!/bin/bash
# VM figures for `make bench`: per kernel, the time from `ktstr test` start
# to the guest agent's hello, the harness overhead per test (wall time minus
# the scenario's settle + duration), and the same kernel booted by bare
# qemu-system-x86_64 with a trivial init to poweroff, in the same run, with
# the ratio of the two.  Figures only; nothing is asserted.
# Usage: vm-bench.sh BUILDDIR SRCDIR
set -euo pipefail
builddir=$1
srcdir=$2
runs=${KTSTR_BENCH_RUNS:-3}
ktstr="$builddir/src/ktstr"
helper="$builddir/tests/helpers/ktstr-test-init"

kernels=()
ktstr_srcdir=$srcdir
. "$srcdir/tests/fixtures.sh"
[ -n "${KTSTR_TEST_KERNEL:-}" ] && kernels+=("$KTSTR_TEST_KERNEL")
newest_boot=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$newest_boot" ] && kernels+=("$newest_boot")
if [ ${#kernels[@]} -eq 0 ]; then
  echo "vm-bench: no kernel (set KTSTR_TEST_KERNEL)"; exit 0
fi
[ -x "$helper" ] || make -C "$builddir" tests/helpers/ktstr-test-init >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export XDG_CACHE_HOME="$work/cache" KTSTR_SIDECAR_DIR="$work/sidecars"

# A trivial initramfs: the helper init in "off" mode powers off at once.
mkdir -p triv && cp "$helper" triv/init
(cd triv && echo init | cpio -o -H newc --quiet) > trivial.cpio

mean () { awk '{s+=$1} END {if (NR) printf "%.0f", s/NR; else print "nan"}'; }

echo "initramfs:"
"$builddir/bench/initramfs-bench" "$builddir/guest-init/ktstr-init" | sed 's/^/  /'

for accel in tcg kvm; do
  for k in "${kernels[@]}"; do
    echo "kernel $k, accelerator $accel:"
    : > hello; : > overhead; : > bare
    for i in $(seq "$runs"); do
      out=$(KTSTR_ACCEL=$accel "$ktstr" test --timings --kernel "$k" steady 2>"$work/err" || true)
      line=$(grep '^timing steady: start_to_hello_ms=' <<<"$out" || true)
      if [ -z "$line" ] || ! grep -q "^PASS" <<<"$out"; then
        echo "  $accel does not run this kernel here: $(grep -m1 -E '^ +' <<<"$out" || head -1 "$work/err")"
        continue 2
      fi
      sed -E 's/.*start_to_hello_ms=([0-9]+).*/\1/' <<<"$line" >> hello
      sed -E 's/.*overhead_ms=([0-9]+).*/\1/' <<<"$line" >> overhead
      # The same VM configuration, taken from ktstr's reproducer line,
      # without the pause (-S) and QMP, with the trivial initramfs.
      cmd=$(KTSTR_ACCEL=$accel KTSTR_INIT="$helper" "$ktstr" test --kernel "$k" --timeout 60 \
              --karg ktstr_test=silent steady 2>&1 | sed -n 's/^  reproduce: //p' | head -1 || true)
      cmd=$(sed -E -e 's/ktstr_test=silent/ktstr_test=off/' -e 's/ -S / /' -e 's/ -qmp [^ ]+//' -e "s| -initrd [^ ]+| -initrd $work/trivial.cpio|" \
                   -e 's|path=[^ ,]*console.log|path=/dev/null|' -e 's|path=[^ ,]*ctrl.sock|path='"$work"'/bench-ctrl.sock|' <<<"$cmd")
      t0=$(date +%s%N)
      eval "$cmd" >/dev/null 2>&1 || true
      t1=$(date +%s%N)
      echo $(( (t1 - t0) / 1000000 )) >> bare
      rm -f "$work/bench-ctrl.sock"
    done
    h=$(mean < hello); o=$(mean < overhead); b=$(mean < bare)
    echo "  ktstr start to agent hello: ${h} ms (mean of $runs)"
    echo "  harness overhead per test (wall - scenario): ${o} ms"
    echo "  bare qemu boot to poweroff (trivial init): ${b} ms"
    awk -v o="$o" -v b="$b" 'BEGIN { if (b > 0) printf "  overhead / bare boot: %.2fx (target <= 1.1x)\n", o / b }'
  done
done
