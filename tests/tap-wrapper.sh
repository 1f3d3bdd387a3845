#!/bin/sh
# Runs a GLib test program with TAP output; shell-script tests pass through.
# The fixtures reach the tests through the environment (tests/fixtures.sh).
ktstr_srcdir=${KTSTR_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$ktstr_srcdir/tests/fixtures.sh"
case "$1" in
  *.sh) exec "$@" ;;
  *) exec "$@" --tap ;;
esac
