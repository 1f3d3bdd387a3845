#!/usr/bin/env bash
# Installs everything ktstr needs to build, test and boot a default kernel on
# Debian 12 (bookworm).  Idempotent; run as root (or through sudo).
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# bookworm-backports carries linux-image 6.12 (sched_ext capable).
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' |
    $SUDO tee /etc/apt/sources.list.d/ktstr-backports.list >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential autoconf automake libtool pkg-config autoconf-archive \
  libglib2.0-dev libjson-glib-dev libgit2-dev \
  qemu-system-x86 qemu-utils cpio xz-utils zstd kmod \
  git ca-certificates valgrind acpica-tools
# The layering check (tools/check-layers.py) and the formatting check
# (make check-format: Debian 12's clang-format is version 14).
$SUDO apt-get install -y -qq --no-install-recommends python3 clang-format
# The shell completions' tests drive an interactive bash and zsh through
# tmux (as does the VM tier's `ktstr shell` test); bash-completion says where
# bash completions are installed.
$SUDO apt-get install -y -qq --no-install-recommends tmux bash-completion zsh
# The Debian package and its CI step (.ci/package-test.sh): debhelper and
# dpkg-dev build it, lintian checks it, debootstrap makes the clean system
# it is installed into.
$SUDO apt-get install -y -qq --no-install-recommends \
  debhelper dpkg-dev fakeroot lintian debootstrap
# A default kernel to boot: Debian's 6.12 from backports.
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports linux-image-amd64
# The fixture scheduler (tests/sched): clang-19 for the BPF target and
# libbpf >= 1.4 (bookworm has 1.1; backports 1.4).  Without them the
# fixture scheduler's VM tests skip.
$SUDO apt-get install -y -qq --no-install-recommends clang-19 libelf-dev zlib1g-dev
# The fuzz harnesses (./configure --enable-fuzzing): libFuzzer and the
# sanitizer runtimes for clang-19.
$SUDO apt-get install -y -qq --no-install-recommends libclang-rt-19-dev
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports libbpf-dev
# The browser check of `ktstr-stats report` (tests/test-report-browser.sh):
# headless Chromium renders the page; a font so that its text has glyphs.
# Without Chromium that test skips and says so.
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
