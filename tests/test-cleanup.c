/* `ktstr cleanup` (run/cleanup.h) on a made-up mess: scenario cgroups
 * (a plain directory tree standing in for cgroupfs, one cgroup with a
 * process), work directories of ended and running owners, temporary
 * files in run directories with and without a live run, lockfiles held
 * and free, kernel cache lockfiles.  Each test asserts what goes, what
 * stays and what is reported; the dry run removes nothing; the command
 * line prints the same findings as JSON and refuses a parent that is no
 * cgroup. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/rundir.h"
#include "run/cleanup.h"
#include "tests/vm-run.h"
#include "util/owned-tmpdir.h"

static char *tmp; /* $TMPDIR of this process: the work directories go here */

typedef struct
{
  char *root;    /* the test's own directory under TMP */
  char *cgroup;  /* the stand-in cgroup parent */
  char *runs;    /* the runs root */
  char *cache;   /* the kernel cache root */
  GString *log;  /* "action kind path\n" per report, paths relative to TMP */
  int held_lock; /* a run lock this test holds, or -1 */
} Fixture;

static void
on_item (const char *kind, const char *path, KtstrCleanupAction action, const char *reason,
         gpointer data)
{
  static const char *const names[] = { "removed", "would_remove", "kept", "failed" };
  Fixture *f = data;
  const char *shown = g_str_has_prefix (path, tmp) ? path + strlen (tmp) + 1 : path;
  g_string_append_printf (f->log, "%s %s %s\n", names[action], kind, shown);
  if (action == KTSTR_CLEANUP_KEPT)
    g_assert_nonnull (reason);
}

static void
touch (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static char *
mkdirs (const char *parent, const char *name)
{
  char *path = g_build_filename (parent, name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
  return path;
}

/* A pid that ran and has ended (reaped). */
static pid_t
dead_pid (void)
{
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (0);
  int status;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return pid;
}

/* TMP/NAME with an owner stamp TEXT (NULL: none). */
static void
workdir (const char *name, const char *stamp)
{
  g_autofree char *dir = mkdirs (tmp, name);
  touch (dir, "initramfs.cpio", "x");
  if (stamp != NULL)
    touch (dir, KTSTR_OWNER_STAMP, stamp);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void)data;
  f->root = mkdirs (tmp, "t");
  f->log = g_string_new (NULL);
  f->held_lock = -1;

  /* cgroups: cg_0 (empty) with cg_0/inner (empty), cg_1 with a process,
   * cg_2/busy with a process (so cg_2 stays too). */
  f->cgroup = mkdirs (f->root, "cgroup");
  g_autofree char *inner = mkdirs (f->cgroup, "cg_0/inner");
  g_autofree char *busy = mkdirs (f->cgroup, "cg_1");
  touch (busy, "cgroup.events", "populated 1\nfrozen 0\n");
  g_autofree char *deep = mkdirs (f->cgroup, "cg_2/busy");
  touch (deep, "cgroup.procs", "4242\n");

  /* Work directories: two of ended owners (one a reused pid), one of
   * this process, one without a stamp, one of another prefix. */
  g_autofree char *gone = g_strdup_printf ("%d 12345\n", (int)dead_pid ());
  workdir ("ktstr-vm-gone01", gone);
  g_autofree char *reused = g_strdup_printf ("%d 1\n", (int)getpid ());
  workdir ("ktstr-kernel-reused", reused);
  workdir ("ktstr-cmd-nostamp", NULL);
  workdir ("other-vm-gone01", gone);
  g_autoptr (GError) error = NULL;
  g_autofree char *live = ktstr_owned_tmpdir_new (KTSTR_CMD_WORKDIR_PREFIX, &error);
  g_assert_no_error (error);
  g_autofree char *live_path = g_build_filename (tmp, "ktstr-cmd-live01", NULL);
  g_assert_cmpint (g_rename (live, live_path), ==, 0);

  /* Runs: 6.12-aaaaaaa (free: temps go, sidecars and logs stay) and
   * 6.13-bbbbbbb (its lock held: nothing goes); a stale lock of a run
   * directory that is gone. */
  f->runs = mkdirs (f->root, "runs");
  g_autofree char *locks = mkdirs (f->runs, ".locks");
  g_autofree char *free_run = mkdirs (f->runs, "6.12-aaaaaaa");
  touch (free_run, "steady-0000000000000001.ktstr.json", "{}");
  touch (free_run, "steady-0000000000000001.console.log", "log");
  touch (free_run, ".steady-0000000000000001.ktstr.json.tmp-ab12cd", "{");
  touch (free_run, "steady-0000000000000002.console.log.Q1W2E3", "lo");
  touch (locks, "6.12-aaaaaaa.lock", "");
  g_autofree char *busy_run = mkdirs (f->runs, "6.13-bbbbbbb");
  touch (busy_run, ".steady-0000000000000001.ktstr.json.tmp-zz99yy", "{");
  touch (locks, "6.13-bbbbbbb.lock", "");
  touch (locks, "6.11-ccccccc.lock", "");
  g_autofree char *held = g_build_filename (locks, "6.13-bbbbbbb.lock", NULL);
  f->held_lock = open (held, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (f->held_lock, >=, 0);
  g_assert_cmpint (flock (f->held_lock, LOCK_EX), ==, 0);

  /* Kernel cache: an entry's stale lockfile, and the entry itself. */
  f->cache = mkdirs (f->root, "cache");
  touch (f->cache, ".6.12.1-tarball-x86_64-kc1.lock", "");
  g_autofree char *entry = mkdirs (f->cache, "6.12.1-tarball-x86_64-kc1");
  touch (entry, "metadata.json", "{}");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void)data;
  if (f->held_lock >= 0)
    close (f->held_lock);
  ktstr_vm_test_remove_tree (f->root);
  g_autoptr (GDir) d = g_dir_open (tmp, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp, name, NULL);
      ktstr_vm_test_remove_tree (path);
    }
  g_free (f->root);
  g_free (f->cgroup);
  g_free (f->runs);
  g_free (f->cache);
  g_string_free (f->log, TRUE);
}

