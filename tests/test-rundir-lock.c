/* Run directories under concurrency (record/rundir.h): the run lock is
 * held for the whole run and shared by every handle of the key inside one
 * process; pre-clear removes the leftovers of killed writers and old
 * console logs; and a reader walking a directory while a writer
 * pre-clears and rewrites it sees only whole sidecars, never a torn one
 * and never an error for a file that vanished under it. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/rundir.h"
#include "record/sidecar.h"

static char *
setup_target (void)
{
  char *tmp = g_dir_make_tmp ("ktstr-rundir-lock-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  g_setenv ("CARGO_TARGET_DIR", tmp, TRUE);
  g_unsetenv ("KTSTR_SIDECAR_DIR");
  ktstr_rundir_set_lock_timeout_ms (0);
  return tmp;
}

static void
rm_rf (const char *dir)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
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

/* Whether another process could take LOCK now (flock(1), util-linux). */
static gboolean
lock_is_free (const char *lock)
{
  const char *argv[] = { "flock", "-n", "-E", "3", lock, "true", NULL };
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status) == 0;
}

static void
test_shared_in_process (void)
{
  g_autofree char *tmp = setup_target ();
  g_autoptr (GError) error = NULL;
  KtstrRunDir *a = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  /* A second handle of the key (another runner of the same run) does not
   * wait for the first. */
  KtstrRunDir *b = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  g_autofree char *root = g_path_get_dirname (ktstr_rundir_get_path (a));
  g_autofree char *lock = g_build_filename (root, ".locks", "6.14-abc1234.lock", NULL);
  g_assert_false (lock_is_free (lock));
  g_autoptr (KtstrSidecar) sa = make_sidecar ("a");
  g_autoptr (KtstrSidecar) sb = make_sidecar ("b");
  g_autofree char *pa = ktstr_rundir_write_sidecar (a, sa, &error);
  g_autofree char *pb = ktstr_rundir_write_sidecar (b, sb, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (pa, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (pb, G_FILE_TEST_EXISTS));
  ktstr_rundir_release (a);
  g_assert_false (lock_is_free (lock));
  ktstr_rundir_release (b);
  g_assert_true (lock_is_free (lock));
  rm_rf (tmp);
}

static void
put (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, "x", -1, NULL));
}

static gboolean
has (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* The first write removes the sidecars, console logs, monitor series and
 * temporary files
 * of earlier runs (killed writers included); nothing else. */
static void
test_preclear_leftovers (void)
{
  g_autofree char *tmp = setup_target ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunDir) rd = ktstr_rundir_open_for_write ("6.14", "abc1234", &error);
  g_assert_no_error (error);
  const char *dir = ktstr_rundir_get_path (rd);
  put (dir, "old-0123456789abcdef.ktstr.json");
  put (dir, "old-0123456789abcdef.console.log");
  put (dir, "old-0123456789abcdef-trial2.monitor.jsonl");
  put (dir, ".new-0123456789abcdef.ktstr.json.tmp-Ab3xYz");
  put (dir, "new-0123456789abcdef.ktstr.json.Q2w3E4");
  put (dir, "new-0123456789abcdef.console.log.R5t6Y7");
  put (dir, "notes.txt");
  g_autofree char *sub = g_build_filename (dir, "shard", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  put (sub, "kept-0123456789abcdef.ktstr.json");

  g_autoptr (KtstrSidecar) sc = make_sidecar ("t");
  g_autofree char *path = ktstr_rundir_write_sidecar (rd, sc, &error);
  g_assert_no_error (error);
  g_assert_false (has (dir, "old-0123456789abcdef.ktstr.json"));
  g_assert_false (has (dir, "old-0123456789abcdef.console.log"));
  g_assert_false (has (dir, "old-0123456789abcdef-trial2.monitor.jsonl"));
  g_assert_false (has (dir, ".new-0123456789abcdef.ktstr.json.tmp-Ab3xYz"));
  g_assert_false (has (dir, "new-0123456789abcdef.ktstr.json.Q2w3E4"));
  g_assert_false (has (dir, "new-0123456789abcdef.console.log.R5t6Y7"));
  g_assert_true (has (dir, "notes.txt"));
  g_assert_true (has (sub, "kept-0123456789abcdef.ktstr.json"));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  rm_rf (tmp);
}

#define READER_ROUNDS 400

/* A writer process pre-clears and rewrites a directory over and over, as
 * successive runs do; the reader walks it meanwhile and must see only
 * whole sidecars and no error at all. */
static void
test_reader_during_writes (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-rundir-rw-XXXXXX", NULL);
  pid_t writer = fork ();
  g_assert_cmpint (writer, >=, 0);
  if (writer == 0)
    {
      for (guint round = 0;; round++)
        {
          g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
          const char *name;
          while (d != NULL && (name = g_dir_read_name (d)) != NULL)
            {
              g_autofree char *path = g_build_filename (dir, name, NULL);
              unlink (path);
            }
          for (guint i = 0; i < 5; i++)
            {
              g_autofree char *test = g_strdup_printf ("t%u_%u", i, round % 7);
              g_autoptr (KtstrSidecar) sc = make_sidecar (test);
              g_autofree char *path = ktstr_sidecar_write_atomic (sc, dir, NULL);
              if (path == NULL)
                _exit (1);
            }
        }
    }
  /* Start reading once the writer is at work. */
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
      if (d != NULL && g_dir_read_name (d) != NULL)
        break;
      g_usleep (10000);
    }
  /* At least READER_ROUNDS walks and some whole sidecars seen: on a busy
   * disk the writer's fsyncs may take longer than many walks. */
  guint seen = 0;
  g_autoptr (GTimer) timer = g_timer_new ();
  for (guint i = 0; (i < READER_ROUNDS || seen < 20) && g_timer_elapsed (timer, NULL) < 60; i++)
    {
      g_autoptr (GPtrArray) sidecars = NULL;
      g_autoptr (GPtrArray) errors = NULL;
      g_autoptr (GError) error = NULL;
      g_assert_true (ktstr_sidecar_collect_dir (dir, &sidecars, &errors, &error));
      for (guint e = 0; e < errors->len; e++)
        g_error ("reader saw an error while a writer rewrote %s: %s", dir,
                 ((KtstrSidecarLoadError *)errors->pdata[e])->message);
      seen += sidecars->len;
    }
  int status;
  g_assert_cmpint (waitpid (writer, &status, WNOHANG), ==, 0); /* still writing */
  kill (writer, SIGKILL);
  g_assert_cmpint (waitpid (writer, &status, 0), ==, writer);
  g_assert_cmpuint (seen, >, 0);
  rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rundir/lock/shared-in-process", test_shared_in_process);
  g_test_add_func ("/rundir/preclear/leftovers", test_preclear_leftovers);
  g_test_add_func ("/rundir/readers/during-writes", test_reader_during_writes);
  return g_test_run ();
}
