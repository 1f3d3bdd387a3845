#!/bin/sh
# Every exported function has a caller (tools/check-exports.py), as a TAP
# test of make check: 1. on the objects just built; 2. the checker itself
# on a planted tree, where it must fail on the one uncalled export and
# only on it.
srcdir=${KTSTR_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${KTSTR_TOP_BUILDDIR:-.}
cc=${CC:-cc}
if ! command -v python3 > /dev/null 2>&1; then
  echo "1..0 # SKIP python3 not found (bash .ci/install-deps.sh installs it)"
  exit 0
fi
echo "1..2"

out=$(python3 "$srcdir/tools/check-exports.py" "$srcdir" "$builddir" 2>&1)
if [ $? -eq 0 ]; then
  echo "ok 1 - every exported function of the tree has a caller"
else
  echo "not ok 1 - every exported function of the tree has a caller"
  echo "$out" | sed 's/^/# /'
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/test-exports-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/src/plant" "$work/build/src/plant"
cat > "$work/src/src/plant/plant.c" << 'C'
static int helper (void) { return 1; }
int ktstr_plant_used (void) { return helper (); }
int ktstr_plant_unused (void) { return 2; }
int ktstr_plant_self (void) { return 3; }
int ktstr_plant_caller_of_self (void);
int ktstr_plant_caller_of_self (void) { return ktstr_plant_self (); }
C
cat > "$work/src/src/plant/user.c" << 'C'
int ktstr_plant_used (void);
int ktstr_plant_caller_of_self (void);
int main (void) { return ktstr_plant_used () + ktstr_plant_caller_of_self (); }
C
if ! $cc -c -o "$work/build/src/plant/plant.o" "$work/src/src/plant/plant.c" \
  || ! $cc -c -o "$work/build/src/plant/user.o" "$work/src/src/plant/user.c"; then
  echo "not ok 2 - the checker fails on a planted uncalled export # cannot compile with $cc"
  exit 0
fi
planted=$(python3 "$srcdir/tools/check-exports.py" "$work/src" "$work/build" 2>&1)
status=$?
if [ $status -eq 1 ] \
  && echo "$planted" | grep -q "^ktstr_plant_unused (src/plant/plant.c): no caller" \
  && echo "$planted" | grep -q "^ktstr_plant_self (src/plant/plant.c): no caller" \
  && ! echo "$planted" | grep -q "ktstr_plant_used\|ktstr_plant_caller_of_self\|helper\|main"; then
  echo "ok 2 - the checker fails on a planted uncalled export, and only on those"
else
  echo "not ok 2 - the checker fails on a planted uncalled export, and only on those"
  echo "# exit status $status"
  echo "$planted" | sed 's/^/# /'
fi
