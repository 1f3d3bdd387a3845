/* What `ktstr verifier` prints (sched/verifier-report.h): the table for
 * one load and for several profiles and kernels, the warning from 75 % of
 * the verifier's limit, a failed load with its log, the JSON document,
 * and the raw (uncollapsed) verifier log extraction. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "record/sidecar.h"
#include "sched/verifier-log.h"
#include "sched/verifier-report.h"

static KtstrVerifierResult *
loaded (const char *kernel, const char *profile, const char *name1, guint32 n1, const char *name2,
        guint32 n2)
{
  KtstrVerifierResult *r = ktstr_verifier_result_new (kernel, profile);
  r->is_loaded = TRUE;
  g_ptr_array_add (r->programs, ktstr_verifier_stat_new (name1, n1));
  if (name2 != NULL)
    g_ptr_array_add (r->programs, ktstr_verifier_stat_new (name2, n2));
  return r;
}

static GPtrArray *
results_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_verifier_result_free);
}

static void
test_percent (void)
{
  g_assert_cmpfloat_with_epsilon (ktstr_verifier_percent (0), 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ktstr_verifier_percent (750000), 75.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ktstr_verifier_percent (1000000), 100.0, 1e-12);
}

static void
test_one_load (void)
{
  g_autoptr (GPtrArray) rs = results_new ();
  g_ptr_array_add (rs, loaded ("6.12.0", "default", "simple_enqueue", 1234, "simple_init", 20));
  g_autoptr (GString) out = g_string_new (NULL);
  ktstr_verifier_report_text (rs, out);
  g_assert_nonnull (strstr (out->str, "PROGRAM"));
  g_assert_nonnull (strstr (out->str, "VERIFIED INSNS (% OF 1000000)"));
  g_assert_nonnull (strstr (out->str, "simple_enqueue"));
  g_assert_nonnull (strstr (out->str, "1234 (0.12%)"));
  g_assert_nonnull (strstr (out->str, "20 (0.00%)"));
  g_assert_null (strstr (out->str, "!"));
  g_autoptr (GString) warn = g_string_new (NULL);
  g_assert_cmpuint (ktstr_verifier_report_warnings (rs, warn), ==, 0);
  g_assert_cmpstr (warn->str, ==, "");
}

static void
test_warning_threshold (void)
{
  g_autoptr (GPtrArray) rs = results_new ();
  /* Just under and exactly at 75 %. */
  g_ptr_array_add (rs, loaded ("6.12.0", "default", "below", 749999, "at", 750000));
  g_autoptr (GString) out = g_string_new (NULL);
  ktstr_verifier_report_text (rs, out);
  g_assert_nonnull (strstr (out->str, "750000 (75.00%)!"));
  g_assert_null (strstr (out->str, "749999 (75.00%)!"));
  g_autoptr (GString) warn = g_string_new (NULL);
  g_assert_cmpuint (ktstr_verifier_report_warnings (rs, warn), ==, 1);
  g_assert_true (g_str_has_prefix (warn->str, "warning: at (profile default, kernel 6.12.0)"));
  g_assert_null (strstr (warn->str, "below"));
}

static void
test_profiles_and_kernels (void)
{
  g_autoptr (GPtrArray) rs = results_new ();
  g_ptr_array_add (rs, loaded ("6.12.0", "default", "a_enqueue", 100, NULL, 0));
  g_ptr_array_add (rs, loaded ("6.12.0", "lowlat", "a_enqueue", 150, "a_tick", 7));
  g_autoptr (GString) out = g_string_new (NULL);
  ktstr_verifier_report_text (rs, out);
  /* One kernel: the columns are the profiles; a_tick is missing from the
   * default load. */
  g_assert_nonnull (strstr (out->str, "default"));
  g_assert_nonnull (strstr (out->str, "lowlat"));
  g_assert_null (strstr (out->str, "6.12.0/"));
  g_auto (GStrv) lines = g_strsplit (out->str, "\n", -1);
  gboolean has_tick = FALSE;
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix (*l, "a_tick"))
      {
        has_tick = TRUE;
        g_assert_nonnull (strstr (*l, " - "));
        g_assert_nonnull (strstr (*l, "7 (0.00%)"));
      }
  g_assert_true (has_tick);

  g_ptr_array_add (rs, loaded ("6.13.0", "default", "a_enqueue", 99, NULL, 0));
  g_string_truncate (out, 0);
  ktstr_verifier_report_text (rs, out);
  g_assert_nonnull (strstr (out->str, "6.12.0/lowlat"));
  g_assert_nonnull (strstr (out->str, "6.13.0/default"));
}

