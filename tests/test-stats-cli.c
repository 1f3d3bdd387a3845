/* The ktstr-stats program end to end: golden outputs, exit statuses and
 * diagnostics, against a private copy of tests/data/stats/pool. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <string.h>

#include "tests/test-stats-trials.h"
#include "tests/test-stats-util.h"

typedef struct
{
  char *target;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->target = stats_test_make_target ();
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  stats_test_rm_rf (f->target);
  g_free (f->target);
}

#define RUN(f, ...) stats_test_run (&run, (f)->target, NULL, __VA_ARGS__, NULL)

static void
test_list (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  /* list ignores KTSTR_SIDECAR_DIR. */
  const char *env[] = { "KTSTR_SIDECAR_DIR=/nonexistent", NULL };
  stats_test_run (&run, f->target, env, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  stats_test_assert_golden (run.out, "list.txt");
  /* The corrupt sidecar is reported, with its path. */
  g_assert_nonnull (strstr (run.err, "broken-00000000deadbeef.ktstr.json"));
}

static void
test_list_no_runs (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  stats_test_run (&run, "/nonexistent-target", NULL, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==,
                   "no runs found at /nonexistent-target/ktstr. Run `ktstr test` to generate "
                   "sidecar data.\n");
}

static void
test_list_json (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) none;
  RUN (f, "list", "--json");
  g_assert_cmpint (run.status, ==, 0);
  stats_test_assert_golden (run.out, "list.json");
  /* No runs: an empty array a script can read, not a sentence. */
  stats_test_run (&none, "/nonexistent-target", NULL, "list", "--json", NULL);
  g_assert_cmpint (none.status, ==, 0);
  g_assert_cmpstr (none.out, ==, "[]\n");
}

static void
test_list_metrics (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) text;
  g_auto (StatsTestRun) json;
  stats_test_run (&text, f->target, NULL, "list-metrics", NULL);
  stats_test_run (&json, f->target, NULL, "list-metrics", "--json", NULL);
  g_assert_cmpint (text.status, ==, 0);
  g_assert_cmpint (json.status, ==, 0);
  stats_test_assert_golden (text.out, "list-metrics.txt");
  stats_test_assert_golden (json.out, "list-metrics.json");
}

static void
test_list_values_dir_is_archive (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_autofree char *root = stats_test_runs_root (f->target);
  RUN (f, "list-values", "--json", "--dir", root);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\"source\": [\n    \"archive\"\n  ],"));
}

static void
test_show_host (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  RUN (f, "show-host", "--run", "6.15-abc1234");
  g_assert_cmpint (run.status, ==, 0);
  stats_test_assert_golden (run.out, "show-host-6.15-abc1234.txt");
}

static void
test_show_host_dir (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_autofree char *root = stats_test_runs_root (f->target);
  /* --dir wins over the runs root. */
  stats_test_run (&run, "/nonexistent-target", NULL, "show-host", "--run", "6.15-abc1234", "--dir",
                  root, NULL);
  g_assert_cmpint (run.status, ==, 0);
  stats_test_assert_golden (run.out, "show-host-6.15-abc1234.txt");
}

static void
test_show_host_json (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) missing;
  RUN (f, "show-host", "--run", "6.15-abc1234", "--json");
  g_assert_cmpint (run.status, ==, 0);
  stats_test_assert_golden (run.out, "show-host-6.15-abc1234.json");
  /* Errors stay on stderr with exit 2, nothing half-written on stdout. */
  stats_test_run (&missing, f->target, NULL, "show-host", "--run", "6.14-unknown", "--json", NULL);
  g_assert_cmpint (missing.status, ==, 2);
  g_assert_cmpstr (missing.out, ==, "");
  g_assert_nonnull (strstr (missing.err, "none carries a populated host context"));
}

static void
test_show_host_unknown_run (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  RUN (f, "show-host", "--run", "6.15-abc123");
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, "ktstr-stats show-host: error: run '6.15-abc123' not "
                                     "found under "));
  g_assert_nonnull (strstr (run.err, "Did you mean '6.15-abc1234'?"));
}

static void
test_show_host_needs_run (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  RUN (f, "show-host");
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--run RUN is required"));
}

