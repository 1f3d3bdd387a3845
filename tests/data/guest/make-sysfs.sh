#!/bin/sh
# Regenerates the fake sysfs trees the guest-agent tests read through
# `ktstr-init --sysfs-root` (only the files ktstr-init looks at).
# Usage: tests/data/guest/make-sysfs.sh   (from anywhere)
set -eu
here=$(cd "$(dirname "$0")" && pwd)

# cpu DIR N LLC_LIST SIBLINGS_LIST
cpu () {
  d="$1/devices/system/cpu/cpu$2"
  mkdir -p "$d/cache/index0" "$d/cache/index3" "$d/topology"
  echo 1 > "$d/cache/index0/level"
  echo "$4" > "$d/cache/index0/shared_cpu_list"
  echo 3 > "$d/cache/index3/level"
  echo "$3" > "$d/cache/index3/shared_cpu_list"
  echo "$4" > "$d/topology/thread_siblings_list"
}

node () {
  mkdir -p "$1/devices/system/node/node$2"
  echo "$3" > "$1/devices/system/node/node$2/cpulist"
}

# 1n2l2c1t: what QEMU -smp 4,sockets=1,dies=2,cores=2,threads=1 shows.
t="$here/sysfs-1n2l2c1t"
rm -rf "$t"
mkdir -p "$t/devices/system/cpu"
echo 0-3 > "$t/devices/system/cpu/online"
for c in 0 1; do cpu "$t" $c 0-1 $c; done
for c in 2 3; do cpu "$t" $c 2-3 $c; done
node "$t" 0 0-3

# 2n2l2c2t: SMT pairs, one LLC per node, plus a memory-only node 2.
t="$here/sysfs-2n2l2c2t"
rm -rf "$t"
mkdir -p "$t/devices/system/cpu"
echo 0-7 > "$t/devices/system/cpu/online"
for c in 0 1 2 3 4 5 6 7; do
  pair=$((c / 2 * 2))
  llc=0-3
  [ $c -ge 4 ] && llc=4-7
  cpu "$t" $c $llc "$pair-$((pair + 1))"
done
node "$t" 0 0-3
node "$t" 1 4-7
node "$t" 2 ""

# nocache: CPU 2 offline, no cacheinfo, no NUMA directory (CONFIG_NUMA=n).
t="$here/sysfs-nocache"
rm -rf "$t"
mkdir -p "$t/devices/system/cpu/cpu0/topology" "$t/devices/system/cpu/cpu1/topology" \
  "$t/devices/system/cpu/cpu3/topology"
echo 0-1,3 > "$t/devices/system/cpu/online"
for c in 0 1 3; do echo $c > "$t/devices/system/cpu/cpu$c/topology/thread_siblings_list"; done
