/* Run directories (doc/run-directories.md) and commit probes, on temp dirs and temp git
 * repositories built with libgit2. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>
#include <glib/gstdio.h>

#include "record/gitcommit.h"
#include "record/rundir.h"
#include "kernel/kernel-cache.h"

/* --- Helpers ------------------------------------------------------------------- */

static char *
make_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("ktstr-rundir-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static void
rm_rf (const char *path)
{
  g_assert_true (ktstr_rm_rf (path, NULL));
}

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static gboolean
exists (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
check_git (int rc)
{
  if (rc < 0)
    g_error ("libgit2: %s", git_error_last ()->message);
}

static void
git_stage (git_repository *repo, const char *file)
{
  git_index *index;
  check_git (git_repository_index (&index, repo));
  check_git (git_index_add_bypath (index, file));
  check_git (git_index_write (index));
  git_index_free (index);
}

/* A repository at DIR with one commit of tracked.txt; returns HEAD's 7 hex. */
static char *
make_repo (const char *dir)
{
  git_repository *repo;
  git_index *index;
  git_oid tree_id, commit_id;
  git_tree *tree;
  git_signature *sig;
  char hex[8];

  check_git (git_repository_init (&repo, dir, 0));
  write_file (dir, "tracked.txt", "one\n");
  git_stage (repo, "tracked.txt");
  check_git (git_repository_index (&index, repo));
  check_git (git_index_write_tree (&tree_id, index));
  check_git (git_tree_lookup (&tree, repo, &tree_id));
  check_git (git_signature_new (&sig, "ktstr", "ktstr@example.invalid", 1700000000, 0));
  check_git (git_commit_create_v (&commit_id, repo, "HEAD", sig, sig, NULL, "init", tree, 0));
  git_oid_tostr (hex, sizeof hex, &commit_id);
  git_signature_free (sig);
  git_tree_free (tree);
  git_index_free (index);
  git_repository_free (repo);
  return g_strdup (hex);
}

static char *
detect (const char *dir)
{
  char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_git_detect_commit (dir, &out, &error));
  g_assert_no_error (error);
  return out;
}

static KtstrSidecar *
make_sidecar (const char *test_name)
{
  KtstrSidecar *sc = ktstr_sidecar_new ();
  sc->test_name = g_strdup (test_name);
  sc->topology = g_strdup ("1n1l2c1t");
  sc->scheduler = g_strdup ("eevdf");
  sc->work_type = g_strdup ("CpuSpin");
  sc->passed = TRUE;
  ktstr_sidecar_stamp (sc);
  return sc;
}

/* Each test gets a fresh CARGO_TARGET_DIR and no KTSTR_SIDECAR_DIR. */
static char *
setup_target (void)
{
  char *tmp = make_tmpdir ();
  g_setenv ("CARGO_TARGET_DIR", tmp, TRUE);
  g_unsetenv ("KTSTR_SIDECAR_DIR");
  ktstr_rundir_set_statfs_func (NULL);
  ktstr_rundir_set_lock_timeout_ms (0);
  return tmp;
}

static char *
write_one (KtstrRunDir *rd, const char *test_name)
{
  g_autoptr (KtstrSidecar) sc = make_sidecar (test_name);
  g_autoptr (GError) error = NULL;
  char *path = ktstr_rundir_write_sidecar (rd, sc, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);
  return path;
}

/* --- Commit probes --------------------------------------------------------------- */

static void
test_git_clean (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *head = make_repo (dir);
  g_autofree char *sub = g_build_filename (dir, "a", "b", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  g_autofree char *commit = detect (dir);
  g_assert_cmpstr (commit, ==, head);
  g_assert_cmpuint (strlen (commit), ==, 7);
  /* Discovered by walking up from a subdirectory. */
  g_autofree char *from_sub = detect (sub);
  g_assert_cmpstr (from_sub, ==, head);
  rm_rf (dir);
}

static void
test_git_dirty_worktree (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *head = make_repo (dir);
  write_file (dir, "tracked.txt", "one\ntwo, longer now\n");
  g_autofree char *commit = detect (dir);
  g_autofree char *expected = g_strconcat (head, "-dirty", NULL);
  g_assert_cmpstr (commit, ==, expected);
  rm_rf (dir);
}

static void
test_git_dirty_staged (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *head = make_repo (dir);
  git_repository *repo;
  write_file (dir, "new.txt", "staged\n");
  check_git (git_repository_open (&repo, dir));
  git_stage (repo, "new.txt");
  git_repository_free (repo);
  g_autofree char *commit = detect (dir);
  g_autofree char *expected = g_strconcat (head, "-dirty", NULL);
  g_assert_cmpstr (commit, ==, expected);
  rm_rf (dir);
}

static void
test_git_untracked_is_clean (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *head = make_repo (dir);
  write_file (dir, "build.log", "untracked\n");
  g_autofree char *commit = detect (dir);
  g_assert_cmpstr (commit, ==, head);
  rm_rf (dir);
}

static void
test_git_not_a_repo (void)
{
  g_autofree char *dir = make_tmpdir ();
  char *out = (char *)"sentinel";
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_git_detect_commit (dir, &out, &error));
  g_assert_no_error (error);
  g_assert_null (out);
  g_assert_true (ktstr_git_open_commit (dir, &out, &error));
  g_assert_null (out);
  rm_rf (dir);
}

static void
test_git_unborn (void)
{
  g_autofree char *dir = make_tmpdir ();
  git_repository *repo;
  check_git (git_repository_init (&repo, dir, 0));
  git_repository_free (repo);
  g_autofree char *commit = detect (dir);
  g_assert_null (commit);
  rm_rf (dir);
}

/* A repository libgit2 cannot read (HEAD's branch names no object) is
 * an error, unlike no repository at all. */
static void
test_git_broken_repo (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *head = make_repo (dir);
  g_autofree char *git = g_build_filename (dir, ".git", NULL);
  write_file (git, "HEAD", "ref: refs/heads/broken\n");
  g_autofree char *refs = g_build_filename (git, "refs", "heads", NULL);
  write_file (refs, "broken", "not an object id\n");
  char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_false (ktstr_git_detect_commit (dir, &out, &error));
  g_assert_error (error, KTSTR_GIT_ERROR, KTSTR_GIT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, dir));
  g_assert_null (out);
  rm_rf (dir);
}

