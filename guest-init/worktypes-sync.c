/* Work types whose workers wake each other (ktstr-test(5), WORK TYPES): pipe
 * pairs (PipeIo), futex words shared by a group (FutexPingPong,
 * FutexFanOut, FanOutCompute) and a futex mutex (MutexContention).  The
 * parent makes a group's pipes and MAP_SHARED words before forking
 * (group_setup); every wait is bounded by KTSTR_WORK_WAIT_SLICE_MS so a
 * worker notices the stop flag, or a dead partner, quickly. */
#include "config.h"

#include "guest-init/worktypes-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- shared helpers ---- */

int
ktstr_wt_pipe_pair_setup (KtstrWorkGroup *g, KtstrError *err)
{
  /* fds[0..1]: position 0 -> 1; fds[2..3]: position 1 -> 0. */
  for (int i = 0; i < 2; i++)
    {
      if (pipe2 (&g->fds[2 * i], O_CLOEXEC) != 0)
        {
          ktstr_error_set (err, "pipe for a %s pair: %s", g->type->name, strerror (errno));
          return -1;
        }
      g->n_fds += 2;
    }
  return 0;
}

void
ktstr_wt_pipe_open (KtstrWorker *w, KtstrWtPipe *p)
{
  int *fds = w->group->fds;
  bool is_first = w->group_pos == 0;
  /* A partner that stopped first has closed its read end: our next write
   * must fail with EPIPE, not kill us before our report is complete. */
  signal (SIGPIPE, SIG_IGN);
  p->wr = is_first ? fds[1] : fds[3];
  p->rd = is_first ? fds[2] : fds[0];
  /* The partner's ends: while we hold them, its death is no EOF for us. */
  close (is_first ? fds[0] : fds[2]);
  close (is_first ? fds[3] : fds[1]);
}

int
ktstr_wt_pipe_exchange (KtstrWorker *w, const KtstrWtPipe *p)
{
  char byte = 'p';
  if (write (p->wr, &byte, 1) != 1)
    return -1;
  uint64_t t0 = ktstr_worker_block_begin (w);
  struct pollfd pfd = { .fd = p->rd, .events = POLLIN };
  while (!ktstr_worker_is_stopping (w))
    {
      int r = poll (&pfd, 1, KTSTR_WORK_WAIT_SLICE_MS);
      if (r < 0 && errno != EINTR)
        break;
      if (r <= 0)
        continue;
      ssize_t n = read (p->rd, &byte, 1);
      ktstr_worker_block_end (w, t0, n == 1);
      return n == 1 ? 0 : -1;
    }
  ktstr_worker_block_end (w, t0, false);
  return -1;
}

static long
futex (uint32_t *addr, int op, uint32_t val, const struct timespec *timeout)
{
  /* Not FUTEX_PRIVATE_FLAG: the word is shared between processes. */
  return syscall (SYS_futex, addr, op, val, timeout, NULL, 0);
}

/* Waits while *addr == val, at most one slice.  Returns when the value
 * changed, the slice ended, or a signal came. */
static void
futex_wait_slice (uint32_t *addr, uint32_t val)
{
  struct timespec ts = { .tv_sec = 0, .tv_nsec = KTSTR_WORK_WAIT_SLICE_MS * 1000000L };
  futex (addr, FUTEX_WAIT, val, &ts);
}

static void
futex_wake (uint32_t *addr, uint32_t n)
{
  futex (addr, FUTEX_WAKE, n, NULL);
}

