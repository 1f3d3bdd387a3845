/* Loading the fixture pool, rows from sidecars, the bare analysis report,
 * and the listing commands, in process. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "stats/analysis.h"
#include "stats/list.h"
#include "stats/pool.h"
#include "tests/test-stats-util.h"

static KtstrStatsPool *
load_fixture_pool (gboolean is_archive)
{
  g_autofree char *root = stats_test_data_path ("pool");
  return ktstr_stats_pool_load_root (root, is_archive);
}

static const KtstrStatsRow *
find_row (const KtstrStatsPool *pool, const char *scenario, const char *commit)
{
  for (guint i = 0; i < pool->rows->len; i++)
    {
      const KtstrStatsRow *row = g_ptr_array_index (pool->rows, i);
      if (strcmp (row->scenario, scenario) == 0 && g_strcmp0 (row->project_commit, commit) == 0)
        return row;
    }
  return NULL;
}

static void
test_pool_walk (void)
{
  g_autoptr (KtstrStatsPool) pool = load_fixture_pool (FALSE);

  /* 4 + 4 + 2 + 1 + 2 (one corrupt file, one non-sidecar) + 12 (two job
   * subdirectories); .locks is not a run. */
  g_assert_cmpuint (pool->sidecars->len, ==, 25);
  g_assert_cmpuint (pool->rows->len, ==, 25);
  g_assert_cmpuint (pool->warnings->len, ==, 1);
  const char *warning = g_ptr_array_index (pool->warnings, 0);
  g_assert_nonnull (strstr (warning, "broken-00000000deadbeef.ktstr.json"));
  g_assert_nonnull (strstr (warning, "invalid JSON"));

  g_autofree char *root = stats_test_data_path ("pool");
  g_autoptr (GPtrArray) runs = ktstr_stats_list_run_dirs (root);
  g_assert_cmpuint (runs->len, ==, 6);
  for (guint i = 0; i < runs->len; i++)
    g_assert_cmpint (((const char *)g_ptr_array_index (runs, i))[0], !=, '.');
}

