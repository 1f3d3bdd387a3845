#include "config.h"

#include "guest-init/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct
{
  const char *source, *target, *type;
  unsigned long flags;
  const char *data;
  int is_required; /* a failure is worth reporting */
} Mount;

static const Mount mounts[] = {
  { "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1 },
  { "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1 },
  { "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 1 },
  { "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1 },
  { "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 1 },
  { "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 1 },
  { "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0 },
  { "debugfs", "/sys/kernel/debug", "debugfs", 0, NULL, 0 },
  { "tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL, 0 },
  { "bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700", 0 },
};

static void warn (KtstrMountWarnings *w, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
warn (KtstrMountWarnings *w, const char *fmt, ...)
{
  if (w->n >= KTSTR_MOUNTS_MAX_WARNINGS)
    return;
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (w->msg[w->n++], sizeof w->msg[0], fmt, ap);
  va_end (ap);
}

void
ktstr_mounts_setup (KtstrMountWarnings *w)
{
  memset (w, 0, sizeof *w);
  for (size_t i = 0; i < sizeof mounts / sizeof mounts[0]; i++)
    {
      const Mount *m = &mounts[i];
      /* The initramfs may lack the mount points; sysfs and devtmpfs
       * provide their own sub-directories, but not always (sysfs has
       * /sys/fs/cgroup only with CONFIG_CGROUPS). */
      if (mkdir (m->target, 0755) != 0 && errno != EEXIST && m->is_required)
        warn (w, "cannot create mount point %s: %s", m->target, strerror (errno));
      if (mount (m->source, m->target, m->type, m->flags, m->data) != 0 && errno != EBUSY
          && m->is_required)
        warn (w, "mounting %s failed: %s", m->target, strerror (errno));
    }

  static const char *const links[][2] = {
    { "/proc/self/fd", "/dev/fd" },
    { "/proc/self/fd/0", "/dev/stdin" },
    { "/proc/self/fd/1", "/dev/stdout" },
    { "/proc/self/fd/2", "/dev/stderr" },
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlink (links[i][0], links[i][1]) != 0 && errno != EEXIST)
      warn (w, "cannot create the %s symlink: %s", links[i][1], strerror (errno));
}

void
ktstr_mounts_console_stdio (void)
{
  if (fcntl (STDERR_FILENO, F_GETFD) >= 0)
    return;
  int fd = open ("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return;
  for (int i = 0; i <= STDERR_FILENO; i++)
    if (fcntl (i, F_GETFD) < 0)
      dup2 (fd, i);
  if (fd > STDERR_FILENO)
    close (fd);
}
