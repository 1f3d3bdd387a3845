#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "stats/compare.h"

/* The quark name is stringified: clang-format must not space its dashes. */
/* clang-format off */
GQuark
ktstr_stats_compare_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-stats-compare-error-quark");
}
/* clang-format on */

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static void
append_commit_part (GString *key, const char *commit)
{
  if (commit == NULL)
    return;
  gsize n = strlen (commit);
  if (g_str_has_suffix (commit, "-dirty"))
    n -= strlen ("-dirty");
  g_string_append_len (key, commit, (gssize)n);
}

char *
ktstr_stats_pairing_key (const KtstrStatsRow *row, const gboolean slicing[KTSTR_DIM_COUNT],
                         char separator)
{
  GString *key = g_string_new (row->scenario);

  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    {
      if (slicing[d])
        continue;
      g_string_append_c (key, separator);
      switch (d)
        {
        case KTSTR_DIM_PROJECT_COMMIT:
        case KTSTR_DIM_KERNEL_COMMIT:
          append_commit_part (key, ktstr_stats_row_dim_value (row, d));
          break;
        case KTSTR_DIM_FLAGS:
          {
            guint n = g_strv_length (row->flags);
            g_autofree const char **sorted = g_new (const char *, n + 1);
            memcpy (sorted, row->flags, (n + 1) * sizeof (char *));
            qsort (sorted, n, sizeof (char *), compare_strings);
            for (guint i = 0; i < n; i++)
              {
                if (i > 0)
                  g_string_append_c (key, '|');
                g_string_append (key, sorted[i]);
              }
            break;
          }
        default:
          {
            const char *value = ktstr_stats_row_dim_value (row, d);
            if (value != NULL)
              g_string_append (key, value);
          }
        }
    }
  return g_string_free (key, FALSE);
}

static void
group_free (KtstrStatsGroup *group)
{
  if (group == NULL)
    return;
  ktstr_stats_row_free (group->row);
  g_free (group);
}

/* Clean/-dirty bookkeeping for one commit column of a group. */
typedef struct
{
  gboolean any_clean;
  gboolean any_dirty;
  char *first_base; /* first non-null commit with -dirty stripped */
} DirtyTrack;

typedef struct
{
  double sum;
  guint count;
} ExtSum;

typedef struct
{
  const KtstrStatsRow *first;
  guint total_observed;
  guint passes_observed;
  gboolean any_skipped;
  gboolean any_failed;
  DirtyTrack project;
  DirtyTrack kernel;
  double sums[KTSTR_METRIC_COUNT];
  guint counts[KTSTR_METRIC_COUNT]; /* rows that had the metric (not NAN) */
  GHashTable *ext_sums;             /* borrowed name -> ExtSum* */
  GPtrArray *members;               /* the passing contributors, borrowed */
} Accumulator;

static void
dirty_track_update (DirtyTrack *t, const char *commit)
{
  if (commit == NULL)
    return;
  gboolean is_dirty = g_str_has_suffix (commit, "-dirty");
  if (is_dirty)
    t->any_dirty = TRUE;
  else
    t->any_clean = TRUE;
  if (t->first_base == NULL)
    t->first_base = g_strndup (commit, strlen (commit) - (is_dirty ? strlen ("-dirty") : 0));
}

static char *
dirty_track_render (const DirtyTrack *t, const char *first_commit)
{
  if (t->any_clean && t->any_dirty && t->first_base != NULL)
    return g_strdup_printf ("%s+mixed", t->first_base);
  return g_strdup (first_commit);
}

