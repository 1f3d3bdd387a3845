/* Commands from the host: see hostcmd.h. */
#include "config.h"

#include "guest-init/hostcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest-init/gmon.h"
#include "guest-init/report.h"
#include "guest-init/shared.h"
#include "guest-init/util.h"

#define LINE_MAX_LEN 256

static struct
{
  KtstrCtrl *ctrl;
  unsigned n_cpus;
  pthread_t thread;
  bool has_thread;
  int stop_pipe[2]; /* stop() writes a byte: the thread then ends */
  char line[LINE_MAX_LEN];
  size_t len;
} H = { .stop_pipe = { -1, -1 } };

int
ktstr_hostcmd_handle (KtstrCtrl *ctrl, const char *line, const char *proc_root,
                      const char *sysfs_root, unsigned n_cpus)
{
  char key;
  unsigned ms;
  char extra;
  if (sscanf (line, "sysrq %c %c", &key, &extra) == 1)
    {
      char path[256];
      int fd = ktstr_path (path, sizeof path, "%s/sysrq-trigger", proc_root) == 0
                   ? open (path, O_WRONLY | O_CLOEXEC)
                   : -1;
      bool ok = fd >= 0 && write (fd, &key, 1) == 1;
      int errsv = errno;
      if (fd >= 0)
        close (fd);
      if (!ok)
        {
          ktstr_report_log (ctrl, "init", "host asked for sysrq %c: %s", key, strerror (errsv));
          return -1;
        }
      ktstr_report_log (ctrl, "init", "sysrq %c, as the host monitor asked", key);
      return 0;
    }
  if (sscanf (line, "monitor start %u %c", &ms, &extra) == 1 && ms > 0)
    {
      if (ktstr_gmon_start (ctrl, ms, n_cpus, sysfs_root, proc_root) != 0)
        {
          ktstr_report_log (ctrl, "init", "cannot start the guest monitor sampler");
          return -1;
        }
      ktstr_report_log (ctrl, "init", "guest monitor sampler started, every %u ms", ms);
      return 0;
    }
  /* A shared boot's next step; not acknowledged: the test's own lines
   * (test_begin, or the power-off) are the answer. */
  if (strncmp (line, "session ", 8) == 0 && ktstr_shared_post (line) == 0)
    return 0;
  ktstr_report_log (ctrl, "init", "unknown host command '%.100s'", line);
  return -1;
}

static void
take_bytes (const char *buf, ssize_t n)
{
  for (ssize_t i = 0; i < n; i++)
    {
      if (buf[i] == '\n')
        {
          H.line[H.len] = '\0';
          if (H.len > 0)
            ktstr_hostcmd_handle (H.ctrl, H.line, "/proc", "/sys", H.n_cpus);
          H.len = 0;
        }
      else if (H.len < sizeof H.line - 1)
        H.line[H.len++] = buf[i];
    }
}

/* Sleeps in poll() until the host writes or stop() is called: a thread
 * that woke up on a timer would cost the guest CPU time all run long (a
 * wakeup under TCG is not cheap), for commands that come once or twice. */
static void *
run (void *arg)
{
  (void)arg;
  while (true)
    {
      struct pollfd p[2]
          = { { .fd = H.ctrl->fd, .events = POLLIN }, { .fd = H.stop_pipe[0], .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p[1].revents != 0)
        break;
      if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))
        break; /* the host end went away: nothing more will come */
      if (!(p[0].revents & POLLIN))
        continue;
      char buf[256];
      ssize_t n = read (H.ctrl->fd, buf, sizeof buf);
      if (n > 0)
        take_bytes (buf, n);
      else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        break;
    }
  return NULL;
}

int
ktstr_hostcmd_start (KtstrCtrl *ctrl, unsigned n_cpus)
{
  if (H.has_thread || ctrl->kind == KTSTR_CTRL_FILE)
    return -1;
  H.ctrl = ctrl;
  H.n_cpus = n_cpus;
  if (pipe2 (H.stop_pipe, O_CLOEXEC) != 0)
    return -1;
  sigset_t all, old;
  sigfillset (&all);
  pthread_sigmask (SIG_BLOCK, &all, &old);
  H.has_thread = pthread_create (&H.thread, NULL, run, NULL) == 0;
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  return H.has_thread ? 0 : -1;
}

void
ktstr_hostcmd_stop (void)
{
  ktstr_gmon_stop ();
  if (!H.has_thread)
    return;
  if (write (H.stop_pipe[1], "x", 1) != 1)
    { /* the pipe cannot be full: it gets one byte */
    }
  pthread_join (H.thread, NULL);
  H.has_thread = false;
  close (H.stop_pipe[0]);
  close (H.stop_pipe[1]);
  H.stop_pipe[0] = H.stop_pipe[1] = -1;
}
