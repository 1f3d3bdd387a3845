#include "config.h"

#include "guest-init/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int
ktstr_write_bounded (const char *path, const char *data, unsigned timeout_ms)
{
  /* A cgroup write takes cgroup_mutex and friends uninterruptibly, so a
   * signal cannot cut it short.  Doing it in a child lets the agent walk
   * away from a stuck write; the child reports errno as its exit status. */
  pid_t pid = fork ();
  if (pid < 0)
    return errno;
  if (pid == 0)
    {
      int fd = open (path, O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        _exit (errno & 0xff);
      size_t len = strlen (data);
      ssize_t w = write (fd, data, len);
      _exit (w == (ssize_t)len ? 0 : w < 0 ? (errno & 0xff) : EIO);
    }
  uint64_t deadline = ktstr_now_ns () + (uint64_t)timeout_ms * 1000000ull;
  unsigned pause_us = 50;
  for (;;)
    {
      int status;
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        return WIFEXITED (status) ? WEXITSTATUS (status) : EINTR;
      if (r < 0 && errno != EINTR)
        return errno;
      if (ktstr_now_ns () >= deadline)
        {
          kill (pid, SIGKILL);
          /* Reaped later by nobody: harmless in a VM that powers off, and a
           * blocking waitpid here would defeat the bound. */
          return ETIMEDOUT;
        }
      usleep (pause_us);
      if (pause_us < 5000)
        pause_us *= 2;
    }
}

static int
write_file (const char *dir, const char *file, const char *data, KtstrError *err)
{
  char path[512];
  if (ktstr_path (path, sizeof path, "%s/%s", dir, file) != 0)
    {
      ktstr_error_set (err, "cgroup path '%s/%s' is too long", dir, file);
      return -1;
    }
  int e = ktstr_write_bounded (path, data, KTSTR_CGROUP_WRITE_TIMEOUT_MS);
  if (e != 0)
    {
      ktstr_error_set (err, "writing '%s' to %s failed: %s", data, path,
                       e == ETIMEDOUT ? "timed out after 2000 ms" : strerror (e));
      errno = e;
      return -1;
    }
  return 0;
}

static void
parent_dir (const char *path, char *buf, size_t len)
{
  snprintf (buf, len, "%s", path);
  char *slash = strrchr (buf, '/');
  if (slash == buf)
    slash[1] = '\0';
  else if (slash != NULL)
    *slash = '\0';
  else
    snprintf (buf, len, ".");
}

bool
ktstr_cgroup_is_available (const char *root)
{
  char parent[512];
  struct statfs s;
  parent_dir (root, parent, sizeof parent);
  return statfs (parent, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

/* +cpuset is what the scenario needs; +cpu only matters for weights, and
 * enabling it can fail where cpuset works (e.g. RT tasks outside the root
 * on kernels without RT group scheduling support for cgroup v2). */
static int
enable_controllers (const char *dir, char *warning, size_t warning_len, KtstrError *err)
{
  KtstrError cpu_err;
  if (write_file (dir, "cgroup.subtree_control", "+cpuset", err) != 0)
    {
      ktstr_error_prefix (err, "enabling the cpuset controller");
      return -1;
    }
  if (write_file (dir, "cgroup.subtree_control", "+cpu", &cpu_err) != 0 && warning != NULL
      && warning[0] == '\0')
    snprintf (warning, warning_len, "cpu controller not enabled (weights unavailable): %s",
              cpu_err.msg);
  return 0;
}

int
ktstr_cgroup_setup_root (const char *root, char *warning, size_t warning_len, KtstrError *err)
{
  char parent[512];
  struct stat st;
  if (warning != NULL && warning_len > 0)
    warning[0] = '\0';
  parent_dir (root, parent, sizeof parent);
  /* A root deeper in the hierarchy (cgroup_parent /a/b): its missing
   * ancestors first, each handing the controllers down. */
  if (stat (parent, &st) != 0 && strcmp (parent, "/") != 0
      && ktstr_cgroup_setup_root (parent, warning, warning_len, err) != 0)
    return -1;
  if (enable_controllers (parent, warning, warning_len, err) != 0)
    return -1;
  if (mkdir (root, 0755) != 0 && errno != EEXIST)
    {
      ktstr_error_set (err, "cannot create cgroup %s: %s", root, strerror (errno));
      return -1;
    }
  return enable_controllers (root, warning, warning_len, err);
}

int
ktstr_cgroup_create (const char *root, const char *name, const char *cpus, const char *mems,
                     KtstrError *err)
{
  char dir[512];
  if (ktstr_path (dir, sizeof dir, "%s/%s", root, name) != 0)
    {
      ktstr_error_set (err, "cgroup path '%s/%s' is too long", root, name);
      return -1;
    }
  /* A nested cgroup ("outer/inner"): its parent, made earlier and holding
   * no tasks, must hand its controllers down too. */
  if (strchr (name, '/') != NULL)
    {
      char parent[512];
      parent_dir (dir, parent, sizeof parent);
      if (enable_controllers (parent, NULL, 0, err) != 0)
        {
          ktstr_error_prefix (err, "cgroup %s", parent);
          return -1;
        }
    }
  if (mkdir (dir, 0755) != 0 && errno != EEXIST)
    {
      ktstr_error_set (err, "cannot create cgroup %s: %s", dir, strerror (errno));
      return -1;
    }
  /* mems before cpus is not required on v2 (empty means inherit), but
   * writing cpus first keeps the error for a bad CPU list the first one. */
  if (cpus != NULL && write_file (dir, "cpuset.cpus", cpus, err) != 0)
    return -1;
  if (mems != NULL && write_file (dir, "cpuset.mems", mems, err) != 0)
    return -1;
  return 0;
}

int
ktstr_cgroup_read (const char *root, const char *name, const char *file, char *buf, size_t len)
{
  char path[512];
  if (ktstr_path (path, sizeof path, "%s/%s/%s", root, name, file) != 0)
    return -1;
  return ktstr_read_text (path, buf, len) < 0 ? -1 : 0;
}

int
ktstr_cgroup_move (const char *root, const char *name, pid_t pid, bool *is_gone, KtstrError *err)
{
  char dir[512], num[24];
  *is_gone = false;
  if (ktstr_path (dir, sizeof dir, "%s/%s", root, name) != 0)
    {
      ktstr_error_set (err, "cgroup path '%s/%s' is too long", root, name);
      return -1;
    }
  snprintf (num, sizeof num, "%d", (int)pid);
  for (int attempt = 0;; attempt++)
    {
      if (write_file (dir, "cgroup.procs", num, err) == 0)
        return 0;
      if (errno == ESRCH)
        {
          *is_gone = true;
          return 0;
        }
      if (errno != EBUSY || attempt == 3)
        return -1;
      ktstr_sleep_ms (100);
    }
}

void
ktstr_cgroup_remove (const char *root, const char *name)
{
  char dir[512];
  if (ktstr_path (dir, sizeof dir, "%s/%s", root, name) != 0)
    return;
  /* Exited tasks leave the cgroup asynchronously; give them a moment. */
  for (int i = 0; i < 20 && rmdir (dir) != 0 && errno == EBUSY; i++)
    ktstr_sleep_ms (10);
}
