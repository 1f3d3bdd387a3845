/* Shared by ktstr-trace.bpf.c and its loader ktstr-trace.c: one event as
 * the BPF side writes it into the ring buffer and the loader reads it. */
#ifndef KTSTR_TRACE_H
#define KTSTR_TRACE_H

/* How many struct_ops programs get an fentry and an fexit program: the
 * BPF object has this many of each, unused ones are not loaded. */
#define KTSTR_TRACE_SLOTS 32

enum ktstr_trace_kind
{
  KTSTR_TRACE_KPROBE = 1, /* a kernel function was entered (fn: kprobe index) */
  KTSTR_TRACE_ENTRY = 2,  /* a struct_ops program was entered (fn: slot) */
  KTSTR_TRACE_EXIT = 3,   /* a struct_ops program returned (fn: slot) */
};

struct ktstr_trace_event
{
  unsigned long long ts_ns; /* bpf_ktime_get_ns: CLOCK_MONOTONIC */
  unsigned long long arg;   /* the first argument (kprobes), else 0 */
  unsigned int tid, pid, cpu, kind, fn;
  char comm[16];
};

#endif
