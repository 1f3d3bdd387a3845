#!/bin/sh
# The VM tier (make check-vm): tests that boot real kernels under QEMU (TCG
# when KVM does not run guests at speed).  Each program prints TAP; the tier
# fails when any of them fails.
# Usage: run-vm-tests.sh BUILDDIR SRCDIR
set -u
builddir=$1
srcdir=$2
export KTSTR_TOP_BUILDDIR="$builddir" KTSTR_TOP_SRCDIR="$srcdir" KTSTR_VM_TESTS=1
export G_TEST_SRCDIR="$srcdir/tests" G_TEST_BUILDDIR="$builddir/tests"
# The fixture kernel and schedulers, through the environment.
ktstr_srcdir=$srcdir
. "$srcdir/tests/fixtures.sh"
# Keep the initramfs cache and the accelerator finding out of the user's home.
: "${XDG_CACHE_HOME:=$builddir/.vm-test-cache}"
export XDG_CACHE_HOME

status=0
for t in "$builddir/tests/test-qemu-boot --tap" \
  "$srcdir/tests/test-guest-vm.sh" \
  "$srcdir/tests/test-vm-exec.sh" \
  "$srcdir/tests/test-vm-cpu-locks.sh" \
  "$builddir/tests/test-vm --tap" \
  "$builddir/tests/test-vm-ops --tap" \
  "$builddir/tests/test-vm-sched --tap" \
  "$builddir/tests/test-vm-auto-repro --tap" \
  "$builddir/tests/test-vm-verifier --tap" \
  "$builddir/tests/test-vm-monitor --tap" \
  "$builddir/tests/test-vm-gauntlet --tap"; do
  echo "=== $t"
  start=$(date +%s)
  if $t; then
    echo "=== ok ($(($(date +%s) - start))s): $t"
  else
    echo "=== FAILED ($(($(date +%s) - start))s): $t"
    status=1
  fi
done
exit $status
