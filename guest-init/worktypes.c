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

enum
{
  BURSTY_BURST_MS,
  BURSTY_SLEEP_MS
};

static void
bursty_iterate (KtstrWorker *w)
{
  uint64_t end = ktstr_now_ns () + w->params[BURSTY_BURST_MS] * 1000000ull;
  while (!ktstr_worker_is_stopping (w) && ktstr_now_ns () < end)
    {
      ktstr_worker_spin (w, 1024);
      ktstr_worker_checkpoint (w);
    }
  if (ktstr_worker_is_stopping (w) || w->params[BURSTY_SLEEP_MS] == 0)
    return;
  uint64_t t0 = ktstr_worker_block_begin (w);
  bool slept = ktstr_worker_sleep_ns (w, w->params[BURSTY_SLEEP_MS] * 1000000ull) == 0;
  ktstr_worker_block_end (w, t0, slept);
}

/* ---- Sequence{spin_ms, sleep_ms, yield_ms, io_ms}: phases in a loop ----
 *
 * ktstr's Sequence takes a list of phases; the plan format has numbers
 * only, so here the phases come in a fixed order, Spin, Sleep, Yield, Io,
 * each for its duration and skipped at 0.  The sleep, every yield and
 * every IoSync-style write-and-sleep are latency samples. */

enum
{
  SEQ_SPIN_MS,
  SEQ_SLEEP_MS,
  SEQ_YIELD_MS,
  SEQ_IO_MS
};

