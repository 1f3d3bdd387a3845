#include "config.h"

#include "run/cleanup.h"

#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/proto.h"
#include "kernel/kernel-cache.h"
#include "record/rundir.h"
#include "util/owned-tmpdir.h"

GQuark
ktstr_cleanup_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-cleanup-error-quark");
}

typedef struct
{
  const KtstrCleanupOptions *o;
  KtstrCleanupFunc report;
  gpointer data;
} Sweep;

/* TRUE when a process is in cgroup DIR or below: "populated 1" in
 * cgroup.events, else (no such file) any pid in cgroup.procs. */
static gboolean
cgroup_is_populated (const char *dir)
{
  g_autofree char *events_path = g_build_filename (dir, "cgroup.events", NULL);
  g_autofree char *events = NULL;
  if (g_file_get_contents (events_path, &events, NULL, NULL))
    return strstr (events, "populated 1") != NULL;
  g_autofree char *procs_path = g_build_filename (dir, "cgroup.procs", NULL);
  g_autofree char *procs = NULL;
  return g_file_get_contents (procs_path, &procs, NULL, NULL) && *g_strstrip (procs) != '\0';
}

/* Sweeps the cgroups below DIR, deepest first, then DIR itself unless
 * IS_KEPT.  TRUE when DIR is gone (or would be, in a dry run). */
static gboolean
sweep_cgroup (Sweep *s, const char *dir, gboolean is_kept)
{
  gboolean all_gone = TRUE;
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);
      struct stat st;
      if (lstat (child, &st) != 0 || !S_ISDIR (st.st_mode))
        continue;
      all_gone &= sweep_cgroup (s, child, FALSE);
    }
  if (is_kept)
    return FALSE;
  if (cgroup_is_populated (dir))
    {
      s->report ("cgroup", dir, KTSTR_CLEANUP_KEPT, "processes still run in it", s->data);
      return FALSE;
    }
  /* A child in use was reported; its parent cannot go either. */
  if (!all_gone)
    return FALSE;
  if (s->o->dry_run)
    {
      s->report ("cgroup", dir, KTSTR_CLEANUP_WOULD_REMOVE, NULL, s->data);
      return TRUE;
    }
  if (rmdir (dir) == 0)
    {
      s->report ("cgroup", dir, KTSTR_CLEANUP_REMOVED, NULL, s->data);
      return TRUE;
    }
  int errsv = errno;
  s->report ("cgroup", dir, KTSTR_CLEANUP_FAILED, g_strerror (errsv), s->data);
  return FALSE;
}

/* The pid of a running ktstr-init (the guest agent run on the host, whose
 * cgroups these are), or 0. */
static gint64
live_agent_pid (void)
{
  g_autoptr (GDir) d = g_dir_open ("/proc", 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      guint64 pid = 0;
      if (!g_ascii_string_to_unsigned (name, 10, 1, G_MAXINT, &pid, NULL))
        continue;
      g_autofree char *path = g_strdup_printf ("/proc/%s/comm", name);
      g_autofree char *comm = NULL;
      if (g_file_get_contents (path, &comm, NULL, NULL)
          && g_str_equal (g_strstrip (comm), "ktstr-init"))
        return (gint64)pid;
    }
  return 0;
}

static gboolean
sweep_cgroups (Sweep *s, GError **error)
{
  const KtstrCleanupOptions *o = s->o;
  const char *parent = o->cgroup_parent != NULL ? o->cgroup_parent : KTSTR_CGROUP_ROOT;
  gboolean is_given = o->cgroup_parent != NULL;
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    {
      if (!is_given)
        return TRUE;
      g_set_error (error, KTSTR_CLEANUP_ERROR, KTSTR_CLEANUP_ERROR_NOT_CGROUP,
                   "--parent-cgroup %s is not a directory; give the cgroup the scenarios ran "
                   "under (ktstr-init --cgroup-root)",
                   parent);
      return FALSE;
    }
  struct statfs fs;
  if (!o->is_cgroup_fs_unchecked && (statfs (parent, &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC))
    {
      g_set_error (error, KTSTR_CLEANUP_ERROR, KTSTR_CLEANUP_ERROR_NOT_CGROUP,
                   "%s%s is not a cgroup2 directory, so nothing under it is removed; give a "
                   "directory under /sys/fs/cgroup",
                   is_given ? "--parent-cgroup " : "", parent);
      return FALSE;
    }
  if (!is_given && !o->is_cgroup_fs_unchecked)
    {
      gint64 pid = live_agent_pid ();
      if (pid != 0)
        {
          g_autofree char *why
              = g_strdup_printf ("ktstr-init (pid %" G_GINT64_FORMAT ") is running and may "
                                 "use it",
                                 pid);
          s->report ("cgroup", parent, KTSTR_CLEANUP_KEPT, why, s->data);
          return TRUE;
        }
    }
  sweep_cgroup (s, parent, is_given);
  return TRUE;
}

static void
sweep_workdirs (Sweep *s)
{
  static const char *const prefixes[]
      = { KTSTR_VM_WORKDIR_PREFIX, KTSTR_CMD_WORKDIR_PREFIX, KTSTR_KERNEL_WORKDIR_PREFIX };
  for (gsize p = 0; p < G_N_ELEMENTS (prefixes); p++)
    {
      g_autoptr (GPtrArray) dirs = ktstr_owned_tmpdir_list (prefixes[p]);
      for (guint i = 0; i < dirs->len; i++)
        {
          const KtstrOwnedTmpdir *dir = dirs->pdata[i];
          if (!dir->is_owner_gone)
            {
              g_autofree char *why = g_strdup_printf (
                  "its owner, pid %" G_GINT64_FORMAT ", is running", dir->owner_pid);
              s->report ("work-directory", dir->path, KTSTR_CLEANUP_KEPT, why, s->data);
            }
          else if (s->o->dry_run)
            s->report ("work-directory", dir->path, KTSTR_CLEANUP_WOULD_REMOVE, NULL, s->data);
          else if (ktstr_owned_tmpdir_remove_if_gone (dir->path))
            s->report ("work-directory", dir->path, KTSTR_CLEANUP_REMOVED, NULL, s->data);
          else
            s->report ("work-directory", dir->path, KTSTR_CLEANUP_FAILED,
                       "it could not be removed (or its owner came back)", s->data);
        }
    }
}

gboolean
ktstr_cleanup (const KtstrCleanupOptions *o, KtstrCleanupFunc report, gpointer data, GError **error)
{
  Sweep s = { .o = o, .report = report, .data = data };
  if (!sweep_cgroups (&s, error))
    return FALSE;
  sweep_workdirs (&s);
  g_autofree char *runs_root = o->runs_root ? g_strdup (o->runs_root) : ktstr_runs_root ();
  g_autofree char *runs_abs = g_canonicalize_filename (runs_root, NULL);
  ktstr_rundir_cleanup (runs_abs, o->dry_run, report, data);
  g_autofree char *cache_root = o->cache_root ? g_strdup (o->cache_root) : ktstr_cache_root (NULL);
  if (cache_root != NULL)
    ktstr_cache_cleanup_locks (cache_root, o->dry_run, report, data);
  return TRUE;
}
