/* The parent side of the workers: fork one process
 * per worker, hold each on a start pipe until it has been moved into its
 * cgroup (two-phase start), stop them with SIGUSR1, collect their reports
 * within one shared deadline, and kill whatever is left. */
#ifndef KTSTR_GUEST_WORKERS_H
#define KTSTR_GUEST_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/plan.h"
#include "guest-init/util.h"
#include "guest-init/worker.h"
#include "guest-init/worktypes.h"

/* How long a forked worker waits for its start byte before giving up. */
#define KTSTR_WORKER_START_TIMEOUT_MS 30000
/* Shared deadline for every worker to stop and report after SIGUSR1. */
#define KTSTR_WORKER_STOP_DEADLINE_MS 5000

/* Exit statuses of a worker process that never ran its loop. */
#define KTSTR_WORKER_EXIT_SETUP 2    /* parent vanished during setup */
#define KTSTR_WORKER_EXIT_NO_START 4 /* start byte never came */
#define KTSTR_WORKER_EXIT_ABORTED 5  /* parent gave up before starting it */

typedef struct
{
  pid_t pid;
  unsigned work;   /* index into plan->works */
  unsigned cgroup; /* index into plan->cgroups */
  unsigned index;  /* position among the workers of its cgroup */
  unsigned group;  /* index into KtstrWorkerSet.groups */
  unsigned group_pos;
  int start_rd, start_wr; /* start pipe; -1 once closed */
  KtstrWorkerReport *report;
  bool is_reaped;
  bool is_timed_out; /* still running at the stop deadline */
  int status;        /* waitpid status, valid when is_reaped */
} KtstrWorkerProc;

typedef struct
{
  KtstrWorkerProc *procs;
  unsigned n;
  KtstrWorkGroup *groups;
  unsigned n_groups;
  KtstrWorkerReport *reports; /* one MAP_SHARED region, n entries */
  size_t reports_len;
} KtstrWorkerSet;

/* The same, with WORK_CPUS[k] the fixed affinity of plan->works[k] from
 * ktstr_workopts_resolve (NULL: none resolved). */
int ktstr_workers_spawn_with (KtstrWorkerSet *set, const KtstrPlan *plan,
                              const KtstrCpuSet *work_cpus, const int *keep_out, size_t n_keep_out,
                              KtstrError *err);

/* The same for the works WORKS[0..N_WORKS) of PLAN only.  PER_CGROUP_INDEX
 * (NULL: start at 0) holds the next worker index of each cgroup and is
 * advanced, so that workers spawned later in the same cgroup get new
 * indices. */
int ktstr_workers_spawn_works (KtstrWorkerSet *set, const KtstrPlan *plan,
                               const KtstrCpuSet *work_cpus, const unsigned *works,
                               unsigned n_works, unsigned *per_cgroup_index, const int *keep_out,
                               size_t n_keep_out, KtstrError *err);

/* Releases every worker at once. */
void ktstr_workers_start (KtstrWorkerSet *set);

/* Sum of the iteration counters the workers publish as they run. */
uint64_t ktstr_workers_live_iterations (const KtstrWorkerSet *set);

/* SIGUSR1 to all, reap within deadline_ms, then SIGKILL each worker's
 * process group and reap what is left (bounded). */
void ktstr_workers_stop (KtstrWorkerSet *set, unsigned deadline_ms);

/* Tears down workers that were never started (setup failed). */
void ktstr_workers_abort (KtstrWorkerSet *set);

void ktstr_workers_free (KtstrWorkerSet *set);

/* True if the worker finished its loop and its report is complete. */
bool ktstr_worker_proc_has_report (const KtstrWorkerProc *p);

/* "ok", "exited:N", "signaled:N" or "timeout" (common/proto.h). */
const char *ktstr_worker_proc_exit_text (const KtstrWorkerProc *p, char *buf, size_t len);

#endif
