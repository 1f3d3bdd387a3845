#include "config.h"

#include "guest-init/worktypes.h"

#include "guest-init/worktypes-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- CpuSpin: spin 1024 ---- */

static void
cpu_spin_iterate (KtstrWorker *w)
{
  ktstr_worker_spin (w, 1024);
}

/* ---- YieldHeavy: one unit, then sched_yield ---- */

static void
yield_heavy_iterate (KtstrWorker *w)
{
  ktstr_worker_spin (w, 1);
  sched_yield ();
}

/* ---- Mixed: spin 1024, then sched_yield ---- */

static void
mixed_iterate (KtstrWorker *w)
{
  ktstr_worker_spin (w, 1024);
  sched_yield ();
}

/* ---- IoSync: rewrite 16 x 4 KiB of a tmpfs file, then sleep 100 us ----
 *
 * On tmpfs fsync is a no-op, so the sleep stands in for I/O completion
 * (as in ktstr); without it IoSync would be a pure CPU workload. */

typedef struct
{
  int fd;
  char path[256];
} IoSyncState;

#define IO_SYNC_BLOCK 4096
#define IO_SYNC_BLOCKS 16
#define IO_SYNC_SLEEP_NS 100000ull

static int
io_sync_init (KtstrWorker *w, KtstrError *err)
{
  IoSyncState *s = calloc (1, sizeof *s);
  if (s == NULL)
    {
      ktstr_error_set (err, "IoSync: out of memory");
      return -1;
    }
  const char *dir = getenv ("TMPDIR");
  if (dir == NULL || *dir == '\0')
    dir = "/tmp";
  if (ktstr_path (s->path, sizeof s->path, "%s/ktstr_io_%d", dir, (int)getpid ()) != 0)
    {
      ktstr_error_set (err, "IoSync: temporary directory path '%s' is too long", dir);
      free (s);
      return -1;
    }
  s->fd = open (s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (s->fd < 0)
    {
      ktstr_error_set (err, "IoSync: cannot create '%s': %s", s->path, strerror (errno));
      free (s);
      return -1;
    }
  w->priv = s;
  return 0;
}

static void
io_sync_iterate (KtstrWorker *w)
{
  static const char block[IO_SYNC_BLOCK];
  IoSyncState *s = w->priv;
  if (ftruncate (s->fd, 0) != 0 || lseek (s->fd, 0, SEEK_SET) != 0)
    return;
  for (int i = 0; i < IO_SYNC_BLOCKS; i++)
    {
      if (write (s->fd, block, sizeof block) != (ssize_t)sizeof block)
        return;
      ktstr_worker_spin (w, 1);
    }
  uint64_t t0 = ktstr_worker_block_begin (w);
  bool slept = ktstr_worker_sleep_ns (w, IO_SYNC_SLEEP_NS) == 0;
  ktstr_worker_block_end (w, t0, slept);
}

static void
io_sync_fini (KtstrWorker *w)
{
  IoSyncState *s = w->priv;
  close (s->fd);
  unlink (s->path);
  free (s);
  w->priv = NULL;
}

/* ---- Bursty{burst_ms, sleep_ms}: spin for burst_ms, sleep sleep_ms ----
 *
 * A burst is long (50 ms by default), so it checkpoints inside it: a
 * preemption in the middle of a burst is a real gap.  The sleep is intended
 * and excluded from gaps; it is the latency sample.  (ktstr checks only
 * after the whole burst and never resets the gap timer here, so its Bursty
 * gap was burst + sleep, about 150 ms, whatever the scheduler did.) */

static void
bursty_iterate (KtstrWorker *w)
{
  uint64_t end = ktstr_now_ns () + w->params[KTSTR_PARAM_BURSTY_BURST_MS] * 1000000ull;
  while (!ktstr_worker_is_stopping (w) && ktstr_now_ns () < end)
    {
      ktstr_worker_spin (w, 1024);
      ktstr_worker_checkpoint (w);
    }
  if (ktstr_worker_is_stopping (w) || w->params[KTSTR_PARAM_BURSTY_SLEEP_MS] == 0)
    return;
  uint64_t t0 = ktstr_worker_block_begin (w);
  bool slept = ktstr_worker_sleep_ns (w, w->params[KTSTR_PARAM_BURSTY_SLEEP_MS] * 1000000ull) == 0;
  ktstr_worker_block_end (w, t0, slept);
}

/* ---- Sequence{spin_ms, sleep_ms, yield_ms, io_ms}: phases in a loop ----
 *
 * ktstr's Sequence takes a list of phases; the plan format has numbers
 * only, so here the phases come in a fixed order, Spin, Sleep, Yield, Io,
 * each for its duration and skipped at 0.  The sleep, every yield and
 * every IoSync-style write-and-sleep are latency samples. */

static int
sequence_init (KtstrWorker *w, KtstrError *err)
{
  if (w->params[KTSTR_PARAM_SEQ_SPIN_MS] + w->params[KTSTR_PARAM_SEQ_SLEEP_MS]
          + w->params[KTSTR_PARAM_SEQ_YIELD_MS] + w->params[KTSTR_PARAM_SEQ_IO_MS]
      == 0)
    {
      ktstr_error_set (err, "Sequence: every phase is 0 ms; give at least one a duration");
      return -1;
    }
  return io_sync_init (w, err);
}

static void
sequence_iterate (KtstrWorker *w)
{
  uint64_t ms = 1000000ull, end;
  end = ktstr_now_ns () + w->params[KTSTR_PARAM_SEQ_SPIN_MS] * ms;
  while (!ktstr_worker_is_stopping (w) && ktstr_now_ns () < end)
    {
      ktstr_worker_spin (w, 1024);
      ktstr_worker_checkpoint (w);
    }
  if (w->params[KTSTR_PARAM_SEQ_SLEEP_MS] > 0 && !ktstr_worker_is_stopping (w))
    {
      uint64_t t0 = ktstr_worker_block_begin (w);
      bool slept = ktstr_worker_sleep_ns (w, w->params[KTSTR_PARAM_SEQ_SLEEP_MS] * ms) == 0;
      ktstr_worker_block_end (w, t0, slept);
    }
  end = ktstr_now_ns () + w->params[KTSTR_PARAM_SEQ_YIELD_MS] * ms;
  while (!ktstr_worker_is_stopping (w) && ktstr_now_ns () < end)
    {
      ktstr_worker_spin (w, 1);
      ktstr_wt_yield_sample (w);
    }
  end = ktstr_now_ns () + w->params[KTSTR_PARAM_SEQ_IO_MS] * ms;
  while (!ktstr_worker_is_stopping (w) && ktstr_now_ns () < end)
    io_sync_iterate (w);
}

/* ---- the table: what each kind of common/plan-worktypes.h does ---- */

static const KtstrWorkImpl work_impls[KTSTR_WORK_N_KINDS] = {
  [KTSTR_WORK_CPU_SPIN] = { .iterate = cpu_spin_iterate },
  [KTSTR_WORK_YIELD_HEAVY] = { .iterate = yield_heavy_iterate },
  [KTSTR_WORK_MIXED] = { .iterate = mixed_iterate },
  [KTSTR_WORK_IO_SYNC] = { .init = io_sync_init, .iterate = io_sync_iterate, .fini = io_sync_fini },
  [KTSTR_WORK_BURSTY] = { .iterate = bursty_iterate },
  [KTSTR_WORK_PIPE_IO] = { .group_setup = ktstr_wt_pipe_pair_setup,
                           .init = ktstr_wt_pipe_io_init,
                           .iterate = ktstr_wt_pipe_io_iterate,
                           .fini = ktstr_wt_pipe_fini },
  [KTSTR_WORK_FUTEX_PING_PONG]
  = { .group_setup = ktstr_wt_futex_word_setup, .iterate = ktstr_wt_futex_ping_pong_iterate },
  [KTSTR_WORK_CACHE_PRESSURE] = { .init = ktstr_wt_cache_init,
                                  .iterate = ktstr_wt_cache_pressure_iterate,
                                  .fini = ktstr_wt_cache_pipe_fini },
  [KTSTR_WORK_CACHE_YIELD] = { .init = ktstr_wt_cache_init,
                               .iterate = ktstr_wt_cache_yield_iterate,
                               .fini = ktstr_wt_cache_pipe_fini },
  [KTSTR_WORK_CACHE_PIPE] = { .group_setup = ktstr_wt_pipe_pair_setup,
                              .init = ktstr_wt_cache_pipe_init,
                              .iterate = ktstr_wt_cache_pipe_iterate,
                              .fini = ktstr_wt_cache_pipe_fini },
  [KTSTR_WORK_FUTEX_FAN_OUT]
  = { .group_setup = ktstr_wt_futex_word_setup, .iterate = ktstr_wt_futex_fan_out_iterate },
  [KTSTR_WORK_FAN_OUT_COMPUTE] = { .group_setup = ktstr_wt_futex_word_setup,
                                   .init = ktstr_wt_fan_out_compute_init,
                                   .iterate = ktstr_wt_fan_out_compute_iterate,
                                   .fini = ktstr_wt_free_priv },
  [KTSTR_WORK_SEQUENCE]
  = { .init = sequence_init, .iterate = sequence_iterate, .fini = io_sync_fini },
  [KTSTR_WORK_FORK_EXIT] = { .iterate = ktstr_wt_fork_exit_iterate },
  [KTSTR_WORK_NICE_SWEEP]
  = { .iterate = ktstr_wt_nice_sweep_iterate, .fini = ktstr_wt_nice_sweep_fini },
  [KTSTR_WORK_AFFINITY_CHURN] = { .init = ktstr_wt_affinity_churn_init,
                                  .iterate = ktstr_wt_affinity_churn_iterate,
                                  .fini = ktstr_wt_affinity_churn_fini },
  [KTSTR_WORK_POLICY_CHURN]
  = { .iterate = ktstr_wt_policy_churn_iterate, .fini = ktstr_wt_policy_churn_fini },
  [KTSTR_WORK_PAGE_FAULT_CHURN] = { .init = ktstr_wt_page_fault_init,
                                    .iterate = ktstr_wt_page_fault_iterate,
                                    .fini = ktstr_wt_page_fault_fini },
  [KTSTR_WORK_MUTEX_CONTENTION]
  = { .group_setup = ktstr_wt_futex_word_setup, .iterate = ktstr_wt_mutex_iterate },
};

const KtstrWorkImpl *
ktstr_workimpl_of (const KtstrWorkType *t)
{
  return &work_impls[t->kind];
}
