#!/bin/sh
# The formatting rule (tools/check-format.sh) as a TAP test of make check,
# so that a file clang-format 14 would change fails here and not only in
# CI.  Other clang-format versions format a few constructs differently:
# the test skips with them, and without clang-format.
srcdir=${KTSTR_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  echo "1..0 # SKIP $CLANG_FORMAT not found (bash .ci/install-deps.sh installs clang-format)"
  exit 0
fi
case "$("$CLANG_FORMAT" --version)" in
  *"version 14."*) ;;
  *)
    echo "1..0 # SKIP the tree is formatted with clang-format 14, this is $("$CLANG_FORMAT" --version)"
    exit 0
    ;;
esac
echo "1..1"
if out=$(sh "$srcdir/tools/check-format.sh" "$srcdir" 2>&1); then
  echo "ok 1 - every C file formatted as .clang-format says"
else
  echo "$out" | sed 's/^/# /'
  echo "not ok 1 - C files clang-format 14 would change (tools/check-format.sh --fix)"
fi
