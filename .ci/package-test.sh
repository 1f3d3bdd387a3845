#!/usr/bin/env bash
# The Debian package, built and used as a user gets it: builds ktstr's
# .deb from a clean copy of this checkout (dpkg-buildpackage -b, which also
# runs make check), lints it (lintian, failing on errors), installs it with
# apt into a fresh Debian 12 made by debootstrap, and runs ktstr there in a
# chroot with a plain environment:
#
#   ktstr list, ktstr show-thresholds steady, the man pages and bash
#   completions where Debian puts them, ktstr test --kernel K steady,
#   ktstr-stats on the run it left, and a shipped scheduler definition
#   whose program is not installed (a clear "not found, looked in" error).
#
# Run as root on Debian 12 (.ci/run runs it; .ci/install-deps.sh installs
# debhelper, lintian and debootstrap).  Needs Debian's archive.
# Environment:
#   KTSTR_CI_CACHE     kept between runs (default /var/cache/ktstr-ci): the
#                      bootstrapped base system and the .debs apt fetched
#   KTSTR_TEST_KERNEL  the kernel to boot (tests/fixtures.sh finds the
#                      fixture); default the newest /boot/vmlinuz-*
#   KTSTR_VM_LOCK      a lock file held (flock) around the VM run, for
#                      hosts whose VM runs must not overlap
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ktstr_srcdir=$top
. "$top/tests/fixtures.sh"
cache=${KTSTR_CI_CACHE:-/var/cache/ktstr-ci}
mirror=http://deb.debian.org/debian
mkdir -p "$cache/apt-archives"

# /var/tmp: the chroot needs a file system that allows exec and devices.
work=$(mktemp -d /var/tmp/ktstr-package-XXXXXX)
root=$work/root
cleanup() {
  for m in var/cache/apt/archives dev sys proc; do
    if mountpoint -q "$root/$m" 2>/dev/null; then umount -R "$root/$m" || umount -lR "$root/$m"; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

step() { echo "=== package: $*"; }

step "build from a clean copy of the checkout (dpkg-buildpackage -us -uc -b)"
mkdir "$work/src"
# Tracked and new files as they are in the work tree, no build products.
git -C "$top" ls-files -z --cached --others --exclude-standard |
  (cd "$top" && tar --null -T - -cf -) | tar -x -C "$work/src"
start=$(date +%s)
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
  >"$work/build.log" 2>&1; then
  tail -60 "$work/build.log"
  grep -E '^(FAIL|ERROR|XPASS):' "$work/build.log" || true
  echo "package: dpkg-buildpackage failed (log above)"
  exit 1
fi
deb=$(ls "$work"/ktstr_*_amd64.deb)
echo "built $(basename "$deb") in $(($(date +%s) - start)) s"

step "lintian (errors fail)"
lintian --fail-on error --suppress-tags initial-upload-closes-no-bugs "$work"/ktstr_*_amd64.changes

step "a fresh Debian 12 (debootstrap, cached in $cache)"
base=$cache/bookworm-minbase.tar
if [ ! -s "$base" ]; then
  debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -50 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/base" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$work/base"
fi
mkdir "$root"
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"

# Commands in the chroot see a plain environment, as a new user's shell.
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    TERM=dumb /bin/sh -c "$1"
}

step "install the package with apt (its dependencies from Debian)"
cp "$deb" "$root/tmp/"
in_root "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  --no-install-recommends /tmp/$(basename "$deb")" >"$work/apt.log" 2>&1 ||
  { tail -50 "$work/apt.log"; exit 1; }

kernel=${KTSTR_TEST_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)}
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
  echo "package: no kernel to boot: set KTSTR_TEST_KERNEL or install linux-image-amd64"
  exit 1
fi
mkdir -p "$root/opt/kernel"
cp "$kernel" "$root/opt/kernel/bzImage"
in_root "mkdir -p /root/work"

step "installed: ktstr list, show-thresholds, man pages, data"
in_root "cd /root/work && ktstr list" >"$work/list.out"
grep -q '^steady ' "$work/list.out" || { cat "$work/list.out"; echo "package: no steady in ktstr list"; exit 1; }
echo "ktstr list: $(wc -l <"$work/list.out") lines"
in_root "cd /root/work && ktstr show-thresholds steady"
for page in man1/ktstr.1.gz man1/ktstr-stats.1.gz man5/ktstr-test.5.gz man5/ktstr-scheduler.5.gz \
  man8/ktstr-init.8.gz; do
  [ -s "$root/usr/share/man/$page" ] || { echo "package: /usr/share/man/$page missing"; exit 1; }
done
# No path of the build may leak into what is installed.
if grep -rlF "$work/src" "$root/usr/bin/ktstr" "$root/usr/bin/ktstr-stats" \
  "$root/usr/libexec/ktstr/ktstr-init"; then
  echo "package: an installed program names the build directory $work/src"
  exit 1
fi
for c in ktstr ktstr-stats; do
  [ -s "$root/usr/share/bash-completion/completions/$c" ] ||
    { echo "package: /usr/share/bash-completion/completions/$c missing"; exit 1; }
  in_root "bash -c '. /usr/share/bash-completion/completions/$c && complete -p $c'"
done
[ -s "$root/usr/share/zsh/vendor-completions/_ktstr" ] ||
  { echo "package: /usr/share/zsh/vendor-completions/_ktstr missing"; exit 1; }

step "a shipped scheduler definition whose program is not installed"
status=0
in_root "cd /root/work && ktstr test --kernel /opt/kernel/bzImage \
  --scheduler-file /usr/share/ktstr/schedulers/scx_simple.ini steady" >"$work/sched.out" 2>&1 ||
  status=$?
cat "$work/sched.out"
if [ "$status" != 2 ] || ! grep -q "scheduler binary 'scx_simple' not found, looked in " "$work/sched.out"; then
  echo "package: expected exit 2 and \"scheduler binary 'scx_simple' not found, looked in\" (got $status)"
  exit 1
fi

step "ktstr test --kernel $kernel steady, then ktstr-stats"
if [ -n "${KTSTR_VM_LOCK:-}" ]; then
  exec 9>>"$KTSTR_VM_LOCK"
  flock 9
fi
in_root "cd /root/work && ktstr test --kernel /opt/kernel/bzImage steady"
if [ -n "${KTSTR_VM_LOCK:-}" ]; then
  flock -u 9
  exec 9>&-
fi
in_root "cd /root/work && ktstr-stats"
echo "package: ok"