static gboolean
exists (const char *rel)
{
  g_autofree char *path = g_build_filename (tmp, rel, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Everything the sweep should leave, present. */
static void
assert_kept (void)
{
  static const char *const kept[] = {
    "t/cgroup",
    "t/cgroup/cg_1",
    "t/cgroup/cg_2/busy",
    "t/cgroup/cg_2",
    "ktstr-cmd-live01",
    "ktstr-cmd-nostamp",
    "other-vm-gone01",
    "t/runs/6.12-aaaaaaa/steady-0000000000000001.ktstr.json",
    "t/runs/6.12-aaaaaaa/steady-0000000000000001.console.log",
    "t/runs/6.13-bbbbbbb/.steady-0000000000000001.ktstr.json.tmp-zz99yy",
    "t/runs/.locks/6.13-bbbbbbb.lock",
    "t/cache/6.12.1-tarball-x86_64-kc1/metadata.json",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (kept); i++)
    if (!exists (kept[i]))
      g_error ("%s was removed", kept[i]);
}

static const char *const stale[] = {
  "t/cgroup/cg_0/inner",
  "t/cgroup/cg_0",
  "ktstr-vm-gone01",
  "ktstr-kernel-reused",
  "t/runs/6.12-aaaaaaa/.steady-0000000000000001.ktstr.json.tmp-ab12cd",
  "t/runs/6.12-aaaaaaa/steady-0000000000000002.console.log.Q1W2E3",
  "t/runs/.locks/6.12-aaaaaaa.lock",
  "t/runs/.locks/6.11-ccccccc.lock",
  "t/cache/.6.12.1-tarball-x86_64-kc1.lock",
};

static void
run_sweep (Fixture *f, gboolean dry_run)
{
  KtstrCleanupOptions o = {
    .cgroup_parent = f->cgroup,
    .dry_run = dry_run,
    .runs_root = f->runs,
    .cache_root = f->cache,
    .is_cgroup_fs_unchecked = TRUE,
  };
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_cleanup (&o, on_item, f, &error));
  g_assert_no_error (error);
  g_test_message ("%s", f->log->str);
}

static void
test_sweep (Fixture *f, gconstpointer data)
{
  (void)data;
  run_sweep (f, FALSE);
  assert_kept ();
  for (gsize i = 0; i < G_N_ELEMENTS (stale); i++)
    {
      if (exists (stale[i]))
        g_error ("%s was left", stale[i]);
      g_autofree char *line = g_strdup_printf (" %s\n", stale[i]);
      g_assert_nonnull (strstr (f->log->str, line));
    }
  /* Each removal reported as such, deepest cgroup first; what is in use
   * reported as kept. */
  const char *log = f->log->str;
  g_assert_nonnull (
      strstr (log, "removed cgroup t/cgroup/cg_0/inner\nremoved cgroup t/cgroup/cg_0\n"));
  g_assert_nonnull (strstr (log, "kept cgroup t/cgroup/cg_1\n"));
  g_assert_nonnull (strstr (log, "kept cgroup t/cgroup/cg_2/busy\n"));
  g_assert_nonnull (strstr (log, "removed work-directory ktstr-vm-gone01\n"));
  g_assert_nonnull (strstr (log, "removed work-directory ktstr-kernel-reused\n"));
  g_assert_nonnull (strstr (log, "kept work-directory ktstr-cmd-live01\n"));
  g_assert_nonnull (strstr (log, "kept run-directory t/runs/6.13-bbbbbbb\n"));
  g_assert_nonnull (strstr (log, "kept lock t/runs/.locks/6.13-bbbbbbb.lock\n"));
  g_assert_nonnull (strstr (log, "removed lock t/cache/.6.12.1-tarball-x86_64-kc1.lock\n"));
  g_assert_null (strstr (log, "nostamp"));
  g_assert_null (strstr (log, "other-vm"));
  g_assert_null (strstr (log, "failed"));

  /* A second sweep finds nothing more to remove. */
  g_string_truncate (f->log, 0);
  run_sweep (f, FALSE);
  g_assert_null (strstr (f->log->str, "removed"));
}

/* A parent that is no cgroup2 directory: nothing under it is touched, and
 * nothing else is swept either. */
static void
test_not_cgroup (Fixture *f, gconstpointer data)
{
  (void)data;
  KtstrCleanupOptions o = {
    .cgroup_parent = f->cgroup,
    .runs_root = f->runs,
    .cache_root = f->cache,
  };
  g_autoptr (GError) error = NULL;
  g_assert_false (ktstr_cleanup (&o, on_item, f, &error));
  g_assert_error (error, KTSTR_CLEANUP_ERROR, KTSTR_CLEANUP_ERROR_NOT_CGROUP);
  g_assert_nonnull (strstr (error->message, f->cgroup));
  g_assert_cmpstr (f->log->str, ==, "");
  for (gsize i = 0; i < G_N_ELEMENTS (stale); i++)
    g_assert_true (exists (stale[i]));
  g_clear_error (&error);
  g_autofree char *missing = g_build_filename (f->root, "missing", NULL);
  o.cgroup_parent = missing;
  o.is_cgroup_fs_unchecked = TRUE;
  g_assert_false (ktstr_cleanup (&o, on_item, f, &error));
  g_assert_error (error, KTSTR_CLEANUP_ERROR, KTSTR_CLEANUP_ERROR_NOT_CGROUP);
  g_assert_nonnull (strstr (error->message, "is not a directory"));
}

static void
test_dry_run (Fixture *f, gconstpointer data)
{
  (void)data;
  run_sweep (f, TRUE);
  assert_kept ();
  for (gsize i = 0; i < G_N_ELEMENTS (stale); i++)
    {
      if (!exists (stale[i]))
        g_error ("%s was removed in a dry run", stale[i]);
      g_autofree char *line = g_strdup_printf (" %s\n", stale[i]);
      g_assert_nonnull (strstr (f->log->str, line));
    }
  g_assert_nonnull (strstr (f->log->str, "would_remove cgroup t/cgroup/cg_0/inner\n"));
  g_assert_nonnull (strstr (f->log->str, "would_remove cgroup t/cgroup/cg_0\n"));
  g_assert_nonnull (strstr (f->log->str, "would_remove work-directory ktstr-vm-gone01\n"));
  g_assert_null (strstr (f->log->str, "removed "));
}

static gpointer
open_run (gpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  KtstrRunDir *rd = ktstr_rundir_open_for_write ("6.12", "aaaaaaa", &error);
  g_assert_no_error (error);
  return rd;
}

/* A lockfile removed (by a cleanup) while a run waited for it: the run
 * locks the file now at the path, not the removed one, which would guard
 * nothing against the next run. */
static void
test_lock_taken_again (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *target = g_path_get_dirname (f->runs);
  g_autofree char *runs = g_build_filename (target, "ktstr", NULL);
  g_assert_cmpint (rename (f->runs, runs), ==, 0);
  g_setenv ("CARGO_TARGET_DIR", target, TRUE);
  g_autofree char *path = g_build_filename (runs, ".locks", "6.12-aaaaaaa.lock", NULL);
  int old = open (path, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (old, >=, 0);
  g_assert_cmpint (flock (old, LOCK_EX), ==, 0);
  g_assert_true (ktstr_lockfile_is_current (old, path));

  GThread *waiter = g_thread_new ("open-run", open_run, NULL);
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (unlink (path), ==, 0);
  g_assert_false (ktstr_lockfile_is_current (old, path));
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  close (old);
  KtstrRunDir *rd = g_thread_join (waiter);
  g_assert_nonnull (rd);
  /* The run holds the new file: another taker is refused. */
  int peer = open (path, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (peer, >=, 0);
  g_assert_cmpint (flock (peer, LOCK_EX | LOCK_NB), !=, 0);
  ktstr_rundir_release (rd);
  g_assert_cmpint (flock (peer, LOCK_EX | LOCK_NB), ==, 0);
  close (peer);
  /* Empty counts as unset (and unsetenv is not safe once threads ran). */
  g_setenv ("CARGO_TARGET_DIR", "", TRUE);
}

/* The command line: the same findings as JSON (nothing removed in a dry
 * run), and a parent that is no cgroup refused with exit 2. */
static void
test_cli (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *ktstr = g_build_filename (ktstr_vm_test_builddir (), "src", "ktstr", NULL);
  g_auto (GStrv) envp = g_get_environ ();
  envp = g_environ_setenv (envp, "TMPDIR", tmp, TRUE);
  envp = g_environ_setenv (envp, "KTSTR_CACHE_DIR", f->cache, TRUE);
  g_autofree char *target_dir = g_build_filename (f->root, "target", NULL);
  g_autofree char *runs_link = g_build_filename (target_dir, "ktstr", NULL);
  g_assert_cmpint (g_mkdir_with_parents (target_dir, 0755), ==, 0);
  g_assert_cmpint (rename (f->runs, runs_link), ==, 0);
  envp = g_environ_setenv (envp, "CARGO_TARGET_DIR", target_dir, TRUE);
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_assert_true (g_spawn_sync (f->root, (char *[]){ ktstr, "cleanup", "--dry-run", "--json", NULL },
                               envp, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, NULL));
  g_test_message ("%s\n%s", out, err);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_autoptr (JsonNode) root = json_from_string (out, NULL);
  g_assert_nonnull (root);
  JsonObject *o = json_node_get_object (root);
  g_assert_true (json_object_get_boolean_member (o, "dry_run"));
  g_assert_cmpint (json_object_get_int_member (o, "removed"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "would_remove"), >=, 6);
  JsonArray *items = json_object_get_array_member (o, "items");
  gboolean saw_temp = FALSE, saw_live = FALSE;
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *it = json_array_get_object_element (items, i);
      const char *path = json_object_get_string_member (it, "path");
      const char *action = json_object_get_string_member (it, "action");
      if (g_str_has_suffix (path, ".ktstr.json.tmp-ab12cd"))
        saw_temp = g_str_equal (action, "would_remove")
                   && g_str_equal (json_object_get_string_member (it, "kind"), "temp-file");
      if (g_str_has_suffix (path, "ktstr-cmd-live01"))
        saw_live = g_str_equal (action, "kept")
                   && strstr (json_object_get_string_member (it, "reason"), "is running");
    }
  g_assert_true (saw_temp);
  g_assert_true (saw_live);
  g_assert_true (exists ("ktstr-vm-gone01"));

  g_autofree char *out2 = NULL, *err2 = NULL;
  g_assert_true (g_spawn_sync (f->root,
                               (char *[]){ ktstr, "cleanup", "--parent-cgroup", f->cgroup, NULL },
                               envp, G_SPAWN_DEFAULT, NULL, NULL, &out2, &err2, &status, NULL));
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 2);
  g_assert_nonnull (strstr (err2, "is not a cgroup2 directory, so nothing under it is removed"));
  g_assert_true (exists ("ktstr-vm-gone01"));
  g_assert_true (exists ("t/cgroup/cg_0/inner"));

  /* Without a dry run: removals on stdout, the count on stderr. */
  g_autofree char *out3 = NULL, *err3 = NULL;
  g_assert_true (g_spawn_sync (f->root, (char *[]){ ktstr, "cleanup", NULL }, envp, G_SPAWN_DEFAULT,
                               NULL, NULL, &out3, &err3, &status, NULL));
  g_test_message ("%s\n%s", out3, err3);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_assert_nonnull (strstr (out3, "removed work-directory "));
  g_assert_nonnull (strstr (out3, "removed temp-file "));
  g_assert_nonnull (strstr (err3, "kept work-directory "));
  g_assert_nonnull (strstr (err3, "cleanup: removed "));
  g_assert_false (exists ("ktstr-vm-gone01"));
  g_assert_false (
      exists ("t/target/ktstr/6.12-aaaaaaa/.steady-0000000000000001.ktstr.json.tmp-ab12cd"));
  g_assert_true (exists ("t/target/ktstr/6.12-aaaaaaa/steady-0000000000000001.ktstr.json"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Before anything asks GLib for the temporary directory (it keeps the
   * first answer). */
  const char *outer = g_getenv ("TMPDIR");
  g_autofree char *base
      = g_build_filename (outer && *outer ? outer : "/tmp", "ktstr-test-cleanup-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (base));
  tmp = base;
  g_setenv ("TMPDIR", tmp, TRUE);
  g_assert_cmpstr (g_get_tmp_dir (), ==, tmp);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/cleanup/sweep", test_sweep);
  ADD ("/cleanup/dry-run", test_dry_run);
  ADD ("/cleanup/not-cgroup", test_not_cgroup);
  ADD ("/cleanup/lock-taken-again", test_lock_taken_again);
  ADD ("/cleanup/cli", test_cli);
#undef ADD
  int status = g_test_run ();
  g_rmdir (tmp);
  return status;
}
