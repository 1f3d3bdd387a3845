/* ktstr-trace's BPF side: every probe writes one ktstr_trace_event into
 * a ring buffer for the loader (ktstr-trace.c).  One kprobe program is
 * attached to each kernel function the loader is asked for, told apart
 * by the attach cookie; a pair of fentry/fexit programs per struct_ops
 * program of the scheduler, told apart by the slot number each is built
 * with (fentry on another BPF program has its target fixed at load, so
 * one program cannot serve several).  Needs no vmlinux.h: only the
 * helpers' ABI and the user-space pt_regs layout of x86-64. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ktstr-trace.h"

char _license[] SEC ("license") = "GPL";

struct
{
  __uint (type, BPF_MAP_TYPE_RINGBUF);
  __uint (max_entries, 4 << 20);
} events SEC (".maps");

/* Events lost to a full ring buffer, for the loader's summary. */
__u64 dropped;

static __always_inline int
emit (__u32 kind, __u32 fn, __u64 arg)
{
  struct ktstr_trace_event *e = bpf_ringbuf_reserve (&events, sizeof *e, 0);
  if (e == NULL)
    {
      __sync_fetch_and_add (&dropped, 1);
      return 0;
    }
  __u64 id = bpf_get_current_pid_tgid ();
  e->ts_ns = bpf_ktime_get_ns ();
  e->arg = arg;
  e->tid = (__u32)id;
  e->pid = (__u32)(id >> 32);
  e->cpu = bpf_get_smp_processor_id ();
  e->kind = kind;
  e->fn = fn;
  bpf_get_current_comm (e->comm, sizeof e->comm);
  bpf_ringbuf_submit (e, 0);
  return 0;
}

SEC ("kprobe")
int
on_kprobe (struct pt_regs *ctx)
{
  return emit (KTSTR_TRACE_KPROBE, (__u32)bpf_get_attach_cookie (ctx), PT_REGS_PARM1 (ctx));
}

#define SLOT(i)                                                                                    \
  SEC ("fentry")                                                                                   \
  int entry_##i (void *ctx) { return emit (KTSTR_TRACE_ENTRY, i, 0); }                             \
  SEC ("fexit")                                                                                    \
  int exit_##i (void *ctx) { return emit (KTSTR_TRACE_EXIT, i, 0); }

SLOT (0)
SLOT (1)
SLOT (2)
SLOT (3)
SLOT (4)
SLOT (5)
SLOT (6)
SLOT (7)
SLOT (8)
SLOT (9)
SLOT (10)
SLOT (11)
SLOT (12)
SLOT (13)
SLOT (14)
SLOT (15)
SLOT (16)
SLOT (17)
SLOT (18)
SLOT (19)
SLOT (20)
SLOT (21)
SLOT (22)
SLOT (23)
SLOT (24)
SLOT (25)
SLOT (26)
SLOT (27)
SLOT (28)
SLOT (29)
SLOT (30)
SLOT (31)
