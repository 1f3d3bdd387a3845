#include "config.h"

#include "guest-init/payload.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest-init/cgroup.h"
#include "guest-init/report.h"

static __attribute__ ((noreturn)) void
child (KtstrRuntime *rt, const KtstrPlanOp *op, const KtstrPayloadRun *run)
{
  const KtstrPlanPayload *pl = &rt->plan->payloads[op->a];
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  setpgid (0, 0);
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  signal (SIGCHLD, SIG_DFL);
  signal (SIGALRM, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  signal (SIGINT, SIG_DFL);
  for (size_t i = 0; i < rt->o->n_keep_out; i++)
    if (rt->o->keep_out[i] > STDERR_FILENO)
      close (rt->o->keep_out[i]);
  int in = open ("/dev/null", O_RDONLY);
  int out = open (run->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err = open (run->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (in < 0 || out < 0 || err < 0)
    _exit (126);
  dup2 (in, STDIN_FILENO);
  dup2 (out, STDOUT_FILENO);
  dup2 (err, STDERR_FILENO);
  if (op->has_cgroup && rt->o->use_cgroups)
    {
      KtstrError e;
      bool is_gone;
      if (ktstr_cgroup_move (rt->o->cgroup_root, rt->plan->cgroups[op->b].name, getpid (), &is_gone,
                             &e)
          != 0)
        {
          dprintf (STDERR_FILENO, "ktstr: %s\n", e.msg);
          _exit (126);
        }
    }
  if (pl->env[0] != '\0')
    putenv ((char *)pl->env);
  char *argv[KTSTR_PLAN_MAX_PAYLOAD_ARGS + 2];
  argv[0] = (char *)pl->path;
  for (unsigned i = 0; i < pl->n_args; i++)
    argv[i + 1] = (char *)pl->args[i];
  argv[pl->n_args + 1] = NULL;
  execv (pl->path, argv);
  dprintf (STDERR_FILENO, "ktstr: cannot run payload '%s' (%s): %s\n", pl->name, pl->path,
           strerror (errno));
  _exit (127);
}

int
ktstr_payload_start (KtstrRuntime *rt, const KtstrPlanOp *op, pid_t *pid, KtstrError *err)
{
  const KtstrPlanPayload *pl = &rt->plan->payloads[op->a];
  if (ktstr_payload_find_live (rt, op->a) != NULL)
    {
      ktstr_error_set (err, "RunPayload: payload '%s' is already running", pl->name);
      return -1;
    }
  if (rt->n_runs >= KTSTR_RT_MAX_PAYLOAD_RUNS)
    {
      ktstr_error_set (err, "too many payload runs (at most %d)", KTSTR_RT_MAX_PAYLOAD_RUNS);
      return -1;
    }
  KtstrPayloadRun *run = &rt->runs[rt->n_runs];
  memset (run, 0, sizeof *run);
  run->payload = op->a;
  run->step = op->step;
  snprintf (run->out_path, sizeof run->out_path, "/tmp/ktstr-payload-%d-%u.out", (int)getpid (),
            rt->n_runs);
  snprintf (run->err_path, sizeof run->err_path, "/tmp/ktstr-payload-%d-%u.err", (int)getpid (),
            rt->n_runs);
  pid_t p = fork ();
  if (p < 0)
    {
      ktstr_error_set (err, "RunPayload '%s': fork: %s", pl->name, strerror (errno));
      return -1;
    }
  if (p == 0)
    child (rt, op, run);
  setpgid (p, p);
  run->pid = p;
  run->is_live = true;
  rt->n_runs++;
  *pid = p;
  return 0;
}

KtstrPayloadRun *
ktstr_payload_find_live (KtstrRuntime *rt, unsigned payload)
{
  for (unsigned i = 0; i < rt->n_runs; i++)
    if (rt->runs[i].is_live && rt->runs[i].payload == payload)
      return &rt->runs[i];
  return NULL;
}

static void
slurp (const char *path, char *buf, size_t len)
{
  buf[0] = '\0';
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  size_t n = 0;
  ssize_t r;
  while (n + 1 < len && ((r = read (fd, buf + n, len - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
    if (r > 0)
      n += (size_t)r;
  buf[n] = '\0';
  close (fd);
  unlink (path);
}

int
ktstr_payload_finish (KtstrRuntime *rt, KtstrPayloadRun *run, bool is_kill)
{
  static char out[KTSTR_PAYLOAD_OUTPUT_MAX + 1], err[KTSTR_PAYLOAD_OUTPUT_MAX + 1];
  int status = 0;
  if (is_kill)
    {
      killpg (run->pid, SIGKILL);
      kill (run->pid, SIGKILL);
    }
  while (waitpid (run->pid, &status, 0) < 0 && errno == EINTR)
    ;
  run->is_live = false;
  int code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  bool is_killed = WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL && is_kill;
  slurp (run->out_path, out, sizeof out);
  slurp (run->err_path, err, sizeof err);
  ktstr_report_payload (rt->ctrl, rt->plan->payloads[run->payload].name, ktstr_rt_elapsed_ms (rt),
                        code, is_killed, out, err);
  return code;
}
