/* --tap and --junit: golden output for a pass, a failure (with a report
 * holding XML specials, a control character and invalid UTF-8) and a skip,
 * and the atomic JUnit write. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>

#include "run/output-junit.h"
#include "run/output-tap.h"

static KtstrTestResult *
result (KtstrOutcome outcome, const char *name, const char *topology, double secs,
        const char *verdict, const char *report, const char *sidecar)
{
  KtstrTestResult *r = g_new0 (KtstrTestResult, 1);
  r->outcome = outcome;
  r->name = g_strdup (name);
  r->topology = g_strdup (topology);
  r->duration_s = secs;
  r->verdict = g_strdup (verdict);
  r->report = g_strdup (report);
  r->sidecar_path = g_strdup (sidecar);
  return r;
}

static GPtrArray *
sample_results (void)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_test_result_free);
  g_ptr_array_add (a, result (KTSTR_OUTCOME_PASS, "gauntlet/steady/tiny-1llc/default", "1n1l4c1t",
                              7.46, NULL, NULL, "/runs/k-abc/steady-2baafd88dfef0d1f.ktstr.json"));
  g_ptr_array_add (a, result (KTSTR_OUTCOME_FAIL, "gauntlet/steady/tiny-2llc/llc+steal", "1n2l2c1t",
                              12.04, "cgroup \"cg_0\": spread 41.0% > 35% # unfair",
                              "ktstr_test 'steady' [topo=1n2l2c1t] failed:\n  spread <x> & y\n"
                              "\x1b[1mbold\x1b[0m \xff\n",
                              "/runs/k-abc/steady-158d5b4cb04a5b42.ktstr.json"));
  g_ptr_array_add (a, result (KTSTR_OUTCOME_SKIP, "gauntlet/steady/odd-3llc/default", "1n3l3c1t", 0,
                              "9 vCPUs > the TCG budget of 8 (KTSTR_VCPU_BUDGET)", NULL, NULL));
  return a;
}

static char *
read_golden (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "output", name, NULL);
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  g_file_get_contents (path, &data, NULL, &error);
  g_assert_no_error (error);
  return data;
}

static void
test_tap_golden (void)
{
  g_autoptr (GPtrArray) results = sample_results ();
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *head = ktstr_tap_header (results->len);
  g_string_append (out, head);
  for (guint i = 0; i < results->len; i++)
    {
      g_autofree char *lines = ktstr_tap_result (i + 1, results->pdata[i]);
      g_string_append (out, lines);
    }
  g_autofree char *want = read_golden ("results.tap");
  g_assert_cmpstr (out->str, ==, want);
}

static void
test_tap_bail_out (void)
{
  g_autofree char *s = ktstr_tap_bail_out ("interrupted #1\nnow");
  g_assert_cmpstr (s, ==, "Bail out! interrupted  1 now\n");
}

static void
test_junit_golden (void)
{
  g_autoptr (GPtrArray) results = sample_results ();
  g_autofree char *xml = ktstr_junit_to_data ("ktstr", results, 19.5);
  g_autofree char *want = read_golden ("results.xml");
  g_assert_cmpstr (xml, ==, want);
  g_assert_true (g_utf8_validate (xml, -1, NULL));
}

static void
test_junit_write_atomic (void)
{
  g_autoptr (GPtrArray) results = sample_results ();
  g_autofree char *dir = g_dir_make_tmp ("ktstr-junit-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "junit.xml", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_true (ktstr_junit_write (path, "ktstr", results, 19.5, &error));
  g_assert_no_error (error);
  g_autofree char *data = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  g_autofree char *want = read_golden ("results.xml");
  g_assert_cmpstr (data, ==, want);
  /* Only the file itself: no temporary left behind. */
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (d), ==, "junit.xml");
  g_assert_null (g_dir_read_name (d));
  g_unlink (path);
  g_rmdir (dir);

  g_autofree char *bad = g_build_filename (dir, "missing", "junit.xml", NULL);
  g_assert_false (ktstr_junit_write (bad, "ktstr", results, 1, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_true (g_str_has_prefix (error->message, "--junit "));
}

static void
test_junit_empty (void)
{
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  g_autofree char *xml = ktstr_junit_to_data ("ktstr", none, 0);
  g_assert_cmpstr (xml, ==,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<testsuites name=\"ktstr\" tests=\"0\" failures=\"0\" errors=\"0\" "
                   "skipped=\"0\" time=\"0.000\">\n"
                   "  <testsuite name=\"ktstr\" tests=\"0\" failures=\"0\" errors=\"0\" "
                   "skipped=\"0\" time=\"0.000\">\n"
                   "  </testsuite>\n</testsuites>\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/output/tap/golden", test_tap_golden);
  g_test_add_func ("/output/tap/bail-out", test_tap_bail_out);
  g_test_add_func ("/output/junit/golden", test_junit_golden);
  g_test_add_func ("/output/junit/write-atomic", test_junit_write_atomic);
  g_test_add_func ("/output/junit/empty", test_junit_empty);
  return g_test_run ();
}