static void
test_failed_load (void)
{
  g_autoptr (GPtrArray) rs = results_new ();
  g_ptr_array_add (rs, loaded ("6.12.0", "default", "a_enqueue", 100, NULL, 0));
  KtstrVerifierResult *bad = ktstr_verifier_result_new ("6.12.0", "broken");
  bad->error = g_strdup ("scheduler failed to load");
  bad->log = g_strdup ("0: (b7) r0 = 0\nR1 invalid mem access 'scalar'\n");
  g_ptr_array_add (rs, bad);
  g_autoptr (GString) out = g_string_new (NULL);
  ktstr_verifier_report_text (rs, out);
  g_assert_nonnull (strstr (out->str, "FAILED"));
  g_assert_nonnull (
      strstr (out->str, "profile broken on kernel 6.12.0 did not load: scheduler failed to load\n"
                        "verifier log:\n0: (b7) r0 = 0\nR1 invalid mem access 'scalar'\n"));

  /* Only a failed load: no table, only the failure. */
  g_ptr_array_remove_index (rs, 0);
  g_string_truncate (out, 0);
  ktstr_verifier_report_text (rs, out);
  g_assert_true (g_str_has_prefix (out->str, "profile broken on kernel 6.12.0 did not load"));
}

static void
test_json (void)
{
  g_autoptr (GPtrArray) rs = results_new ();
  g_ptr_array_add (rs, loaded ("6.12.0", "default", "a_enqueue", 800000, NULL, 0));
  KtstrVerifierResult *bad = ktstr_verifier_result_new ("6.12.0", "x");
  bad->error = g_strdup ("failed");
  g_ptr_array_add (rs, bad);
  g_autofree char *json = ktstr_verifier_report_json (rs);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  g_assert_cmpint (json_object_get_int_member (o, "insn_limit"), ==, 1000000);
  JsonArray *loads = json_object_get_array_member (o, "loads");
  g_assert_cmpuint (json_array_get_length (loads), ==, 2);
  JsonObject *l0 = json_array_get_object_element (loads, 0);
  g_assert_true (json_object_get_boolean_member (l0, "loaded"));
  g_assert_cmpstr (json_object_get_string_member (l0, "profile"), ==, "default");
  JsonObject *prog
      = json_array_get_object_element (json_object_get_array_member (l0, "programs"), 0);
  g_assert_cmpstr (json_object_get_string_member (prog, "name"), ==, "a_enqueue");
  g_assert_cmpint (json_object_get_int_member (prog, "verified_insns"), ==, 800000);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (prog, "percent_of_limit"), 80.0,
                                  1e-9);
  g_assert_true (json_object_get_boolean_member (prog, "near_limit"));
  JsonObject *l1 = json_array_get_object_element (loads, 1);
  g_assert_false (json_object_get_boolean_member (l1, "loaded"));
  g_assert_cmpstr (json_object_get_string_member (l1, "error"), ==, "failed");
  g_assert_true (json_object_get_null_member (l1, "verifier_log"));
}

static void
test_raw_log (void)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new ();
  const char *src[] = { "libbpf: prog 'x': BPF program load failed: Permission denied",
                        "libbpf: prog 'x': -- BEGIN PROG LOAD LOG --",
                        "1: (07) r1 += 1 ; R1_w=1",
                        "1: (07) r1 += 1 ; R1_w=2",
                        "1: (07) r1 += 1 ; R1_w=3",
                        "R1 invalid mem access",
                        "-- END PROG LOAD LOG --",
                        NULL };
  for (const char **l = src; *l; l++)
    g_ptr_array_add (lines, (gpointer)*l);
  g_autofree char *raw = ktstr_verifier_log_extract_full (lines, FALSE);
  g_assert_cmpstr (raw, ==,
                   "1: (07) r1 += 1 ; R1_w=1\n1: (07) r1 += 1 ; R1_w=2\n"
                   "1: (07) r1 += 1 ; R1_w=3\nR1 invalid mem access\n");
  g_autofree char *collapsed = ktstr_verifier_log_extract_full (lines, TRUE);
  g_assert_nonnull (strstr (collapsed, "repeated 2 more times"));
  g_autofree char *same = ktstr_verifier_log_extract (lines);
  g_assert_cmpstr (same, ==, collapsed);

  /* No load failure in the output: no log either way. */
  g_autoptr (GPtrArray) fine = g_ptr_array_new ();
  g_ptr_array_add (fine, (gpointer) "scheduler ready");
  g_assert_null (ktstr_verifier_log_extract_full (fine, FALSE));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/verifier/report/percent", test_percent);
  g_test_add_func ("/verifier/report/one-load", test_one_load);
  g_test_add_func ("/verifier/report/warning-threshold", test_warning_threshold);
  g_test_add_func ("/verifier/report/profiles-and-kernels", test_profiles_and_kernels);
  g_test_add_func ("/verifier/report/failed-load", test_failed_load);
  g_test_add_func ("/verifier/report/json", test_json);
  g_test_add_func ("/verifier/log/raw", test_raw_log);
  return g_test_run ();
}
