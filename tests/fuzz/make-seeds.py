#!/usr/bin/env python3
"""Regenerates the seed corpora of the fuzz harnesses (tests/fuzz/corpus/)
from the project's own files: sidecars and policies from tests/data, test
files and scheduler definitions from data/, QMP lines from the recorded
transcripts, guest protocol lines as the agent writes them, and small
kernel images and ELF programs built here byte by byte (the fixtures are
far too large to be seeds).  Plans come from the built-in tests rendered by
tests/fuzz/render-plans, when BUILDDIR (a --enable-fuzzing build) is given.

Usage: make-seeds.py SRCDIR [BUILDDIR]"""
import glob
import os
import shutil
import struct
import subprocess
import sys

src = sys.argv[1]
build = sys.argv[2] if len(sys.argv) > 2 else None
out = os.path.join(src, "tests", "fuzz", "corpus")


def put(harness, name, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(d, name), mode) as f:
        f.write(data)


def copy(harness, paths):
    for p in sorted(paths):
        with open(p, "rb") as f:
            put(harness, os.path.basename(os.path.dirname(p)) + "-" + os.path.basename(p), f.read())


# Sidecars: the Rust-compatible samples and a few of the stats pool.
copy("fuzz-sidecar", glob.glob(os.path.join(src, "tests/data/sidecar/*.ktstr.json")))
copy("fuzz-sidecar", glob.glob(os.path.join(src, "tests/data/stats/pool/*/*.ktstr.json"))[:6])

# Test files and scheduler definitions.
copy("fuzz-testdef", glob.glob(os.path.join(src, "data/tests/*.ktstr")))
copy("fuzz-testdef", glob.glob(os.path.join(src, "tests/data/*/*.ktstr")))
copy("fuzz-scheduler-def", glob.glob(os.path.join(src, "data/schedulers/*.ini")))
copy("fuzz-scheduler-def", glob.glob(os.path.join(src, "tests/data/cli/*.ini")))

# QMP: what QEMU sent in each recorded transcript, one seed per transcript.
for p in sorted(glob.glob(os.path.join(src, "tests/data/qmp/*.txt"))):
    lines = [l[3:] for l in open(p) if l.startswith("<- ")]
    put("fuzz-qmp", os.path.basename(p), "".join(l.rstrip("\n") + "\r\n" for l in lines))

# The guest protocol: one run's worth of the agent's lines (common/proto.h).
put("fuzz-proto", "run.jsonl", "\n".join([
    '{"t":"hello","proto":1,"uptime_ms":812,"kernel":"6.12.0"}',
    '{"t":"topo","cpus":4,"llcs":[[0,1],[2,3]],"numa":[[0,1,2,3]],"smt":1}',
    '{"t":"sched","ev":"started","elapsed_ms":0,"binary":"/sched/scx_simple","pid":50}',
    '{"t":"sched","ev":"ready","elapsed_ms":120,"state":"enabled","ops":"simple","enable_seq":1,"attached":true}',
    '{"t":"verifier","prog":"simple_enqueue","id":7,"verified_insns":123}',
    '{"t":"cgroup","name":"cg_0","cpuset":"0-1"}',
    '{"t":"stim","elapsed_ms":0,"label":"ScenarioStart","op_kind":null,"detail":null,"total_iterations":0}',
    '{"t":"stim","elapsed_ms":500,"label":"Step[0].Op[0]","op_kind":"SetCpuset","detail":"cgroup=cg_0 cpus=0-1","total_iterations":12345}',
    '{"t":"log","src":"scheduler","msg":"hello from the scheduler"}',
    '{"t":"payload","name":"p","elapsed_ms":900,"exit_code":0,"killed":false,"stdout":"{\\"ops\\":12}","stderr":""}',
    '{"t":"worker","cgroup":"cg_0","index":0,"work_type":"CpuSpin","pid":61,"work_units":100,'
    '"iterations":100,"cpu_time_ns":1000000,"wall_time_ns":2000000,"off_cpu_ns":1000000,'
    '"migration_count":1,"cpus_used":[0,1],"max_gap_ms":3,"max_gap_cpu":1,"max_gap_at_ms":40,'
    '"run_delay_ns":5000,"run_count":7,"schedstat_cpu_ns":990000,"wake_sample_total":3,'
    '"minor_faults":12,"numa_pages":{"0":10},"vmstat_numa_pages_migrated":0,'
    '"lat_ns":[100,200,300],"completed":true,"exit":"ok"}',
    '{"t":"sched","ev":"stopped","elapsed_ms":2100,"exit":"0","by":"ktstr","detached":true}',
    '{"t":"error","msg":"guard timer fired"}',
    '{"t":"done","elapsed_ms":2000,"agent_cpu_ns":5000000,"agent_span_ms":2000}',
]) + "\n")

