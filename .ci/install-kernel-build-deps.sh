#!/usr/bin/env bash
# Installs what `ktstr kernel build` needs to build a sched_ext kernel on
# Debian 12, and Debian's kernel source tarball to build from
# (/usr/src/linux-source-6.12.tar.xz, about 150 MB).  Opt-in: the default
# CI tiers never build a kernel (a 6.12 build took 83 minutes on a busy
# 2-core host, see README); `make check-kernel-build` does.  Idempotent; run as root (or
# through sudo).
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# bookworm-security and bookworm-backports carry linux-source-6.12.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' |
    $SUDO tee /etc/apt/sources.list.d/ktstr-backports.list >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The kernel's own build needs: a compiler and make (build-essential),
# flex and bison (Kconfig and the DTC/genksyms parsers), bc (timeconst),
# libelf-dev (objtool), libssl-dev (certificate tools), dwarves (pahole,
# which turns DWARF into the BTF sched_ext needs), xz-utils (the tarball),
# binutils (strip: the cached vmlinux keeps symbols and BTF, not DWARF).
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential binutils flex bison bc libelf-dev libssl-dev dwarves xz-utils git \
  linux-source-6.12