static void
test_compare_text_regression (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  RUN (f, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--project-commit", "abc1234");
  g_assert_cmpint (run.status, ==, 1);
  stats_test_assert_golden (run.out, "compare-kernel.txt");
  g_assert_null (strstr (run.out, "\033["));
}

static void
test_compare_json (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_autoptr (JsonParser) parser = json_parser_new ();
  RUN (f, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--project-commit", "abc1234",
       "--json");
  g_assert_cmpint (run.status, ==, 1);
  stats_test_assert_golden (run.out, "compare-kernel.json");
  g_assert_true (json_parser_load_from_data (parser, run.out, -1, NULL));
  JsonObject *summary = json_object_get_object_member (
      json_node_get_object (json_parser_get_root (parser)), "summary");
  g_assert_cmpint (json_object_get_int_member (summary, "regressions"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (summary, "verdict"), ==, "regression");
}

static void
test_compare_no_regression (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  /* WIP vs baseline: the dirty tree only improved sched_basic's spread... */
  RUN (f, "compare", "--a-project-commit", "abc1234", "--b-project-commit", "abc1234-dirty",
       "--kernel", "6.15", "-E", "sched_mixed");
  g_assert_cmpint (run.status, ==, 0);
  stats_test_assert_golden (run.out, "compare-dirty-mixed.txt");
  /* ...and dirty trees are flagged on stderr. */
  g_assert_nonnull (strstr (run.err, "warning: comparison includes dirty builds:\n"
                                     "  - project: abc1234-dirty"));
}

static void
test_compare_threshold_and_no_average (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  /* A 1 % relative gate makes the small sched_mixed drift significant. */
  RUN (f, "compare", "--a-project-commit", "abc1234", "--b-project-commit", "abc1234-dirty",
       "--kernel", "6.15", "-E", "sched_mixed", "--threshold", "1", "--no-average");
  g_assert_cmpint (run.status, ==, 1);
  stats_test_assert_golden (run.out, "compare-dirty-mixed-threshold.txt");
  g_assert_null (strstr (run.out, "averaged across"));
}

static void
test_compare_bad_policy (Fixture *f, gconstpointer data)
{
  static const char *const policies[]
      = { "policy-unknown-metric.json", "policy-negative.json", "policy-unknown-key.json" };
  for (guint i = 0; i < G_N_ELEMENTS (policies); i++)
    {
      g_auto (StatsTestRun) run;
      g_autofree char *path = stats_test_data_path (policies[i]);
      RUN (f, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--policy", path);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_nonnull (strstr (run.err, "ktstr-stats compare: error: comparison policy '"));
      g_assert_nonnull (strstr (run.err, policies[i]));
    }
}

static void
test_compare_good_policy (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_autofree char *path = stats_test_data_path ("policy-lenient.json");
  /* 200 % for every metric: nothing is significant any more. */
  RUN (f, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--project-commit", "abc1234",
       "--policy", path);
  g_assert_cmpint (run.status, ==, 0);
  /* 34 of the Rust registry's metrics, 4 of ktstr's monitor ones. */
  g_assert_nonnull (strstr (run.out, "summary: 0 regressions, 0 improvements, 38 unchanged\n"));
}

static void
test_compare_usage_errors (Fixture *f, gconstpointer data)
{
  static const char *const cases[][6] = {
    { "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--bogus" },
    { "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--threshold=x" },
    { "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--threshold=-5" },
    { "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "stray" },
    { "compare", "--kernel", "6.14", NULL },
    { "frobnicate", NULL },
  };
  static const char *const expected[]
      = { "Unknown option --bogus",      "'x' is not a number",           "non-negative",
          "unexpected argument 'stray'", "A and B select identical rows", "unknown command" };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (StatsTestRun) run;
      const char *const *a = cases[i];
      stats_test_run (&run, f->target, NULL, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, expected[i]));
    }
  g_auto (StatsTestRun) run;
  RUN (f, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--threshold", "5", "--policy",
       "x.json");
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "exclude each other"));
}

static void
test_compare_no_match_hint (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  RUN (f, "compare", "--a-project-commit", "9999999", "--b-project-commit", "abc1234");
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "side A matched 0 of the 25 sidecars"));
  g_assert_nonnull (strstr (run.err, "did you mean --project-commit 9999999-dirty?"));
}