static void
test_git_open_no_discover (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *head = make_repo (dir);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_true (ktstr_git_open_commit (sub, &out, &error));
  g_assert_null (out);
  g_assert_true (ktstr_git_open_commit (dir, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, head);
  g_free (out);
  rm_rf (dir);
}

/* --- Names ---------------------------------------------------------------------- */

static void
test_runs_root (void)
{
  g_unsetenv ("CARGO_TARGET_DIR");
  g_autofree char *a = ktstr_runs_root ();
  g_assert_cmpstr (a, ==, "target/ktstr");
  g_setenv ("CARGO_TARGET_DIR", "", TRUE);
  g_autofree char *b = ktstr_runs_root ();
  g_assert_cmpstr (b, ==, "target/ktstr");
  g_setenv ("CARGO_TARGET_DIR", "/srv/build", TRUE);
  g_autofree char *c = ktstr_runs_root ();
  g_assert_cmpstr (c, ==, "/srv/build/ktstr");
  g_unsetenv ("CARGO_TARGET_DIR");
}

static void
test_run_key (void)
{
  g_autofree char *a = ktstr_run_key ("6.14", "abc1234");
  g_autofree char *b = ktstr_run_key ("7.0", "def5678-dirty");
  g_autofree char *c = ktstr_run_key (NULL, "abc1234");
  g_autofree char *d = ktstr_run_key ("6.14", NULL);
  g_autofree char *e = ktstr_run_key (NULL, NULL);
  g_assert_cmpstr (a, ==, "6.14-abc1234");
  g_assert_cmpstr (b, ==, "7.0-def5678-dirty");
  g_assert_cmpstr (c, ==, "unknown-abc1234");
  g_assert_cmpstr (d, ==, "6.14-unknown");
  g_assert_cmpstr (e, ==, "unknown-unknown");
  g_assert_true (ktstr_is_run_dir_name ("6.14-abc1234"));
  g_assert_false (ktstr_is_run_dir_name (".locks"));
}

static void
test_run_key_from_git (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *head = make_repo (dir);
  write_file (dir, "tracked.txt", "edited, not committed\n");
  g_autofree char *commit = detect (dir);
  g_autofree char *key = ktstr_run_key ("6.14", commit);
  g_autofree char *expected = g_strdup_printf ("6.14-%s-dirty", head);
  g_assert_cmpstr (key, ==, expected);
  rm_rf (dir);
}

static void
test_kernel_tree_version (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *cfg = g_build_filename (dir, "include", "config", NULL);
  g_assert_null (ktstr_kernel_tree_version (dir));
  g_assert_cmpint (g_mkdir_with_parents (cfg, 0755), ==, 0);
  write_file (cfg, "kernel.release", "6.12.0-scx\n");
  g_autofree char *a = ktstr_kernel_tree_version (dir);
  g_assert_cmpstr (a, ==, "6.12.0-scx");
  write_file (dir, "metadata.json", "{\"version\": \"\"}");
  g_autofree char *b = ktstr_kernel_tree_version (dir);
  g_assert_cmpstr (b, ==, "6.12.0-scx");
  write_file (dir, "metadata.json", "{\"version\": \"6.14.2\", \"source\": {}}");
  g_autofree char *c = ktstr_kernel_tree_version (dir);
  g_assert_cmpstr (c, ==, "6.14.2");
  /* Nested past json-glib's recursion (it crashed here): not read, the
   * kernel.release answers. */
  g_autofree char *deep = g_strnfill (100000, '[');
  write_file (dir, "metadata.json", deep);
  g_autofree char *d = ktstr_kernel_tree_version (dir);
  g_assert_cmpstr (d, ==, "6.12.0-scx");
  rm_rf (dir);
}

/* --- Default path: layout, pre-clear, warning ---------------------------------------- */

static void
test_open_default_path (void)
{
  g_autofree char *tmp = setup_target ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  g_autofree char *canonical_tmp = realpath (tmp, NULL);
  g_autofree char *expected = g_build_filename (canonical_tmp, "ktstr", "6.14-abc1234", NULL);
  g_assert_cmpstr (ktstr_rundir_get_path (rd), ==, expected);
  g_assert_false (ktstr_rundir_is_override (rd));
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_DIR));

  g_autofree char *path = write_one (rd, "test_a");
  g_autofree char *dirname = g_path_get_dirname (path);
  g_assert_cmpstr (dirname, ==, expected);
  g_autofree char *lock
      = g_build_filename (canonical_tmp, "ktstr", ".locks", "6.14-abc1234.lock", NULL);
  g_assert_true (g_file_test (lock, G_FILE_TEST_IS_REGULAR));
  /* The lock is held for the whole run, released with the directory. */
  int fd = open (lock, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX | LOCK_NB), ==, -1);
  g_clear_pointer (&rd, ktstr_rundir_release);
  g_assert_cmpint (flock (fd, LOCK_EX | LOCK_NB), ==, 0);
  close (fd);
  rm_rf (tmp);
}

