#include "config.h"

#include <string.h>

#include "record/sidecar.h"
#include "stats/compare-cmd.h"
#include "stats/compare-render.h"
#include "stats/compare.h"
#include "stats/pool.h"

void
ktstr_stats_comparison_free (KtstrStatsComparison *c)
{
  if (c == NULL)
    return;
  g_free (c->label_a);
  g_free (c->label_b);
  /* The report and the groups point into the rows: free them first. */
  g_clear_pointer (&c->report, ktstr_stats_report_free);
  g_clear_pointer (&c->groups_a, g_ptr_array_unref);
  g_clear_pointer (&c->groups_b, g_ptr_array_unref);
  g_clear_pointer (&c->rows_a, g_ptr_array_unref);
  g_clear_pointer (&c->rows_b, g_ptr_array_unref);
  g_clear_pointer (&c->pool, ktstr_stats_pool_free);
  g_free (c);
}

static GPtrArray *
select_rows (const KtstrStatsPool *pool, const KtstrStatsFilter *filter)
{
  GPtrArray *rows = g_ptr_array_new ();
  for (guint i = 0; i < pool->rows->len; i++)
    if (ktstr_stats_filter_matches (filter, g_ptr_array_index (pool->rows, i)))
      g_ptr_array_add (rows, g_ptr_array_index (pool->rows, i));
  return rows;
}

static gboolean
pool_has_value (const KtstrStatsPool *pool, KtstrStatsDim dim, const char *value)
{
  for (guint i = 0; i < pool->rows->len; i++)
    if (g_strcmp0 (ktstr_stats_row_dim_value (g_ptr_array_index (pool->rows, i), dim), value) == 0)
      return TRUE;
  return FALSE;
}

/* Why a side selected nothing, with a "did you mean X-dirty?" hint when
 * only the dirty build of a wanted commit exists. */
