/* Run directories: resolution, pre-clear, the per-run-key flock and the
 * remote-filesystem guard (doc/run-directories.md). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/rundir.h"

#include "record/lock-holders.h"

#include "util/fsutil.h"
#include "util/json-guard.h"
#include "util/json-util.h"
#include "util/path-component.h"

GQuark
ktstr_rundir_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-rundir-error-quark");
}

#define LOCK_DIR_NAME ".locks"
#define LOCK_POLL_MS 100

struct _KtstrRunDir
{
  char *path;      /* where sidecars go (canonical on the default path) */
  char *key;       /* {kernel}-{commit}; NULL for the override */
  char *lock_path; /* {root}/.locks/{key}.lock; NULL for the override */
  char *runs_root; /* canonical runs root; NULL for the override */
  gboolean is_override;
  gboolean commit_unknown;
};

/* Process-wide state: which directories this process already pre-cleared,
 * whether the unknown-commit warning was printed, and the run locks it
 * holds.  flock(2) locks belong to an open file description, so a second
 * open of the same lock file in this process would conflict with the
 * first: every KtstrRunDir of one key shares one descriptor. */
static GMutex state_lock;
static GHashTable *precleared_dirs;
static gboolean warned_unknown_commit;
static GMutex held_locks_lock; /* its own: an open may wait for a peer process */
static GHashTable *held_locks; /* lock path -> HeldLock* */

typedef struct
{
  int fd;
  guint refs;
} HeldLock;

static KtstrStatfsFunc statfs_func;
static guint lock_timeout_ms;

void
ktstr_rundir_set_statfs_func (KtstrStatfsFunc func)
{
  statfs_func = func;
}

void
ktstr_rundir_set_lock_timeout_ms (guint timeout_ms)
{
  lock_timeout_ms = timeout_ms;
}

char *
ktstr_runs_root (void)
{
  const char *target = g_getenv ("CARGO_TARGET_DIR");
  if (target == NULL || *target == '\0')
    target = "target";
  return g_build_filename (target, "ktstr", NULL);
}

char *
ktstr_run_key (const char *kernel_version, const char *project_commit)
{
  /* Both halves come from outside (a kernel's files, a git repository):
   * escaped, so the key is one directory name whatever they hold. */
  g_autofree char *kernel = ktstr_path_component_escape (
      kernel_version != NULL && *kernel_version ? kernel_version : "unknown",
      KTSTR_PATH_COMPONENT_MAX);
  g_autofree char *commit = ktstr_path_component_escape (
      project_commit != NULL && *project_commit ? project_commit : "unknown",
      KTSTR_PATH_COMPONENT_MAX);
  return g_strdup_printf ("%s-%s", kernel, commit);
}

gboolean
ktstr_is_run_dir_name (const char *basename)
{
  return basename != NULL && basename[0] != '\0' && basename[0] != '.';
}

