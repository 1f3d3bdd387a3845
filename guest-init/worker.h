/* Inside one worker process: the measured loop around a work type's
 * iteration function, and the helpers work types use to spin, block and
 * record wake latency.  What is measured, and when: the "worker" message
 * of common/proto.h and doc/checks.md; the parent side lives in workers.c. */
#ifndef KTSTR_GUEST_WORKER_H
#define KTSTR_GUEST_WORKER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cpuset.h"
#include "common/plan-worktypes.h"
#include "common/proto.h"
#include "guest-init/util.h"

/* Checkpoints (gap and migration checks) run whenever work_units reaches a
 * multiple of this after an outer iteration.  The 2 s gap threshold of the
 * checks assumes this cadence: change it and the threshold changes meaning. */
#define KTSTR_CHECKPOINT_UNITS 1024

/* numa_pages counts nodes 0 .. KTSTR_NUMA_MAX_NODES - 1; pages on a higher
 * node id are not counted (no topology ktstr builds has one). */
#define KTSTR_NUMA_MAX_NODES 64

/* What one worker reports.  It lives in MAP_SHARED memory: the worker fills
 * it in place and sets is_done last; the parent reads it after the worker
 * stopped, so there is no serialisation in the worker and a worker that
 * dies leaves is_done at 0, which the parent turns into a zero-work report. */
typedef struct
{
  uint64_t live_iterations; /* published every iteration, for stim total_iterations */
  uint32_t is_done;         /* release-stored once every field below is final */
  int32_t pid;
  uint64_t work_units;
  uint64_t iterations;
  uint64_t cpu_time_ns;
  uint64_t wall_time_ns;
  uint64_t off_cpu_ns;
  uint64_t migration_count;
  uint64_t max_gap_ms;
  uint64_t max_gap_at_ms;
  int32_t max_gap_cpu;
  uint32_t n_lat; /* valid entries in lat_ns */
  uint64_t run_delay_ns;
  uint64_t run_count;
  uint64_t schedstat_cpu_ns;
  uint64_t wake_sample_total; /* every sample seen, including those the reservoir dropped */
  uint64_t minor_faults;      /* getrusage ru_minflt over the loop */
  /* /proc/self/numa_maps at the end of the loop: pages per node, summed
   * over every mapping (has_numa_pages 0 when it could not be read). */
  uint32_t has_numa_pages;
  uint32_t has_numa_migrated; /* /proc/vmstat has numa_pages_migrated */
  uint64_t numa_pages[KTSTR_NUMA_MAX_NODES];
  /* System-wide numa_pages_migrated delta over the loop (ktstr's
   * vmstat_numa_pages_migrated): every worker running at the same time
   * sees the same migrations. */
  uint64_t numa_pages_migrated;
  char error[192]; /* why the worker could not run, if it could not */
  KtstrCpuSet cpus_used;
  uint64_t lat_ns[KTSTR_LAT_RESERVOIR];
} KtstrWorkerReport;

typedef struct KtstrWorkImpl KtstrWorkImpl;
typedef struct KtstrWorkGroup KtstrWorkGroup;

typedef struct KtstrWorker
{
  KtstrWorkerReport *report;
  const KtstrWorkType *type; /* its name, for messages */
  const KtstrWorkImpl *impl;
  const uint64_t *params; /* the type's parameters, in the order of type->params */
  KtstrWorkGroup *group;  /* resources shared with the other workers of its group */
  unsigned group_pos;     /* 0 .. group size - 1 */
  void *priv;             /* per-worker state a work type's init allocates */
  volatile sig_atomic_t *stop;

  uint64_t work_units;
  uint64_t iterations;
  uint64_t start_ns;
  uint64_t last_iter_ns; /* gap timer: last checkpoint or end of a blocking call */
  uint64_t max_gap_ns;
  uint64_t max_gap_at_ns;
  int max_gap_cpu;
  int last_cpu;
  uint64_t migration_count;
  uint64_t rng;
} KtstrWorker;

