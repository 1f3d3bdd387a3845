#include "config.h"

#include "guest-init/tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest-init/report.h"
#include "guest-init/util.h"

#define LINE_MAX_LEN 2048
#define POLL_MS 20

static struct
{
  KtstrCtrl *ctrl;
  pid_t pid;
  atomic_int fd;
  atomic_bool is_ready;
  atomic_bool has_exited;
  char line[LINE_MAX_LEN];
  size_t len;
} T = { .pid = -1, .fd = -1 };

int
ktstr_tracer_fd (void)
{
  return atomic_load (&T.fd);
}

static void
flush_line (void)
{
  if (T.len == 0)
    return;
  T.line[T.len] = '\0';
  if (strncmp (T.line, "ready", 5) == 0)
    atomic_store (&T.is_ready, true);
  ktstr_report_log (T.ctrl, "tracer", "%s", T.line);
  T.len = 0;
}

void
ktstr_tracer_read (void)
{
  int fd = atomic_load (&T.fd);
  if (fd < 0)
    return;
  char buf[4096];
  ssize_t n = read (fd, buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
    {
      flush_line ();
      atomic_store (&T.fd, -1);
      close (fd);
      return;
    }
  for (ssize_t i = 0; i < n; i++)
    {
      if (buf[i] == '\n')
        flush_line ();
      else if (buf[i] != '\r')
        {
          T.line[T.len++] = buf[i];
          if (T.len == sizeof T.line - 1)
            flush_line ();
        }
    }
}

static pid_t
spawn (const char *const *argv, const char *const *env, int out_wr, const int *keep_out,
       unsigned n_keep_out)
{
  pid_t pid = fork ();
  if (pid != 0)
    return pid;
  ktstr_child_setup (out_wr, keep_out, n_keep_out);
  const char *envp[32];
  unsigned n = 0;
  envp[n++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  envp[n++] = "HOME=/";
  for (unsigned i = 0; env[i] != NULL && n < 31; i++)
    envp[n++] = env[i];
  envp[n] = NULL;
  /* execve's arrays are not const for historical reasons. */
  execve (argv[0], (char *const *)argv, (char *const *)envp);
  dprintf (STDERR_FILENO, "ktstr-init: cannot execute the tracer %s: %s\n", argv[0],
           strerror (errno));
  _exit (127);
}

static bool
check_exit (void)
{
  if (atomic_load (&T.has_exited))
    return true;
  int st;
  if (waitpid (T.pid, &st, WNOHANG) == T.pid)
    atomic_store (&T.has_exited, true);
  return atomic_load (&T.has_exited);
}

int
ktstr_tracer_start (KtstrCtrl *ctrl, const char *const *argv, const char *const *env,
                    uint64_t ready_ms, const int *keep_out, unsigned n_keep_out)
{
  T.ctrl = ctrl;
  int fds[2];
  if (pipe2 (fds, O_CLOEXEC) != 0)
    {
      ktstr_report_log (ctrl, "init", "tracer %s not started: no pipe: %s", argv[0],
                        strerror (errno));
      return -1;
    }
  fcntl (fds[0], F_SETFL, O_NONBLOCK);
  T.pid = spawn (argv, env, fds[1], keep_out, n_keep_out);
  close (fds[1]);
  if (T.pid < 0)
    {
      close (fds[0]);
      ktstr_report_log (ctrl, "init", "tracer %s not started: fork failed", argv[0]);
      return -1;
    }
  atomic_store (&T.fd, fds[0]);
  uint64_t deadline = ktstr_now_ns () + ready_ms * 1000000ull;
  while (!atomic_load (&T.is_ready))
    {
      if (check_exit () || ktstr_now_ns () > deadline)
        {
          ktstr_report_log (ctrl, "init", "tracer %s not ready after %llu ms%s", argv[0],
                            (unsigned long long)ready_ms,
                            atomic_load (&T.has_exited) ? " (it ended)" : "");
          return -1;
        }
      ktstr_sleep_ms (POLL_MS);
    }
  return 0;
}

void
ktstr_tracer_stop (uint64_t stop_ms)
{
  if (T.pid <= 0)
    return;
  static const int sigs[] = { SIGINT, SIGKILL };
  for (unsigned i = 0; i < 2 && !check_exit (); i++)
    {
      kill (T.pid, sigs[i]);
      uint64_t deadline = ktstr_now_ns () + stop_ms * 1000000ull;
      while (!check_exit () && ktstr_now_ns () < deadline)
        ktstr_sleep_ms (POLL_MS);
    }
  T.pid = -1;
}