static void
accumulate (Accumulator *acc, const KtstrStatsRow *row)
{
  acc->total_observed++;
  dirty_track_update (&acc->project, row->project_commit);
  dirty_track_update (&acc->kernel, row->kernel_commit);
  if (row->skipped)
    {
      acc->any_skipped = TRUE;
      return;
    }
  if (!row->passed)
    {
      acc->any_failed = TRUE;
      return;
    }
  acc->passes_observed++;
  if (acc->members == NULL)
    acc->members = g_ptr_array_new ();
  g_ptr_array_add (acc->members, (gpointer)row);
  for (guint m = 0; m < KTSTR_METRIC_COUNT; m++)
    if (!isnan (row->metrics[m]))
      {
        acc->sums[m] += row->metrics[m];
        acc->counts[m]++;
      }
  if (row->ext_metrics == NULL)
    return;
  GHashTableIter iter;
  gpointer name, value;
  g_hash_table_iter_init (&iter, row->ext_metrics);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      if (acc->ext_sums == NULL)
        acc->ext_sums = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
      ExtSum *sum = g_hash_table_lookup (acc->ext_sums, name);
      if (sum == NULL)
        {
          sum = g_new0 (ExtSum, 1);
          g_hash_table_insert (acc->ext_sums, name, sum);
        }
      sum->sum += *(const double *)value;
      sum->count++;
    }
}

static KtstrStatsGroup *
finish_group (Accumulator *acc)
{
  const KtstrStatsRow *first = acc->first;
  KtstrStatsGroup *group = g_new0 (KtstrStatsGroup, 1);
  KtstrStatsRow *row = ktstr_stats_row_new ();

  row->scenario = g_strdup (first->scenario);
  row->topology = g_strdup (first->topology);
  row->scheduler = g_strdup (first->scheduler);
  row->work_type = g_strdup (first->work_type);
  row->kernel_version = g_strdup (first->kernel_version);
  row->run_source = g_strdup (first->run_source);
  row->project_commit = dirty_track_render (&acc->project, first->project_commit);
  row->kernel_commit = dirty_track_render (&acc->kernel, first->kernel_commit);
  g_strfreev (row->flags);
  row->flags = g_strdupv (first->flags);
  row->passed = !acc->any_failed && !acc->any_skipped && acc->passes_observed > 0;
  row->skipped = acc->any_skipped;
  for (guint m = 0; m < KTSTR_METRIC_COUNT; m++)
    {
      /* The mean over the rows that had the metric: a derived metric only
       * some trials could give averages those, and stays absent (NAN) when
       * no passing trial had it.  With no passing row at all, 0. */
      double mean = acc->counts[m] > 0         ? acc->sums[m] / acc->counts[m]
                    : acc->passes_observed > 0 ? NAN
                                               : 0.0;
      row->metrics[m] = ktstr_metrics_get (m)->is_integer ? round (mean) : mean;
    }
  if (acc->ext_sums != NULL)
    {
      GHashTableIter iter;
      gpointer name, value;
      row->ext_metrics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_iter_init (&iter, acc->ext_sums);
      while (g_hash_table_iter_next (&iter, &name, &value))
        {
          const ExtSum *sum = value;
          double *mean = g_new (double, 1);
          *mean = sum->sum / (double)sum->count;
          g_hash_table_insert (row->ext_metrics, g_strdup (name), mean);
        }
      g_hash_table_unref (acc->ext_sums);
    }
  g_free (acc->project.first_base);
  g_free (acc->kernel.first_base);
  row->samples = acc->members != NULL ? acc->members : g_ptr_array_new ();
  group->row = row;
  group->passes_observed = acc->passes_observed;
  group->total_observed = acc->total_observed;
  return group;
}

GPtrArray *
ktstr_stats_group_and_average (GPtrArray *rows, const gboolean slicing[KTSTR_DIM_COUNT])
{
  g_autoptr (GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GArray) accs = g_array_new (FALSE, TRUE, sizeof (Accumulator));
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify)group_free);

  for (guint i = 0; i < rows->len; i++)
    {
      const KtstrStatsRow *row = g_ptr_array_index (rows, i);
      char *key = ktstr_stats_pairing_key (row, slicing, '\x1f');
      gpointer slot;
      guint at;
      if (g_hash_table_lookup_extended (index, key, NULL, &slot))
        {
          at = GPOINTER_TO_UINT (slot);
          g_free (key);
        }
      else
        {
          at = accs->len;
          g_array_set_size (accs, accs->len + 1);
          g_array_index (accs, Accumulator, at).first = row;
          g_hash_table_insert (index, key, GUINT_TO_POINTER (at));
        }
      accumulate (&g_array_index (accs, Accumulator, at), row);
    }
  for (guint i = 0; i < accs->len; i++)
    g_ptr_array_add (groups, finish_group (&g_array_index (accs, Accumulator, i)));
  return groups;
}

