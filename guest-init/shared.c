/* Shared boots: see shared.h. */
#include "config.h"

#include "guest-init/shared.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proto.h"
#include "guest-init/util.h"

#define QUEUE_MAX 8

/* Commands arrive on the control-port thread and are taken by the main
 * thread; the host sends one and waits for its test_end, so a short queue
 * never fills (a full one drops, and the host's deadline ends the VM). */
static struct
{
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int cmds[QUEUE_MAX];
  unsigned head, n;
} Q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0 };

int
ktstr_shared_load (const char *path, unsigned *n_plans, KtstrError *err)
{
  char text[256], extra;
  unsigned n;
  if (ktstr_read_text (path, text, sizeof text) < 0)
    {
      ktstr_error_set (err, "cannot read the session file %s: %s", path, strerror (errno));
      return -1;
    }
  size_t magic_len = strlen (KTSTR_SESSION_MAGIC);
  if (strncmp (text, KTSTR_SESSION_MAGIC, magic_len) != 0 || text[magic_len] != '\n'
      || sscanf (text + magic_len + 1, "plans %u %c", &n, &extra) != 1 || n == 0
      || n > KTSTR_SESSION_MAX_PLANS)
    {
      ktstr_error_set (err,
                       "session file %s: expected '" KTSTR_SESSION_MAGIC
                       "' and 'plans N' (1..%d), got '%.60s'",
                       path, KTSTR_SESSION_MAX_PLANS, text);
      return -1;
    }
  *n_plans = n;
  return 0;
}

int
ktstr_shared_post (const char *line)
{
  unsigned k;
  char extra;
  int cmd;
  if (strcmp (line, "session end") == 0)
    cmd = -1;
  else if (sscanf (line, "session run %u %c", &k, &extra) == 1 && k < KTSTR_SESSION_MAX_PLANS)
    cmd = (int)k;
  else
    return -1;
  pthread_mutex_lock (&Q.lock);
  if (Q.n < QUEUE_MAX)
    {
      Q.cmds[(Q.head + Q.n) % QUEUE_MAX] = cmd;
      Q.n++;
      pthread_cond_signal (&Q.cond);
    }
  pthread_mutex_unlock (&Q.lock);
  return 0;
}

int
ktstr_shared_wait (unsigned n_plans)
{
  pthread_mutex_lock (&Q.lock);
  while (Q.n == 0)
    pthread_cond_wait (&Q.cond, &Q.lock);
  int cmd = Q.cmds[Q.head];
  Q.head = (Q.head + 1) % QUEUE_MAX;
  Q.n--;
  pthread_mutex_unlock (&Q.lock);
  return cmd >= 0 && (unsigned)cmd < n_plans ? cmd : -1;
}

/* Adds TEXT to the "; "-separated list in BUF. */
static void
append (char *buf, size_t len, const char *text)
{
  size_t used = strlen (buf);
  if (used + 1 < len)
    snprintf (buf + used, len - used, "%s%s", used > 0 ? "; " : "", text);
}

/* A kernel thread: kthreadd (PID 2) or one of its children. */
static bool
is_kernel_thread (long pid, long ppid)
{
  return pid == 2 || ppid == 2;
}

/* Kills every user process but PID 1; returns how many there were and
 * names the first in BUF. */
static unsigned
kill_leftovers (const char *proc_root, char *buf, size_t len)
{
  unsigned found = 0;
  DIR *d = opendir (proc_root);
  if (d == NULL)
    return 0;
  struct dirent *e;
  pid_t self = getpid ();
  while ((e = readdir (d)) != NULL)
    {
      if (!isdigit ((unsigned char)e->d_name[0]))
        continue;
      long pid = strtol (e->d_name, NULL, 10);
      char path[512], stat[512];
      if (pid == 1 || pid == self
          || ktstr_path (path, sizeof path, "%s/%s/stat", proc_root, e->d_name) != 0
          || ktstr_read_text (path, stat, sizeof stat) < 0)
        continue;
      /* "PID (COMM) S PPID ...": COMM may hold spaces and parentheses. */
      char *close = strrchr (stat, ')');
      char *open = strchr (stat, '(');
      char state;
      long ppid;
      if (close == NULL || open == NULL || sscanf (close + 1, " %c %ld", &state, &ppid) != 2
          || is_kernel_thread (pid, ppid))
        continue;
      if (found++ == 0)
        {
          char what[160];
          *close = '\0';
          snprintf (what, sizeof what, "process %.60s (pid %ld) was left running", open + 1, pid);
          append (buf, len, what);
        }
      kill ((pid_t)pid, SIGKILL);
    }
  closedir (d);
  return found;
}

/* Removes DIR's subdirectories, deepest first; counts them. */
static unsigned
remove_below (const char *dir)
{
  unsigned n = 0;
  DIR *d = opendir (dir);
  if (d == NULL)
    return 0;
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      char sub[512];
      if (e->d_type != DT_DIR || e->d_name[0] == '.'
          || ktstr_path (sub, sizeof sub, "%s/%s", dir, e->d_name) != 0)
        continue;
      n += 1 + remove_below (sub);
      for (int i = 0; i < 50 && rmdir (sub) != 0 && errno == EBUSY; i++)
        ktstr_sleep_ms (10);
    }
  closedir (d);
  return n;
}

int
ktstr_shared_reset (const char *proc_root, const char *cgroup_root, char *buf, size_t len)
{
  buf[0] = '\0';
  /* Zombies first: a reaped child is no leftover. */
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
  unsigned procs = kill_leftovers (proc_root, buf, len);
  char what[128];
  if (procs > 1)
    {
      snprintf (what, sizeof what, "%u other processes too", procs - 1);
      append (buf, len, what);
    }
  if (procs > 0)
    {
      /* Killed children of PID 1 become zombies only it can reap. */
      for (int i = 0; i < 100; i++)
        {
          while (waitpid (-1, NULL, WNOHANG) > 0)
            ;
          char scratch[8] = "";
          if (kill_leftovers (proc_root, scratch, sizeof scratch) == 0)
            break;
          ktstr_sleep_ms (10);
        }
    }
  unsigned cgroups = remove_below (cgroup_root);
  if (cgroups > 0)
    {
      snprintf (what, sizeof what, "%u cgroups were left below %.80s", cgroups, cgroup_root);
      append (buf, len, what);
    }
  if (buf[0] != '\0')
    return -1;
  snprintf (buf, len, "ok");
  return 0;
}

void
ktstr_shared_kmsg (const char *prefix, unsigned index)
{
  char line[128];
  int n = snprintf (line, sizeof line, "%s%u\n", prefix, index);
  int fd = open ("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  if (write (fd, line, (size_t)n) != n)
    { /* the marker is best effort: the host then cuts at the control line */
    }
  close (fd);
}
