/* Work types that stress one part of the kernel from a single worker
 * (ktstr-test(5), WORK TYPES): cache pressure (CachePressure, CacheYield,
 * CachePipe), page faults (PageFaultChurn), process creation (ForkExit)
 * and scheduling-attribute churn (NiceSweep, AffinityChurn, PolicyChurn).
 * Churn types put things back in fini, so nothing they changed outlives
 * the measured loop. */
#include "config.h"

#include "guest-init/worktypes-impl.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

void
ktstr_wt_yield_sample (KtstrWorker *w)
{
  uint64_t t0 = ktstr_worker_block_begin (w);
  sched_yield ();
  ktstr_worker_block_end (w, t0, true);
}

/* ---- CachePressure{size_kb, stride}, CacheYield, CachePipe{size_kb, burst_iters} ---- */

#define CACHE_STEPS 1024

typedef struct
{
  KtstrWtPipe pipe; /* CachePipe only */
  uint8_t *buf;
  size_t len;
  size_t pos;
} CacheState;

int
ktstr_wt_cache_init (KtstrWorker *w, KtstrError *err)
{
  CacheState *s = calloc (1, sizeof *s);
  size_t len = (size_t)w->params[KTSTR_PARAM_CACHE_SIZE_KB] * 1024;
  if (s == NULL || (s->buf = malloc (len)) == NULL)
    {
      free (s);
      ktstr_error_set (err, "%s: cannot allocate %zu KiB", w->type->name, len / 1024);
      return -1;
    }
  memset (s->buf, 1, len);
  s->len = len;
  s->pipe.rd = s->pipe.wr = -1;
  w->priv = s;
  return 0;
}

/* STEPS strided read-modify-writes, one work unit each. */
static void
cache_rmw (KtstrWorker *w, CacheState *s, size_t stride, uint64_t steps)
{
  size_t pos = s->pos;
  for (uint64_t i = 0; i < steps; i++)
    {
      s->buf[pos] = (uint8_t)(s->buf[pos] * 31 + 7);
      pos += stride;
      if (pos >= s->len)
        pos -= s->len;
    }
  __asm__ __volatile__("" ::"r"(s->buf) : "memory");
  s->pos = pos;
  w->work_units += steps;
}

void
ktstr_wt_cache_pressure_iterate (KtstrWorker *w)
{
  cache_rmw (w, w->priv, w->params[KTSTR_PARAM_CACHE_STRIDE], CACHE_STEPS);
}

void
ktstr_wt_cache_yield_iterate (KtstrWorker *w)
{
  cache_rmw (w, w->priv, w->params[KTSTR_PARAM_CACHE_STRIDE], CACHE_STEPS);
  ktstr_wt_yield_sample (w);
}

int
ktstr_wt_cache_pipe_init (KtstrWorker *w, KtstrError *err)
{
  if (ktstr_wt_cache_init (w, err) != 0)
    return -1;
  CacheState *s = w->priv;
  ktstr_wt_pipe_open (w, &s->pipe);
  return 0;
}

void
ktstr_wt_cache_pipe_iterate (KtstrWorker *w)
{
  CacheState *s = w->priv;
  /* CachePipe's second parameter is burst_iters; the stride is a line. */
  cache_rmw (w, s, 64, w->params[KTSTR_PARAM_CACHE_STRIDE]);
  ktstr_wt_pipe_exchange (w, &s->pipe);
}

void
ktstr_wt_cache_pipe_fini (KtstrWorker *w)
{
  CacheState *s = w->priv;
  if (s->pipe.rd >= 0)
    close (s->pipe.rd);
  if (s->pipe.wr >= 0)
    close (s->pipe.wr);
  free (s->buf);
  free (s);
  w->priv = NULL;
}

/* ---- ForkExit: fork, the child exits at once, waitpid (the sample) ---- */

void
ktstr_wt_fork_exit_iterate (KtstrWorker *w)
{
  uint64_t t0 = ktstr_worker_block_begin (w);
  pid_t pid = fork ();
  if (pid == 0)
    _exit (0);
  bool is_reaped = false;
  if (pid > 0)
    {
      int status;
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      is_reaped = true;
    }
  ktstr_worker_block_end (w, t0, is_reaped);
  ktstr_worker_spin (w, 1);
}

/* ---- NiceSweep: spin 512, next nice value of -20..19, yield ----
 *
 * Without CAP_SYS_NICE a lower value fails (EACCES); it is skipped. */

void
ktstr_wt_nice_sweep_iterate (KtstrWorker *w)
{
  ktstr_worker_spin (w, 512);
  int nice = (int)(w->iterations % 40) - 20;
  setpriority (PRIO_PROCESS, 0, nice);
  ktstr_wt_yield_sample (w);
}

void
ktstr_wt_nice_sweep_fini (KtstrWorker *w)
{
  (void)w;
  setpriority (PRIO_PROCESS, 0, 0);
}

/* ---- AffinityChurn{spin_iters}: spin, pin to a random CPU of the initial mask, yield ---- */

