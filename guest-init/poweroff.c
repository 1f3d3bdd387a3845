#include "config.h"

#include "guest-init/poweroff.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/proto.h"
#include "guest-init/json.h"
#include "guest-init/util.h"

static bool is_pid1_mode;
static volatile int guard_ctrl_fd = -1;
static uint64_t guard_limit_ms;

/* The guard's message is built outside the signal handler (snprintf and
 * malloc are not async-signal-safe) into one of two buffers, then
 * published by pointer, so the handler always sees a whole message. */
static char guard_msg_buf[2][512];
static char *volatile guard_msg;
static char guard_console_buf[2][300];
static char *volatile guard_console;
static const char *guard_phase_name = "booting";

static void
build_guard_message (void)
{
  static int slot;
  slot ^= 1;
  char text[256];
  snprintf (text, sizeof text, KTSTR_GUARD_ERROR_PREFIX "(%llu ms) expired while %s; powering off",
            (unsigned long long)guard_limit_ms, guard_phase_name);
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "error");
  ktstr_json_str (&j, "msg", text);
  ktstr_json_end (&j);
  /* A leading newline ends any line the guard interrupted mid-write, so
   * the host still finds this one intact. */
  snprintf (guard_msg_buf[slot], sizeof guard_msg_buf[slot], "\n%s",
            j.failed ? "{\"t\":\"error\",\"msg\":\"guard timer expired\"}\n" : j.buf);
  ktstr_json_clear (&j);
  snprintf (guard_console_buf[slot], sizeof guard_console_buf[slot], "ktstr-init: %s\n", text);
  guard_msg = guard_msg_buf[slot];
  guard_console = guard_console_buf[slot];
}

static void
write_all (int fd, const char *s)
{
  size_t len = strlen (s);
  while (len > 0)
    {
      ssize_t w = write (fd, s, len);
      if (w <= 0)
        return;
      s += w;
      len -= (size_t)w;
    }
}

static __attribute__ ((noreturn)) void
power_off_now (void)
{
  sync ();
  reboot (RB_POWER_OFF);
  /* Only reached if poweroff is refused (no CAP_SYS_BOOT?): a reset still
   * ends the VM under -no-reboot. */
  reboot (RB_AUTOBOOT);
  for (;;)
    pause ();
}

static void
on_guard (int sig)
{
  (void)sig;
  int fd = guard_ctrl_fd;
  const char *console = guard_console;
  if (console != NULL)
    write_all (STDERR_FILENO, console);
  if (fd >= 0 && guard_msg != NULL)
    {
      /* Never block here: a host that stopped reading must not hold the
       * guard up. */
      int fl = fcntl (fd, F_GETFL);
      if (fl >= 0)
        fcntl (fd, F_SETFL, fl | O_NONBLOCK);
      write_all (fd, guard_msg);
    }
  if (!is_pid1_mode)
    _exit (3); /* workers follow through PR_SET_PDEATHSIG */
  kill (-1, SIGKILL);
  /* A non-blocking virtio write is only queued; give the host a moment to
   * take it before the machine goes away. */
  struct timespec ts = { 0, 100 * 1000 * 1000 };
  nanosleep (&ts, NULL);
  power_off_now ();
}

void
ktstr_guard_init (bool is_pid1)
{
  is_pid1_mode = is_pid1;
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_guard;
  sigfillset (&sa.sa_mask);
  sigaction (SIGALRM, &sa, NULL);
}

void
ktstr_guard_arm_ms (uint64_t ms, uint64_t limit_ms)
{
  guard_limit_ms = limit_ms;
  build_guard_message ();
  struct itimerval it;
  memset (&it, 0, sizeof it);
  it.it_value.tv_sec = (time_t)(ms / 1000);
  it.it_value.tv_usec = (suseconds_t)((ms % 1000) * 1000);
  if (ms == 0)
    it.it_value.tv_usec = 1; /* zero would disarm it */
  setitimer (ITIMER_REAL, &it, NULL);
}

void
ktstr_guard_disarm (void)
{
  struct itimerval it;
  memset (&it, 0, sizeof it);
  setitimer (ITIMER_REAL, &it, NULL);
}

void
ktstr_guard_set_ctrl_fd (int fd)
{
  guard_ctrl_fd = fd;
}

void
ktstr_guard_phase (const char *phase)
{
  guard_phase_name = phase;
  build_guard_message ();
}

void
ktstr_finish (int code)
{
  if (!is_pid1_mode)
    exit (code);
  power_off_now ();
}