# Plans: the built-in tests as the host renders them for the agent
# (tests/fuzz/render-plans, built by `make fuzz`).
if build is not None:
    render = os.path.join(build, "tests", "fuzz", "render-plans")
    files = sorted(glob.glob(os.path.join(src, "data/tests/*.ktstr")))
    r = subprocess.run([render] + files, capture_output=True, text=True, check=True)
    for f, plan in zip(files, r.stdout.split("%%\n")):
        put("fuzz-plan", os.path.basename(f)[:-6] + ".plan", plan)


# Kernel images: a bzImage setup header (boot protocol 2.15) with a version
# string and a payload, and an x86-64 ELF with a PVH entry note.
def bzimage(version=b"6.12.0-ktstr (fuzz@seed) #1 SMP", payload=4096):
    setup_sects = 4
    img = bytearray((setup_sects + 1) * 512)
    img[0x1F1] = setup_sects
    struct.pack_into("<I", img, 0x1F4, payload // 16)          # syssize
    struct.pack_into("<H", img, 0x1FE, 0xAA55)
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, 0x020F)                 # protocol 2.15
    struct.pack_into("<H", img, 0x20E, 0x300 - 0x200)          # kernel_version
    img[0x211] = 0x01                                          # loadflags
    struct.pack_into("<I", img, 0x248, 0x100)                  # payload_offset
    struct.pack_into("<I", img, 0x24C, payload - 0x100)        # payload_length
    img[0x300:0x300 + len(version) + 1] = version + b"\0"
    return bytes(img) + b"\x1f\x8b" + bytes(payload - 2)


def elf(phdrs, body, e_type=2, machine=62):
    """An ELF64 LE file: header, program headers, then BODY at 0x200."""
    eh = struct.pack("<4sBBBBB7xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, e_type, machine, 1,
                     0x1000000, 64, 0, 0, 64, 56, len(phdrs), 64, 0, 0)
    ph = b"".join(struct.pack("<IIQQQQQQ", *p) for p in phdrs)
    head = eh + ph
    return head + bytes(0x200 - len(head)) + body


def pvh_vmlinux():
    note = struct.pack("<III4sI", 4, 4, 18, b"Xen\0", 0x1000000)
    body = note + bytes(64)
    PT_LOAD, PT_NOTE = 1, 4
    return elf([(PT_LOAD, 7, 0, 0x1000000, 0x1000000, 0x200 + len(body), 0x2000, 0x1000),
                (PT_NOTE, 4, 0x200, 0x1000200, 0x1000200, len(note), len(note), 4)], body)


put("fuzz-kernel-image", "bzImage", bzimage())
put("fuzz-kernel-image", "bzImage-old-protocol", bzimage()[:0x206] + b"\x04\x02" + bzimage()[0x208:])
put("fuzz-kernel-image", "vmlinux-pvh", pvh_vmlinux())


# ELF programs: dynamic sections naming libraries, RPATH/RUNPATH with
# $ORIGIN, an interpreter; vaddr = file offset through one PT_LOAD.
def dynamic_program(needed, runpath=None, rpath=None, interp=b"/lib64/ld-linux-x86-64.so.2"):
    strtab = b"\0"
    idx = []
    for n in needed:
        idx.append(len(strtab))
        strtab += n + b"\0"
    rp = rn = None
    if runpath is not None:
        rn = len(strtab)
        strtab += runpath + b"\0"
    if rpath is not None:
        rp = len(strtab)
        strtab += rpath + b"\0"
    base = 0x200
    interp_off = base
    strtab_off = interp_off + len(interp) + 1
    dyn_off = (strtab_off + len(strtab) + 7) & ~7
    DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_RPATH, DT_RUNPATH = 1, 5, 10, 15, 29
    dyn = [(DT_NEEDED, i) for i in idx]
    if rn is not None:
        dyn.append((DT_RUNPATH, rn))
    if rp is not None:
        dyn.append((DT_RPATH, rp))
    dyn += [(DT_STRTAB, strtab_off), (DT_STRSZ, len(strtab)), (0, 0)]
    dynbytes = b"".join(struct.pack("<qQ", t, v) for t, v in dyn)
    body = interp + b"\0" + strtab
    body += bytes(dyn_off - base - len(body)) + dynbytes
    end = base + len(body)
    PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
    return elf([(PT_INTERP, 4, interp_off, interp_off, interp_off, len(interp) + 1, len(interp) + 1, 1),
                (PT_LOAD, 5, 0, 0, 0, end, end, 0x1000),
                (PT_DYNAMIC, 6, dyn_off, dyn_off, dyn_off, len(dynbytes), len(dynbytes), 8)], body, e_type=3)


put("fuzz-elfdeps", "needs-libc", dynamic_program([b"libc.so.6"]))
put("fuzz-elfdeps", "runpath-origin", dynamic_program([b"libfoo.so.1", b"libbar.so"], runpath=b"$ORIGIN/lib:/opt/x"))
put("fuzz-elfdeps", "rpath", dynamic_program([b"libbpf.so.1"], rpath=b"$ORIGIN/../lib"))
put("fuzz-elfdeps", "static", elf([], b""))
