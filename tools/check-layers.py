#!/usr/bin/env python3
"""Checks ktstr's layering: which folder may include which, and no circles.

The rooms are the folders of common/, guest-init/, backends/ and src/
(doc/ARCHITECTURE.md and each folder's README.md describe them).  This
script reads every #include "..." in them and fails on:

  1. an include whose arrow is not in ALLOWED below: nothing in common/,
     guest-init/ or backends/ may include src/, common/ includes only
     common/, and the host sees a backend only through backends/backend.h;
  2. a circle of modules through includes, where a module is a .c file
     with its .h (and its -private.h / -impl.h helper header): A includes
     B's header while B, directly or through others, includes A's;
  3. given the built libraries, a circle of modules through calls: object
     A uses a symbol defined in object B and B (directly or not) one of A's.
     Includes alone miss the circles made through a header two .c files
     share, which is why the objects are read too.

Usage: check-layers.py [--tap] SRCDIR [LIBRARY.a ...]
Exit status 0 when every rule holds, 1 otherwise (or with --tap, "not ok").
"""

import os
import re
import subprocess
import sys
from collections import defaultdict

# Who may include whom.  A room not listed may include nothing outside
# itself.  Keep in step with the README.md of each folder and with
# doc/ARCHITECTURE.md.
ALLOWED = {
    "common": [],
    "guest-init": ["common"],
    "backends": ["common"],
    "backends/kvm": ["backends", "common"],
    "backends/qemu": ["backends", "common"],
    # Host CPU lists parse with the grammar the guest uses (common/cpulist.h);
    # JSON from outside passes the nesting guard first (common/json-depth.h).
    "src/util": ["common"],
    "src/record": ["src/util"],
    "src/eval": ["src/record", "src/util", "common"],
    # A kernel image is what a backend boots (backends/kernel-image.h).
    "src/kernel": ["src/record", "src/util", "backends"],
    "src/image": ["src/util", "common"],
    "src/sched": ["src/eval", "src/record", "src/util", "common"],
    # Test files are checked with the plan grammar the agent runs, which
    # lives in common/ (common/plan.h); nothing on the host includes the
    # agent's own code.
    "src/testdef": ["src/sched", "src/eval", "src/record", "src/util", "common"],
    "src/stats": ["src/record", "src/util"],
    # The monitor sees a VM only through what the runner hands it (no
    # backends/): guest memory regions, vCPU threads, a send function.
    "src/monitor": ["src/eval", "src/record", "src/util", "common"],
    "src/run": ["src/testdef", "src/sched", "src/eval", "src/monitor", "src/kernel",
                "src/image", "src/record", "src/util", "backends", "common"],
    "src/cli": ["src/run", "src/stats", "src/testdef", "src/sched", "src/eval", "src/monitor",
                "src/kernel", "src/image", "src/record", "src/util", "backends", "common"],
}

# Circles known and being removed; each entry is a set of modules.  None
# is left: a new circle is an error, to be broken rather than listed here.
KNOWN_CIRCLES = []

TOP_DIRS = ["common", "guest-init", "backends", "src"]
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
HELPER_SUFFIXES = ("-private", "-impl")


def room_of(path):
    """The room of a source path relative to SRCDIR, or None."""
    parts = path.split("/")
    if parts[0] == "src":
        return "src/" + parts[1] if len(parts) > 2 else "src"
    if parts[0] == "backends":
        return "backends/" + parts[1] if len(parts) > 2 else "backends"
    return parts[0]


def module_of(path):
    """sidecar.c, sidecar.h -> src/record/sidecar; testdef-private.h -> .../testdef."""
    stem = os.path.splitext(path)[0]
    if path.endswith(".h"):
        for suffix in HELPER_SUFFIXES:
            if stem.endswith(suffix):
                return stem[: -len(suffix)]
    return stem


def sources(srcdir):
    out = []
    for top in TOP_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(srcdir, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, name), srcdir))
    return out


def resolve(srcdir, including, target):
    """Where #include "TARGET" in INCLUDING lands: its own folder, then the
    include path (-I top_srcdir -I top_srcdir/src); None for generated or
    system headers (config.h)."""
    for base in (os.path.dirname(including), "", "src"):
        cand = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(os.path.join(srcdir, cand)):
            return cand
    return None