static int
sequence_init (KtstrWorker *w, KtstrError *err)
{
  if (w->params[SEQ_SPIN_MS] + w->params[SEQ_SLEEP_MS] + w->params[SEQ_YIELD_MS]
          + w->params[SEQ_IO_MS]
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
  end = ktstr_now_ns () + w->params[SEQ_SPIN_MS] * ms;
  while (!ktstr_worker_is_stopping (w) && ktstr_now_ns () < end)
    {
      ktstr_worker_spin (w, 1024);
      ktstr_worker_checkpoint (w);
    }
  if (w->params[SEQ_SLEEP_MS] > 0 && !ktstr_worker_is_stopping (w))
    {
      uint64_t t0 = ktstr_worker_block_begin (w);
      bool slept = ktstr_worker_sleep_ns (w, w->params[SEQ_SLEEP_MS] * ms) == 0;
      ktstr_worker_block_end (w, t0, slept);
    }
  end = ktstr_now_ns () + w->params[SEQ_YIELD_MS] * ms;
  while (!ktstr_worker_is_stopping (w) && ktstr_now_ns () < end)
    {
      ktstr_worker_spin (w, 1);
      ktstr_wt_yield_sample (w);
    }
  end = ktstr_now_ns () + w->params[SEQ_IO_MS] * ms;
  while (!ktstr_worker_is_stopping (w) && ktstr_now_ns () < end)
    io_sync_iterate (w);
}

/* ---- the table ---- */

static const KtstrWorkType work_types[] = {
  { .name = "CpuSpin", .iterate = cpu_spin_iterate },
  { .name = "YieldHeavy", .iterate = yield_heavy_iterate },
  { .name = "Mixed", .iterate = mixed_iterate },
  { .name = "IoSync", .init = io_sync_init, .iterate = io_sync_iterate, .fini = io_sync_fini },
  { .name = "Bursty",
    .params = { [BURSTY_BURST_MS] = { "burst_ms", 50, 1, 60000 },
                [BURSTY_SLEEP_MS] = { "sleep_ms", 100, 0, 60000 } },
    .iterate = bursty_iterate },
  { .name = "PipeIo",
    .params = { [PIPE_IO_BURST_ITERS] = { "burst_iters", 1024, 0, 1u << 30 } },
    .group_size = ktstr_wt_pair_size,
    .group_setup = ktstr_wt_pipe_pair_setup,
    .init = ktstr_wt_pipe_io_init,
    .iterate = ktstr_wt_pipe_io_iterate,
    .fini = ktstr_wt_pipe_fini },
  { .name = "FutexPingPong",
    .params = { [FUTEX_PP_SPIN_ITERS] = { "spin_iters", 1024, 0, 1u << 30 } },
    .group_size = ktstr_wt_pair_size,
    .group_setup = ktstr_wt_futex_word_setup,
    .iterate = ktstr_wt_futex_ping_pong_iterate },
  { .name = "CachePressure",
    .params = { [CACHE_SIZE_KB] = { "size_kb", 32, 1, 1u << 20 },
                [CACHE_STRIDE] = { "stride", 64, 1, 1u << 20 } },
    .init = ktstr_wt_cache_init,
    .iterate = ktstr_wt_cache_pressure_iterate,
    .fini = ktstr_wt_cache_pipe_fini },
  { .name = "CacheYield",
    .params = { [CACHE_SIZE_KB] = { "size_kb", 32, 1, 1u << 20 },
                [CACHE_STRIDE] = { "stride", 64, 1, 1u << 20 } },
    .init = ktstr_wt_cache_init,
    .iterate = ktstr_wt_cache_yield_iterate,
    .fini = ktstr_wt_cache_pipe_fini },
  { .name = "CachePipe",
    .params = { [CACHE_SIZE_KB] = { "size_kb", 32, 1, 1u << 20 },
                [CACHE_STRIDE] = { "burst_iters", 1024, 1, 1u << 30 } },
    .group_size = ktstr_wt_pair_size,
    .group_setup = ktstr_wt_pipe_pair_setup,
    .init = ktstr_wt_cache_pipe_init,
    .iterate = ktstr_wt_cache_pipe_iterate,
    .fini = ktstr_wt_cache_pipe_fini },
  { .name = "FutexFanOut",
    .params = { [FAN_OUT_N] = { "fan_out", 4, 1, 63 },
                [FAN_OUT_SPIN_ITERS] = { "spin_iters", 1024, 0, 1u << 30 } },
    .group_size = ktstr_wt_fan_out_size,
    .group_setup = ktstr_wt_futex_word_setup,
    .iterate = ktstr_wt_futex_fan_out_iterate },
  { .name = "FanOutCompute",
    .params = { [FOC_FAN_OUT] = { "fan_out", 4, 1, 63 },
                [FOC_FOOTPRINT_KB] = { "cache_footprint_kb", 256, 1, 1u << 20 },
                [FOC_OPERATIONS] = { "operations", 5, 0, 1000 },
                [FOC_SLEEP_USEC] = { "sleep_usec", 100, 0, 10000000 } },
    .group_size = ktstr_wt_fan_out_size,
    .group_setup = ktstr_wt_futex_word_setup,
    .init = ktstr_wt_fan_out_compute_init,
    .iterate = ktstr_wt_fan_out_compute_iterate,
    .fini = ktstr_wt_free_priv },
  { .name = "Sequence",
    .params = { [SEQ_SPIN_MS] = { "spin_ms", 10, 0, 60000 },
                [SEQ_SLEEP_MS] = { "sleep_ms", 10, 0, 60000 },
                [SEQ_YIELD_MS] = { "yield_ms", 5, 0, 60000 },
                [SEQ_IO_MS] = { "io_ms", 5, 0, 60000 } },
    .init = sequence_init,
    .iterate = sequence_iterate,
    .fini = io_sync_fini },
  { .name = "ForkExit", .iterate = ktstr_wt_fork_exit_iterate },
  { .name = "NiceSweep", .iterate = ktstr_wt_nice_sweep_iterate, .fini = ktstr_wt_nice_sweep_fini },
  { .name = "AffinityChurn",
    .params = { [CHURN_SPIN_ITERS] = { "spin_iters", 1024, 0, 1u << 30 } },
    .init = ktstr_wt_affinity_churn_init,
    .iterate = ktstr_wt_affinity_churn_iterate,
    .fini = ktstr_wt_affinity_churn_fini },
  { .name = "PolicyChurn",
    .params = { [CHURN_SPIN_ITERS] = { "spin_iters", 1024, 0, 1u << 30 } },
    .iterate = ktstr_wt_policy_churn_iterate,
    .fini = ktstr_wt_policy_churn_fini },
  { .name = "PageFaultChurn",
    .params = { [PFC_REGION_KB] = { "region_kb", 4096, 4, 1u << 22 },
                [PFC_TOUCHES] = { "touches_per_cycle", 256, 1, 1u << 20 },
                [PFC_SPIN_ITERS] = { "spin_iters", 64, 0, 1u << 30 } },
    .init = ktstr_wt_page_fault_init,
    .iterate = ktstr_wt_page_fault_iterate,
    .fini = ktstr_wt_page_fault_fini },
  { .name = "MutexContention",
    .params = { [MUTEX_CONTENDERS] = { "contenders", 4, 1, 64 },
                [MUTEX_HOLD_ITERS] = { "hold_iters", 256, 0, 1u << 30 },
                [MUTEX_WORK_ITERS] = { "work_iters", 1024, 0, 1u << 30 } },
    .group_size = ktstr_wt_mutex_size,
    .group_setup = ktstr_wt_futex_word_setup,
    .iterate = ktstr_wt_mutex_iterate },
};

const KtstrWorkType *
ktstr_worktype_nth (size_t i)
{
  return i < sizeof work_types / sizeof work_types[0] ? &work_types[i] : NULL;
}

const KtstrWorkType *
ktstr_worktype_find (const char *name)
{
  for (size_t i = 0; i < sizeof work_types / sizeof work_types[0]; i++)
    if (strcmp (work_types[i].name, name) == 0)
      return &work_types[i];
  return NULL;
}

int
ktstr_worktype_param_index (const KtstrWorkType *t, const char *key)
{
  for (int i = 0; i < KTSTR_WORK_MAX_PARAMS && t->params[i].name != NULL; i++)
    if (strcmp (t->params[i].name, key) == 0)
      return i;
  return -1;
}

unsigned
ktstr_worktype_group_size (const KtstrWorkType *t, const uint64_t *params)
{
  return t->group_size != NULL ? t->group_size (params) : 1;
}
