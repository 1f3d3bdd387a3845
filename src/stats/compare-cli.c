#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "record/rundir.h"
#include "stats/cli-private.h"
#include "stats/compare-cmd.h"
#include "stats/stats-cli.h"

/* Option names per dimension: shared, then --a-X, then --b-X. */
static const char *const option_names[KTSTR_DIM_COUNT][3] = {
  { "kernel", "a-kernel", "b-kernel" },
  { "scheduler", "a-scheduler", "b-scheduler" },
  { "topology", "a-topology", "b-topology" },
  { "work-type", "a-work-type", "b-work-type" },
  { "project-commit", "a-project-commit", "b-project-commit" },
  { "kernel-commit", "a-kernel-commit", "b-kernel-commit" },
  { "run-source", "a-run-source", "b-run-source" },
  { "flag", "a-flag", "b-flag" },
};

static const char *const option_help[KTSTR_DIM_COUNT] = {
  "kernel version (repeatable, OR; 6.12 also matches 6.12.x)",
  "scheduler name (repeatable, OR)",
  "topology label, e.g. 1n2l4c1t (repeatable, OR)",
  "work type, e.g. CpuSpin (repeatable, OR)",
  "project commit, e.g. abc1234 or abc1234-dirty (repeatable, OR; literal match)",
  "kernel source commit (repeatable, OR; literal match)",
  "run source: local, ci or archive (repeatable, OR)",
  "active flag (repeatable, AND; comma-separated lists allowed)",
};

static const char *const option_arg[KTSTR_DIM_COUNT] = {
  "VERSION", "NAME", "LABEL", "TYPE", "COMMIT", "COMMIT", "SOURCE", "FLAG",
};

/* Values of one option, flags split on commas. */
static void
filter_set_from (KtstrStatsFilter *filter, KtstrStatsDim dim, char **values)
{
  ktstr_stats_filter_set (filter, dim, NULL);
  for (; values != NULL && *values != NULL; values++)
    {
      if (dim != KTSTR_DIM_FLAGS)
        {
          ktstr_stats_filter_add (filter, dim, *values);
          continue;
        }
      g_auto (GStrv) parts = g_strsplit (*values, ",", -1);
      for (char **p = parts; *p != NULL; p++)
        if (**p != '\0')
          ktstr_stats_filter_add (filter, dim, *p);
    }
}

static gboolean
parse_percent (const char *text, double *out)
{
  char *end = NULL;
  if (text == NULL || *text == '\0')
    return FALSE;
  *out = g_ascii_strtod (text, &end);
  return end != NULL && *end == '\0';
}

static void
add_entry (GOptionEntry *entries, guint *n, const char *long_name, char short_name, GOptionArg arg,
           gpointer data, const char *description, const char *arg_description)
{
  GOptionEntry *e = &entries[(*n)++];
  memset (e, 0, sizeof *e);
  e->long_name = long_name;
  e->short_name = short_name;
  e->arg = arg;
  e->arg_data = data;
  e->description = description;
  e->arg_description = arg_description;
}

