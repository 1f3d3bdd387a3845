/* Host CPU reservations between ktstr processes (record/cpulock.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/cpulock.h"
#include "record/lock-holders.h"
#include "record/rundir.h"

#define DEFAULT_LOCK_DIR "/tmp/ktstr-locks"

GQuark
ktstr_cpulock_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-cpulock-error-quark");
}

struct _KtstrCpuLockSet
{
  GArray *fds; /* int, one per lock held */
};

char *
ktstr_cpulock_dir (void)
{
  const char *env = g_getenv ("KTSTR_LOCK_DIR");
  return g_strdup (env != NULL && *env != '\0' ? env : DEFAULT_LOCK_DIR);
}

char *
ktstr_cpulock_path (const char *dir, KtstrCpuLockKind kind, guint index)
{
  g_autofree char *name
      = g_strdup_printf ("%s-%u.lock", kind == KTSTR_CPULOCK_CPU ? "cpu" : "llc", index);
  return g_build_filename (dir, name, NULL);
}

gboolean
ktstr_cpulock_parse_name (const char *basename, KtstrCpuLockKind *kind, guint *index)
{
  KtstrCpuLockKind k;
  const char *rest;
  if (g_str_has_prefix (basename, "cpu-"))
    k = KTSTR_CPULOCK_CPU, rest = basename + 4;
  else if (g_str_has_prefix (basename, "llc-"))
    k = KTSTR_CPULOCK_LLC, rest = basename + 4;
  else
    return FALSE;
  char *end = NULL;
  if (!g_ascii_isdigit (*rest))
    return FALSE;
  guint64 v = g_ascii_strtoull (rest, &end, 10);
  if (v > G_MAXUINT || end == NULL || strcmp (end, ".lock") != 0)
    return FALSE;
  *kind = k;
  *index = (guint)v;
  return TRUE;
}

/* DIR for every user: the first to run creates it like /tmp (1777), so a
 * second user's runs can add their files and see the first one's locks. */
static gboolean
ensure_dir (const char *dir, GError **error)
{
  if (mkdir (dir, 01777) == 0)
    {
      if (chmod (dir, 01777) != 0)
        g_debug ("cpulock: cannot make %s world-writable: %s", dir, g_strerror (errno));
    }
  else if (errno != EEXIST)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_IO,
                   "cannot create the CPU lock directory %s: %s (set KTSTR_LOCK_DIR to a local "
                   "directory every ktstr user can write)",
                   dir, g_strerror (errsv));
      return FALSE;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_IO,
                   "the CPU lock directory %s is not a directory (set KTSTR_LOCK_DIR)", dir);
      return FALSE;
    }
  g_autofree char *probe = g_build_filename (dir, ".", NULL);
  g_autoptr (GError) fs_error = NULL;
  if (!ktstr_lockfile_check_fs (probe, &fs_error))
    {
      g_set_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_IO, "%s", fs_error->message);
      return FALSE;
    }
  return TRUE;
}

static int
open_lock (const char *path, GError **error)
{
  int fd = open (path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_IO,
                   "cannot open the CPU lock file %s: %s", path, g_strerror (errsv));
      return -1;
    }
  /* Under a umask the file may be 0644: others could not open it to lock. */
  struct stat st;
  if (fstat (fd, &st) == 0 && st.st_uid == geteuid () && (st.st_mode & 0666) != 0666)
    (void)fchmod (fd, 0666);
  return fd;
}

void
ktstr_cpulock_set_free (KtstrCpuLockSet *set)
{
  if (set == NULL)
    return;
  for (guint i = 0; i < set->fds->len; i++)
    close (g_array_index (set->fds, int, i));
  g_array_unref (set->fds);
  g_free (set);
}

guint
ktstr_cpulock_set_count (const KtstrCpuLockSet *set)
{
  return set->fds->len;
}

KtstrCpuLockSet *
ktstr_cpulock_try (const char *dir, const KtstrCpuLockWant *wants, guint n,
                   KtstrCpuLockWant *contended, gboolean *is_ours, GError **error)
{
  if (is_ours != NULL)
    *is_ours = FALSE;
  if (!ensure_dir (dir, error))
    return NULL;
  g_autoptr (KtstrCpuLockSet) set = g_new0 (KtstrCpuLockSet, 1);
  set->fds = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = ktstr_cpulock_path (dir, wants[i].kind, wants[i].index);
      int fd = open_lock (path, error);
      if (fd < 0)
        return NULL;
      int rc;
      do
        rc = flock (fd, (wants[i].is_exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
      while (rc != 0 && errno == EINTR);
      if (rc == 0)
        {
          g_array_append_val (set->fds, fd);
          continue;
        }
      int errsv = errno;
      close (fd);
      if (errsv != EWOULDBLOCK)
        {
          g_set_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_IO, "flock %s: %s", path,
                       g_strerror (errsv));
          return NULL;
        }
      g_autoptr (GPtrArray) holders = ktstr_lock_holders_of (path);
      g_autofree char *who = ktstr_lock_holders_format (holders, "  ");
      if (contended != NULL)
        *contended = wants[i];
      /* No holder left by now: it was released a moment ago, and a retry
       * will get it, as when it is our own. */
      if (is_ours != NULL)
        *is_ours = holders->len == 0 || ktstr_lock_holders_are_only (holders, (long)getpid ());
      g_set_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_BUSY,
                   "host %s %u is reserved (%s); holders:\n%s",
                   wants[i].kind == KTSTR_CPULOCK_CPU ? "CPU" : "LLC of CPU", wants[i].index, path,
                   who);
      return NULL; /* the autoptr releases what was taken */
    }
  return g_steal_pointer (&set);
}
