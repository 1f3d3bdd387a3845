#include "config.h"

#include "guest-init/workers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest-init/workopts.h"

static volatile sig_atomic_t stop_requested;

static void
on_stop (int sig)
{
  (void)sig;
  stop_requested = 1;
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* Bounded reap of everything not reaped yet. */
static void
reap_until (KtstrWorkerSet *set, uint64_t deadline)
{
  for (;;)
    {
      bool is_all_reaped = true;
      for (unsigned i = 0; i < set->n; i++)
        {
          KtstrWorkerProc *p = &set->procs[i];
          if (p->is_reaped || p->pid <= 0)
            continue;
          int status;
          pid_t r = waitpid (p->pid, &status, WNOHANG);
          if (r == p->pid || (r < 0 && errno == ECHILD))
            {
              p->is_reaped = true;
              p->status = r == p->pid ? status : 0;
            }
          else
            is_all_reaped = false;
        }
      if (is_all_reaped || ktstr_now_ns () >= deadline)
        return;
      ktstr_sleep_ms (1);
    }
}

static void
kill_all (KtstrWorkerSet *set)
{
  for (unsigned i = 0; i < set->n; i++)
    {
      KtstrWorkerProc *p = &set->procs[i];
      if (p->pid <= 0)
        continue;
      /* The group takes anything the worker forked; the direct kill covers
       * a worker that died before its setpgid. */
      killpg (p->pid, SIGKILL);
      if (!p->is_reaped)
        kill (p->pid, SIGKILL);
    }
}

static __attribute__ ((noreturn)) void
child_main (KtstrWorkerSet *set, unsigned me, const KtstrPlan *plan, const KtstrCpuSet *work_cpus,
            pid_t parent, const int *keep_out, size_t n_keep_out)
{
  KtstrWorkerProc *p = &set->procs[me];

  /* Never outlive the agent: if it dies, so do its workers. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (KTSTR_WORKER_EXIT_SETUP);
  setpgid (0, 0);

  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGUSR1, &sa, NULL); /* no SA_RESTART: a sleep ends at once */
  signal (SIGALRM, SIG_DFL);
  signal (SIGCHLD, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  signal (SIGINT, SIG_DFL);
  /* SIGUSR1 was blocked across fork so that an early stop is not lost
   * before the handler exists; now it can be delivered. */
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);

  for (size_t i = 0; i < n_keep_out; i++)
    if (keep_out[i] > STDERR_FILENO)
      close (keep_out[i]);
  /* Only our own read end stays open: a write end held by another worker
   * would keep our pipe from seeing EOF when the parent aborts. */
  for (unsigned i = 0; i < set->n; i++)
    {
      if (i != me)
        close_fd (&set->procs[i].start_rd);
      close_fd (&set->procs[i].start_wr);
    }
  /* Likewise another group's pipes: a partner's death must reach its own
   * group as EOF. */
  for (unsigned g = 0; g < set->n_groups; g++)
    if (g != p->group)
      for (unsigned f = 0; f < set->groups[g].n_fds; f++)
        close_fd (&set->groups[g].fds[f]);

  struct pollfd pfd = { .fd = p->start_rd, .events = POLLIN };
  int r;
  while ((r = poll (&pfd, 1, KTSTR_WORKER_START_TIMEOUT_MS)) < 0 && errno == EINTR)
    ;
  if (r <= 0)
    _exit (KTSTR_WORKER_EXIT_NO_START);
  char byte;
  if (read (p->start_rd, &byte, 1) != 1)
    _exit (KTSTR_WORKER_EXIT_ABORTED);
  close_fd (&p->start_rd);

  const KtstrPlanWork *work = &plan->works[p->work];
  /* Otherwise every worker is called "init" (the agent's name) in ps,
   * traces and sched_ext dumps. */
  prctl (PR_SET_NAME, work->type->name);
  /* Policy, nice, affinity and memory policy, now that it is in its
   * cgroup (a cpuset bounds the affinity it may take). */
  static const KtstrCpuSet no_cpus;
  KtstrError err;
  if (ktstr_workopts_apply (&work->opts, work_cpus != NULL ? &work_cpus[p->work] : &no_cpus,
                            p->index, ((uint64_t)getpid () << 16) ^ ktstr_now_ns (), &err)
      != 0)
    {
      p->report->pid = (int32_t)getpid ();
      snprintf (p->report->error, sizeof p->report->error, "%.*s", (int)sizeof p->report->error - 1,
                err.msg);
      _exit (KTSTR_WORKER_EXIT_INIT);
    }
  KtstrWorker w;
  memset (&w, 0, sizeof w);
  w.report = p->report;
  w.type = work->type;
  w.impl = ktstr_workimpl_of (work->type);
  w.params = work->params;
  w.group = &set->groups[p->group];
  w.group_pos = p->group_pos;
  w.stop = &stop_requested;
  _exit (ktstr_worker_run (&w));
}

static int
setup_groups (KtstrWorkerSet *set, const KtstrPlan *plan, const unsigned *works, unsigned n_works,
              KtstrError *err)
{
  for (unsigned x = 0; x < n_works; x++)
    set->n_groups
        += plan->works[works[x]].workers
           / ktstr_worktype_group_size (plan->works[works[x]].type, plan->works[works[x]].params);
  set->groups = calloc (set->n_groups ? set->n_groups : 1, sizeof *set->groups);
  if (set->groups == NULL)
    {
      ktstr_error_set (err, "out of memory for %u worker groups", set->n_groups);
      return -1;
    }
  unsigned g = 0;
  for (unsigned x = 0; x < n_works; x++)
    {
      const KtstrPlanWork *work = &plan->works[works[x]];
      unsigned size = ktstr_worktype_group_size (work->type, work->params);
      for (unsigned j = 0; j < work->workers / size; j++, g++)
        {
          KtstrWorkGroup *grp = &set->groups[g];
          grp->type = work->type;
          grp->params = work->params;
          grp->size = size;
          const KtstrWorkImpl *impl = ktstr_workimpl_of (work->type);
          if (impl->group_setup != NULL && impl->group_setup (grp, err) != 0)
            {
              ktstr_error_prefix (err, "plan line %u: %s group %u", work->line, work->type->name,
                                  j);
              return -1;
            }
        }
    }
  return 0;
}

int
ktstr_workers_spawn_with (KtstrWorkerSet *set, const KtstrPlan *plan, const KtstrCpuSet *work_cpus,
                          const int *keep_out, size_t n_keep_out, KtstrError *err)
{
  static unsigned all[KTSTR_PLAN_MAX_WORKS];
  for (unsigned k = 0; k < plan->n_works; k++)
    all[k] = k;
  return ktstr_workers_spawn_works (set, plan, work_cpus, all, plan->n_works, NULL, keep_out,
                                    n_keep_out, err);
}

int
ktstr_workers_spawn_works (KtstrWorkerSet *set, const KtstrPlan *plan, const KtstrCpuSet *work_cpus,
                           const unsigned *works, unsigned n_works, unsigned *per_cgroup_index,
                           const int *keep_out, size_t n_keep_out, KtstrError *err)
{
  memset (set, 0, sizeof *set);
  for (unsigned x = 0; x < n_works; x++)
    set->n += plan->works[works[x]].workers;
  set->procs = calloc (set->n ? set->n : 1, sizeof *set->procs);
  set->reports_len = (set->n ? set->n : 1) * sizeof (KtstrWorkerReport);
  set->reports
      = mmap (NULL, set->reports_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (set->reports == MAP_FAILED)
    set->reports = NULL;
  if (set->procs == NULL || set->reports == NULL)
    {
      ktstr_error_set (err, "out of memory for %u workers (%zu bytes of reports)", set->n,
                       set->reports_len);
      return -1;
    }
  if (setup_groups (set, plan, works, n_works, err) != 0)
    return -1;

  /* Lay out every worker and its start pipe before the first fork, so each
   * child can close the pipes that are not its own. */
  unsigned i = 0, g = 0;
  unsigned local_index[KTSTR_PLAN_MAX_CGROUPS] = { 0 };
  unsigned *per_cgroup = per_cgroup_index != NULL ? per_cgroup_index : local_index;
  for (unsigned x = 0; x < n_works; x++)
    {
      unsigned k = works[x];
      const KtstrPlanWork *work = &plan->works[k];
      unsigned size = ktstr_worktype_group_size (work->type, work->params);
      for (unsigned j = 0; j < work->workers; j++, i++)
        {
          KtstrWorkerProc *p = &set->procs[i];
          int fds[2];
          p->work = k;
          p->cgroup = work->cgroup;
          p->index = per_cgroup[work->cgroup]++;
          p->group = g + j / size;
          p->group_pos = j % size;
          p->report = &set->reports[i];
          p->start_rd = p->start_wr = -1;
          if (pipe2 (fds, O_CLOEXEC) != 0)
            {
              ktstr_error_set (err, "start pipe for worker %u: %s", i, strerror (errno));
              return -1;
            }
          p->start_rd = fds[0];
          p->start_wr = fds[1];
        }
      g += work->workers / size;
    }

  sigset_t block, old;
  sigemptyset (&block);
  sigaddset (&block, SIGUSR1);
  sigprocmask (SIG_BLOCK, &block, &old);
  pid_t parent = getpid ();
  for (i = 0; i < set->n; i++)
    {
      KtstrWorkerProc *p = &set->procs[i];
      pid_t pid = fork ();
      if (pid < 0)
        {
          ktstr_error_set (err, "fork of worker %u of %u failed: %s", i + 1, set->n,
                           strerror (errno));
          sigprocmask (SIG_SETMASK, &old, NULL);
          ktstr_workers_abort (set);
          return -1;
        }
      if (pid == 0)
        child_main (set, i, plan, work_cpus, parent, keep_out, n_keep_out);
      p->pid = pid;
      /* Also from the parent, so killpg works even if the child has not run
       * yet (EACCES after its own setpgid is fine). */
      setpgid (pid, pid);
      close_fd (&p->start_rd);
    }
  sigprocmask (SIG_SETMASK, &old, NULL);
  /* Group pipes belong to the workers now; a copy left in the parent would
   * hide a dead partner (no EOF). */
  for (g = 0; g < set->n_groups; g++)
    for (unsigned f = 0; f < set->groups[g].n_fds; f++)
      close_fd (&set->groups[g].fds[f]);
  return 0;
}

void
ktstr_workers_start (KtstrWorkerSet *set)
{
  for (unsigned i = 0; i < set->n; i++)
    {
      KtstrWorkerProc *p = &set->procs[i];
      if (p->start_wr >= 0)
        {
          ssize_t r = write (p->start_wr, "s", 1);
          (void)r; /* a dead worker (EPIPE) is reported at collection */
        }
      close_fd (&p->start_wr);
    }
}

uint64_t
ktstr_workers_live_iterations (const KtstrWorkerSet *set)
{
  uint64_t sum = 0;
  for (unsigned i = 0; i < set->n; i++)
    sum += __atomic_load_n (&set->reports[i].live_iterations, __ATOMIC_RELAXED);
  return sum;
}

void
ktstr_workers_stop (KtstrWorkerSet *set, unsigned deadline_ms)
{
  for (unsigned i = 0; i < set->n; i++)
    if (set->procs[i].pid > 0 && !set->procs[i].is_reaped)
      kill (set->procs[i].pid, SIGUSR1);

  reap_until (set, ktstr_now_ns () + (uint64_t)deadline_ms * 1000000ull);
  for (unsigned i = 0; i < set->n; i++)
    if (set->procs[i].pid > 0 && !set->procs[i].is_reaped)
      set->procs[i].is_timed_out = true;
  kill_all (set);
  /* SIGKILL is not instant for a task stuck in the kernel; don't wait on
   * it forever. */
  reap_until (set, ktstr_now_ns () + 1000000000ull);
}

void
ktstr_workers_abort (KtstrWorkerSet *set)
{
  for (unsigned i = 0; i < set->n; i++)
    {
      close_fd (&set->procs[i].start_wr);
      close_fd (&set->procs[i].start_rd);
    }
  kill_all (set);
  reap_until (set, ktstr_now_ns () + 1000000000ull);
}

void
ktstr_workers_free (KtstrWorkerSet *set)
{
  if (set->procs != NULL)
    for (unsigned i = 0; i < set->n; i++)
      {
        close_fd (&set->procs[i].start_wr);
        close_fd (&set->procs[i].start_rd);
      }
  for (unsigned g = 0; set->groups != NULL && g < set->n_groups; g++)
    {
      KtstrWorkGroup *grp = &set->groups[g];
      for (unsigned f = 0; f < grp->n_fds; f++)
        close_fd (&grp->fds[f]);
      if (grp->shared != NULL)
        munmap (grp->shared, grp->shared_len);
    }
  if (set->reports != NULL)
    munmap (set->reports, set->reports_len);
  free (set->groups);
  free (set->procs);
  memset (set, 0, sizeof *set);
}

bool
ktstr_worker_proc_has_report (const KtstrWorkerProc *p)
{
  return p->report != NULL && __atomic_load_n (&p->report->is_done, __ATOMIC_ACQUIRE) == 1;
}

const char *
ktstr_worker_proc_exit_text (const KtstrWorkerProc *p, char *buf, size_t len)
{
  if (p->is_timed_out || !p->is_reaped)
    snprintf (buf, len, "timeout");
  else if (WIFEXITED (p->status) && WEXITSTATUS (p->status) == 0)
    snprintf (buf, len, "ok");
  else if (WIFEXITED (p->status))
    snprintf (buf, len, "exited:%d", WEXITSTATUS (p->status));
  else if (WIFSIGNALED (p->status))
    snprintf (buf, len, "signaled:%d", WTERMSIG (p->status));
  else
    snprintf (buf, len, "exited:%d", p->status);
  return buf;
}
