#include "config.h"

#include "util/owned-tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/parent-death.h"
#include "util/fsutil.h"

/* The start time of process PID: the 22nd field of /proc/PID/stat, clock
 * ticks since boot, which tells a reused pid from its first holder.
 * FALSE when PID does not run. */
static gboolean
process_start_time (gint64 pid, guint64 *start_time)
{
  g_autofree char *path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
  g_autofree char *text = NULL;
  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  /* "pid (comm) state ppid ...": comm may hold blanks and parentheses, so
   * the fields are counted from the last ')'.  starttime is field 22, the
   * 20th after comm. */
  const char *p = strrchr (text, ')');
  if (p == NULL)
    return FALSE;
  g_auto (GStrv) fields = g_strsplit (p + 1, " ", 0);
  /* fields[0] is the empty string before the state. */
  if (g_strv_length (fields) < 21)
    return FALSE;
  return g_ascii_string_to_unsigned (fields[20], 10, 0, G_MAXUINT64, start_time, NULL);
}

char *
ktstr_owned_tmpdir_new (const char *prefix, GError **error)
{
  g_autofree char *templ = g_strconcat (prefix, "-XXXXXX", NULL);
  g_autofree char *dir = g_dir_make_tmp (templ, error);
  if (dir == NULL)
    return NULL;
  guint64 start = 0;
  if (!process_start_time (getpid (), &start))
    start = 0; /* no /proc: the stamp still names the pid; the sweep keeps it */
  g_autofree char *stamp = g_build_filename (dir, KTSTR_OWNER_STAMP, NULL);
  g_autofree char *text = g_strdup_printf ("%d %" G_GUINT64_FORMAT "\n", (int)getpid (), start);
  if (!g_file_set_contents (stamp, text, -1, error))
    {
      g_rmdir (dir);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* Reads DIR's stamp: FALSE when it does not parse.  *IS_GONE: the process
 * it names has ended. */
static gboolean
read_owner (const char *dir, gint64 *pid_out, gboolean *is_gone)
{
  g_autofree char *stamp = g_build_filename (dir, KTSTR_OWNER_STAMP, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!ktstr_read_regular_file (stamp, 64, &text, &len, NULL))
    return FALSE;
  g_auto (GStrv) words = g_strsplit (g_strstrip (text), " ", 0);
  guint64 pid = 0, start = 0;
  if (g_strv_length (words) != 2
      || !g_ascii_string_to_unsigned (words[0], 10, 1, G_MAXINT, &pid, NULL)
      || !g_ascii_string_to_unsigned (words[1], 10, 0, G_MAXUINT64, &start, NULL))
    return FALSE;
  *pid_out = (gint64)pid;
  guint64 now = 0;
  if (!process_start_time ((gint64)pid, &now))
    *is_gone = TRUE;
  else
    /* A stamp made without /proc (start 0) cannot tell a reused pid. */
    *is_gone = start != 0 && now != start;
  return TRUE;
}

/* TRUE when DIR's stamp parses and names a process that has ended. */
static gboolean
owner_is_gone (const char *dir)
{
  gint64 pid = 0;
  gboolean is_gone = FALSE;
  return read_owner (dir, &pid, &is_gone) && is_gone;
}

static int
remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)ftw;
  return flag == FTW_DP ? rmdir (path) : unlink (path);
}

/* Removes DIR and everything in it, never following a link. */
static gboolean
remove_tree (const char *dir)
{
  return nftw (dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0;
}

static void
owned_tmpdir_free (KtstrOwnedTmpdir *dir)
{
  if (dir == NULL)
    return;
  g_free (dir->path);
  g_free (dir);
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(KtstrOwnedTmpdir *const *)a)->path, (*(KtstrOwnedTmpdir *const *)b)->path);
}

GPtrArray *
ktstr_owned_tmpdir_list (const char *prefix)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)owned_tmpdir_free);
  const char *tmp = g_get_tmp_dir ();
  g_autoptr (GDir) d = g_dir_open (tmp, 0, NULL);
  if (d == NULL)
    return out;
  g_autofree char *head = g_strconcat (prefix, "-", NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_prefix (name, head))
        continue;
      g_autofree char *path = g_build_filename (tmp, name, NULL);
      struct stat st;
      if (lstat (path, &st) != 0 || !S_ISDIR (st.st_mode) || st.st_uid != getuid ())
        continue;
      gint64 pid = 0;
      gboolean is_gone = FALSE;
      if (!read_owner (path, &pid, &is_gone))
        continue;
      KtstrOwnedTmpdir *dir = g_new0 (KtstrOwnedTmpdir, 1);
      dir->path = g_steal_pointer (&path);
      dir->owner_pid = pid;
      dir->is_owner_gone = is_gone;
      g_ptr_array_add (out, dir);
    }
  g_ptr_array_sort (out, compare_paths);
  return out;
}

gboolean
ktstr_owned_tmpdir_remove_if_gone (const char *path)
{
  return owner_is_gone (path) && remove_tree (path);
}

guint
ktstr_owned_tmpdir_sweep (const char *prefix)
{
  g_autoptr (GPtrArray) dirs = ktstr_owned_tmpdir_list (prefix);
  guint removed = 0;
  for (guint i = 0; i < dirs->len; i++)
    {
      const KtstrOwnedTmpdir *dir = dirs->pdata[i];
      if (dir->is_owner_gone && ktstr_owned_tmpdir_remove_if_gone (dir->path))
        removed++;
    }
  return removed;
}

void
ktstr_spawn_die_with_parent (gpointer parent_pid)
{
  (void)ktstr_die_with_parent ((pid_t)GPOINTER_TO_INT (parent_pid));
}
