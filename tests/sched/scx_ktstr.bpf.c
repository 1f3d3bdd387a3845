/* scx_ktstr: the fixture scheduler for ktstr's negative tests.  A plain
 * global FIFO: every task goes into one shared DSQ, each CPU takes from it
 * when its local DSQ runs dry, and the kernel's default idle-CPU selection
 * applies (no select_cpu).  The loader (scx_ktstr.c) breaks it on purpose:
 *   stall      (knobs map)      dispatch stops moving tasks, so runnable
 *                               tasks starve and the watchdog ejects the
 *                               scheduler ("runnable task stall")
 *   crash      (knobs map)      scx_bpf_error() from dispatch/enqueue
 *   degrade    (.rodata)        tasks go to a random allowed CPU
 *   crowd      (.rodata)        every task CPU 0 may run goes to CPU 0's
 *                               local DSQ: one CPU busy, the others idle
 *                               (what the monitor's imbalance check sees)
 *   error_init (.rodata)        scx_bpf_error() from ops.init: the kernel
 *                               ejects the scheduler while it is enabled
 *   fail_verify (.rodata)       a NULL store the verifier rejects
 * Written against Linux 6.12 (scx_bpf_dispatch/scx_bpf_consume; 6.13
 * renamed them scx_bpf_dsq_insert/scx_bpf_dsq_move_to_local). */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "scx_ktstr.h"

char _license[] SEC ("license") = "GPL";

#define SHARED_DSQ 0

s32 scx_bpf_create_dsq (u64 dsq_id, s32 node) __ksym;
void scx_bpf_dispatch (struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym;
bool scx_bpf_consume (u64 dsq_id) __ksym;
void scx_bpf_error_bstr (char *fmt, unsigned long long *data, u32 data__sz) __ksym;
bool bpf_cpumask_test_cpu (u32 cpu, const struct cpumask *cpumask) __ksym;

/* Set by the loader before load; the verifier prunes the disabled paths. */
const volatile bool degrade;
const volatile bool crowd;
const volatile bool error_init;
const volatile bool fail_verify;
const volatile u32 nr_cpus = 1;

struct
{
  __uint (type, BPF_MAP_TYPE_ARRAY);
  __uint (max_entries, 1);
  __type (key, u32);
  __type (value, struct ktstr_knobs);
} knobs SEC (".maps");

/* What the kernel said when it disabled us, for the loader's report. */
struct
{
  __uint (type, BPF_MAP_TYPE_ARRAY);
  __uint (max_entries, 1);
  __type (key, u32);
  __type (value, struct ktstr_uei);
} exit_info SEC (".maps");

static char crash_fmt[] = "error knob fired after %llu s";
static char init_fmt[] = "init failed on purpose (--error-init %llu)";

/* The loader's knobs, or NULL (never, for an array map). */
static struct ktstr_knobs *
get_knobs (void)
{
  u32 zero = 0;
  return bpf_map_lookup_elem (&knobs, &zero);
}

static void
maybe_crash (struct ktstr_knobs *k)
{
  if (k != NULL && k->crash)
    {
      unsigned long long param[1] = { k->crash_after_s };
      scx_bpf_error_bstr (crash_fmt, param, sizeof (param));
    }
}

SEC ("struct_ops/ktstr_enqueue")
void
BPF_PROG (ktstr_enqueue, struct task_struct *p, u64 enq_flags)
{
  maybe_crash (get_knobs ());
  if (crowd && bpf_cpumask_test_cpu (0, p->cpus_ptr))
    {
      scx_bpf_dispatch (p, SCX_DSQ_LOCAL_ON | 0, SCX_SLICE_DFL, enq_flags);
      return;
    }
  if (degrade)
    {
      u32 cpu = bpf_get_prandom_u32 () % nr_cpus;
      if (bpf_cpumask_test_cpu (cpu, p->cpus_ptr))
        {
          scx_bpf_dispatch (p, SCX_DSQ_LOCAL_ON | cpu, SCX_SLICE_DFL, enq_flags);
          return;
        }
    }
  scx_bpf_dispatch (p, SHARED_DSQ, SCX_SLICE_DFL, enq_flags);
}

SEC ("struct_ops/ktstr_dispatch")
void
BPF_PROG (ktstr_dispatch, s32 cpu, struct task_struct *prev)
{
  if (fail_verify)
    /* A store through NULL: the verifier rejects the program. */
    asm volatile("r1 = 0; *(u64 *)(r1 + 0) = r1;" ::: "r1");
  struct ktstr_knobs *k = get_knobs ();
  maybe_crash (k);
  if (k != NULL && k->stall)
    return;
  scx_bpf_consume (SHARED_DSQ);
}

SEC ("struct_ops.s/ktstr_init")
s32
BPF_PROG (ktstr_init)
{
  if (error_init)
    {
      unsigned long long param[1] = { 1 };
      scx_bpf_error_bstr (init_fmt, param, sizeof (param));
    }
  return scx_bpf_create_dsq (SHARED_DSQ, -1);
}

SEC ("struct_ops/ktstr_exit")
void
BPF_PROG (ktstr_exit, struct scx_exit_info *ei)
{
  u32 zero = 0;
  struct ktstr_uei *uei = bpf_map_lookup_elem (&exit_info, &zero);
  if (uei == NULL)
    return;
  uei->exit_code = ei->exit_code;
  bpf_probe_read_kernel_str (uei->reason, sizeof (uei->reason), ei->reason);
  bpf_probe_read_kernel_str (uei->msg, sizeof (uei->msg), ei->msg);
  uei->kind = ei->kind;
}

SEC (".struct_ops.link")
struct sched_ext_ops ktstr_ops = {
  .enqueue = (void *)ktstr_enqueue,
  .dispatch = (void *)ktstr_dispatch,
  .init = (void *)ktstr_init,
  .exit = (void *)ktstr_exit,
  .timeout_ms = 20000,
  .name = "ktstr",
};
