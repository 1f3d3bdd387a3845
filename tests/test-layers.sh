#!/bin/sh
# The layering rules (tools/check-layers.py) as a TAP test of make check:
# folder arrows and include circles from the sources, call circles from
# the libraries just built.
srcdir=${KTSTR_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${KTSTR_TOP_BUILDDIR:-.}
if ! command -v python3 >/dev/null 2>&1; then
  echo "1..0 # SKIP python3 not found (bash .ci/install-deps.sh installs it)"
  exit 0
fi
exec python3 "$srcdir/tools/check-layers.py" --tap "$srcdir" \
  "$builddir/libktstr.a" \
  "$builddir/guest-init/libktstr-guest.a" \
  "$builddir/common/libktstr-common.a"
