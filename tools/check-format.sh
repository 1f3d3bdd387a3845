#!/bin/sh
# Fails when a C file of the tree differs from what clang-format makes of
# it with the checked-in .clang-format.  Usage: check-format.sh [SRCDIR]
# (`make check-format`; CI runs it).  The style is pinned to clang-format
# 14, Debian 12's: other versions may format a few constructs differently.
# With --fix, rewrites the files instead.
set -eu
fix=no
if [ "${1:-}" = --fix ]; then fix=yes; shift; fi
srcdir=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$srcdir"
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  echo "check-format: $CLANG_FORMAT not found; install the Debian package clang-format" >&2
  exit 2
fi
case "$("$CLANG_FORMAT" --version)" in
  *"version 14."*) ;;
  *) echo "check-format: warning: the tree is formatted with clang-format 14; this is $("$CLANG_FORMAT" --version)" >&2 ;;
esac

# The sources: what git tracks in a clone, else (a release tarball) every
# C file under the source folders except the generated BPF object arrays
# (NAME-bpf.c, made from NAME.bpf.c at build time).
if [ -e .git ] && command -v git >/dev/null 2>&1 && git ls-files --error-unmatch configure.ac >/dev/null 2>&1; then
  files=$(git ls-files '*.c' '*.h')
else
  files=$(find bench backends common guest-init guest-trace src tests \( -name '*.c' -o -name '*.h' \) \
            ! -name '*-bpf.c' 2>/dev/null | sort)
fi

if [ "$fix" = yes ]; then
  # shellcheck disable=SC2086 # one word per file, no spaces in our names
  "$CLANG_FORMAT" -i $files
  exit 0
fi
bad=0
for f in $files; do
  if ! "$CLANG_FORMAT" "$f" | cmp -s - "$f"; then
    echo "not formatted: $f" >&2
    bad=1
  fi
done
if [ "$bad" != 0 ]; then
  echo "check-format: run 'tools/check-format.sh --fix' (clang-format 14) and commit the result" >&2
  exit 1
fi
