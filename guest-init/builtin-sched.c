/* Kernel-built-in schedulers: see builtin-sched.h. */
#include "config.h"

#include "guest-init/builtin-sched.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest-init/cgroup.h"
#include "guest-init/report.h"
#include "guest-init/util.h"

static pid_t
spawn (const KtstrPlan *plan, const KtstrPlanBuiltinAction *a, const int *keep_out,
       unsigned n_keep_out)
{
  pid_t pid = fork ();
  if (pid != 0)
    return pid;
  sigset_t all;
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
  for (unsigned i = 0; i < n_keep_out; i++)
    if (keep_out[i] > STDERR_FILENO)
      close (keep_out[i]);
  int null = open ("/dev/null", O_RDWR);
  if (null >= 0)
    {
      dup2 (null, STDIN_FILENO);
      dup2 (null, STDOUT_FILENO);
    }
  const char *argv[KTSTR_PLAN_BUILTIN_MAX_ARGS + 2];
  unsigned n = 0;
  argv[n++] = a->path;
  for (unsigned i = 0; i < a->n_args; i++)
    argv[n++] = a->args[i];
  argv[n] = NULL;
  const char *env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/",
                        plan->builtin_env[0] ? plan->builtin_env : NULL, NULL };
  /* execve's arrays are not const for historical reasons; it does not
   * write to them. */
  execve (a->path, (char *const *)argv, (char *const *)env);
  _exit (127);
}

/* Runs A and waits for it, at most KTSTR_BUILTIN_ACTION_TIMEOUT_MS. */
static int
run (const KtstrPlan *plan, const KtstrPlanBuiltinAction *a, const int *keep_out,
     unsigned n_keep_out, KtstrError *err)
{
  pid_t pid = spawn (plan, a, keep_out, n_keep_out);
  if (pid < 0)
    {
      ktstr_error_set (err, "cannot fork to run %s: %s", a->path, strerror (errno));
      return -1;
    }
  uint64_t deadline = ktstr_now_ns () + KTSTR_BUILTIN_ACTION_TIMEOUT_MS * 1000000ull;
  for (;;)
    {
      int status;
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        {
          if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
            return 0;
          if (WIFEXITED (status))
            ktstr_error_set (err, "%s exited with status %d%s", a->path, WEXITSTATUS (status),
                             WEXITSTATUS (status) == 127 ? " (could not be executed)" : "");
          else
            ktstr_error_set (err, "%s was killed by signal %d", a->path, WTERMSIG (status));
          return -1;
        }
      if (r < 0 && errno != EINTR)
        {
          ktstr_error_set (err, "waiting for %s: %s", a->path, strerror (errno));
          return -1;
        }
      if (ktstr_now_ns () >= deadline)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          ktstr_error_set (err, "%s did not finish within %d ms", a->path,
                           KTSTR_BUILTIN_ACTION_TIMEOUT_MS);
          return -1;
        }
      ktstr_sleep_ms (5);
    }
}

int
ktstr_builtin_sched_apply (const KtstrPlan *plan, bool is_disable, KtstrCtrl *ctrl,
                           const int *keep_out, unsigned n_keep_out, KtstrError *err)
{
  const char *what = is_disable ? "disable" : "enable";
  for (unsigned i = 0; i < plan->n_builtin; i++)
    {
      const KtstrPlanBuiltinAction *a = &plan->builtin[i];
      if (a->is_disable != is_disable)
        continue;
      int rc = 0;
      if (a->is_run)
        rc = run (plan, a, keep_out, n_keep_out, err);
      else
        {
          int e = ktstr_write_bounded (a->path, a->args[0], KTSTR_BUILTIN_ACTION_TIMEOUT_MS);
          if (e != 0)
            {
              ktstr_error_set (err, "writing '%s' to %s failed: %s", a->args[0], a->path,
                               e == ETIMEDOUT ? "timed out" : strerror (e));
              rc = -1;
            }
        }
      if (rc != 0)
        {
          ktstr_error_prefix (err, "built-in scheduler %s", what);
          return -1;
        }
      ktstr_report_log (ctrl, "sched", "built-in scheduler %s: %s %s%s%s", what,
                        a->is_run ? "ran" : "wrote", a->path, a->is_run ? "" : " = ",
                        a->is_run ? "" : a->args[0]);
    }
  return 0;
}