int
ktstr_stats_cli_compare (const char *program, int argc, char **argv)
{
  char **values[KTSTR_DIM_COUNT][3] = { { NULL } };
  g_autofree char *substring = NULL;
  g_autofree char *threshold = NULL;
  g_autofree char *policy_path = NULL;
  g_autofree char *dir = NULL;
  gboolean no_average = FALSE, as_json = FALSE;
  GOptionEntry entries[KTSTR_DIM_COUNT * 3 + 7];
  g_autoptr (GPtrArray) help_text = g_ptr_array_new_with_free_func (g_free);
  guint n = 0;

  static const char *const who[] = { "Both sides", "Side A", "Side B" };
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    for (guint side = 0; side < 3; side++)
      {
        char *help = g_strdup_printf ("%s: %s", who[side], option_help[d]);
        g_ptr_array_add (help_text, help);
        add_entry (entries, &n, option_names[d][side], 0, G_OPTION_ARG_STRING_ARRAY,
                   &values[d][side], help, option_arg[d]);
      }
  add_entry (entries, &n, "filter", 'E', G_OPTION_ARG_STRING, &substring,
             "Keep rows whose \"scenario topology scheduler work_type flags\" contains SUBSTR",
             "SUBSTR");
  add_entry (entries, &n, "threshold", 0, G_OPTION_ARG_STRING, &threshold,
             "Relative gate in percent for every metric", "PCT");
  add_entry (entries, &n, "policy", 0, G_OPTION_ARG_FILENAME, &policy_path,
             "JSON {default_percent, per_metric_percent} thresholds", "FILE");
  add_entry (entries, &n, "dir", 0, G_OPTION_ARG_FILENAME, &dir,
             "Pool run directories under DIR (run_source reads 'archive')", "DIR");
  add_entry (entries, &n, "no-average", 0, G_OPTION_ARG_NONE, &no_average,
             "Compare sidecars one to one instead of averaging per key", NULL);
  add_entry (entries, &n, "json", 0, G_OPTION_ARG_NONE, &as_json,
             "Print a machine-readable JSON report", NULL);
  add_entry (entries, &n, NULL, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL);
  g_assert (n == G_N_ELEMENTS (entries));

  int rc = ktstr_stats_cli_parse_command (
      program, "compare",
      "Compare side A with side B of the sidecar pool.  Per-side --a-X/--b-X filters replace the "
      "shared --X for their side; the dimensions where A and B differ slice, the others pair "
      "rows by scenario.  Significant deltas must pass both the metric's absolute gate and the "
      "relative gate (--threshold, --policy or the registry default).",
      entries, argc, argv);

  g_autoptr (KtstrStatsFilter) a = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsFilter) b = ktstr_stats_filter_new ();
  KtstrStatsCompareOptions options = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *root = NULL;

  if (rc < 0)
    {
      for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
        {
          filter_set_from (a, d, values[d][1] ? values[d][1] : values[d][0]);
          filter_set_from (b, d, values[d][2] ? values[d][2] : values[d][0]);
        }
      ktstr_stats_policy_init (&options.policy);
      if (threshold != NULL && policy_path != NULL)
        rc = ktstr_stats_cli_fail (program, "compare",
                                   "--threshold and --policy exclude each other; put "
                                   "default_percent in the policy file instead");
    }
  if (rc < 0 && threshold != NULL)
    {
      double pct;
      if (!parse_percent (threshold, &pct))
        {
          g_autofree char *msg = g_strdup_printf ("--threshold '%s' is not a number; give a "
                                                  "percentage such as 10 or 2.5",
                                                  threshold);
          rc = ktstr_stats_cli_fail (program, "compare", msg);
        }
      else if (!ktstr_stats_policy_init_uniform (&options.policy, pct, &error))
        rc = ktstr_stats_cli_fail (program, "compare", error->message);
    }
  if (rc < 0 && policy_path != NULL
      && !ktstr_stats_policy_load_file (&options.policy, policy_path, &error))
    rc = ktstr_stats_cli_fail (program, "compare", error->message);

  if (rc < 0)
    {
      root = dir ? g_strdup (dir) : ktstr_runs_root ();
      options.a = a;
      options.b = b;
      options.substring = substring;
      options.root = root;
      options.is_archive = dir != NULL;
      options.no_average = no_average;
      options.as_json = as_json;
      options.use_color = !as_json && ktstr_stats_use_color (STDOUT_FILENO);

      GString *out = g_string_new (NULL);
      g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
      rc = ktstr_stats_compare_run (&options, out, warnings, &error);
      ktstr_stats_cli_print_warnings (program, warnings);
      if (rc < 0)
        rc = ktstr_stats_cli_fail (program, "compare", error->message);
      else
        ktstr_stats_cli_print_out (out->str);
      g_string_free (out, TRUE);
    }

  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    for (guint side = 0; side < 3; side++)
      g_strfreev (values[d][side]);
  return rc;
}