/* What a work type does, to the worker loop (ktstr_worker_run calls its
 * hooks); the table of them is worktypes.c.  Its name, parameters and
 * group size are the plan grammar's KtstrWorkType (common/). */
#define KTSTR_WORK_GROUP_MAX_FDS 16

/* Resources that the workers of one group share, made by the parent before
 * it forks them: pipes (PipeIo pairs), MAP_SHARED futex words
 * (FutexPingPong, FutexFanOut).  Workers inherit them across fork. */
struct KtstrWorkGroup
{
  const KtstrWorkType *type;
  const uint64_t *params;
  unsigned size;
  void *shared; /* MAP_SHARED, shared_len bytes, unmapped by workers.c */
  size_t shared_len;
  int fds[KTSTR_WORK_GROUP_MAX_FDS];
  unsigned n_fds; /* closed by workers.c after the workers stopped */
};

struct KtstrWorkImpl
{
  /* In the parent, before forking a group's workers. */
  int (*group_setup) (KtstrWorkGroup *g, KtstrError *err);
  /* In the worker: before the measured loop (may fail, with a reason),
   * one outer iteration, and cleanup after the loop. */
  int (*init) (KtstrWorker *w, KtstrError *err);
  void (*iterate) (KtstrWorker *w);
  void (*fini) (KtstrWorker *w);
};

static inline bool
ktstr_worker_is_stopping (const KtstrWorker *w)
{
  return *w->stop != 0;
}

/* Spins n work units and counts them (ktstr's spin_burst): plain
 * arithmetic of a fixed length, without PAUSE (see worker.c). */
void ktstr_worker_spin (KtstrWorker *w, uint64_t n);

/* A gap and migration check.  The loop runs one after each outer iteration
 * that ends on a multiple of KTSTR_CHECKPOINT_UNITS; work types whose
 * iterations run long (Bursty) also call it inside them. */
void ktstr_worker_checkpoint (KtstrWorker *w);

/* Bracket a blocking call whose duration is intended (a sleep, a pipe
 * read): begin checks the running stretch before it; end records the
 * elapsed time as a wake latency sample (if record) and restarts the gap
 * timer, so the intended wait never counts as a scheduling gap. */
uint64_t ktstr_worker_block_begin (KtstrWorker *w);
void ktstr_worker_block_end (KtstrWorker *w, uint64_t begin_ns, bool record);

/* Sleeps ns; returns -1 early if the worker is told to stop. */
int ktstr_worker_sleep_ns (KtstrWorker *w, uint64_t ns);

/* Adds a wake latency sample to the reservoir (Algorithm R). */
void ktstr_worker_wake_sample (KtstrWorker *w, uint64_t ns);

uint64_t ktstr_worker_rand (KtstrWorker *w);

/* Runs init, the measured loop until *stop, fini, and fills the report.
 * Returns 0, or an exit status for the process when the type's init failed
 * (the reason is in report->error). */
int ktstr_worker_run (KtstrWorker *w);

/* Fields 1-3 of /proc/self/schedstat: on-CPU ns, run-queue wait ns, times
 * picked to run.  Returns -1 if the kernel has no schedstats. */
int ktstr_schedstat_parse (const char *text, uint64_t *cpu_ns, uint64_t *delay_ns, uint64_t *count);

/* Adds the N<node>=<pages> fields of numa_maps TEXT (any number of lines)
 * to pages[0 .. KTSTR_NUMA_MAX_NODES - 1]; other fields are ignored. */
void ktstr_numa_maps_add (const char *text, uint64_t pages[KTSTR_NUMA_MAX_NODES]);

/* The numa_pages_migrated counter of /proc/vmstat TEXT.  Returns -1 if the
 * line is absent (a kernel without CONFIG_NUMA_BALANCING) or malformed. */
int ktstr_vmstat_numa_migrated (const char *text, uint64_t *out);

#define KTSTR_WORKER_EXIT_INIT 3

#endif