static void
set_no_match_error (GError **error, const char *side, const KtstrStatsFilter *filter,
                    const KtstrStatsPool *pool)
{
  GString *msg = g_string_new (NULL);
  static const KtstrStatsDim commit_dims[] = { KTSTR_DIM_PROJECT_COMMIT, KTSTR_DIM_KERNEL_COMMIT };

  g_string_append_printf (msg,
                          "side %s matched 0 of the %u sidecars under %s; check the --%c-* and "
                          "shared filters, and see the values present with `ktstr-stats "
                          "list-values`",
                          side, pool->rows->len, pool->root, g_ascii_tolower (side[0]));
  for (guint k = 0; k < G_N_ELEMENTS (commit_dims); k++)
    {
      GPtrArray *wanted = filter->values[commit_dims[k]];
      const char *flag = ktstr_stats_dim_name (commit_dims[k]);
      for (guint i = 0; i < wanted->len; i++)
        {
          const char *want = g_ptr_array_index (wanted, i);
          g_autofree char *dirty = g_strdup_printf ("%s-dirty", want);
          if (!g_str_has_suffix (want, "-dirty") && pool_has_value (pool, commit_dims[k], dirty))
            g_string_append_printf (msg,
                                    "\nhint: no sidecar has --%s %s but '%s' exists in the "
                                    "pool; did you mean --%s %s?",
                                    flag, want, dirty, flag, dirty);
        }
    }
  /* A git revision or range: say what it resolved to. */
  for (guint k = 0; k < G_N_ELEMENTS (commit_dims); k++)
    {
      GPtrArray *labels = filter->labels[commit_dims[k]];
      GPtrArray *values = filter->values[commit_dims[k]];
      if (labels == NULL || values->len == 0)
        continue;
      gboolean is_plain = labels->len == values->len;
      for (guint i = 0; is_plain && i < labels->len; i++)
        is_plain = strcmp (g_ptr_array_index (labels, i), g_ptr_array_index (values, i)) == 0;
      if (is_plain)
        continue;
      g_string_append_printf (msg, "\nhint: --%s resolved to %u commit(s) (",
                              ktstr_stats_dim_name (commit_dims[k]), values->len);
      for (guint i = 0; i < values->len && i < 5; i++)
        g_string_append_printf (msg, "%s%s", i ? ", " : "",
                                (const char *)g_ptr_array_index (values, i));
      g_string_append_printf (msg, "%s), and no sidecar records any of them",
                              values->len > 5 ? ", ..." : "");
    }
  GPtrArray *sources = filter->values[KTSTR_DIM_RUN_SOURCE];
  for (guint i = 0; i < sources->len; i++)
    if (!pool_has_value (pool, KTSTR_DIM_RUN_SOURCE, g_ptr_array_index (sources, i)))
      g_string_append_printf (msg,
                              "\nhint: no sidecar has run_source '%s' (values are "
                              "case-sensitive; --dir rewrites every run_source to 'archive')",
                              (const char *)g_ptr_array_index (sources, i));
  g_set_error_literal (error, KTSTR_STATS_COMPARE_ERROR, KTSTR_STATS_COMPARE_ERROR_NO_MATCH,
                       msg->str);
  g_string_free (msg, TRUE);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static void
collect_dirty (GPtrArray *rows, KtstrStatsDim dim, GHashTable *set)
{
  for (guint i = 0; i < rows->len; i++)
    {
      const char *v = ktstr_stats_row_dim_value (g_ptr_array_index (rows, i), dim);
      if (v != NULL && g_str_has_suffix (v, "-dirty"))
        g_hash_table_add (set, (gpointer)v);
    }
}

static char *
dirty_warning (GPtrArray *rows_a, GPtrArray *rows_b)
{
  static const struct
  {
    KtstrStatsDim dim;
    const char *what;
  } kinds[]
      = { { KTSTR_DIM_KERNEL_COMMIT, "kernel source" }, { KTSTR_DIM_PROJECT_COMMIT, "project" } };
  GString *msg = g_string_new ("comparison includes dirty builds:");
  gboolean any = FALSE;

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr (GHashTable) set = g_hash_table_new (g_str_hash, g_str_equal);
      collect_dirty (rows_a, kinds[k].dim, set);
      collect_dirty (rows_b, kinds[k].dim, set);
      g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
      GHashTableIter iter;
      gpointer v;
      g_hash_table_iter_init (&iter, set);
      while (g_hash_table_iter_next (&iter, &v, NULL))
        g_ptr_array_add (sorted, v);
      g_ptr_array_sort (sorted, compare_strings);
      for (guint i = 0; i < sorted->len; i++)
        g_string_append_printf (msg, "\n  - %s: %s (working tree may have changed since this run)",
                                kinds[k].what, (const char *)g_ptr_array_index (sorted, i));
      any |= sorted->len > 0;
    }
  if (!any)
    {
      g_string_free (msg, TRUE);
      return NULL;
    }
  g_string_append (msg, "\n  Dirty runs overwrite previous results with the same HEAD."
                        "\n  Commit changes for reproducible-ish comparisons.");
  return g_string_free (msg, FALSE);
}

static const KtstrHostContext *
first_host (GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    {
      const KtstrStatsRow *row = g_ptr_array_index (rows, i);
      const KtstrSidecar *sc = row->source;
      if (sc != NULL && sc->host != NULL)
        return sc->host;
    }
  return NULL;
}

static GPtrArray *
group_rows_of (GPtrArray *groups)
{
  GPtrArray *rows = g_ptr_array_new ();
  for (guint i = 0; i < groups->len; i++)
    g_ptr_array_add (rows, ((KtstrStatsGroup *)g_ptr_array_index (groups, i))->row);
  return rows;
}

