/* ktstr-test-init: a tiny static PID 1 for the backend boot tests.
 *
 * The word "ktstr_test=MODE" on the kernel command line picks what it does:
 *   hello   write "hello N" lines on the virtio port org.ktstr.ctrl, power off
 *   panic   crash the kernel through /proc/sysrq-trigger (boot with panic=-1)
 *   hang    say hello once, then sleep forever (the host deadline ends it)
 *   silent  never speak; reboot (a boot failure as the host sees it)
 *   off     never speak; power off at once (a trivial init for benchmarks)
 *   agent-hang  say the guest agent's JSON hello, then sleep forever: to
 *           ktstr this is an agent that started and hung
 *   topo    write what the guest sees ("cpus N", "llc CPU LIST" per CPU's L3,
 *           "node N LIST" per NUMA node) on the port, power off
 *   flood   a hostile guest: one 3 MiB line, "after", then "ktstr_flood_mb=N"
 *           (default 64) MiB of short lines, "done", power off
 *   chatter a hostile guest: say hello once, then write to the console
 *           without end
 * Plain libc, no GLib: it runs in an initramfs with nothing else in it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CTRL_PORT_NAME "org.ktstr.ctrl"

static void
log_console (const char *msg)
{
  int fd = open ("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      char buf[256];
      int n = snprintf (buf, sizeof buf, "ktstr-test-init: %s\n", msg);
      if (n > 0 && write (fd, buf, (size_t)n) < 0)
        { /* nothing more we can do */
        }
      close (fd);
    }
}

static void
read_mode (char *mode, size_t len)
{
  char cmdline[4096] = "";
  int fd = open ("/proc/cmdline", O_RDONLY | O_CLOEXEC);
  snprintf (mode, len, "hello");
  if (fd < 0)
    return;
  ssize_t n = read (fd, cmdline, sizeof cmdline - 1);
  close (fd);
  if (n <= 0)
    return;
  cmdline[n] = '\0';
  for (char *word = strtok (cmdline, " \n"); word != NULL; word = strtok (NULL, " \n"))
    if (strncmp (word, "ktstr_test=", 11) == 0)
      snprintf (mode, len, "%s", word + 11);
}

/* Finds /dev/vportNpM whose sysfs name is org.ktstr.ctrl; -1 if none. */
static int
open_ctrl_port (void)
{
  for (int attempt = 0; attempt < 200; attempt++) /* bounded: 2 s */
    {
      DIR *dir = opendir ("/sys/class/virtio-ports");
      struct dirent *de;
      while (dir != NULL && (de = readdir (dir)) != NULL)
        {
          char path[512], name[128] = "";
          if (de->d_name[0] == '.')
            continue;
          snprintf (path, sizeof path, "/sys/class/virtio-ports/%s/name", de->d_name);
          int fd = open (path, O_RDONLY | O_CLOEXEC);
          if (fd < 0)
            continue;
          ssize_t n = read (fd, name, sizeof name - 1);
          close (fd);
          if (n <= 0)
            continue;
          name[n] = '\0';
          name[strcspn (name, "\n")] = '\0';
          if (strcmp (name, CTRL_PORT_NAME) != 0)
            continue;
          snprintf (path, sizeof path, "/dev/%s", de->d_name);
          closedir (dir);
          return open (path, O_WRONLY | O_CLOEXEC);
        }
      if (dir != NULL)
        closedir (dir);
      usleep (10000);
    }
  return -1;
}