static void
test_compare_unknown_does_not_match_null (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  /* 6.14-unknown's sidecars have project_commit null: `unknown` is only
   * the directory name, and the error says so rather than matching
   * nothing. */
  RUN (f, "compare", "--a-project-commit", "unknown", "--b-project-commit", "abc1234");
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--a-project-commit: 'unknown' is how a run directory's "
                                     "name shows a null commit"));
}

static void
test_compare_multi_dimension_warning (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  RUN (f, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--a-scheduler", "scx_lavd",
       "--b-scheduler", "scx_rusty");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "warning: slicing on 2 dimensions [kernel, scheduler]"));
  g_assert_nonnull (strstr (run.out, "averaged across 12 runs (6.14:scx_lavd) and 7 runs "
                                     "(6.15:scx_rusty)\n"));
}

static void
test_compare_dir_is_archive (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) local;
  g_autofree char *root = stats_test_runs_root (f->target);
  RUN (f, "compare", "--dir", root, "--a-kernel", "6.14", "--b-kernel", "6.15", "--run-source",
       "archive", "--project-commit", "abc1234");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.out, "sched_basic/scx_rusty/1n2l4c1t/CpuSpin/abc1234//archive/"));
  stats_test_run (&local, f->target, NULL, "compare", "--dir", root, "--a-kernel", "6.14",
                  "--b-kernel", "6.15", "--run-source", "local", NULL);
  g_assert_cmpint (local.status, ==, 2);
  g_assert_nonnull (strstr (local.err, "no sidecar has run_source 'local'"));
}

static void
test_compare_no_data (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  stats_test_run (&run, "/nonexistent-target", NULL, "compare", "--a-kernel", "6.14", "--b-kernel",
                  "6.15", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "no sidecar data found under /nonexistent-target/ktstr"));
}

/* Whether a line of TEXT contains each of the NULL-terminated strings. */
static gboolean
has_line_with (const char *text, ...)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      va_list ap;
      gboolean all = TRUE;
      va_start (ap, text);
      for (const char *want = va_arg (ap, const char *); want != NULL;
           want = va_arg (ap, const char *))
        all &= strstr (*line, want) != NULL;
      va_end (ap);
      if (all)
        return TRUE;
    }
  return FALSE;
}

/* A runs root of synthetic trials (5 a side, six tests) in a fresh target. */
static char *
make_trials_target (guint trials, double drop)
{
  char *target = g_dir_make_tmp ("ktstr-stats-trials-XXXXXX", NULL);
  g_autofree char *root = stats_test_runs_root (target);
  stats_test_write_trial_pool (root, 20260110, trials, drop);
  return target;
}