static void
test_preclear_shallow (void)
{
  g_autofree char *tmp = setup_target ();
  g_autofree char *run = g_build_filename (tmp, "ktstr", "6.14-abc1234", NULL);
  g_autofree char *job = g_build_filename (run, "job-1", NULL);
  g_autofree char *dir_like = g_build_filename (run, "dir.ktstr.json", NULL);
  g_assert_cmpint (g_mkdir_with_parents (job, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (dir_like, 0755), ==, 0);
  write_file (run, "old_a-0000000000000000.ktstr.json", "{}");
  write_file (run, "old_b-1111111111111111.ktstr.json", "{}");
  write_file (run, "README.md", "keep");
  write_file (run, "other.json", "{}");
  write_file (run, "partial.ktstr.json.tmp", "{}");
  write_file (job, "nested-0000000000000000.ktstr.json", "{}");

  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  /* Opening alone removes nothing: pre-clear happens at the first write. */
  g_assert_true (exists (run, "old_a-0000000000000000.ktstr.json"));
  g_autofree char *path = write_one (rd, "fresh");

  g_assert_false (exists (run, "old_a-0000000000000000.ktstr.json"));
  g_assert_false (exists (run, "old_b-1111111111111111.ktstr.json"));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (exists (run, "README.md"));
  g_assert_true (exists (run, "other.json"));
  g_assert_true (exists (run, "partial.ktstr.json.tmp"));
  g_assert_true (exists (job, "nested-0000000000000000.ktstr.json"));
  g_assert_true (g_file_test (dir_like, G_FILE_TEST_IS_DIR));
  rm_rf (tmp);
}

static void
test_preclear_once_per_process (void)
{
  g_autofree char *tmp = setup_target ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  g_autofree char *first = write_one (rd, "first");
  /* A file appearing between writes (a peer, or an earlier test of this
   * process) must survive the second write. */
  write_file (ktstr_rundir_get_path (rd), "peer-2222222222222222.ktstr.json", "{}");
  g_autofree char *second = write_one (rd, "second");
  g_assert_true (g_file_test (first, G_FILE_TEST_EXISTS));
  g_assert_true (exists (ktstr_rundir_get_path (rd), "peer-2222222222222222.ktstr.json"));

  /* A second handle on the same directory (via a non-canonical path)
   * shares the once-per-process record. */
  g_autofree char *dotted = g_build_filename (tmp, ".", NULL);
  g_setenv ("CARGO_TARGET_DIR", dotted, TRUE);
  g_autoptr (KtstrRunDir) again = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ktstr_rundir_get_path (again), ==, ktstr_rundir_get_path (rd));
  g_autofree char *third = write_one (again, "third");
  g_assert_true (g_file_test (first, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (second, G_FILE_TEST_EXISTS));
  rm_rf (tmp);
}

#define WARNING_TEXT "WARNING: project commit unavailable"

static void
test_unknown_commit_warning_once (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *tmp = setup_target ();
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write ("6.14", NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_str_has_suffix (ktstr_rundir_get_path (rd), "/ktstr/6.14-unknown"));
      g_autofree char *a = write_one (rd, "a");
      g_autofree char *b = write_one (rd, "b");
      g_autoptr (KtstrRunDir) other = ktstr_rundir_open_for_write ("7.0", NULL, &error);
      g_autofree char *c = write_one (other, "c");
      rm_rf (tmp);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*" WARNING_TEXT "*6.14-unknown/*KTSTR_SIDECAR_DIR*git*");
  g_test_trap_assert_stderr_unmatched ("*" WARNING_TEXT "*" WARNING_TEXT "*");
}

static void
test_known_commit_no_warning (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *tmp = setup_target ();
      g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write (NULL, "abc1234", NULL);
      g_autofree char *a = write_one (rd, "a");
      g_assert_nonnull (strstr (a, "/ktstr/unknown-abc1234/a-"));
      rm_rf (tmp);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*" WARNING_TEXT "*");
}

/* --- KTSTR_SIDECAR_DIR override --------------------------------------------------- */

static long fake_magic;

static int
fake_statfs (const char *path, struct statfs *buf)
{
  memset (buf, 0, sizeof *buf);
  buf->f_type = fake_magic;
  return 0;
}

static void
test_override (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *tmp = setup_target ();
      g_autofree char *override = g_build_filename (tmp, "mine", "deeper", NULL);
      g_autofree char *sub = g_build_filename (override, "sub", NULL);
      g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
      write_file (override, "kept-0000000000000000.ktstr.json", "{}");
      g_setenv ("KTSTR_SIDECAR_DIR", override, TRUE);
      /* Pretend to be on NFS: any lockfile open would be rejected. */
      fake_magic = 0x6969;
      ktstr_rundir_set_statfs_func (fake_statfs);

      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write ("6.14", NULL, &error);
      g_assert_no_error (error);
      g_assert_true (ktstr_rundir_is_override (rd));
      g_assert_cmpstr (ktstr_rundir_get_path (rd), ==, override);
      g_autofree char *a = write_one (rd, "a");
      g_autofree char *dirname = g_path_get_dirname (a);
      g_assert_cmpstr (dirname, ==, override);
      g_assert_true (exists (override, "kept-0000000000000000.ktstr.json"));
      /* No lock file anywhere, and the runs root was never created. */
      g_assert_false (exists (tmp, "ktstr"));
      g_assert_false (exists (override, ".locks"));
      rm_rf (tmp);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*" WARNING_TEXT "*");
}

static void
test_override_created (void)
{
  g_autofree char *tmp = setup_target ();
  g_autofree char *override = g_build_filename (tmp, "new", "dir", NULL);
  g_setenv ("KTSTR_SIDECAR_DIR", override, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write (NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (override, G_FILE_TEST_IS_DIR));
  /* An empty value counts as unset. */
  g_setenv ("KTSTR_SIDECAR_DIR", "", TRUE);
  g_autoptr (KtstrRunDir) def = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  g_assert_false (ktstr_rundir_is_override (def));
  g_unsetenv ("KTSTR_SIDECAR_DIR");
  rm_rf (tmp);
}

/* --- Lock ------------------------------------------------------------------------------ */

static void
test_lock_timeout_names_holder (void)
{
  g_autofree char *tmp = setup_target ();
  g_autoptr (GError) error = NULL;
  g_autofree char *root = g_build_filename (tmp, "ktstr", NULL);
  g_autofree char *locks = g_build_filename (root, ".locks", NULL);
  g_autofree char *lock = g_build_filename (locks, "6.14-abc1234.lock", NULL);
  int ready[2], release[2];
  char byte;

  g_assert_cmpint (g_mkdir_with_parents (locks, 0755), ==, 0);
  g_assert_cmpint (pipe (ready), ==, 0);
  g_assert_cmpint (pipe (release), ==, 0);
  pid_t child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      /* The flock belongs to the open file description, which survives
       * exec: cat holds it until the parent closes the release pipe.
       * (Exec also keeps valgrind from auditing this forked copy.) */
      int fd = open (lock, O_CREAT | O_RDWR, 0666);
      if (fd < 0 || flock (fd, LOCK_EX) != 0)
        _exit (1);
      if (write (ready[1], "x", 1) != 1)
        _exit (1);
      close (release[1]);
      if (dup2 (release[0], STDIN_FILENO) < 0)
        _exit (1);
      execlp ("cat", "cat", (char *)NULL);
      _exit (1);
    }
  close (ready[1]);
  close (release[0]);
  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);

  /* A peer holds the run: opening waits, then refuses, naming it. */
  ktstr_rundir_set_lock_timeout_ms (300);
  g_autoptr (GTimer) timer = g_timer_new ();
  KtstrRunDir *blocked = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  double waited = g_timer_elapsed (timer, NULL);
  g_assert_null (blocked);
  g_assert_error (error, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_LOCK_TIMEOUT);
  g_autofree char *holder = g_strdup_printf ("pid=%d cmd=cat", (int)child);
  g_assert_nonnull (strstr (error->message, holder));
  g_assert_nonnull (strstr (error->message, lock));
  g_assert_nonnull (strstr (error->message, "peer ktstr test process"));
  g_assert_nonnull (strstr (error->message, "6.14-abc1234 directory"));
  g_assert_nonnull (strstr (error->message, "KTSTR_SIDECAR_DIR"));
  g_assert_cmpfloat (waited, >=, 0.29);
  g_assert_cmpfloat (waited, <, 5.0);

  close (release[1]);
  int status;
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  close (ready[0]);

  /* Once the peer is gone the directory opens and takes writes. */
  g_clear_error (&error);
  g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  g_autofree char *ok = write_one (rd, "unblocked");
  ktstr_rundir_set_lock_timeout_ms (0);
  rm_rf (tmp);
}

/* --- Remote filesystems --------------------------------------------------------------- */

static void
test_remote_fs_rejected (void)
{
  static const struct
  {
    long magic;
    const char *name;
  } remote[] = {
    { 0x6969, "NFS" },        { 0xFF534D42, "CIFS/SMB" }, { 0xFE534D42, "CIFS/SMB" },
    { 0x00C36400, "CephFS" }, { 0x6B414653, "AFS" },      { 0x65735546, "FUSE" },
  };
  g_autofree char *tmp = setup_target ();
  g_autoptr (GError) error = NULL;
  g_autofree char *canonical_tmp = realpath (tmp, NULL);
  g_autofree char *root = g_build_filename (canonical_tmp, "ktstr", NULL);
  g_autofree char *dir = g_build_filename (root, "6.14-abc1234", NULL);
  g_autofree char *lock = g_build_filename (root, ".locks", "6.14-abc1234.lock", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_file (dir, "old-0000000000000000.ktstr.json", "{}");

  /* The run lock is taken when the directory is opened for writing. */
  ktstr_rundir_set_statfs_func (fake_statfs);
  for (gsize i = 0; i < G_N_ELEMENTS (remote); i++)
    {
      g_autoptr (GError) err = NULL;
      fake_magic = remote[i].magic;
      g_assert_null (ktstr_rundir_open_for_write ("6.14", "abc1234", &err));
      g_assert_error (err, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_REMOTE_FS);
      g_autofree char *fs = g_strdup_printf ("filesystem %s is not supported", remote[i].name);
      g_assert_nonnull (strstr (err->message, fs));
      g_assert_nonnull (strstr (err->message, lock));
      g_assert_nonnull (strstr (err->message, root));
      g_assert_nonnull (
          strstr (err->message, "local filesystem (tmpfs, ext4, xfs, btrfs, f2fs, bcachefs)"));

      g_autoptr (GError) generic = NULL;
      g_assert_false (ktstr_lockfile_check_fs ("/some/where.lock", &generic));
      g_assert_error (generic, KTSTR_RUNDIR_ERROR, KTSTR_RUNDIR_ERROR_REMOTE_FS);
    }
  /* Rejected before pre-clear: the old run is still there. */
  g_assert_true (exists (dir, "old-0000000000000000.ktstr.json"));

  fake_magic = 0xEF53; /* ext4 */
  g_assert_true (ktstr_lockfile_check_fs ("/some/where.lock", &error));
  fake_magic = 0x12345678; /* unknown local filesystems pass */
  g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  g_autofree char *path = write_one (rd, "t");
  g_assert_false (exists (dir, "old-0000000000000000.ktstr.json"));
  ktstr_rundir_set_statfs_func (NULL);
  rm_rf (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  git_libgit2_init ();
  g_test_add_func ("/git/detect/clean", test_git_clean);
  g_test_add_func ("/git/detect/dirty-worktree", test_git_dirty_worktree);
  g_test_add_func ("/git/detect/dirty-staged", test_git_dirty_staged);
  g_test_add_func ("/git/detect/untracked-is-clean", test_git_untracked_is_clean);
  g_test_add_func ("/git/detect/not-a-repo", test_git_not_a_repo);
  g_test_add_func ("/git/detect/unborn-head", test_git_unborn);
  g_test_add_func ("/git/open/no-discover", test_git_open_no_discover);
  g_test_add_func ("/git/broken-repo", test_git_broken_repo);
  g_test_add_func ("/rundir/runs-root", test_runs_root);
  g_test_add_func ("/rundir/key/format", test_run_key);
  g_test_add_func ("/rundir/key/from-git", test_run_key_from_git);
  g_test_add_func ("/rundir/kernel-version/tree", test_kernel_tree_version);
  g_test_add_func ("/rundir/open/default-path", test_open_default_path);
  g_test_add_func ("/rundir/preclear/shallow", test_preclear_shallow);
  g_test_add_func ("/rundir/preclear/once-per-process", test_preclear_once_per_process);
  g_test_add_func ("/rundir/warning/unknown-commit-once", test_unknown_commit_warning_once);
  g_test_add_func ("/rundir/warning/known-commit-silent", test_known_commit_no_warning);
  g_test_add_func ("/rundir/override/as-is", test_override);
  g_test_add_func ("/rundir/override/created", test_override_created);
  g_test_add_func ("/rundir/lock/timeout-names-holder", test_lock_timeout_names_holder);
  g_test_add_func ("/rundir/lock/remote-fs-rejected", test_remote_fs_rejected);
  int rc = g_test_run ();
  git_libgit2_shutdown ();
  return rc;
}