char *
ktstr_kernel_tree_version_from (const char *dir, char **origin)
{
  g_autofree char *meta = g_build_filename (dir, "metadata.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (ktstr_json_guard_load_file (parser, meta, KTSTR_KERNEL_METADATA_MAX_BYTES, meta, NULL))
    {
      JsonNode *root = json_parser_get_root (parser);
      const char *v = JSON_NODE_HOLDS_OBJECT (root)
                          ? ktstr_json_lookup_string (json_node_get_object (root), "version")
                          : NULL;
      if (v != NULL && *v != '\0')
        {
          if (origin != NULL)
            *origin = g_steal_pointer (&meta);
          return g_strdup (v);
        }
    }
  g_autofree char *release_path
      = g_build_filename (dir, "include", "config", "kernel.release", NULL);
  char *v = ktstr_read_trimmed (release_path);
  if (v != NULL && origin != NULL)
    *origin = g_steal_pointer (&release_path);
  return v;
}

char *
ktstr_kernel_tree_version (const char *dir)
{
  return ktstr_kernel_tree_version_from (dir, NULL);
}

/* --- Remote filesystem guard ---------------------------------------------------- */

static const struct
{
  guint32 magic;
  const char *name;
  const char *reason;
} remote_fs[] = {
  { 0x6969, "NFS",
    "NFSv3 is advisory-only without an NLM peer; NFSv4 byte-range locking does not cover "
    "flock(2)" },
  { 0xFF534D42, "CIFS/SMB",
    "SMB does not emit /proc/locks entries; ktstr cannot enumerate "
    "peer holders" },
  { 0xFE534D42, "CIFS/SMB",
    "SMB does not emit /proc/locks entries; ktstr cannot enumerate "
    "peer holders" },
  { 0x00C36400, "CephFS",
    "Ceph MDS does not participate in flock serialization between "
    "ktstr peers on distinct nodes" },
  { 0x6B414653, "AFS", "AFS does not support flock(2)" },
  { 0x65735546, "FUSE",
    "flock reliability depends on the userspace server's op "
    "implementation" },
};

#define LOCAL_FS_LIST "(tmpfs, ext4, xfs, btrfs, f2fs, bcachefs)"

static gboolean
check_fs (const char *path, const char *remedy, GError **error)
{
  struct statfs buf;
  g_autofree char *parent = NULL;
  const char *target = path;

  /* Classify the filesystem the lockfile will live on; before its first
   * creation that is its directory's.  A failing statfs is no verdict:
   * the open that follows reports the real problem. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    target = parent = g_path_get_dirname (path);
  if ((statfs_func != NULL ? statfs_func : statfs) (target, &buf) != 0)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (remote_fs); i++)
    if ((guint32)buf.f_type == remote_fs[i].magic)
      {
        g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_REMOTE_FS,
                     "%s: filesystem %s is not supported for ktstr lockfiles (%s). %s", path,
                     remote_fs[i].name, remote_fs[i].reason, remedy);
        return FALSE;
      }
  return TRUE;
}

gboolean
ktstr_lockfile_check_fs (const char *path, GError **error)
{
  return check_fs (path, "Move the lockfile path to a local filesystem " LOCAL_FS_LIST ".", error);
}

/* --- Lock holders --------------------------------------------------------------- */

/* "  pid=N cmd=..." lines for every holder of PATH (record/lock-holders.h). */
static char *
format_holders (const char *path)
{
  g_autoptr (GPtrArray) holders = ktstr_lock_holders_of (path);
  return ktstr_lock_holders_format (holders, "  ");
}

gboolean
ktstr_lockfile_is_current (int fd, const char *path)
{
  struct stat held, now;
  return fstat (fd, &held) == 0 && stat (path, &now) == 0 && held.st_dev == now.st_dev
         && held.st_ino == now.st_ino;
}

/* Opens and flocks RD's lockfile, polling until the timeout.  Returns the
 * fd (closing it releases the lock) or -1. */
static int
acquire_lock (const KtstrRunDir *rd, GError **error)
{
  g_autofree char *locks_dir = g_path_get_dirname (rd->lock_path);
  g_autofree char *remedy = g_strdup_printf (
      "Move the runs root %s to a local filesystem " LOCAL_FS_LIST
      " by pointing CARGO_TARGET_DIR there, or set KTSTR_SIDECAR_DIR to a local directory.",
      rd->runs_root);
  guint timeout = lock_timeout_ms != 0 ? lock_timeout_ms : KTSTR_RUNDIR_LOCK_TIMEOUT_MS;
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout * G_TIME_SPAN_MILLISECOND;
  int fd;

  if (g_mkdir_with_parents (locks_dir, 0755) != 0)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO,
                   "cannot create lock directory %s: %s", locks_dir, g_strerror (errsv));
      return -1;
    }
  if (!check_fs (rd->lock_path, remedy, error))
    return -1;
  fd = open (rd->lock_path, O_CREAT | O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO, "cannot open lockfile %s: %s",
                   rd->lock_path, g_strerror (errsv));
      return -1;
    }
  for (;;)
    {
      if (flock (fd, LOCK_EX | LOCK_NB) == 0)
        {
          if (ktstr_lockfile_is_current (fd, rd->lock_path))
            return fd;
          /* Removed by `ktstr cleanup` while we waited: lock the new one. */
          close (fd);
          fd = open (rd->lock_path, O_CREAT | O_RDWR | O_CLOEXEC, 0666);
          if (fd < 0)
            {
              int errsv = errno;
              g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO,
                           "cannot open lockfile %s: %s", rd->lock_path, g_strerror (errsv));
              return -1;
            }
          continue;
        }
      int errsv = errno;
      if (errsv != EWOULDBLOCK && errsv != EINTR)
        {
          g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO, "flock %s: %s",
                       rd->lock_path, g_strerror (errsv));
          close (fd);
          return -1;
        }
      gint64 now = g_get_monotonic_time ();
      if (now >= deadline)
        break;
      g_usleep (MIN (deadline - now, LOCK_POLL_MS * G_TIME_SPAN_MILLISECOND));
    }
  close (fd);
  g_autofree char *holders = format_holders (rd->lock_path);
  g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_LOCK_TIMEOUT,
               "run directory %s is in use: flock LOCK_EX timed out after %u.%03us (lockfile "
               "%s). Holders:\n%s\n"
               "A peer ktstr test process is running with the same %s directory and holds it "
               "until it ends; wait for it to finish or kill it, then retry, or give this run "
               "its own directory with KTSTR_SIDECAR_DIR.",
               rd->path, timeout / 1000, timeout % 1000, rd->lock_path, holders, rd->key);
  return -1;
}