static void
test_nested_gauntlet (void)
{
  g_autofree char *dir = stats_test_data_path ("pool/ci-gauntlet");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_run (dir, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (pool->rows->len, ==, 12);
  for (guint i = 0; i < pool->rows->len; i++)
    g_assert_cmpstr (((KtstrStatsRow *)g_ptr_array_index (pool->rows, i))->run_source, ==, "ci");
}

static void
test_unknown_keys_and_missing_optionals (void)
{
  g_autoptr (KtstrStatsPool) pool = load_fixture_pool (FALSE);
  const KtstrStatsRow *row = find_row (pool, "sched_extra", NULL);

  g_assert_nonnull (row);
  g_assert_null (row->kernel_version);
  g_assert_null (row->run_source);
  g_assert_cmpfloat (row->metrics[KTSTR_METRIC_WORST_SPREAD], ==, 5.0);
}

static void
test_row_from_sidecar (void)
{
  g_autoptr (KtstrStatsPool) pool = load_fixture_pool (FALSE);
  const KtstrStatsRow *basic = find_row (pool, "sched_basic", "abc1234-dirty");
  const KtstrStatsRow *skip = find_row (pool, "sched_skip", "abc1234");

  g_assert_nonnull (basic);
  g_assert_cmpstr (basic->kernel_version, ==, "6.15.0");
  g_assert_cmpfloat (basic->metrics[KTSTR_METRIC_WORST_SPREAD], ==, 9.0);
  g_assert_cmpfloat (basic->metrics[KTSTR_METRIC_MAX_IMBALANCE_RATIO], ==, 1.5);
  g_assert_cmpfloat (basic->metrics[KTSTR_METRIC_MAX_DSQ_DEPTH], ==, 3.0);
  g_assert_cmpfloat (basic->metrics[KTSTR_METRIC_TOTAL_FALLBACK], ==, 2.0);
  g_assert_cmpfloat (basic->metrics[KTSTR_METRIC_TOTAL_KEEP_LAST], ==, 1.0);
  g_assert_cmpfloat (basic->metrics[KTSTR_METRIC_STALL_COUNT], ==, 0.0);
  g_assert_cmpfloat (basic->metrics[KTSTR_METRIC_TOTAL_ITERATIONS], ==, 10100.0);
  /* No monitor: the monitor metrics read 0. */
  g_assert_nonnull (skip);
  g_assert_true (skip->skipped);
  g_assert_cmpfloat (skip->metrics[KTSTR_METRIC_MAX_IMBALANCE_RATIO], ==, 0.0);
  g_assert_cmpfloat (skip->metrics[KTSTR_METRIC_MAX_DSQ_DEPTH], ==, 0.0);
}

static void
test_archive_rewrite (void)
{
  g_autoptr (KtstrStatsPool) pool = load_fixture_pool (TRUE);
  for (guint i = 0; i < pool->rows->len; i++)
    {
      const KtstrStatsRow *row = g_ptr_array_index (pool->rows, i);
      const KtstrSidecar *sc = g_ptr_array_index (pool->sidecars, i);
      g_assert_cmpstr (row->run_source, ==, "archive");
      g_assert_cmpstr (sc->run_source, ==, "archive");
    }
}

static void
test_missing_root_is_empty (void)
{
  g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_root ("/nonexistent/ktstr", FALSE);
  g_assert_cmpuint (pool->rows->len, ==, 0);
  g_assert_cmpuint (pool->warnings->len, ==, 0);
}

static void
test_analysis_golden (void)
{
  g_autofree char *dir = stats_test_data_path ("pool/ci-gauntlet");
  g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_run (dir, NULL);
  g_autofree char *report = ktstr_stats_format_analysis (pool->rows, pool->sidecars);

  stats_test_assert_golden (report, "analysis-ci-gauntlet.txt");
  /* Every section shows up because the gauntlet carries its data. */
  g_assert_nonnull (strstr (report, "=== GAUNTLET ANALYSIS ==="));
  g_assert_nonnull (strstr (report, "Outliers detected:\n  fork_storm"));
  g_assert_nonnull (strstr (report, "By work_type:"));
  g_assert_nonnull (strstr (report, "=== BPF VERIFIER STATS ==="));
  g_assert_nonnull (strstr (report, "=== BPF CALLBACK PROFILE ==="));
  g_assert_nonnull (strstr (report, "=== KVM STATS (avg across 12 VMs) ==="));
}

static void
test_analysis_sections_only_with_data (void)
{
  g_autofree char *dir = stats_test_data_path ("pool/6.14-unknown");
  g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_run (dir, NULL);
  g_autofree char *report = ktstr_stats_format_analysis (pool->rows, pool->sidecars);

  g_assert_nonnull (strstr (report, "No outliers detected."));
  g_assert_null (strstr (report, "BPF VERIFIER"));
  g_assert_null (strstr (report, "CALLBACK"));
  g_assert_null (strstr (report, "KVM"));
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  g_autofree char *empty = ktstr_stats_format_analysis (none, none);
  g_assert_cmpstr (empty, ==, "");
}

static void
test_analysis_dir (void)
{
  g_autofree char *target = stats_test_make_target ();
  g_autofree char *root = stats_test_runs_root (target);

  g_unsetenv ("KTSTR_SIDECAR_DIR");
  g_autofree char *newest = ktstr_stats_analysis_dir (root);
  g_autofree char *expected = g_build_filename (root, "6.15-9999999-dirty", NULL);
  g_assert_cmpstr (newest, ==, expected);
  g_setenv ("KTSTR_SIDECAR_DIR", "/some/where", TRUE);
  g_autofree char *overridden = ktstr_stats_analysis_dir (root);
  g_assert_cmpstr (overridden, ==, "/some/where");
  g_setenv ("KTSTR_SIDECAR_DIR", "", TRUE);
  g_autofree char *empty_is_unset = ktstr_stats_analysis_dir (root);
  g_assert_cmpstr (empty_is_unset, ==, expected);
  g_unsetenv ("KTSTR_SIDECAR_DIR");
  g_autofree char *none = ktstr_stats_analysis_dir ("/nonexistent");
  g_assert_null (none);
  stats_test_rm_rf (target);
}

static void
test_list_values (void)
{
  g_autoptr (KtstrStatsPool) pool = load_fixture_pool (FALSE);
  g_autofree char *text = ktstr_stats_format_values (pool, FALSE);
  g_autofree char *json = ktstr_stats_format_values (pool, TRUE);

  stats_test_assert_golden (text, "list-values.txt");
  stats_test_assert_golden (json, "list-values.json");
  /* null sorts first and reads `unknown` in text. */
  g_assert_nonnull (strstr (text, "kernel:\n  unknown\n  6.14.2\n  6.15.0\n\n"));
  g_assert_nonnull (strstr (json, "\"kernel\": [\n    null,"));

  g_autoptr (KtstrStatsPool) empty = ktstr_stats_pool_load_root ("/nonexistent", FALSE);
  g_autofree char *none = ktstr_stats_format_values (empty, FALSE);
  g_assert_nonnull (strstr (none, "flags:\n  (no sidecars in pool)\n"));
}

static void
test_show_host_errors (void)
{
  g_autofree char *root = stats_test_data_path ("pool");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = ktstr_stats_show_host (root, "6.14-abc124", FALSE, NULL, &error);

  g_assert_null (text);
  g_assert_error (error, KTSTR_STATS_LIST_ERROR, KTSTR_STATS_LIST_ERROR_UNKNOWN_RUN);
  g_assert_nonnull (strstr (error->message, "Did you mean '6.14-abc1234'?"));
  g_assert_nonnull (strstr (error->message, "ktstr-stats list"));
  g_clear_error (&error);

  g_assert_null (ktstr_stats_show_host (root, ".locks", FALSE, NULL, &error));
  g_assert_error (error, KTSTR_STATS_LIST_ERROR, KTSTR_STATS_LIST_ERROR_UNKNOWN_RUN);
  g_clear_error (&error);

  g_assert_null (ktstr_stats_show_host (root, "6.14-unknown", FALSE, NULL, &error));
  g_assert_error (error, KTSTR_STATS_LIST_ERROR, KTSTR_STATS_LIST_ERROR_NO_HOST);
  g_clear_error (&error);

  g_autofree char *tmp = g_dir_make_tmp ("ktstr-stats-empty-XXXXXX", NULL);
  g_autofree char *run = g_build_filename (tmp, "empty-run", NULL);
  g_assert_cmpint (g_mkdir (run, 0755), ==, 0);
  g_assert_null (ktstr_stats_show_host (tmp, "empty-run", FALSE, NULL, &error));
  g_assert_error (error, KTSTR_STATS_LIST_ERROR, KTSTR_STATS_LIST_ERROR_NO_SIDECARS);
  stats_test_rm_rf (tmp);
}

static void
test_show_host_scans_past_hostless (void)
{
  /* In ci-gauntlet, job-0's sidecars have no host and job-1's do. */
  g_autofree char *root = stats_test_data_path ("pool");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = ktstr_stats_show_host (root, "ci-gauntlet", FALSE, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text, "kernel_name: Linux\nkernel_release: 6.14.2\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/pool/walk", test_pool_walk);
  g_test_add_func ("/stats/pool/nested-gauntlet", test_nested_gauntlet);
  g_test_add_func ("/stats/pool/unknown-keys", test_unknown_keys_and_missing_optionals);
  g_test_add_func ("/stats/pool/row-from-sidecar", test_row_from_sidecar);
  g_test_add_func ("/stats/pool/archive-rewrite", test_archive_rewrite);
  g_test_add_func ("/stats/pool/missing-root", test_missing_root_is_empty);
  g_test_add_func ("/stats/analysis/golden", test_analysis_golden);
  g_test_add_func ("/stats/analysis/sections-need-data", test_analysis_sections_only_with_data);
  g_test_add_func ("/stats/analysis/dir", test_analysis_dir);
  g_test_add_func ("/stats/list-values", test_list_values);
  g_test_add_func ("/stats/show-host/errors", test_show_host_errors);
  g_test_add_func ("/stats/show-host/first-populated", test_show_host_scans_past_hostless);
  return g_test_run ();
}