gboolean
ktstr_stats_check_unique_keys (GPtrArray *rows, const gboolean slicing[KTSTR_DIM_COUNT],
                               const char *side, GError **error)
{
  g_autoptr (GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();

  for (guint i = 0; i < rows->len; i++)
    {
      char *key = ktstr_stats_pairing_key (g_ptr_array_index (rows, i), slicing, '/');
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, key));
      if (n == 0)
        g_ptr_array_add (order, key);
      /* insert (not replace) keeps the first key, which ORDER points to. */
      g_hash_table_insert (counts, key, GUINT_TO_POINTER (n + 1));
    }
  for (guint i = 0; i < order->len; i++)
    {
      const char *key = g_ptr_array_index (order, i);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, key));
      if (n > 1)
        {
          g_autofree char *lower = g_ascii_strdown (side, -1);
          g_set_error (error, KTSTR_STATS_COMPARE_ERROR, KTSTR_STATS_COMPARE_ERROR_DUPLICATE_KEY,
                       "--no-average: side %s has %u sidecars with the same pairing key '%s'; "
                       "drop --no-average to average them, or add another --%s-X filter to "
                       "tell them apart",
                       side, n, key, lower);
          return FALSE;
        }
    }
  return TRUE;
}

KtstrVerdict
ktstr_stats_judge (const KtstrMetricDef *metric, double a, double b, double rel_threshold,
                   double *rel_delta)
{
  double delta = b - a;
  double rel = fabs (a) > DBL_EPSILON ? fabs (delta / a) : 0.0;

  if (rel_delta != NULL)
    *rel_delta = rel;
  if (fabs (delta) < metric->default_abs || rel < rel_threshold)
    return KTSTR_VERDICT_UNCHANGED;
  gboolean worse = metric->polarity == KTSTR_POLARITY_LOWER_BETTER ? delta > 0.0 : delta < 0.0;
  return worse ? KTSTR_VERDICT_REGRESSION : KTSTR_VERDICT_IMPROVEMENT;
}

static void
pair_free (KtstrStatsPair *pair)
{
  g_free (pair->key);
  if (pair->metrics != NULL)
    g_array_unref (pair->metrics);
  g_free (pair);
}

void
ktstr_stats_report_free (KtstrStatsReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->pairs);
  g_free (report);
}

static KtstrStatsPair *
add_pair (KtstrStatsReport *report, const char *key, KtstrPairStatus status, const KtstrStatsRow *a,
          const KtstrStatsRow *b)
{
  KtstrStatsPair *pair = g_new0 (KtstrStatsPair, 1);
  pair->key = g_strdelimit (g_strdup (key), "\x1f", '/');
  pair->status = status;
  pair->a = a;
  pair->b = b;
  g_ptr_array_add (report->pairs, pair);
  return pair;
}

static void
judge_pair (KtstrStatsPair *pair, const KtstrStatsPolicy *policy,
            const KtstrStatsSignificance *significance)
{
  pair->metrics = g_array_new (FALSE, TRUE, sizeof (KtstrStatsMetricResult));
  for (guint m = 0; m < KTSTR_METRIC_COUNT; m++)
    {
      KtstrStatsMetricResult r = { 0 };
      r.metric = ktstr_metrics_get (m);
      gboolean has_a = ktstr_stats_row_read_metric (pair->a, r.metric, &r.a);
      gboolean has_b = ktstr_stats_row_read_metric (pair->b, r.metric, &r.b);
      /* A derived metric one side cannot give is not compared at all. */
      if (r.metric->is_derived && (!has_a || !has_b))
        continue;
      if (fabs (r.a) < DBL_EPSILON && fabs (r.b) < DBL_EPSILON)
        continue;
      r.delta = r.b - r.a;
      r.rel_threshold = ktstr_stats_policy_rel_threshold (policy, r.metric);
      r.verdict = ktstr_stats_judge (r.metric, r.a, r.b, r.rel_threshold, &r.rel_delta);
      if (significance != NULL)
        ktstr_stats_metric_result_test (&r, pair->a, pair->b, significance->alpha);
      g_array_append_val (pair->metrics, r);
    }
}

