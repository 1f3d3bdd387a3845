#!/bin/sh
# The VM tier (make check-vm): integration tests that boot real kernels.
# Usage: run-vm-tests.sh BUILDDIR SRCDIR
set -eu
builddir=$1
srcdir=$2
export KTSTR_TOP_BUILDDIR="$builddir" KTSTR_TOP_SRCDIR="$srcdir" KTSTR_VM_TESTS=1
# Keep the initramfs cache and accelerator finding out of the user's home.
: "${XDG_CACHE_HOME:=$builddir/.vm-test-cache}"
export XDG_CACHE_HOME
exec "$builddir/tests/test-vm" --tap