/* --- Opening and writing ---------------------------------------------------------- */

static gboolean
make_dir (const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO,
                   "cannot create sidecar directory %s: %s", dir, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

KtstrRunDir *
ktstr_rundir_open_for_write (const char *kernel_version, const char *project_commit, GError **error)
{
  const char *override = g_getenv ("KTSTR_SIDECAR_DIR");
  KtstrRunDir *rd;

  if (override != NULL && *override != '\0')
    {
      /* The operator owns this directory: used as-is, no key suffix, no
       * pre-clear, no lock, no unknown-commit warning. */
      if (!make_dir (override, error))
        return NULL;
      rd = g_new0 (KtstrRunDir, 1);
      rd->path = g_strdup (override);
      rd->is_override = TRUE;
      return rd;
    }

  g_autofree char *root = ktstr_runs_root ();
  g_autofree char *key = ktstr_run_key (kernel_version, project_commit);
  g_autofree char *dir = g_build_filename (root, key, NULL);
  char canonical[PATH_MAX];

  if (!make_dir (dir, error))
    return NULL;
  /* Canonical after creation, so "target/ktstr/x" and "./target/ktstr/x"
   * share one pre-clear record. */
  if (realpath (dir, canonical) == NULL)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO,
                   "cannot resolve sidecar directory %s: %s", dir, g_strerror (errsv));
      return NULL;
    }
  rd = g_new0 (KtstrRunDir, 1);
  rd->path = g_strdup (canonical);
  rd->key = g_steal_pointer (&key);
  rd->runs_root = g_path_get_dirname (canonical);
  g_autofree char *lock_name = g_strconcat (rd->key, ".lock", NULL);
  rd->lock_path = g_build_filename (rd->runs_root, LOCK_DIR_NAME, lock_name, NULL);
  rd->commit_unknown = project_commit == NULL || *project_commit == '\0';

  /* The run holds its directory from here until it ends, so a second
   * ktstr on the same key can neither pre-clear this run's finished
   * sidecars nor have its own pre-cleared (it waits, then refuses). */
  g_mutex_lock (&held_locks_lock);
  if (held_locks == NULL)
    held_locks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  HeldLock *held = g_hash_table_lookup (held_locks, rd->lock_path);
  if (held == NULL)
    {
      int fd = acquire_lock (rd, error);
      if (fd >= 0)
        {
          held = g_new0 (HeldLock, 1);
          held->fd = fd;
          g_hash_table_insert (held_locks, g_strdup (rd->lock_path), held);
        }
    }
  if (held != NULL)
    held->refs++;
  g_mutex_unlock (&held_locks_lock);
  if (held == NULL)
    {
      g_clear_pointer (&rd->lock_path, g_free);
      ktstr_rundir_release (rd);
      return NULL;
    }
  return rd;
}

