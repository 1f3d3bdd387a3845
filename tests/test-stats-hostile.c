/* ktstr-stats against a pool that mixes good sidecars with hostile and
 * broken files: a truncated one, an empty one, an 8 GB sparse one, one of
 * wrong types, one nested 100,000 levels deep, a FIFO and a directory
 * named like sidecars.  Each bad file is skipped with a warning naming it
 * and why, the good ones still count (the output equals the golden of the
 * clean pool), and nothing hangs or crashes.  A --policy file of the same
 * kinds is one error naming it, exit 2. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/test-stats-util.h"

typedef struct
{
  char *target;
  char *dir; /* the run directory the hostile files go into */
} Fixture;

static void
put (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->target = stats_test_make_target ();
  g_autofree char *root = stats_test_runs_root (f->target);
  f->dir = g_build_filename (root, "6.14-unknown", NULL);
  struct stat before;
  g_assert_cmpint (stat (f->dir, &before), ==, 0);

  /* Half of a good sidecar. */
  g_autofree char *good
      = g_build_filename (f->dir, "sched_basic-5dbb1277f3dbb7cb.ktstr.json", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (good, &text, &len, NULL));
  text[len / 2] = '\0';
  put (f->dir, "truncated-0000000000000001.ktstr.json", text);
  put (f->dir, "empty-0000000000000002.ktstr.json", "");
  put (f->dir, "typed-0000000000000003.ktstr.json",
       "{\"test_name\": 5, \"topology\": [], \"passed\": \"yes\"}");
  g_autofree char *deep = g_strnfill (100000, '[');
  put (f->dir, "deep-0000000000000004.ktstr.json", deep);
  g_autofree char *huge = g_build_filename (f->dir, "huge-0000000000000005.ktstr.json", NULL);
  int fd = open (huge, O_CREAT | O_WRONLY, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t)8 << 30), ==, 0);
  close (fd);
  g_autofree char *fifo = g_build_filename (f->dir, "fifo-0000000000000006.ktstr.json", NULL);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_autofree char *subdir = g_build_filename (f->dir, "dir-0000000000000007.ktstr.json", NULL);
  g_assert_cmpint (g_mkdir (subdir, 0755), ==, 0);

  /* Runs are listed by directory mtime: keep the fixture's. */
  struct timespec ts[2] = { before.st_atim, before.st_mtim };
  g_assert_cmpint (utimensat (AT_FDCWD, f->dir, ts, 0), ==, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  stats_test_rm_rf (f->target);
  g_free (f->target);
  g_free (f->dir);
}

static void
assert_warned (const char *err, const char *file, const char *why)
{
  g_autofree char *needle = g_strdup_printf ("%s", file);
  const char *at = strstr (err, needle);
  if (at == NULL)
    g_error ("no warning names %s:\n%s", file, err);
  const char *eol = strchr (at, '\n');
  g_autofree char *line = g_strndup (at, eol ? (gsize)(eol - at) : strlen (at));
  if (strstr (line, why) == NULL)
    g_error ("the warning for %s does not say '%s':\n%s", file, why, line);
}

static void
assert_all_warned (const char *err)
{
  assert_warned (err, "truncated-0000000000000001.ktstr.json", "invalid JSON");
  assert_warned (err, "empty-0000000000000002.ktstr.json", "empty");
  assert_warned (err, "typed-0000000000000003.ktstr.json", "test_name");
  assert_warned (err, "deep-0000000000000004.ktstr.json", "nest deeper than 64");
  assert_warned (err, "huge-0000000000000005.ktstr.json", "8589934592 bytes");
  /* The FIFO and the directory are not files to read: passed by. */
  g_assert_null (strstr (err, "fifo-0000000000000006"));
  g_assert_null (strstr (err, "dir-0000000000000007"));
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  stats_test_run (&run, f->target, NULL, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  stats_test_assert_golden (run.out, "list.txt");
  assert_all_warned (run.err);
}

static void
test_compare (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  stats_test_run (&run, f->target, NULL, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15",
                  "--project-commit", "abc1234", NULL);
  g_assert_cmpint (run.status, ==, 1);
  stats_test_assert_golden (run.out, "compare-kernel.txt");
  assert_all_warned (run.err);
}

/* --policy of each bad kind: exit 2 naming the file, no crash, no hang. */
static void
test_policy (Fixture *f, gconstpointer data)
{
  static const char *const kinds[] = { "deep", "fifo", "huge", "dir", NULL };
  static const char *const why[]
      = { "nest deeper than 64", "is a FIFO", "more than", "is a directory", NULL };
  for (guint i = 0; kinds[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      if (g_str_equal (kinds[i], "deep"))
        {
          path = g_build_filename (f->target, "deep.json", NULL);
          g_autofree char *deep = g_strnfill (100000, '{');
          put (f->target, "deep.json", deep);
        }
      else if (g_str_equal (kinds[i], "fifo"))
        {
          path = g_build_filename (f->target, "fifo.json", NULL);
          g_assert_cmpint (mkfifo (path, 0644), ==, 0);
        }
      else if (g_str_equal (kinds[i], "huge"))
        {
          path = g_build_filename (f->target, "huge.json", NULL);
          int fd = open (path, O_CREAT | O_WRONLY, 0644);
          g_assert_cmpint (ftruncate (fd, (off_t)8 << 30), ==, 0);
          close (fd);
        }
      else
        path = g_strdup (f->target);
      g_autofree char *arg = g_strdup_printf ("--policy=%s", path);
      g_auto (StatsTestRun) run;
      stats_test_run (&run, f->target, NULL, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15",
                      arg, NULL);
      if (run.status != 2 || strstr (run.err, path) == NULL || strstr (run.err, why[i]) == NULL)
        g_error ("--policy %s: exit %d, stderr:\n%s", kinds[i], run.status, run.err);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/stats/hostile-pool/list", Fixture, NULL, fixture_setup, test_list,
              fixture_teardown);
  g_test_add ("/stats/hostile-pool/compare", Fixture, NULL, fixture_setup, test_compare,
              fixture_teardown);
  g_test_add ("/stats/hostile-pool/policy", Fixture, NULL, fixture_setup, test_policy,
              fixture_teardown);
  return g_test_run ();
}