static void
count_verdicts (KtstrStatsReport *report)
{
  for (guint i = 0; i < report->pairs->len; i++)
    {
      const KtstrStatsPair *pair = g_ptr_array_index (report->pairs, i);
      for (guint j = 0; pair->metrics != NULL && j < pair->metrics->len; j++)
        {
          const KtstrStatsMetricResult *r
              = &g_array_index (pair->metrics, KtstrStatsMetricResult, j);
          switch (r->verdict)
            {
            case KTSTR_VERDICT_REGRESSION:
              report->regressions++;
              break;
            case KTSTR_VERDICT_IMPROVEMENT:
              report->improvements++;
              break;
            case KTSTR_VERDICT_UNCHANGED:
            default:
              report->unchanged++;
            }
        }
    }
}

static gboolean
row_selected (const KtstrStatsRow *row, const char *substring)
{
  if (substring == NULL)
    return TRUE;
  g_autofree char *text = ktstr_stats_row_filter_text (row);
  return strstr (text, substring) != NULL;
}

KtstrStatsReport *
ktstr_stats_compare_rows (GPtrArray *rows_a, GPtrArray *rows_b,
                          const gboolean slicing[KTSTR_DIM_COUNT], const char *substring,
                          const KtstrStatsPolicy *policy,
                          const KtstrStatsSignificance *significance)
{
  KtstrStatsReport *report = g_new0 (KtstrStatsReport, 1);
  g_autoptr (GHashTable) a_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* The key strings are owned by the two lists; the set borrows them. */
  g_autoptr (GHashTable) b_keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) a_keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) b_key_list = g_ptr_array_new_with_free_func (g_free);

  report->pairs = g_ptr_array_new_with_free_func ((GDestroyNotify)pair_free);

  /* The first A row of each key wins, as in the Rust ktstr
   * (doc/compatibility.md). */
  for (guint i = 0; i < rows_a->len; i++)
    {
      const KtstrStatsRow *a = g_ptr_array_index (rows_a, i);
      char *key = ktstr_stats_pairing_key (a, slicing, '\x1f');
      g_ptr_array_add (a_keys, key);
      if (!g_hash_table_contains (a_by_key, key))
        g_hash_table_insert (a_by_key, g_strdup (key), (gpointer)a);
    }
  for (guint i = 0; i < rows_b->len; i++)
    {
      char *key = ktstr_stats_pairing_key (g_ptr_array_index (rows_b, i), slicing, '\x1f');
      g_ptr_array_add (b_key_list, key);
      g_hash_table_add (b_keys, key);
    }

  for (guint i = 0; i < rows_b->len; i++)
    {
      const KtstrStatsRow *b = g_ptr_array_index (rows_b, i);
      const char *key = g_ptr_array_index (b_key_list, i);
      if (!row_selected (b, substring))
        continue;
      const KtstrStatsRow *a = g_hash_table_lookup (a_by_key, key);
      if (a == NULL)
        {
          report->new_in_b++;
          add_pair (report, key, KTSTR_PAIR_NEW_IN_B, NULL, b);
          continue;
        }
      if (!a->passed || !b->passed || a->skipped || b->skipped)
        {
          report->skipped_failed++;
          add_pair (report, key, KTSTR_PAIR_SKIPPED_FAILED, a, b);
          continue;
        }
      judge_pair (add_pair (report, key, KTSTR_PAIR_COMPARED, a, b), policy, significance);
    }

  for (guint i = 0; i < rows_a->len; i++)
    {
      const KtstrStatsRow *a = g_ptr_array_index (rows_a, i);
      const char *key = g_ptr_array_index (a_keys, i);
      if (!row_selected (a, substring) || g_hash_table_contains (b_keys, key))
        continue;
      report->removed_from_a++;
      add_pair (report, key, KTSTR_PAIR_REMOVED_FROM_A, a, NULL);
    }
  /* The false discovery rate is controlled over the whole report, so the
   * verdicts are final only once every pair has its p-values. */
  if (significance != NULL)
    ktstr_stats_report_apply_significance (report, significance);
  count_verdicts (report);
  return report;
}
