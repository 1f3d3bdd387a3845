#!/usr/bin/env python3
"""Records the QMP transcripts in this folder from a real qemu-system-x86_64.

Usage: record.py OUTDIR [KERNEL INITRD]

Each transcript is one JSON object per line, prefixed by its direction:
  "<- " a line QEMU sent, "-> " a line the client sent.  Commands carry the ids
ktstr's QMP client uses ("ktstr-1", "ktstr-2", ... in order), so the fake
server in tests/test-qmp.c can compare what the client sends byte for byte
(as JSON).  With KERNEL and INITRD (an initramfs whose init is
tests/helpers/ktstr-test-init) it also records a guest panic.
"""
import json, os, socket, subprocess, sys, tempfile, time

QEMU = os.environ.get("KTSTR_QEMU", "qemu-system-x86_64")


class Recorder:
    def __init__(self, args, path):
        self.dir = tempfile.mkdtemp()
        sock = os.path.join(self.dir, "qmp.sock")
        self.proc = subprocess.Popen([QEMU] + args + ["-qmp", f"unix:{sock},server=on,wait=off"],
                                     stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(sock)
                break
            except OSError:
                time.sleep(0.01)
        self.f = self.s.makefile("rwb", buffering=0)
        self.out = open(path, "w")
        self.next_id = 1

    def recv(self):
        try:
            line = self.f.readline()
        except ConnectionResetError:
            line = b""
        if not line:
            return None
        self.out.write("<- " + line.decode().rstrip("\r\n") + "\n")
        return json.loads(line)

    def send(self, cmd, args=None):
        msg = {"execute": cmd, "id": f"ktstr-{self.next_id}"}
        self.next_id += 1
        if args is not None:
            msg["arguments"] = args
        line = json.dumps(msg, separators=(",", ":"))
        self.out.write("-> " + line + "\n")
        self.f.write(line.encode() + b"\n")
        while True:  # everything up to and including the reply
            obj = self.recv()
            if obj is None or "return" in obj or "error" in obj:
                return obj

    def drain(self):
        while self.recv() is not None:
            pass
        self.proc.wait()
        self.out.close()


def main():
    out = sys.argv[1]
    none = ["-machine", "none", "-display", "none", "-nodefaults"]

    r = Recorder(none, os.path.join(out, "greeting.txt"))
    r.recv()
    r.send("qmp_capabilities")
    r.send("query-version")
    r.send("quit")
    r.drain()

    r = Recorder(none, os.path.join(out, "error.txt"))
    r.recv()
    r.send("query-version")  # before negotiation
    r.send("qmp_capabilities")
    r.send("no-such-command")
    r.send("query-version", {"bogus": 1})
    r.send("quit")
    r.drain()

    r = Recorder(none + ["-S"], os.path.join(out, "events.txt"))
    r.recv()
    r.send("qmp_capabilities")
    r.send("cont")
    r.send("stop")
    r.send("system_reset")
    r.send("query-status")
    r.send("quit")
    r.drain()

    if len(sys.argv) > 3:
        boot = ["-S", "-no-reboot", "-nodefaults", "-display", "none", "-machine", "pc",
                "-accel", "tcg", "-cpu", "Skylake-Server,check=off", "-m", "256",
                "-kernel", sys.argv[2], "-initrd", sys.argv[3],
                "-append", "console=ttyS0 panic=-1 ktstr_test=panic no_timer_check",
                "-device", "pvpanic", "-action", "panic=none"]
        r = Recorder(boot, os.path.join(out, "panic.txt"))
        r.recv()
        r.send("qmp_capabilities")
        r.send("cont")
        r.drain()


main()
