#!/bin/sh
# Regenerates the build system from configure.ac and the Makefile fragments.
set -e
srcdir=$(dirname "$0")
test -n "$srcdir" || srcdir=.
cd "$srcdir"
mkdir -p m4
autoreconf --force --install --verbose
if [ -z "$NOCONFIGURE" ]; then
  echo "Now run ./configure && make"
fi
