#!/bin/sh
# The work unit of every spinning work type (ktstr_worker_spin in the
# guest agent) must be plain arithmetic.  A PAUSE in it makes QEMU's TCG
# leave translated code and take its global lock on every unit, so the
# iteration counts of CpuSpin and friends would measure that lock rather
# than the CPU time the scheduler gave the worker (see guest-init/worker.c).
# This reads the built agent's machine code, so it also catches a PAUSE
# that reaches the loop through an inlined helper.  TAP output; skips when
# objdump is missing or the agent is not an x86 binary.
set -u

top_build=${KTSTR_TOP_BUILDDIR:-.}
agent="$top_build/guest-init/ktstr-init"

skip () {
  echo "1..0 # SKIP $1"
  exit 0
}

command -v objdump > /dev/null 2>&1 || skip "objdump not found (Debian package binutils)"
[ -r "$agent" ] || skip "$agent not built"
case $(objdump -f "$agent" 2> /dev/null) in
  *x86-64* | *i386*) ;;
  *) skip "$agent is not an x86 binary" ;;
esac

# The function's instructions: from its label to the blank line that ends it.
body=$(objdump -d --no-show-raw-insn "$agent" | awk '/<ktstr_worker_spin>:$/ { on = 1; next } on && /^$/ { exit } on')

echo "1..2"
if [ -n "$body" ] && printf '%s\n' "$body" | grep -q 'imul'; then
  echo "ok 1 - ktstr_worker_spin found in $agent, with its multiply steps"
else
  echo "not ok 1 - ktstr_worker_spin not found in $agent, or it has no multiply (is the unit still arithmetic?)"
fi
if [ -n "$body" ] && ! printf '%s\n' "$body" | grep -qw 'pause'; then
  echo "ok 2 - no PAUSE in the spin unit"
else
  echo "not ok 2 - PAUSE in ktstr_worker_spin (or the function was not found):"
  printf '%s\n' "$body" | grep -w 'pause' | sed 's/^/# /'
fi
