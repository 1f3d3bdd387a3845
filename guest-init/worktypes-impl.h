/* Private to the work-type table: the hooks of the work types that live in
 * worktypes-sync.c (groups that wake each other: pipes, futexes) and
 * worktypes-churn.c (caches, page faults, fork, nice/policy/affinity
 * churn), and helpers they share.  worktypes.c holds the one table. */
#ifndef KTSTR_GUEST_WORKTYPES_IMPL_H
#define KTSTR_GUEST_WORKTYPES_IMPL_H

#include "guest-init/worktypes.h"

/* How long one blocking wait lasts before it looks at the stop flag again
 * (ktstr: every blocking primitive has a 100 ms timeout). */
#define KTSTR_WORK_WAIT_SLICE_MS 100

/* worktypes-sync.c */
int ktstr_wt_pipe_pair_setup (KtstrWorkGroup *g, KtstrError *err);
int ktstr_wt_pipe_io_init (KtstrWorker *w, KtstrError *err);
void ktstr_wt_pipe_io_iterate (KtstrWorker *w);
void ktstr_wt_pipe_fini (KtstrWorker *w);

int ktstr_wt_futex_word_setup (KtstrWorkGroup *g, KtstrError *err);
void ktstr_wt_futex_ping_pong_iterate (KtstrWorker *w);

void ktstr_wt_futex_fan_out_iterate (KtstrWorker *w);

int ktstr_wt_fan_out_compute_init (KtstrWorker *w, KtstrError *err);
void ktstr_wt_fan_out_compute_iterate (KtstrWorker *w);
void ktstr_wt_free_priv (KtstrWorker *w);

void ktstr_wt_mutex_iterate (KtstrWorker *w);

/* worktypes-churn.c */
int ktstr_wt_cache_init (KtstrWorker *w, KtstrError *err);
void ktstr_wt_cache_pressure_iterate (KtstrWorker *w);
void ktstr_wt_cache_yield_iterate (KtstrWorker *w);
int ktstr_wt_cache_pipe_init (KtstrWorker *w, KtstrError *err);
void ktstr_wt_cache_pipe_iterate (KtstrWorker *w);
void ktstr_wt_cache_pipe_fini (KtstrWorker *w);

void ktstr_wt_fork_exit_iterate (KtstrWorker *w);
void ktstr_wt_nice_sweep_iterate (KtstrWorker *w);
void ktstr_wt_nice_sweep_fini (KtstrWorker *w);

int ktstr_wt_affinity_churn_init (KtstrWorker *w, KtstrError *err);
void ktstr_wt_affinity_churn_iterate (KtstrWorker *w);
void ktstr_wt_affinity_churn_fini (KtstrWorker *w);
void ktstr_wt_policy_churn_iterate (KtstrWorker *w);
void ktstr_wt_policy_churn_fini (KtstrWorker *w);

int ktstr_wt_page_fault_init (KtstrWorker *w, KtstrError *err);
void ktstr_wt_page_fault_iterate (KtstrWorker *w);
void ktstr_wt_page_fault_fini (KtstrWorker *w);

/* Shared helpers. */
typedef struct
{
  int rd, wr; /* this worker's ends of the pair's two pipes */
} KtstrWtPipe;
/* Takes this worker's ends of its group's pipes and closes the partner's,
 * so that a partner's death reaches it as EOF. */
void ktstr_wt_pipe_open (KtstrWorker *w, KtstrWtPipe *p);
/* One pipe exchange with the partner of a pair: write one byte, wait for
 * one (a wake latency sample).  Returns -1 when the partner is gone. */
int ktstr_wt_pipe_exchange (KtstrWorker *w, const KtstrWtPipe *p);
/* Sleeps in a sched_yield, recorded as a latency sample. */
void ktstr_wt_yield_sample (KtstrWorker *w);

#endif