static JsonObject *
parse_object (JsonParser *parser, const char *text)
{
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_compare_trials_aa (Fixture *f, gconstpointer data)
{
  g_autofree char *target = make_trials_target (5, 0.0);
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) gates;
  g_auto (StatsTestRun) json;
  g_autoptr (JsonParser) parser = json_parser_new ();

  /* No change: the noise passes the gates, the tests turn it down. */
  stats_test_run (&run, target, NULL, "compare", "--a-project-commit", "aaaaaaa",
                  "--b-project-commit", "bbbbbbb", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "significance: Welch's t-test per metric (log scale for rates "
                                     "and durations), alpha 0.05, Benjamini-Hochberg FDR 0.05 "
                                     "over 60 tests\n"));
  g_assert_nonnull (strstr (run.out, "summary: 0 regressions, 0 improvements, 60 unchanged\n"
                                     "  6 change(s) passed the gates but are within noise"));
  g_assert_true (has_line_with (run.out, "  within noise  ", "  5/5  ", "% CI", NULL) == FALSE);
  g_assert_true (has_line_with (run.out, "  within noise  ", "  5/5  ", "trials a side", NULL));
  g_assert_true (has_line_with (run.out, "  N  ", "  CV  ", "  95% CI  ", "  Q  ", "NOTE", NULL));
  /* --no-stats is the gates alone: the same pool then fails. */
  stats_test_run (&gates, target, NULL, "compare", "--a-project-commit", "aaaaaaa",
                  "--b-project-commit", "bbbbbbb", "--no-stats", NULL);
  g_assert_cmpint (gates.status, ==, 1);
  g_assert_null (strstr (gates.out, "significance"));
  g_assert_null (strstr (gates.out, "within noise"));
  /* JSON: every metric carries its test; the summary counts the noise. */
  stats_test_run (&json, target, NULL, "compare", "--a-project-commit", "aaaaaaa",
                  "--b-project-commit", "bbbbbbb", "--json", NULL);
  g_assert_cmpint (json.status, ==, 0);
  JsonObject *root = parse_object (parser, json.out);
  JsonObject *summary = json_object_get_object_member (root, "summary");
  g_assert_cmpint (json_object_get_int_member (summary, "within_noise"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (summary, "regressions"), ==, 0);
  JsonObject *sig = json_object_get_object_member (root, "significance");
  g_assert_cmpint (json_object_get_int_member (sig, "tests"), ==, 60);
  JsonArray *rows = json_object_get_array_member (root, "rows");
  JsonObject *row = json_array_get_object_element (rows, 0);
  JsonObject *metric
      = json_array_get_object_element (json_object_get_array_member (row, "metrics"), 0);
  g_assert_cmpint (json_object_get_int_member (metric, "n_a"), ==, 5);
  JsonObject *test = json_object_get_object_member (metric, "test");
  g_assert_nonnull (test);
  g_assert_cmpfloat (json_object_get_double_member (sig, "alpha"), ==, 0.05);
  g_assert_true (json_object_has_member (test, "ci_rel_low"));
  g_assert_cmpstr (json_object_get_string_member (test, "scale"), ==, "linear");
  g_assert_true (json_object_has_member (test, "q_value"));
  stats_test_rm_rf (target);
}

static void
test_compare_trials_ab (Fixture *f, gconstpointer data)
{
  g_autofree char *target = make_trials_target (5, 0.30);
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) strict;

  /* A 30 % throughput drop at 5 trials a side is found. */
  stats_test_run (&run, target, NULL, "compare", "--a-project-commit", "aaaaaaa",
                  "--b-project-commit", "bbbbbbb", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (has_line_with (run.out, "steady/", "  total_iterations  ", "  REGRESSION  ",
                                "  5/5  ", NULL));
  g_assert_nonnull (strstr (run.out, "summary: 12 regressions, 0 improvements"));
  /* An absurdly strict level finds nothing: the tests, not the gates, decide. */
  stats_test_run (&strict, target, NULL, "compare", "--a-project-commit", "aaaaaaa",
                  "--b-project-commit", "bbbbbbb", "--alpha", "1e-12", NULL);
  g_assert_cmpint (strict.status, ==, 0);
  g_assert_nonnull (strstr (strict.out, "summary: 0 regressions"));
  stats_test_rm_rf (target);
}

