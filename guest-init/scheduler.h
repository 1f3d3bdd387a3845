/* The scheduler under test, in the guest:
 * start it before any workload, wait until sched_ext says it is enabled,
 * stream its stdout/stderr to the host as "log" frames while it runs,
 * watch it (process exit through waitpid, /sys/kernel/sched_ext/state
 * leaving "enabled", enable_seq moving), and at the end stop it and check
 * that sched_ext detached.  What to start comes from the plan's scheduler
 * lines (common/plan.h); the "sched" messages are in common/proto.h.
 *
 * A watcher thread does the streaming and watching, so the scenario in the
 * main thread needs no changes; control-channel writes are serialized in
 * ctrl.c.  The watcher also forwards the kernel's sched_ext lines from
 * /dev/kmsg (src "kernel") and the sched_ext_dump tracepoint (src "dump"). */
#ifndef KTSTR_GUEST_SCHEDULER_H
#define KTSTR_GUEST_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/plan.h"
#include "guest-init/ctrl.h"
#include "guest-init/util.h"

/* The program to start, its argv and envp additions, as execve takes
 * them: pointers into the plan, which outlives the scheduler. */
typedef struct
{
  const char *binary;
  const char *argv[KTSTR_PLAN_SCHED_MAX_ARGS + 2]; /* binary, args, NULL */
  const char *env[KTSTR_PLAN_SCHED_MAX_ENV + 1];
  unsigned n_args, n_env;
  /* The scheduler_tracer line: path, args, NULL; tracer_argv[0] NULL
   * when the plan has none (guest-init/tracer.h). */
  const char *tracer_argv[KTSTR_PLAN_TRACER_MAX_ARGS + 2];
  uint64_t ready_ms;
  uint64_t stop_ms;
} KtstrSchedSpec;

/* The spec of the plan's scheduler SC (sc->is_set). */
void ktstr_sched_spec_init (KtstrSchedSpec *spec, const KtstrPlanScheduler *sc);

/* Starts the scheduler and waits for readiness, then starts its tracer
 * when the spec has one (a tracer that does not become ready is logged,
 * and the run goes on without it).  Returns 0 when ready;
 * -1 when it is not (the "sched" event saying why has been sent; the agent
 * then ends the run).  SYSFS_ROOT is "/sys" in a VM.  KEEP_OUT: fds the
 * child must not inherit. */
int ktstr_sched_start (const KtstrSchedSpec *spec, KtstrCtrl *ctrl, const char *sysfs_root,
                       const int *keep_out, unsigned n_keep_out);

/* Stops the tracer, then the scheduler (SIGINT, then SIGTERM, then SIGKILL, within
 * spec->stop_ms), checks that sched_ext detached, sends "stopped", and
 * joins the watcher.  Safe to call when start failed. */
void ktstr_sched_stop (KtstrCtrl *ctrl);

#endif
