#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "tests/test-stats-util.h"
#include "kernel/kernel-cache.h"

const char *const stats_test_runs_by_age[] = {
  "ci-gauntlet",        "6.14-unknown",       "6.14-abc1234", "6.15-abc1234",
  "6.15-abc1234-dirty", "6.15-9999999-dirty", NULL,
};

static void
copy_tree (const char *from, const char *to)
{
  g_autoptr (GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0755), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      if (g_file_test (src, G_FILE_TEST_IS_DIR))
        {
          copy_tree (src, dst);
          continue;
        }
      g_autofree char *data = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (src, &data, &len, NULL));
      g_assert_true (g_file_set_contents (dst, data, (gssize)len, NULL));
    }
}

char *
stats_test_data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "stats", name, NULL);
}

char *
stats_test_runs_root (const char *target)
{
  return g_build_filename (target, "ktstr", NULL);
}

char *
stats_test_make_target (void)
{
  g_autoptr (GError) error = NULL;
  char *target = g_dir_make_tmp ("ktstr-stats-test-XXXXXX", &error);
  g_autofree char *pool = stats_test_data_path ("pool");
  g_autofree char *root = stats_test_runs_root (target);

  g_assert_no_error (error);
  copy_tree (pool, root);
  /* 2026-01-01T00:00:00Z, one minute apart: copying set them all to "now". */
  for (guint i = 0; stats_test_runs_by_age[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (root, stats_test_runs_by_age[i], NULL);
      struct timeval times[2]
          = { { 1767225600 + 60 * (time_t)i, 0 }, { 1767225600 + 60 * (time_t)i, 0 } };
      g_assert_cmpint (utimes (dir, times), ==, 0);
    }
  return target;
}

void
stats_test_rm_rf (const char *path)
{
  g_assert_true (ktstr_rm_rf (path, NULL));
}

void
stats_test_run_clear (StatsTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

static char *
binary_path (void)
{
  const char *builddir = g_getenv ("KTSTR_TOP_BUILDDIR");
  g_autofree char *path
      = builddir != NULL
            ? g_build_filename (builddir, "src", "stats", "ktstr-stats", NULL)
            : g_test_build_filename (G_TEST_BUILT, "..", "src", "stats", "ktstr-stats", NULL);
  /* Absolute, so that a run in another directory finds it too. */
  return g_canonicalize_filename (path, NULL);
}

static void
run_va (StatsTestRun *run, const char *cwd, const char *target, const char *const *env, va_list ap)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) envp = g_get_environ ();
  g_autoptr (GError) error = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, binary_path ());
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  g_ptr_array_add (argv, NULL);

  envp = g_environ_unsetenv (envp, "NO_COLOR");
  envp = g_environ_unsetenv (envp, "KTSTR_SIDECAR_DIR");
  envp = g_environ_setenv (envp, "CARGO_TARGET_DIR", target, TRUE);
  envp = g_environ_setenv (envp, "LC_ALL", "C.UTF-8", TRUE);
  for (; env != NULL && *env != NULL; env++)
    {
      g_auto (GStrv) kv = g_strsplit (*env, "=", 2);
      envp = g_environ_setenv (envp, kv[0], kv[1], TRUE);
    }
  memset (run, 0, sizeof *run);
  g_assert_true (g_spawn_sync (cwd, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &run->out, &run->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run->status = WEXITSTATUS (wait_status);
}

void
stats_test_run (StatsTestRun *run, const char *target, const char *const *env, ...)
{
  va_list ap;
  va_start (ap, env);
  run_va (run, NULL, target, env, ap);
  va_end (ap);
}

void
stats_test_run_in (StatsTestRun *run, const char *cwd, const char *target, const char *const *env,
                   ...)
{
  va_list ap;
  va_start (ap, env);
  run_va (run, cwd, target, env, ap);
  va_end (ap);
}

void
stats_test_assert_golden (const char *actual, const char *name)
{
  g_autofree char *rel = g_build_filename ("golden", name, NULL);
  g_autofree char *path = stats_test_data_path (rel);
  g_autofree char *expected = NULL;

  if (g_strcmp0 (g_getenv ("KTSTR_UPDATE_GOLDEN"), "1") == 0)
    {
      g_assert_true (g_file_set_contents (path, actual, -1, NULL));
      return;
    }
  if (!g_file_get_contents (path, &expected, NULL, NULL))
    g_error ("golden file %s is missing; run the test with KTSTR_UPDATE_GOLDEN=1 to create it",
             path);
  g_assert_cmpstr (actual, ==, expected);
}