static void
test_compare_single_trial_note (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  RUN (f, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", "--project-commit", "abc1234");
  g_assert_cmpint (run.status, ==, 1);
  /* One sidecar a side: the gates decide and say so. */
  g_assert_nonnull (strstr (run.out, "REGRESSION   unconfirmed (1/1 trials); ~"));
  g_assert_nonnull (strstr (run.out, "  5 verdict(s) unconfirmed: fewer than 2 trials on a side"));
  g_assert_null (strstr (run.out, "significance:"));
}

static void
test_compare_stats_usage_errors (Fixture *f, gconstpointer data)
{
  static const char *const cases[][2] = {
    { "--alpha", "x" },  { "--alpha", "1.5" }, { "--alpha", "0" },
    { "--fdr", "nope" }, { "--fdr", "1" },     { "--fdr", "-0.1" },
  };
  static const char *const expected[] = {
    "--alpha 'x' is not a number; give a significance level such as 0.05",
    "--alpha 1.5 is out of range: it is a probability between 0 and 1",
    "--alpha 0 is out of range",
    "--fdr 'nope' is not a number; give a false discovery rate such as 0.05 or 0.1, or 'off'",
    "--fdr 1 is out of range",
    "--fdr -0.1 is out of range",
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (StatsTestRun) run;
      RUN (f, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15", cases[i][0], cases[i][1]);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_nonnull (strstr (run.err, expected[i]));
    }
  g_auto (StatsTestRun) both;
  stats_test_run (&both, f->target, NULL, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15",
                  "--no-stats", "--fdr", "0.1", NULL);
  g_assert_cmpint (both.status, ==, 2);
  g_assert_nonnull (strstr (both.err, "--no-stats turns the significance tests off"));
  g_auto (StatsTestRun) off;
  stats_test_run (&off, f->target, NULL, "compare", "--a-kernel", "6.14", "--b-kernel", "6.15",
                  "--project-commit", "abc1234", "--fdr", "off", "--alpha", "0.01", NULL);
  g_assert_cmpint (off.status, ==, 1);
}

static void
test_noise (Fixture *f, gconstpointer data)
{
  g_autofree char *target = make_trials_target (5, 0.0);
  g_autofree char *root = stats_test_runs_root (target);
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) one;
  g_auto (StatsTestRun) json;
  g_auto (StatsTestRun) dir;
  g_autoptr (JsonParser) parser = json_parser_new ();

  stats_test_run (&run, target, NULL, "noise", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "noise across trials: 12 test configuration(s), 5 "
                                            "trials each\n"));
  g_assert_nonnull (strstr (run.out, "TEST  "));
  g_assert_nonnull (strstr (run.out, "  CONFIGS  MEDIAN_CV  MAX_CV  TYPICAL_CV\n"));
  /* Filters narrow the configurations like compare's shared filters. */
  stats_test_run (&one, target, NULL, "noise", "--project-commit", "aaaaaaa", "-E", "pipe_io",
                  "--change", "30", NULL);
  g_assert_cmpint (one.status, ==, 0);
  g_assert_true (g_str_has_prefix (one.out, "noise across trials: 1 test configuration(s)"));
  g_assert_nonnull (
      strstr (one.out, "TRIALS: trials a side to find a 30 % change with 80 % power,\n  at p <= "));
  stats_test_run (&json, target, NULL, "noise", "--json", "--fdr", "off", NULL);
  g_assert_cmpint (json.status, ==, 0);
  JsonObject *obj = parse_object (parser, json.out);
  g_assert_true (json_object_get_null_member (obj, "fdr"));
  g_assert_cmpint (json_object_get_int_member (obj, "configurations"), ==, 12);
  g_assert_cmpfloat (json_object_get_double_member (obj, "level"), ==, 0.05);
  /* --dir reads another root, as everywhere. */
  stats_test_run (&dir, "/nonexistent-target", NULL, "noise", "--dir", root, "--run-source",
                  "archive", NULL);
  g_assert_cmpint (dir.status, ==, 0);
  g_assert_nonnull (strstr (dir.out, "/archive/"));
  stats_test_rm_rf (target);
}

static void
test_noise_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *policy = stats_test_data_path ("policy-lenient.json");
  static const char *const bad_change[] = { "x", "-3" };
  static const char *const expected[]
      = { "--change 'x' is not a number; give a percentage such as 10 or 2.5",
          "--change must be a non-negative percentage; got -3" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_change); i++)
    {
      g_auto (StatsTestRun) run;
      RUN (f, "noise", "--change", bad_change[i]);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, expected[i]));
    }
  g_auto (StatsTestRun) both;
  stats_test_run (&both, f->target, NULL, "noise", "--change", "10", "--policy", policy, NULL);
  g_assert_cmpint (both.status, ==, 2);
  g_assert_nonnull (strstr (both.err, "--change and --policy exclude each other"));
  g_auto (StatsTestRun) alpha;
  stats_test_run (&alpha, f->target, NULL, "noise", "--alpha", "2", NULL);
  g_assert_cmpint (alpha.status, ==, 2);
  g_assert_nonnull (strstr (alpha.err, "ktstr-stats noise: error: --alpha 2 is out of range"));
  g_auto (StatsTestRun) none;
  stats_test_run (&none, "/nonexistent-target", NULL, "noise", NULL);
  g_assert_cmpint (none.status, ==, 2);
  g_assert_nonnull (strstr (none.err, "no sidecar data found under /nonexistent-target/ktstr"));
  /* The fixture pool's 6.14 runs have one sidecar per configuration. */
  g_auto (StatsTestRun) single;
  stats_test_run (&single, f->target, NULL, "noise", "--kernel", "6.14", NULL);
  g_assert_cmpint (single.status, ==, 0);
  g_assert_true (g_str_has_prefix (single.out, "noise: no test configuration has 2 or more "
                                               "passing trials\n"));
}