int
ktstr_wt_futex_word_setup (KtstrWorkGroup *g, KtstrError *err)
{
  /* One cache line: the futex word at 0, FanOutCompute's wake stamp
   * (a WakeStamp) at 8. */
  g->shared_len = 64;
  g->shared = mmap (NULL, g->shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (g->shared == MAP_FAILED)
    {
      g->shared = NULL;
      ktstr_error_set (err, "shared futex word for %s: %s", g->type->name, strerror (errno));
      return -1;
    }
  memset (g->shared, 0, g->shared_len);
  return 0;
}

static uint32_t *
group_word (KtstrWorker *w)
{
  return (uint32_t *)w->group->shared;
}

/* ---- PipeIo{burst_iters}: spin, then a 1-byte exchange with the partner ---- */

int
ktstr_wt_pipe_io_init (KtstrWorker *w, KtstrError *err)
{
  KtstrWtPipe *p = calloc (1, sizeof *p);
  if (p == NULL)
    {
      ktstr_error_set (err, "%s: out of memory", w->type->name);
      return -1;
    }
  ktstr_wt_pipe_open (w, p);
  w->priv = p;
  return 0;
}

void
ktstr_wt_pipe_io_iterate (KtstrWorker *w)
{
  ktstr_worker_spin (w, w->params[KTSTR_PARAM_PIPE_IO_BURST_ITERS]);
  ktstr_wt_pipe_exchange (w, w->priv);
}

void
ktstr_wt_pipe_fini (KtstrWorker *w)
{
  KtstrWtPipe *p = w->priv;
  close (p->rd);
  close (p->wr);
  free (p);
  w->priv = NULL;
}

/* ---- FutexPingPong{spin_iters}: the word says whose turn it is ----
 *
 * Position 0 starts with the turn.  Each worker spins, hands the turn to
 * its partner (FUTEX_WAKE 1), and waits for it to come back: the sample
 * is the time from the hand-over to its own turn. */

static bool
wait_turn (KtstrWorker *w, uint32_t *word, uint32_t me)
{
  for (;;)
    {
      uint32_t v = __atomic_load_n (word, __ATOMIC_ACQUIRE);
      if (v == me)
        return true;
      if (ktstr_worker_is_stopping (w))
        return false;
      futex_wait_slice (word, v);
    }
}

void
ktstr_wt_futex_ping_pong_iterate (KtstrWorker *w)
{
  uint32_t *word = group_word (w);
  uint32_t me = w->group_pos, partner = 1 - w->group_pos;
  /* The first iteration of position 1 only waits for its first turn. */
  if (w->iterations == 0 && me == 1)
    {
      uint64_t t0 = ktstr_worker_block_begin (w);
      bool is_first_turn = wait_turn (w, word, me);
      ktstr_worker_block_end (w, t0, false);
      if (!is_first_turn)
        return;
    }
  ktstr_worker_spin (w, w->params[KTSTR_PARAM_FUTEX_PP_SPIN_ITERS]);
  uint64_t t0 = ktstr_worker_block_begin (w);
  __atomic_store_n (word, partner, __ATOMIC_RELEASE);
  futex_wake (word, 1);
  bool got = wait_turn (w, word, me);
  ktstr_worker_block_end (w, t0, got);
}

/* ---- FutexFanOut{fan_out, spin_iters}: one messenger, fan_out receivers ----
 *
 * The messenger (position 0) spins, bumps the generation and wakes every
 * receiver, then spins 256 more; a receiver spins and waits for the next
 * generation, and only receivers record latency. */

/* Waits for *gen to move past *seen; returns false if told to stop. */
static bool
wait_generation (KtstrWorker *w, uint32_t *gen, uint32_t *seen)
{
  for (;;)
    {
      uint32_t v = __atomic_load_n (gen, __ATOMIC_ACQUIRE);
      if (v != *seen)
        {
          *seen = v;
          return true;
        }
      if (ktstr_worker_is_stopping (w))
        return false;
      futex_wait_slice (gen, v);
    }
}

void
ktstr_wt_futex_fan_out_iterate (KtstrWorker *w)
{
  uint32_t *gen = group_word (w);
  ktstr_worker_spin (w, w->params[KTSTR_PARAM_FAN_OUT_SPIN_ITERS]);
  if (w->group_pos == 0)
    {
      __atomic_add_fetch (gen, 1, __ATOMIC_RELEASE);
      futex_wake (gen, (uint32_t)w->params[KTSTR_PARAM_FAN_OUT_N]);
      ktstr_worker_spin (w, 256);
      return;
    }
  /* The last generation seen: a number kept in priv (nothing to free). */
  uint32_t seen = (uint32_t)(uintptr_t)w->priv;
  uint64_t t0 = ktstr_worker_block_begin (w);
  bool got = wait_generation (w, gen, &seen);
  ktstr_worker_block_end (w, t0, got);
  w->priv = (void *)(uintptr_t)seen;
}

/* ---- FanOutCompute{fan_out, cache_footprint_kb, operations, sleep_usec} ----
 *
 * The messenger stamps CLOCK_MONOTONIC, bumps the generation and wakes
 * the workers, then sleeps sleep_usec; a worker's sample is now - stamp
 * (true wake-to-run latency), then it sleeps sleep_usec and runs
 * `operations` naive n^3 u64 matrix multiplies, each matrix a third of
 * the footprint. */

typedef struct
{
  unsigned n;
  uint64_t *a, *b, *c;
  uint32_t seen;
} ComputeState;

int
ktstr_wt_fan_out_compute_init (KtstrWorker *w, KtstrError *err)
{
  if (w->group_pos == 0)
    return 0;
  ComputeState *s = calloc (1, sizeof *s);
  size_t per = (size_t)w->params[KTSTR_PARAM_FOC_FOOTPRINT_KB] * 1024 / 3 / sizeof (uint64_t);
  unsigned n = 1;
  while ((size_t)(n + 1) * (n + 1) <= per)
    n++;
  if (s != NULL)
    {
      s->n = n;
      s->a = calloc ((size_t)n * n, sizeof (uint64_t));
      s->b = calloc ((size_t)n * n, sizeof (uint64_t));
      s->c = calloc ((size_t)n * n, sizeof (uint64_t));
    }
  if (s == NULL || s->a == NULL || s->b == NULL || s->c == NULL)
    {
      w->priv = s;
      ktstr_wt_free_priv (w);
      ktstr_error_set (err, "FanOutCompute: out of memory for %u x %u matrices", n, n);
      return -1;
    }
  for (size_t i = 0; i < (size_t)n * n; i++)
    {
      s->a[i] = i + 1;
      s->b[i] = i * 3 + 7;
    }
  w->priv = s;
  return 0;
}

void
ktstr_wt_free_priv (KtstrWorker *w)
{
  ComputeState *s = w->priv;
  if (s != NULL)
    {
      free (s->a);
      free (s->b);
      free (s->c);
      free (s);
    }
  w->priv = NULL;
}

static void
multiply (KtstrWorker *w, ComputeState *s)
{
  unsigned n = s->n;
  for (unsigned i = 0; i < n && !ktstr_worker_is_stopping (w); i++)
    {
      for (unsigned j = 0; j < n; j++)
        {
          uint64_t sum = 0;
          for (unsigned k = 0; k < n; k++)
            sum += s->a[(size_t)i * n + k] * s->b[(size_t)k * n + j];
          s->c[(size_t)i * n + j] = sum;
        }
      /* A row is a unit of work; a long multiply checkpoints inside. */
      w->work_units += n;
      ktstr_worker_checkpoint (w);
    }
}

/* The messenger's stamp names the generation it belongs to, under a
 * sequence counter: a worker that wakes late could otherwise read the
 * stamp of the next round, taken just before its own clock read, and
 * report a latency of a few nanoseconds (or zero) that never happened. */
typedef struct
{
  uint64_t seq; /* odd while the messenger writes */
  uint64_t gen;
  uint64_t ns;
} WakeStamp;

static void
wake_stamp_write (WakeStamp *s, uint32_t gen, uint64_t ns)
{
  uint64_t seq = __atomic_load_n (&s->seq, __ATOMIC_RELAXED);
  __atomic_store_n (&s->seq, seq + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence (__ATOMIC_RELEASE);
  __atomic_store_n (&s->gen, gen, __ATOMIC_RELAXED);
  __atomic_store_n (&s->ns, ns, __ATOMIC_RELAXED);
  __atomic_store_n (&s->seq, seq + 2, __ATOMIC_RELEASE);
}

/* The stamp of generation gen, or 0 when the messenger has moved on. */
static uint64_t
wake_stamp_read (WakeStamp *s, uint32_t gen)
{
  for (;;)
    {
      uint64_t seq = __atomic_load_n (&s->seq, __ATOMIC_ACQUIRE);
      if (seq & 1)
        continue;
      uint64_t g = __atomic_load_n (&s->gen, __ATOMIC_RELAXED);
      uint64_t ns = __atomic_load_n (&s->ns, __ATOMIC_RELAXED);
      __atomic_thread_fence (__ATOMIC_ACQUIRE);
      if (__atomic_load_n (&s->seq, __ATOMIC_RELAXED) != seq)
        continue;
      return g == gen ? ns : 0;
    }
}

void
ktstr_wt_fan_out_compute_iterate (KtstrWorker *w)
{
  uint32_t *gen = group_word (w);
  WakeStamp *stamp = (WakeStamp *)((char *)w->group->shared + 8);
  uint64_t sleep_ns = w->params[KTSTR_PARAM_FOC_SLEEP_USEC] * 1000ull;
  if (w->group_pos == 0)
    {
      ktstr_worker_spin (w, 1024);
      uint32_t next = __atomic_load_n (gen, __ATOMIC_RELAXED) + 1;
      wake_stamp_write (stamp, next, ktstr_now_ns ());
      __atomic_store_n (gen, next, __ATOMIC_RELEASE);
      futex_wake (gen, (uint32_t)w->params[KTSTR_PARAM_FOC_FAN_OUT]);
      uint64_t t0 = ktstr_worker_block_begin (w);
      ktstr_worker_sleep_ns (w, sleep_ns);
      ktstr_worker_block_end (w, t0, false);
      return;
    }
  ComputeState *s = w->priv;
  uint64_t t0 = ktstr_worker_block_begin (w);
  bool got = wait_generation (w, gen, &s->seen);
  uint64_t now = ktstr_now_ns ();
  ktstr_worker_block_end (w, t0, false);
  if (!got)
    return;
  uint64_t stamped = wake_stamp_read (stamp, s->seen);
  if (stamped != 0 && now > stamped)
    ktstr_worker_wake_sample (w, now - stamped);
  t0 = ktstr_worker_block_begin (w);
  ktstr_worker_sleep_ns (w, sleep_ns);
  ktstr_worker_block_end (w, t0, false);
  for (uint64_t op = 0; op < w->params[KTSTR_PARAM_FOC_OPERATIONS] && !ktstr_worker_is_stopping (w);
       op++)
    multiply (w, s);
}

/* ---- MutexContention{contenders, hold_iters, work_iters} ----
 *
 * A CAS futex mutex shared by the group: 0 free, 1 held.  Work, take it
 * (each contended wait is a sample), hold, release and wake one. */

void
ktstr_wt_mutex_iterate (KtstrWorker *w)
{
  uint32_t *lock = group_word (w);
  ktstr_worker_spin (w, w->params[KTSTR_PARAM_MUTEX_WORK_ITERS]);
  uint32_t expected = 0;
  if (!__atomic_compare_exchange_n (lock, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
    {
      uint64_t t0 = ktstr_worker_block_begin (w);
      for (;;)
        {
          expected = 0;
          if (__atomic_compare_exchange_n (lock, &expected, 1, false, __ATOMIC_ACQUIRE,
                                           __ATOMIC_RELAXED))
            break;
          if (ktstr_worker_is_stopping (w))
            {
              ktstr_worker_block_end (w, t0, false);
              return;
            }
          futex_wait_slice (lock, 1);
        }
      ktstr_worker_block_end (w, t0, true);
    }
  ktstr_worker_spin (w, w->params[KTSTR_PARAM_MUTEX_HOLD_ITERS]);
  __atomic_store_n (lock, 0, __ATOMIC_RELEASE);
  futex_wake (lock, 1);
}