KtstrStatsComparison *
ktstr_stats_comparison_new (const KtstrStatsCompareOptions *o, GPtrArray *warnings, GError **error)
{
  g_autoptr (KtstrStatsComparison) c = g_new0 (KtstrStatsComparison, 1);
  guint n_slicing;

  c->no_average = o->no_average;
  c->use_color = o->use_color;
  c->substring = o->substring;
  n_slicing = ktstr_stats_derive_slicing (o->a, o->b, c->slicing);

  if (n_slicing == 0)
    {
      g_set_error_literal (error, KTSTR_STATS_COMPARE_ERROR,
                           KTSTR_STATS_COMPARE_ERROR_IDENTICAL_SIDES,
                           "A and B select identical rows. Specify at least one per-side filter "
                           "(e.g. --a-kernel 6.14 --b-kernel 6.15) to define what dimension "
                           "separates the two sides.");
      return NULL;
    }
  if (n_slicing > 1)
    {
      GString *dims = g_string_new (NULL);
      for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
        if (c->slicing[d])
          g_string_append_printf (dims, "%s%s", dims->len ? ", " : "", ktstr_stats_dim_name (d));
      g_ptr_array_add (warnings, g_strdup_printf ("slicing on %u dimensions [%s]; results "
                                                  "compress multiple axes into a single A/B "
                                                  "contrast",
                                                  n_slicing, dims->str));
      g_string_free (dims, TRUE);
    }

  c->pool = ktstr_stats_pool_load_root (o->root, o->is_archive);
  KtstrStatsPool *pool = c->pool;
  for (guint i = 0; i < pool->warnings->len; i++)
    g_ptr_array_add (warnings, g_strdup (g_ptr_array_index (pool->warnings, i)));
  if (pool->rows->len == 0)
    {
      g_set_error (error, KTSTR_STATS_COMPARE_ERROR, KTSTR_STATS_COMPARE_ERROR_NO_DATA,
                   "no sidecar data found under %s. Run `ktstr test` to generate runs, or pass "
                   "--dir to point at an archived sidecar tree.",
                   o->root);
      return NULL;
    }

  c->rows_a = select_rows (pool, o->a);
  c->rows_b = select_rows (pool, o->b);
  if (c->rows_a->len == 0 || c->rows_b->len == 0)
    {
      gboolean a_empty = c->rows_a->len == 0;
      set_no_match_error (error, a_empty ? "A" : "B", a_empty ? o->a : o->b, pool);
      return NULL;
    }
  char *dirty = dirty_warning (c->rows_a, c->rows_b);
  if (dirty != NULL)
    g_ptr_array_add (warnings, dirty);

  c->runs_a = c->rows_a->len;
  c->runs_b = c->rows_b->len;
  c->host_a = first_host (c->rows_a);
  c->host_b = first_host (c->rows_b);
  c->label_a = ktstr_stats_side_label (o->a, c->slicing, "A");
  c->label_b = ktstr_stats_side_label (o->b, c->slicing, "B");

  g_autoptr (GPtrArray) cmp_a = NULL;
  g_autoptr (GPtrArray) cmp_b = NULL;
  if (o->no_average)
    {
      if (!ktstr_stats_check_unique_keys (c->rows_a, c->slicing, "A", error)
          || !ktstr_stats_check_unique_keys (c->rows_b, c->slicing, "B", error))
        return NULL;
      cmp_a = g_ptr_array_ref (c->rows_a);
      cmp_b = g_ptr_array_ref (c->rows_b);
    }
  else
    {
      c->groups_a = ktstr_stats_group_and_average (c->rows_a, c->slicing);
      c->groups_b = ktstr_stats_group_and_average (c->rows_b, c->slicing);
      cmp_a = group_rows_of (c->groups_a);
      cmp_b = group_rows_of (c->groups_b);
    }
  c->report = ktstr_stats_compare_rows (cmp_a, cmp_b, c->slicing, o->substring, &o->policy,
                                        o->no_stats ? NULL : &o->significance);
  return g_steal_pointer (&c);
}

int
ktstr_stats_compare_run (const KtstrStatsCompareOptions *o, GString *out, GPtrArray *warnings,
                         GError **error)
{
  g_autoptr (KtstrStatsComparison) c = ktstr_stats_comparison_new (o, warnings, error);
  if (c == NULL)
    return -1;
  if (o->as_json)
    ktstr_stats_comparison_render_json (c, out);
  else
    ktstr_stats_comparison_render_text (c, out);
  return c->report->regressions > 0 ? 1 : 0;
}
