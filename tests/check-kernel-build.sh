#!/bin/sh
# make check-kernel-build: the slow, opt-in end-to-end test of a kernel
# built from Debian's source tarball (not in CI's default tiers: the build
# alone took 83 minutes on a busy 2-core host, see README).
#
#   1. `ktstr kernel build --source TARBALL` configures the tree with
#      ktstr.kconfig, builds it and caches the bzImage, its config and the
#      stripped vmlinux under the tarball's key;
#   2. `ktstr test --scheduler scx_simple steady`, with no kernel named
#      anywhere, boots that cached kernel (the newest entry of the cache is
#      the default) and passes with scx_simple loaded.
#
# Prints the figures the README quotes: build time, the entry's size.
# Usage: check-kernel-build.sh BUILDDIR SRCDIR
# Environment:
#   KTSTR_KERNEL_TARBALL  the tarball (default
#                         /usr/src/linux-source-6.12.tar.xz, from
#                         .ci/install-kernel-build-deps.sh)
#   KTSTR_CACHE_DIR       the kernel cache to build into (default
#                         BUILDDIR/check-kernel-build/kernels, kept between
#                         runs: a second run finds the kernel cached)
#   KTSTR_TEST_SCHEDULERS a folder holding scx_simple (tests/fixtures.sh)
#   KTSTR_VM_LOCK         a lock file held (flock) around the VM step,
#                         for hosts whose VM runs must not overlap
set -eu
builddir=$1
srcdir=$2
ktstr_srcdir=$srcdir
. "$srcdir/tests/fixtures.sh"

tarball=${KTSTR_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
if [ ! -r "$tarball" ]; then
  echo "SKIP: no kernel tarball $tarball; run .ci/install-kernel-build-deps.sh (Debian's" \
    "linux-source-6.12) or set KTSTR_KERNEL_TARBALL"
  exit 77
fi
if [ -z "${KTSTR_TEST_SCHEDULERS:-}" ] || [ ! -x "$KTSTR_TEST_SCHEDULERS/scx_simple" ]; then
  echo "SKIP: no scx_simple; set KTSTR_TEST_SCHEDULERS (or KTSTR_FIXTURES) to a folder holding it"
  exit 77
fi
KTSTR_CACHE_DIR=${KTSTR_CACHE_DIR:-$builddir/check-kernel-build/kernels}
export KTSTR_CACHE_DIR
ktstr=$builddir/src/ktstr

echo "=== ktstr kernel build --source $tarball (cache $KTSTR_CACHE_DIR)"
start=$(date +%s)
key=$("$ktstr" kernel build --source "$tarball")
elapsed=$(($(date +%s) - start))
entry=$KTSTR_CACHE_DIR/$key
echo "build: $key in ${elapsed} s on $(nproc) CPUs"
for f in bzImage vmlinux config metadata.json; do
  [ -s "$entry/$f" ] || { echo "FAIL: the cache entry has no $f: $entry"; exit 1; }
done
echo "cache entry: $(du -sh "$entry" | cut -f1) ($(du -h "$entry/bzImage" | cut -f1) bzImage," \
  "$(du -h "$entry/vmlinux" | cut -f1) vmlinux without DWARF)"

# Nothing names a kernel: no variable, no --kernel, no ./linux or ../linux
# around the working directory.  The scheduler is found by name on PATH.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/run"
cd "$work/run"
unset KTSTR_TEST_KERNEL KTSTR_KERNEL
export KTSTR_SIDECAR_DIR="$work/sidecars"
export XDG_CACHE_HOME="$builddir/.vm-test-cache"
PATH=$KTSTR_TEST_SCHEDULERS:$PATH
echo "=== ktstr test --scheduler scx_simple steady (no kernel named)"
set -- "$ktstr" test --scheduler scx_simple steady
if [ -n "${KTSTR_VM_LOCK:-}" ]; then
  set -- flock "$KTSTR_VM_LOCK" "$@"
fi
status=0
"$@" >"$work/out" 2>&1 || status=$?
cat "$work/out"
if [ "$status" != 0 ]; then
  echo "FAIL: ktstr test exited $status"
  exit 1
fi
if ! grep -q "from the kernel cache (cache $key)" "$work/out"; then
  echo "FAIL: ktstr test did not boot the cached kernel $key by default"
  exit 1
fi
if ! grep -q '"scheduler": "simple"' "$work"/sidecars/steady-*.ktstr.json; then
  echo "FAIL: the sidecar does not record scx_simple ('simple') as the scheduler"
  exit 1
fi
echo "PASS: built from $tarball in ${elapsed} s; ktstr test used $key by default"
