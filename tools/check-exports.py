#!/usr/bin/env python3
"""Checks that every exported function of the tree has a caller.

A function that is not static is part of its module's interface; if no
other translation unit calls it, it is either dead (remove it) or private
(make it static).  This script reads the objects of a build tree with nm
and fails on every function defined (nm type T) in an object built from
common/, guest-init/, backends/, src/, tests/ or bench/ that no other
object references (nm type U).

Who counts as a caller: any other object of the build, the test programs
and benchmarks included.  A unit test calling a function is a use of its
module's interface: parsers, error quarks (g_assert_error needs them) and
test seams such as ktstr_rundir_set_statfs_func are exported so that a
test can reach them.  What the rule catches is code nothing reaches from
another file: dead functions and helpers that should have been static.
`main` is exempt.

Objects are matched to their sources (automake names an object
DIR/[TARGET-]BASE.o for DIR/BASE.c); an object whose source is gone (a
stale file in a development tree) is ignored.  The fixture BPF scheduler
(tests/sched/) is not ktstr code and is skipped.

Usage: check-exports.py [--tap] SRCDIR BUILDDIR
Exit status 0 when every export has a caller, 1 otherwise (with --tap, a
"not ok" line and status 0, for make check's TAP driver).
"""

import os
import subprocess
import sys
from collections import defaultdict

ROOTS = ["common", "guest-init", "backends", "src", "tests", "bench"]
SKIP_DIRS = ["tests/sched"]
EXEMPT = {"main"}


def source_of(srcdir, obj_rel):
    """The source (relative to SRCDIR) an object was built from, or None."""
    d, name = os.path.split(obj_rel)
    base = name[:-2]
    while True:
        for ext in (".c", ".S"):
            if os.path.isfile(os.path.join(srcdir, d, base + ext)):
                return os.path.join(d, base + ext)
        if "-" not in base:
            return None
        base = base.split("-", 1)[1]


def objects(srcdir, builddir):
    """(object path, source) for every object of the build tree with a source."""
    out = []
    for root in ROOTS:
        top = os.path.join(builddir, root)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, builddir)
            if any(rel_dir == s or rel_dir.startswith(s + "/") for s in SKIP_DIRS):
                dirnames[:] = []
                continue
            for name in sorted(filenames):
                if not name.endswith(".o"):
                    continue
                rel = os.path.join(rel_dir, name)
                src = source_of(srcdir, rel)
                if src is not None:
                    out.append((os.path.join(builddir, rel), src))
    return out


def check(srcdir, builddir):
    defs = defaultdict(set)  # symbol -> sources defining it
    refs = defaultdict(set)  # symbol -> sources referencing it
    objs = objects(srcdir, builddir)
    for obj, src in objs:
        out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            fields = line.split()
            if len(fields) < 2:
                continue
            symbol, kind = fields[0], fields[1]
            if kind == "T":
                defs[symbol].add(src)
            elif kind == "U":
                refs[symbol].add(src)
    errors = []
    for symbol in sorted(defs):
        if symbol in EXEMPT:
            continue
        callers = refs.get(symbol, set()) - defs[symbol]
        if not callers:
            errors.append("%s (%s): no caller outside its definition; make it static or "
                          "remove it" % (symbol, ", ".join(sorted(defs[symbol]))))
    return len(objs), errors


def main(argv):
    tap = "--tap" in argv
    args = [a for a in argv if a != "--tap"]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[-4], file=sys.stderr)
        return 2
    srcdir, builddir = args
    n, errors = check(srcdir, builddir)
    if n == 0:
        errors = ["no objects with sources found under %s; build the tree first" % builddir]
    if tap:
        print("1..1")
        print("%s 1 - every exported function has a caller (%d objects)"
              % ("not ok" if errors else "ok", n))
        for e in errors:
            print("# " + e)
        return 0
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print("check-exports: %d exported function(s) without a caller (see "
              "tools/check-exports.py)" % len(errors), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
