#include "config.h"

#include "guest-init/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

uint64_t
ktstr_clock_ns (clockid_t clock)
{
  struct timespec ts;
  if (clock_gettime (clock, &ts) != 0)
    return 0;
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
ktstr_sleep_until_ns (uint64_t deadline_ns)
{
  struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000ull),
                         .tv_nsec = (long)(deadline_ns % 1000000000ull) };
  /* Absolute sleeps make EINTR retries exact: no drift from re-computing
   * a relative remainder. */
  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    ;
}

void
ktstr_sleep_ms (uint64_t ms)
{
  ktstr_sleep_until_ns (ktstr_now_ns () + ms * 1000000ull);
}

long
ktstr_read_text (const char *path, char *buf, size_t len)
{
  if (len == 0)
    {
      errno = EINVAL;
      return -1;
    }
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  size_t n = 0;
  while (n + 1 < len)
    {
      ssize_t r = read (fd, buf + n, len - 1 - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int saved = errno;
          close (fd);
          errno = saved;
          return -1;
        }
      if (r == 0)
        break;
      n += (size_t)r;
    }
  close (fd);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
    n--;
  buf[n] = '\0';
  return (long)n;
}

int
ktstr_path (char *buf, size_t len, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (buf, len, fmt, ap);
  va_end (ap);
  if (n < 0 || (size_t)n >= len)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  return 0;
}

void
ktstr_diag (const char *fmt, ...)
{
  char line[1024];
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (line, sizeof line - 1, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  if ((size_t)n > sizeof line - 2)
    n = (int)sizeof line - 2;
  line[n++] = '\n';
  /* One write per line, so lines from workers and the parent do not
   * interleave mid-line on the console. */
  struct iovec iov[2] = { { (void *)"ktstr-init: ", 12 }, { line, (size_t)n } };
  ssize_t r = writev (STDERR_FILENO, iov, 2);
  (void)r;
}

void
ktstr_child_setup (int out_wr, const int *keep_out, unsigned n_keep_out)
{
  sigset_t all;
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
  for (int s = 1; s < NSIG; s++)
    signal (s, SIG_DFL);
  setpgid (0, 0);
  int null = open ("/dev/null", O_RDONLY);
  if (null >= 0)
    dup2 (null, STDIN_FILENO);
  dup2 (out_wr, STDOUT_FILENO);
  dup2 (out_wr, STDERR_FILENO);
  for (unsigned i = 0; i < n_keep_out; i++)
    if (keep_out[i] > STDERR_FILENO)
      close (keep_out[i]);
}