static void
test_analysis (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) none;
  g_autofree char *root = stats_test_runs_root (f->target);
  g_autofree char *env_dir = g_strdup_printf ("KTSTR_SIDECAR_DIR=%s/ci-gauntlet", root);
  const char *env[] = { env_dir, NULL };

  stats_test_run (&run, f->target, env, NULL);
  g_assert_cmpint (run.status, ==, 0);
  stats_test_assert_golden (run.out, "analysis-ci-gauntlet.txt");

  stats_test_run (&none, "/nonexistent-target", NULL, NULL);
  g_assert_cmpint (none.status, ==, 0);
  g_assert_cmpstr (none.out, ==, "");
  g_assert_cmpstr (none.err, ==, "ktstr-stats: no sidecar data found (skipped)\n");
}

static void
test_help (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) cmd;
  RUN (f, "--help");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Exit status: 0 success"));
  g_assert_nonnull (strstr (run.out, "  noise            show each metric's noise"));
  g_assert_nonnull (strstr (run.out, "  explain-sidecar  say why a run's sidecar fields are null"));
  stats_test_run (&cmd, f->target, NULL, "help", "compare", NULL);
  g_assert_cmpint (cmd.status, ==, 0);
  g_assert_true (g_str_has_prefix (cmd.out, "Usage:\n  ktstr-stats compare [OPTION…]\n"));
  g_assert_nonnull (strstr (cmd.out, "--b-project-commit"));
  g_assert_nonnull (strstr (cmd.out, "--repo=DIR"));
  g_assert_nonnull (strstr (cmd.out, "--kernel-repo=DIR"));
  g_assert_nonnull (strstr (cmd.out, "2 usage or data error"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/stats/cli/list", test_list);
  ADD ("/stats/cli/list/no-runs", test_list_no_runs);
  ADD ("/stats/cli/list/json", test_list_json);
  ADD ("/stats/cli/list-metrics", test_list_metrics);
  ADD ("/stats/cli/list-values/dir-is-archive", test_list_values_dir_is_archive);
  ADD ("/stats/cli/show-host", test_show_host);
  ADD ("/stats/cli/show-host/dir", test_show_host_dir);
  ADD ("/stats/cli/show-host/json", test_show_host_json);
  ADD ("/stats/cli/show-host/unknown-run", test_show_host_unknown_run);
  ADD ("/stats/cli/show-host/needs-run", test_show_host_needs_run);
  ADD ("/stats/cli/compare/text-regression", test_compare_text_regression);
  ADD ("/stats/cli/compare/json", test_compare_json);
  ADD ("/stats/cli/compare/no-regression", test_compare_no_regression);
  ADD ("/stats/cli/compare/threshold-no-average", test_compare_threshold_and_no_average);
  ADD ("/stats/cli/compare/bad-policy", test_compare_bad_policy);
  ADD ("/stats/cli/compare/good-policy", test_compare_good_policy);
  ADD ("/stats/cli/compare/usage-errors", test_compare_usage_errors);
  ADD ("/stats/cli/compare/no-match-hint", test_compare_no_match_hint);
  ADD ("/stats/cli/compare/unknown-is-not-null", test_compare_unknown_does_not_match_null);
  ADD ("/stats/cli/compare/multi-dimension", test_compare_multi_dimension_warning);
  ADD ("/stats/cli/compare/dir-is-archive", test_compare_dir_is_archive);
  ADD ("/stats/cli/compare/no-data", test_compare_no_data);
  ADD ("/stats/cli/compare/trials/aa", test_compare_trials_aa);
  ADD ("/stats/cli/compare/trials/ab", test_compare_trials_ab);
  ADD ("/stats/cli/compare/trials/single-trial-note", test_compare_single_trial_note);
  ADD ("/stats/cli/compare/trials/usage-errors", test_compare_stats_usage_errors);
  ADD ("/stats/cli/noise", test_noise);
  ADD ("/stats/cli/noise/errors", test_noise_errors);
  ADD ("/stats/cli/analysis", test_analysis);
  ADD ("/stats/cli/help", test_help);
  return g_test_run ();
}