void
ktstr_rundir_release (KtstrRunDir *rd)
{
  if (rd == NULL)
    return;
  if (rd->lock_path != NULL)
    {
      g_mutex_lock (&held_locks_lock);
      HeldLock *held = held_locks != NULL ? g_hash_table_lookup (held_locks, rd->lock_path) : NULL;
      if (held != NULL && --held->refs == 0)
        {
          close (held->fd);
          g_hash_table_remove (held_locks, rd->lock_path);
        }
      g_mutex_unlock (&held_locks_lock);
    }
  g_free (rd->path);
  g_free (rd->key);
  g_free (rd->lock_path);
  g_free (rd->runs_root);
  g_free (rd);
}

const char *
ktstr_rundir_get_path (const KtstrRunDir *rd)
{
  return rd->path;
}

gboolean
ktstr_rundir_is_override (const KtstrRunDir *rd)
{
  return rd->is_override;
}

/* TRUE when NAME is STEM followed by GLib's g_file_set_contents temporary
 * suffix: a dot and six random characters. */
static gboolean
is_glib_temp_of (const char *name, const char *stem)
{
  const char *mark = g_strrstr (name, stem);
  return mark != NULL && strlen (mark + strlen (stem)) == 6;
}

/* What pre-clear removes besides the sidecars: the console logs and
 * monitor series kept beside them, and the temporary files a killed writer leaves (the run
 * lock is held, so no live writer of this key has one open).  A temporary
 * file of GLib's g_file_set_contents (console logs, and sidecars of older
 * ktstr versions) is the final name, a dot and six random characters. */
static gboolean
is_leftover (const char *name)
{
  return g_str_has_suffix (name, ".console.log") || g_str_has_suffix (name, ".monitor.jsonl")
         || ktstr_file_is_replace_temp (name) || is_glib_temp_of (name, ".ktstr.json.")
         || is_glib_temp_of (name, ".console.log.");
}

/* Removes the regular *.ktstr.json files directly in DIR and the
 * leftovers above; subdirectories and other files stay. */
static gboolean
preclear (const char *dir, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &local);
  const char *name;

  if (d == NULL)
    {
      g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO, "pre-clear of %s: %s", dir,
                   local->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!ktstr_sidecar_is_sidecar_name (name) && !is_leftover (name))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      struct stat st;
      if (lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      if (unlink (path) != 0 && errno != ENOENT)
        {
          int errsv = errno;
          g_set_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO,
                       "pre-clear of %s: cannot remove %s: %s", dir, name, g_strerror (errsv));
          return FALSE;
        }
    }
  return TRUE;
}

static void
warn_unknown_commit_once (const char *dir)
{
  gboolean print;
  g_mutex_lock (&state_lock);
  print = !warned_unknown_commit;
  warned_unknown_commit = TRUE;
  g_mutex_unlock (&state_lock);
  if (print)
    g_printerr ("ktstr: WARNING: project commit unavailable (cwd not in a git repo, or HEAD "
                "unreadable); runs at this kernel overwrite each other in %s/. Set "
                "KTSTR_SIDECAR_DIR=<unique-path> per run, or run from inside a git repo with at "
                "least one commit.\n",
                dir);
}

char *
ktstr_rundir_write_sidecar (KtstrRunDir *rd, const KtstrSidecar *sidecar, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *path;

  if (rd->is_override)
    {
      path = ktstr_sidecar_write_atomic (sidecar, rd->path, &local);
      if (path == NULL)
        g_set_error_literal (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO, local->message);
      return path;
    }

  if (rd->commit_unknown)
    warn_unknown_commit_once (rd->path);

  /* The run lock, held since the directory was opened, covers pre-clear
   * and every write, so a peer process never sees (or deletes) a
   * half-finished snapshot of this key. */
  g_mutex_lock (&state_lock);
  if (precleared_dirs == NULL)
    precleared_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean first = !g_hash_table_contains (precleared_dirs, rd->path);
  if (first && preclear (rd->path, error))
    g_hash_table_add (precleared_dirs, g_strdup (rd->path));
  else if (first)
    {
      g_mutex_unlock (&state_lock);
      return NULL;
    }
  g_mutex_unlock (&state_lock);

  path = ktstr_sidecar_write_atomic (sidecar, rd->path, &local);
  if (path == NULL)
    g_set_error_literal (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_IO, local->message);
  return path;
}