static void
say (int fd, const char *line)
{
  size_t len = strlen (line), off = 0;
  while (off < len)
    {
      ssize_t n = write (fd, line + off, len - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      off += (size_t)n;
    }
}

static int
open_ctrl_port_or_log (void)
{
  int fd = open_ctrl_port ();
  if (fd < 0)
    log_console ("no virtio port named " CTRL_PORT_NAME);
  return fd;
}

/* Reads a one-line sysfs file into buf without its newline; FALSE if absent. */
static int
read_line_file (const char *path, char *buf, size_t len)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read (fd, buf, len - 1);
  close (fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  return 1;
}

static void
say_topology (void)
{
  char path[256], value[512], line[700];
  int fd = open_ctrl_port_or_log ();
  if (fd < 0)
    return;
  snprintf (line, sizeof line, "cpus %ld\n", sysconf (_SC_NPROCESSORS_ONLN));
  say (fd, line);
  for (int cpu = 0; cpu < 1024; cpu++)
    {
      snprintf (path, sizeof path, "/sys/devices/system/cpu/cpu%d/cache/index3/shared_cpu_list",
                cpu);
      if (!read_line_file (path, value, sizeof value))
        break;
      snprintf (line, sizeof line, "llc %d %s\n", cpu, value);
      say (fd, line);
    }
  for (int node = 0; node < 64; node++)
    {
      snprintf (path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
      if (!read_line_file (path, value, sizeof value))
        continue;
      snprintf (line, sizeof line, "node %d %s\n", node, value);
      say (fd, line);
    }
  close (fd);
}

static void
say_hello (int count)
{
  int fd = open_ctrl_port_or_log ();
  if (fd < 0)
    return;
  for (int i = 1; i <= count; i++)
    {
      char line[64];
      snprintf (line, sizeof line, "hello %d\n", i);
      say (fd, line);
    }
  /* A line split across writes must still arrive as one line. */
  say (fd, "split ");
  say (fd, "line\n");
  fsync (fd);
  close (fd);
}

/* The N of "ktstr_flood_mb=N" on the kernel command line, or 64. */
static long
flood_mb (void)
{
  char cmdline[4096] = "";
  int fd = open ("/proc/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 64;
  ssize_t n = read (fd, cmdline, sizeof cmdline - 1);
  close (fd);
  cmdline[n > 0 ? n : 0] = '\0';
  const char *p = strstr (cmdline, "ktstr_flood_mb=");
  return p != NULL ? strtol (p + strlen ("ktstr_flood_mb="), NULL, 10) : 64;
}

static void
say_flood (void)
{
  int fd = open_ctrl_port_or_log ();
  if (fd < 0)
    return;
  static char block[64 * 1024];
  memset (block, 'x', sizeof block - 1);
  for (int i = 0; i < 48; i++) /* 3 MiB without a newline */
    say (fd, block);
  say (fd, "\nafter\n");
  /* 4096 lines of 16 bytes per write (a 64 KiB write, plus its NUL) */
  static char lines[64 * 1024 + 1];
  for (size_t off = 0; off < sizeof lines - 1; off += 16)
    memcpy (lines + off, "{\"t\":\"flooded\"}\n", 16);
  long blocks = flood_mb () * 16;
  for (long i = 0; i < blocks; i++)
    say (fd, lines);
  say (fd, "\ndone\n");
  fsync (fd);
  close (fd);
}

int
main (void)
{
  char mode[64];

  mkdir ("/proc", 0555);
  mkdir ("/sys", 0555);
  mkdir ("/dev", 0755);
  mount ("proc", "/proc", "proc", 0, NULL);
  mount ("sysfs", "/sys", "sysfs", 0, NULL);
  mount ("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  read_mode (mode, sizeof mode);
  log_console (mode);

  if (strcmp (mode, "hello") == 0)
    {
      say_hello (3);
      sync ();
      reboot (RB_POWER_OFF);
    }
  else if (strcmp (mode, "panic") == 0)
    {
      int fd = open ("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
      if (fd >= 0 && write (fd, "c", 1) < 0)
        log_console ("sysrq-trigger write failed");
    }
  else if (strcmp (mode, "hang") == 0)
    {
      say_hello (1);
      for (;;)
        pause ();
    }
  else if (strcmp (mode, "topo") == 0)
    {
      say_topology ();
      sync ();
      reboot (RB_POWER_OFF);
    }
  else if (strcmp (mode, "flood") == 0)
    {
      say_flood ();
      sync ();
      reboot (RB_POWER_OFF);
    }
  else if (strcmp (mode, "chatter") == 0)
    {
      say_hello (1);
      int fd = open ("/dev/console", O_WRONLY | O_CLOEXEC);
      static char text[4096];
      memset (text, 'c', sizeof text - 2);
      text[sizeof text - 2] = '\n';
      /* Floods the console until the host stops the VM. */
      if (fd >= 0)
        for (;;)
          say (fd, text);
    }
  else if (strcmp (mode, "silent") == 0)
    reboot (RB_AUTOBOOT);
  else if (strcmp (mode, "off") == 0)
    reboot (RB_POWER_OFF);
  else if (strcmp (mode, "agent-hang") == 0)
    {
      int fd = open_ctrl_port_or_log ();
      if (fd >= 0)
        {
          say (fd, "{\"t\":\"hello\",\"proto\":1,\"uptime_ms\":0,\"kernel\":\"test\"}\n");
          fsync (fd);
        }
      for (;;)
        pause ();
    }

  log_console ("unknown mode or action failed; powering off");
  reboot (RB_POWER_OFF);
  return 1;
}