typedef struct
{
  cpu_set_t initial;
  int cpus[CPU_SETSIZE];
  int n;
} AffinityState;

int
ktstr_wt_affinity_churn_init (KtstrWorker *w, KtstrError *err)
{
  AffinityState *s = calloc (1, sizeof *s);
  if (s == NULL)
    {
      ktstr_error_set (err, "AffinityChurn: out of memory");
      return -1;
    }
  if (sched_getaffinity (0, sizeof s->initial, &s->initial) != 0)
    {
      ktstr_error_set (err, "AffinityChurn: sched_getaffinity: %s", strerror (errno));
      free (s);
      return -1;
    }
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET (c, &s->initial))
      s->cpus[s->n++] = c;
  w->priv = s;
  return 0;
}

void
ktstr_wt_affinity_churn_iterate (KtstrWorker *w)
{
  AffinityState *s = w->priv;
  ktstr_worker_spin (w, w->params[KTSTR_PARAM_CHURN_SPIN_ITERS]);
  if (s->n > 0)
    {
      cpu_set_t one;
      CPU_ZERO (&one);
      CPU_SET (s->cpus[ktstr_worker_rand (w) % (uint64_t)s->n], &one);
      sched_setaffinity (0, sizeof one, &one);
    }
  ktstr_wt_yield_sample (w);
}

void
ktstr_wt_affinity_churn_fini (KtstrWorker *w)
{
  AffinityState *s = w->priv;
  sched_setaffinity (0, sizeof s->initial, &s->initial);
  free (s);
  w->priv = NULL;
}

/* ---- PolicyChurn{spin_iters}: spin, next of OTHER/BATCH/IDLE/FIFO 1/RR 1, yield ----
 *
 * The RT steps need CAP_SYS_NICE; without it they fail (EPERM) and the
 * worker stays where it was until the cycle comes back to OTHER. */

void
ktstr_wt_policy_churn_iterate (KtstrWorker *w)
{
  static const int policies[] = { SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR };
  ktstr_worker_spin (w, w->params[KTSTR_PARAM_CHURN_SPIN_ITERS]);
  int policy = policies[w->iterations % (sizeof policies / sizeof policies[0])];
  struct sched_param sp = { .sched_priority = policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0 };
  sched_setscheduler (0, policy, &sp);
  ktstr_wt_yield_sample (w);
}

void
ktstr_wt_policy_churn_fini (KtstrWorker *w)
{
  (void)w;
  struct sched_param sp = { .sched_priority = 0 };
  sched_setscheduler (0, SCHED_OTHER, &sp);
}

/* ---- PageFaultChurn{region_kb, touches_per_cycle, spin_iters} ----
 *
 * A private anonymous region without huge pages: write-fault random pages
 * (xorshift64, seeded by pid through the worker's rng), drop them all
 * with MADV_DONTNEED so the next cycle faults again, spin.  Each touch is
 * a work unit. */

typedef struct
{
  uint8_t *region;
  size_t len;
  size_t pages;
} FaultState;

int
ktstr_wt_page_fault_init (KtstrWorker *w, KtstrError *err)
{
  FaultState *s = calloc (1, sizeof *s);
  if (s == NULL)
    {
      ktstr_error_set (err, "PageFaultChurn: out of memory");
      return -1;
    }
  long page = sysconf (_SC_PAGESIZE);
  s->len = (size_t)w->params[KTSTR_PARAM_PFC_REGION_KB] * 1024;
  s->pages = s->len / (size_t)(page > 0 ? page : 4096);
  if (s->pages == 0)
    s->pages = 1;
  s->region = mmap (NULL, s->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s->region == MAP_FAILED)
    {
      ktstr_error_set (err, "PageFaultChurn: mmap of %zu KiB: %s", s->len / 1024, strerror (errno));
      free (s);
      return -1;
    }
#ifdef MADV_NOHUGEPAGE
  madvise (s->region, s->len, MADV_NOHUGEPAGE);
#endif
  w->priv = s;
  return 0;
}

void
ktstr_wt_page_fault_iterate (KtstrWorker *w)
{
  FaultState *s = w->priv;
  size_t page = s->len / s->pages;
  for (uint64_t i = 0; i < w->params[KTSTR_PARAM_PFC_TOUCHES]; i++)
    {
      size_t p = (size_t)(ktstr_worker_rand (w) % s->pages);
      s->region[p * page] = (uint8_t)i;
    }
  w->work_units += w->params[KTSTR_PARAM_PFC_TOUCHES];
  madvise (s->region, s->len, MADV_DONTNEED);
  ktstr_worker_spin (w, w->params[KTSTR_PARAM_PFC_SPIN_ITERS]);
  ktstr_worker_checkpoint (w);
}

void
ktstr_wt_page_fault_fini (KtstrWorker *w)
{
  FaultState *s = w->priv;
  munmap (s->region, s->len);
  free (s);
  w->priv = NULL;
}
