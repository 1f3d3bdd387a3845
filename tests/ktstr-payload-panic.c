/* A tiny static payload for the VM tests that breaks the guest on purpose.
 *
 *   ktstr-payload-panic          writes 'c' to /proc/sysrq-trigger: the
 *                                kernel panics ("sysrq triggered crash").
 *   ktstr-payload-panic starve   turns RT throttling off and spins one
 *                                SCHED_FIFO 99 task on every CPU: nothing
 *                                else runs again, not even the agent's
 *                                guard timer handler, so the guest hangs
 *                                until the host's deadline.
 *
 * It returns only when it could not do that, and then says why and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
fail (const char *what)
{
  fprintf (stderr, "ktstr-payload-panic: %s: %s\n", what, strerror (errno));
  return 1;
}

static int
write_file (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY);
  if (fd < 0)
    return -1;
  ssize_t n = write (fd, text, strlen (text));
  close (fd);
  return n == (ssize_t)strlen (text) ? 0 : -1;
}

static __attribute__ ((noreturn)) void
spin_on (long cpu)
{
  cpu_set_t set;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  sched_setaffinity (0, sizeof set, &set);
  for (;;)
    __asm__ volatile("" ::: "memory");
}

static int
starve (void)
{
  /* Throttling would leave the other classes 5% of every second. */
  if (write_file ("/proc/sys/kernel/sched_rt_runtime_us", "-1") != 0)
    return fail ("cannot turn RT throttling off");
  /* FIFO first, so the children inherit it and none waits to be forked. */
  struct sched_param sp = { .sched_priority = 99 };
  if (sched_setscheduler (0, SCHED_FIFO, &sp) != 0)
    return fail ("sched_setscheduler SCHED_FIFO");
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  for (long cpu = 0; cpu + 1 < n; cpu++)
    {
      pid_t p = fork ();
      if (p < 0)
        return fail ("fork");
      if (p == 0)
        spin_on (cpu);
    }
  spin_on (n - 1);
}

int
main (int argc, char **argv)
{
  if (argc > 1 && strcmp (argv[1], "starve") == 0)
    return starve ();
  if (write_file ("/proc/sysrq-trigger", "c") != 0)
    return fail ("cannot write /proc/sysrq-trigger");
  /* Not reached: the kernel panics inside write(). */
  return 1;
}