/* --- ktstr cleanup ---------------------------------------------------------------- */

/* Takes PATH's flock without waiting and without creating it: the fd, or
 * -1 (*IS_HELD: another process holds it). */
static int
try_lock (const char *path, gboolean *is_held)
{
  *is_held = FALSE;
  int fd = open (path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -1;
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      *is_held = errno == EWOULDBLOCK;
      close (fd);
      return -1;
    }
  if (!ktstr_lockfile_is_current (fd, path))
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* "held by pid=N cmd=..." for the holders of PATH. */
static char *
held_by (const char *path)
{
  g_autofree char *holders = format_holders (path);
  g_strstrip (holders);
  return g_strdup_printf ("held by %s", holders);
}

static void
remove_reported (const char *kind, const char *path, gboolean dry_run, KtstrCleanupFunc report,
                 gpointer data)
{
  if (dry_run)
    {
      report (kind, path, KTSTR_CLEANUP_WOULD_REMOVE, NULL, data);
      return;
    }
  if (unlink (path) == 0 || errno == ENOENT)
    {
      report (kind, path, KTSTR_CLEANUP_REMOVED, NULL, data);
      return;
    }
  int errsv = errno;
  report (kind, path, KTSTR_CLEANUP_FAILED, g_strerror (errsv), data);
}

/* The temporary files in DIR (a run directory whose lock we hold). */
static void
cleanup_temps (const char *dir, gboolean dry_run, KtstrCleanupFunc report, gpointer data)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      if (!ktstr_file_is_replace_temp (name) && !is_glib_temp_of (name, ".ktstr.json.")
          && !is_glib_temp_of (name, ".console.log."))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      struct stat st;
      if (lstat (path, &st) == 0 && S_ISREG (st.st_mode))
        remove_reported ("temp-file", path, dry_run, report, data);
    }
}

void
ktstr_rundir_cleanup (const char *runs_root, gboolean dry_run, KtstrCleanupFunc report,
                      gpointer data)
{
  g_autoptr (GDir) d = g_dir_open (runs_root, 0, NULL);
  if (d == NULL)
    return;
  g_autofree char *locks = g_build_filename (runs_root, LOCK_DIR_NAME, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *dir = g_build_filename (runs_root, name, NULL);
      if (!ktstr_is_run_dir_name (name) || !g_file_test (dir, G_FILE_TEST_IS_DIR)
          || g_file_test (dir, G_FILE_TEST_IS_SYMLINK))
        continue;
      /* A run that holds its directory may be writing a temp file now. */
      g_autofree char *lock_name = g_strconcat (name, ".lock", NULL);
      g_autofree char *lock_path = g_build_filename (locks, lock_name, NULL);
      gboolean is_held = FALSE;
      int fd = try_lock (lock_path, &is_held);
      if (is_held)
        {
          g_autofree char *why = held_by (lock_path);
          report ("run-directory", dir, KTSTR_CLEANUP_KEPT, why, data);
          continue;
        }
      cleanup_temps (dir, dry_run, report, data);
      if (fd >= 0)
        close (fd);
    }

  g_autoptr (GDir) l = g_dir_open (locks, 0, NULL);
  while (l != NULL && (name = g_dir_read_name (l)) != NULL)
    {
      if (!g_str_has_suffix (name, ".lock"))
        continue;
      g_autofree char *path = g_build_filename (locks, name, NULL);
      gboolean is_held = FALSE;
      int fd = try_lock (path, &is_held);
      if (is_held)
        {
          g_autofree char *why = held_by (path);
          report ("lock", path, KTSTR_CLEANUP_KEPT, why, data);
          continue;
        }
      if (fd < 0)
        continue;
      /* Removed while held, so no run locks it in between (a run that
       * opened it before sees it gone once it gets the lock). */
      remove_reported ("lock", path, dry_run, report, data);
      close (fd);
    }
}