def circles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def describe(comp, graph, why):
    lines = ["circle of " + ", ".join(sorted(comp)) + ":"]
    for a in sorted(comp):
        for b in sorted(graph.get(a, ())):
            if b in comp:
                lines.append("  %s -> %s (%s)" % (a, b, why.get((a, b), "")))
    return "\n".join(lines)


def check_includes(srcdir):
    arrow_errors, graph, why = [], defaultdict(set), {}
    for path in sources(srcdir):
        with open(os.path.join(srcdir, path), encoding="utf-8") as f:
            text = f.read()
        src_room = room_of(path)
        for target in INCLUDE_RE.findall(text):
            if target == "config.h":
                continue  # generated by configure, visible to every room
            dest = resolve(srcdir, path, target)
            if dest is None:
                continue
            dest_room = room_of(dest)
            if dest_room is None or dest.split("/")[0] not in TOP_DIRS:
                arrow_errors.append("%s includes %s: outside common/, guest-init/, backends/, src/"
                                    % (path, target))
                continue
            if dest_room != src_room and dest_room not in ALLOWED.get(src_room, []):
                arrow_errors.append("%s includes \"%s\": %s may not include %s"
                                    % (path, target, src_room, dest_room))
            a, b = module_of(path), module_of(dest)
            if a != b:
                graph[a].add(b)
                why.setdefault((a, b), "%s includes %s" % (path, target))
    circle_errors = [describe(c, graph, why) for c in circles(graph) if c not in KNOWN_CIRCLES]
    return arrow_errors, circle_errors


def archive_sources(srcdir, archive):
    """Member object name -> module, for the objects of ARCHIVE."""
    name = os.path.basename(archive)
    roots = {"libktstr-guest.a": ["guest-init"], "libktstr-common.a": ["common"]}.get(
        name, ["src", "backends"])
    by_base = defaultdict(list)
    for path in sources(srcdir):
        if path.endswith(".c") and path.split("/")[0] in roots:
            by_base[os.path.basename(path)[:-2]].append(path)
    return by_base


def check_symbols(srcdir, archives):
    defs, refs, errors = defaultdict(set), defaultdict(set), []
    for archive in archives:
        by_base = archive_sources(srcdir, archive)
        out = subprocess.run(["nm", "-A", archive], check=True, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            fields = line.split()
            if len(fields) < 2 or fields[0].count(":") < 2:
                continue
            member = fields[0].split(":")[1]
            base = re.sub(r"^lib[\w]+_a-", "", member)[:-2]
            paths = by_base.get(base, [])
            if len(paths) != 1:
                errors.append("%s: cannot tell which source %s comes from (%s)"
                              % (archive, member, ", ".join(paths) or "none"))
                by_base[base] = ["?" + base + ".c"]
                continue
            module = module_of(paths[0])
            kind, symbol = fields[-2], fields[-1]
            if kind == "U":
                refs[module].add(symbol)
            elif kind in "TDBRCGSV":
                defs[symbol].add(module)
    graph, why = defaultdict(set), {}
    for module, symbols in refs.items():
        for symbol in sorted(symbols):
            for owner in defs.get(symbol, ()):
                if owner != module:
                    graph[module].add(owner)
                    why.setdefault((module, owner), "uses %s" % symbol)
    errors += [describe(c, graph, why) for c in circles(graph) if c not in KNOWN_CIRCLES]
    return errors


def main(argv):
    tap = "--tap" in argv
    args = [a for a in argv if a != "--tap"]
    if not args:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    srcdir, archives = args[0], args[1:]
    arrows, include_circles = check_includes(srcdir)
    results = [("includes follow the allowed arrows between folders", arrows),
               ("no circle of modules through includes", include_circles)]
    if archives:
        results.append(("no circle of modules through calls (%s)"
                        % " ".join(os.path.basename(a) for a in archives),
                        check_symbols(srcdir, archives)))
    failed = False
    if tap:
        print("1..%d" % len(results))
    for n, (title, errors) in enumerate(results, 1):
        failed = failed or bool(errors)
        if tap:
            print("%s %d - %s" % ("not ok" if errors else "ok", n, title))
            for e in errors:
                for line in e.splitlines():
                    print("# " + line)
        else:
            for e in errors:
                print(e, file=sys.stderr)
    if not tap and failed:
        print("check-layers: the layering rules above are broken (see tools/check-layers.py)",
              file=sys.stderr)
    return 1 if failed and not tap else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
