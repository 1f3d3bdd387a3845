/* Test definition files: loading, errors that point into the file, plans. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "testdef.h"

static char *
write_tmp (const char *contents)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("ktstr-def-XXXXXX.ktstr", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static KtstrTestDef *
load_str (const char *contents, GError **error, char **path_out)
{
  g_autofree char *path = write_tmp (contents);
  KtstrTestDef *def = ktstr_testdef_load (path, error);
  g_unlink (path);
  if (path_out)
    *path_out = g_steal_pointer (&path);
  return def;
}

static void
test_load_valid_and_plan (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def = load_str ("[test]\nname=t1\ndescription=d\nduration_ms=1500\n"
                                           "workers=3\n\n[cgroup a]\nwork=Bursty\n"
                                           "work.burst_ms=20\nwork.sleep_ms=30\ncpuset=disjoint:0/2\n"
                                           "\n[cgroup b]\nworkers=1\n\n[checks]\nmax_gap_ms=5000\n",
                                           &error, NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "t1");
  g_assert_cmpstr (def->topology, ==, "1n1l2c1t");
  g_assert_cmpuint (def->duration_ms, ==, 1500);
  g_assert_cmpuint (def->cgroups->len, ==, 2);
  g_assert_cmpstr (ktstr_testdef_work_type (def), ==, "Mixed");
  g_autofree char *plan = ktstr_testdef_to_plan (def, "1n2l2c1t", 40000);
  g_assert_cmpstr (plan, ==,
                   "ktstr-plan 1\ntest t1\ntopology 1n2l2c1t\nduration_ms 1500\nsettle_ms 500\n"
                   "guard_ms 40000\nworkers 3\ncgroup a cpuset=disjoint:0/2\ncgroup b\n"
                   "work a Bursty workers=3 burst_ms=20 sleep_ms=30\n"
                   "work b CpuSpin workers=1\n");
}

static void
assert_load_error (const char *contents, int code, const char *const *needles)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (KtstrTestDef) def = load_str (contents, &error, &path);
  g_assert_null (def);
  g_assert_error (error, KTSTR_TESTDEF_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  for (const char *const *n = needles; *n; n++)
    if (strstr (error->message, *n) == NULL)
      g_error ("'%s' not in error '%s'", *n, error->message);
}

static void
test_errors (void)
{
  assert_load_error ("[test]\nname=x\nbogus=1\n[cgroup a]\n", KTSTR_TESTDEF_ERROR_UNKNOWN,
                     (const char *[]){ "[test]", "bogus", "unknown key", "duration_ms", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nwork=Spinny\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[cgroup a]", "work", "Spinny", "CpuSpin", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nwork.burst_ms=3\n", KTSTR_TESTDEF_ERROR_UNKNOWN,
                     (const char *[]){ "work.burst_ms", "CpuSpin", "none", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nworkers=0\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "workers", "between 1 and", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=half\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "cpuset", "half", "disjoint:I/N", NULL });
  assert_load_error ("[test]\nname=x\ntopology=2n3l1c1t\n[cgroup a]\n",
                     KTSTR_TESTDEF_ERROR_INVALID, (const char *[]){ "topology", "multiple", NULL });
  assert_load_error ("[test]\nname=x\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "at least one [cgroup NAME]", NULL });
  assert_load_error ("[test]\nname=x\n[cgroups a]\n", KTSTR_TESTDEF_ERROR_UNKNOWN,
                     (const char *[]){ "[cgroups a]", "unknown group", NULL });
  assert_load_error ("[cgroup a]\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[test]", "missing group", NULL });
  assert_load_error ("not a key file", KTSTR_TESTDEF_ERROR_PARSE, (const char *[]){ NULL });
}

static void
test_builtins_load (void)
{
  const char *top = g_getenv ("KTSTR_TOP_SRCDIR");
  g_autofree char *dir = g_build_filename (top ? top : ".", "data", "tests", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) defs = ktstr_testdef_load_dir (dir, &error);
  g_assert_no_error (error);
  static const char *required[] = { "cpuset_split", "oversubscribed", "steady", "steady_mixed" };
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < defs->len; j++)
        {
          KtstrTestDef *d = defs->pdata[j];
          found |= g_str_equal (d->name, required[i]);
          g_assert_cmpstr (d->description, !=, "");
        }
      g_assert_true (found);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/testdef/load-and-plan", test_load_valid_and_plan);
  g_test_add_func ("/testdef/errors", test_errors);
  g_test_add_func ("/testdef/builtins", test_builtins_load);
  return g_test_run ();
}
