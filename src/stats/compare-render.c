#include "config.h"

#include <string.h>

#include "stats/compare-render.h"
#include "stats/hostdelta.h"
#include "util/json-util.h"
#include "util/table.h"

typedef struct
{
  char *key;
  const KtstrStatsGroup *a;
  const KtstrStatsGroup *b;
} GroupPair;

static gint
compare_group_pairs (gconstpointer pa, gconstpointer pb)
{
  return strcmp (((const GroupPair *)pa)->key, ((const GroupPair *)pb)->key);
}

static void
group_pair_clear (gpointer p)
{
  g_free (((GroupPair *)p)->key);
}

/* The averaged groups of both sides that -E keeps, matched by pairing key,
 * sorted by key. */
static GArray *
group_pairs (const KtstrStatsComparison *c)
{
  GArray *pairs = g_array_new (FALSE, TRUE, sizeof (GroupPair));
  g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *sides[] = { c->groups_a, c->groups_b };

  g_array_set_clear_func (pairs, group_pair_clear);
  for (guint s = 0; s < 2; s++)
    for (guint i = 0; sides[s] != NULL && i < sides[s]->len; i++)
      {
        const KtstrStatsGroup *g = g_ptr_array_index (sides[s], i);
        if (c->substring != NULL)
          {
            g_autofree char *text = ktstr_stats_row_filter_text (g->row);
            if (strstr (text, c->substring) == NULL)
              continue;
          }
        char *key = ktstr_stats_pairing_key (g->row, c->slicing, '/');
        gpointer at;
        if (!g_hash_table_lookup_extended (index, key, NULL, &at))
          {
            GroupPair p = { key, NULL, NULL };
            at = GUINT_TO_POINTER (pairs->len);
            g_array_append_val (pairs, p);
            g_hash_table_insert (index, key, at);
          }
        else
          g_free (key);
        GroupPair *p = &g_array_index (pairs, GroupPair, GPOINTER_TO_UINT (at));
        if (s == 0 && p->a == NULL)
          p->a = g;
        else if (s == 1 && p->b == NULL)
          p->b = g;
      }
  g_hash_table_steal_all (index);
  g_array_sort (pairs, compare_group_pairs);
  return pairs;
}

static void
append_dims (GString *out, const gboolean slicing[KTSTR_DIM_COUNT], gboolean want_slicing)
{
  gboolean first = TRUE;
  if (!want_slicing)
    {
      g_string_append (out, "scenario");
      first = FALSE;
    }
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    if (slicing[d] == want_slicing)
      {
        g_string_append_printf (out, "%s%s", first ? "" : ", ", ktstr_stats_dim_name (d));
        first = FALSE;
      }
}

static char *
side_count (const KtstrStatsGroup *g)
{
  return g ? g_strdup_printf ("%u/%u", g->passes_observed, g->total_observed) : g_strdup ("-");
}

void
ktstr_stats_comparison_render_text (const KtstrStatsComparison *c, GString *out)
{
  const KtstrStatsReport *r = c->report;
  gboolean with_test, with_note;
  g_autofree char *ci_header = ktstr_stats_ci_header (r);
  g_autoptr (GPtrArray) headers = g_ptr_array_new ();
  g_autoptr (GArray) align = g_array_new (FALSE, FALSE, sizeof (KtstrAlign));
  const char *const base[] = { "TEST", "METRIC", c->label_a, c->label_b, "DELTA", "VERDICT" };
  static const KtstrAlign base_align[] = { KTSTR_ALIGN_LEFT,  KTSTR_ALIGN_LEFT,  KTSTR_ALIGN_RIGHT,
                                           KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_LEFT };
  static const KtstrAlign test_align[]
      = { KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT };
  static const KtstrAlign note_align = KTSTR_ALIGN_LEFT;

  ktstr_stats_noise_columns (r, &with_test, &with_note);
  for (guint i = 0; i < G_N_ELEMENTS (base); i++)
    g_ptr_array_add (headers, (gpointer)base[i]);
  g_array_append_vals (align, base_align, G_N_ELEMENTS (base_align));
  if (with_test)
    {
      g_ptr_array_add (headers, (gpointer) "N");
      g_ptr_array_add (headers, (gpointer) "CV");
      g_ptr_array_add (headers, ci_header);
      g_ptr_array_add (headers, (gpointer)(r->significance.fdr > 0.0 ? "Q" : "P"));
      g_array_append_vals (align, test_align, G_N_ELEMENTS (test_align));
    }
  if (with_note)
    {
      g_ptr_array_add (headers, (gpointer) "NOTE");
      g_array_append_val (align, note_align);
    }

  g_string_append (out, "slicing dimensions: ");
  append_dims (out, c->slicing, TRUE);
  g_string_append (out, "\npairing on: ");
  append_dims (out, c->slicing, FALSE);
  g_string_append_c (out, '\n');
  if (!c->no_average)
    g_string_append_printf (out, "averaged across %u runs (%s) and %u runs (%s)\n", c->runs_a,
                            c->label_a, c->runs_b, c->label_b);
  ktstr_stats_significance_header (r, out);

  g_autoptr (KtstrTable) table = ktstr_table_new (headers->len, (const char *const *)headers->pdata,
                                                  (const KtstrAlign *)align->data);
  for (guint i = 0; i < r->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (r->pairs, i);
      for (guint j = 0; p->metrics != NULL && j < p->metrics->len; j++)
        {
          const KtstrStatsMetricResult *m = &g_array_index (p->metrics, KtstrStatsMetricResult, j);
          if (!ktstr_stats_result_is_listed (m))
            continue;
          gboolean is_regression = m->verdict == KTSTR_VERDICT_REGRESSION;
          gboolean is_noise = m->verdict == KTSTR_VERDICT_UNCHANGED;
          g_autofree char *a = g_strdup_printf ("%.2f", m->a);
          g_autofree char *b = g_strdup_printf ("%.2f", m->b);
          g_autofree char *delta = g_strdup_printf ("%+.2f%s", m->delta, m->metric->unit);
          g_autofree char *n = NULL, *cv = NULL, *ci = NULL, *q = NULL;
          g_autofree char *note = with_note ? ktstr_stats_note (m) : NULL;
          if (with_test)
            ktstr_stats_noise_cells (r, m, &n, &cv, &ci, &q);
          const char *verdict = is_noise        ? "within noise"
                                : is_regression ? "REGRESSION"
                                                : "improvement";
          const char *cells[]
              = { p->key, m->metric->name, a, b, delta, verdict, NULL, NULL, NULL, NULL, NULL };
          guint k = G_N_ELEMENTS (base);
          if (with_test)
            {
              cells[k++] = n;
              cells[k++] = cv;
              cells[k++] = ci;
              cells[k++] = q;
            }
          if (with_note)
            cells[k++] = note;
          ktstr_table_add_row (table, cells);
          if (!is_noise)
            ktstr_table_set_last_row_color (table, 5,
                                            is_regression ? KTSTR_COLOR_RED : KTSTR_COLOR_GREEN);
        }
    }
  ktstr_table_render (table, out, c->use_color);

  g_string_append_printf (out, "\nsummary: %u regressions, %u improvements, %u unchanged\n",
                          r->regressions, r->improvements, r->unchanged);
  ktstr_stats_significance_summary (r, out);
  if (r->skipped_failed > 0)
    g_string_append_printf (out,
                            "  %u pairing-key row pair(s) skipped because one or both sides "
                            "failed\n",
                            r->skipped_failed);
  if (!c->no_average)
    {
      g_autoptr (GArray) pairs = group_pairs (c);
      if (pairs->len > 0)
        g_string_append (out, "\nper-group pass counts (passes_observed/total_observed):\n");
      for (guint i = 0; i < pairs->len; i++)
        {
          const GroupPair *p = &g_array_index (pairs, GroupPair, i);
          g_autofree char *a = side_count (p->a);
          g_autofree char *b = side_count (p->b);
          g_string_append_printf (out, "  %s: %s=%s %s=%s\n", p->key, c->label_a, a, c->label_b, b);
        }
    }
  if (r->new_in_b > 0)
    g_string_append_printf (out, "  %u row(s) new in '%s' (no matching key in '%s')\n", r->new_in_b,
                            c->label_b, c->label_a);
  if (r->removed_from_a > 0)
    g_string_append_printf (out, "  %u row(s) removed from '%s' (no matching key in '%s')\n",
                            r->removed_from_a, c->label_a, c->label_b);
  g_autofree char *host
      = ktstr_stats_format_host_delta (c->host_a, c->host_b, c->label_a, c->label_b);
  g_string_append (out, host);
}

static const char *
verdict_name (KtstrVerdict v)
{
  switch (v)
    {
    case KTSTR_VERDICT_REGRESSION:
      return "regression";
    case KTSTR_VERDICT_IMPROVEMENT:
      return "improvement";
    case KTSTR_VERDICT_UNCHANGED:
    default:
      return "unchanged";
    }
}

static const char *
status_name (KtstrPairStatus s)
{
  switch (s)
    {
    case KTSTR_PAIR_COMPARED:
      return "compared";
    case KTSTR_PAIR_SKIPPED_FAILED:
      return "skipped_failed";
    case KTSTR_PAIR_NEW_IN_B:
      return "new_in_b";
    case KTSTR_PAIR_REMOVED_FROM_A:
    default:
      return "removed_from_a";
    }
}

static void
json_dims (JsonBuilder *w, const gboolean slicing[KTSTR_DIM_COUNT], gboolean want_slicing)
{
  json_builder_begin_array (w);
  if (!want_slicing)
    ktstr_json_add_string (w, "scenario");
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    if (slicing[d] == want_slicing)
      ktstr_json_add_string (w, ktstr_stats_dim_name (d));
  json_builder_end_array (w);
}

static void
json_metric (JsonBuilder *w, const KtstrStatsReport *r, const char *key,
             const KtstrStatsMetricResult *m)
{
  json_builder_begin_object (w);
  if (key != NULL)
    {
      json_builder_set_member_name (w, "key");
      ktstr_json_add_string (w, key);
    }
  json_builder_set_member_name (w, "metric");
  ktstr_json_add_string (w, m->metric->name);
  json_builder_set_member_name (w, "unit");
  ktstr_json_add_string (w, m->metric->unit);
  json_builder_set_member_name (w, "a");
  json_builder_add_double_value (w, m->a);
  json_builder_set_member_name (w, "b");
  json_builder_add_double_value (w, m->b);
  json_builder_set_member_name (w, "delta");
  json_builder_add_double_value (w, m->delta);
  json_builder_set_member_name (w, "rel_delta");
  json_builder_add_double_value (w, m->rel_delta);
  json_builder_set_member_name (w, "abs_threshold");
  json_builder_add_double_value (w, m->metric->default_abs);
  json_builder_set_member_name (w, "rel_threshold");
  json_builder_add_double_value (w, m->rel_threshold);
  json_builder_set_member_name (w, "verdict");
  ktstr_json_add_string (w, verdict_name (m->verdict));
  ktstr_stats_json_noise_members (w, r, m);
  json_builder_end_object (w);
}

static void
json_counts (JsonBuilder *w, const char *name, const KtstrStatsGroup *g)
{
  json_builder_set_member_name (w, name);
  if (g == NULL)
    {
      json_builder_add_null_value (w);
      return;
    }
  json_builder_begin_object (w);
  json_builder_set_member_name (w, "passes_observed");
  json_builder_add_int_value (w, g->passes_observed);
  json_builder_set_member_name (w, "total_observed");
  json_builder_add_int_value (w, g->total_observed);
  json_builder_end_object (w);
}

static void
json_host (JsonBuilder *w, const KtstrStatsComparison *c)
{
  const char *status;
  g_autoptr (GPtrArray) changes = NULL;

  if (c->host_a != NULL && c->host_b != NULL)
    {
      changes = ktstr_stats_host_diff (c->host_a, c->host_b);
      status = changes->len == 0 ? "identical" : "differs";
    }
  else
    status = c->host_a ? "a_only" : c->host_b ? "b_only" : "none";
  json_builder_begin_object (w);
  json_builder_set_member_name (w, "status");
  ktstr_json_add_string (w, status);
  json_builder_set_member_name (w, "changes");
  json_builder_begin_array (w);
  for (guint i = 0; changes != NULL && i < changes->len; i++)
    {
      const KtstrHostChange *ch = g_ptr_array_index (changes, i);
      json_builder_begin_object (w);
      json_builder_set_member_name (w, "field");
      ktstr_json_add_string (w, ch->field);
      json_builder_set_member_name (w, "a");
      ktstr_json_add_string (w, ch->a);
      json_builder_set_member_name (w, "b");
      ktstr_json_add_string (w, ch->b);
      json_builder_end_object (w);
    }
  json_builder_end_array (w);
  json_builder_end_object (w);
}

static void
json_summary (JsonBuilder *w, const KtstrStatsReport *r)
{
  const struct
  {
    const char *name;
    guint value;
  } counts[] = { { "regressions", r->regressions }, { "improvements", r->improvements },
                 { "unchanged", r->unchanged },     { "skipped_failed", r->skipped_failed },
                 { "new_in_b", r->new_in_b },       { "removed_from_a", r->removed_from_a } };

  json_builder_begin_object (w);
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      json_builder_set_member_name (w, counts[i].name);
      json_builder_add_int_value (w, counts[i].value);
    }
  json_builder_set_member_name (w, "verdict");
  ktstr_json_add_string (w, r->regressions > 0 ? "regression" : "pass");
  ktstr_stats_json_significance_counts (w, r);
  json_builder_end_object (w);
}

void
ktstr_stats_comparison_render_json (const KtstrStatsComparison *c, GString *out)
{
  const KtstrStatsReport *r = c->report;
  JsonBuilder *w = json_builder_new ();

  json_builder_begin_object (w);
  json_builder_set_member_name (w, "slicing_dimensions");
  json_dims (w, c->slicing, TRUE);
  json_builder_set_member_name (w, "pairing_dimensions");
  json_dims (w, c->slicing, FALSE);
  json_builder_set_member_name (w, "label_a");
  ktstr_json_add_string (w, c->label_a);
  json_builder_set_member_name (w, "label_b");
  ktstr_json_add_string (w, c->label_b);
  json_builder_set_member_name (w, "averaged");
  json_builder_add_boolean_value (w, !c->no_average);
  json_builder_set_member_name (w, "runs_a");
  json_builder_add_int_value (w, c->runs_a);
  json_builder_set_member_name (w, "runs_b");
  json_builder_add_int_value (w, c->runs_b);

  /* Regressions and improvements.  The text table also lists changes
   * within noise; here they are in rows[] (confirmation.status). */
  json_builder_set_member_name (w, "findings");
  json_builder_begin_array (w);
  for (guint i = 0; i < r->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (r->pairs, i);
      for (guint j = 0; p->metrics != NULL && j < p->metrics->len; j++)
        {
          const KtstrStatsMetricResult *m = &g_array_index (p->metrics, KtstrStatsMetricResult, j);
          if (m->verdict != KTSTR_VERDICT_UNCHANGED)
            json_metric (w, r, p->key, m);
        }
    }
  json_builder_end_array (w);

  /* Every pairing key, with every metric judged. */
  json_builder_set_member_name (w, "rows");
  json_builder_begin_array (w);
  for (guint i = 0; i < r->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (r->pairs, i);
      json_builder_begin_object (w);
      json_builder_set_member_name (w, "key");
      ktstr_json_add_string (w, p->key);
      json_builder_set_member_name (w, "status");
      ktstr_json_add_string (w, status_name (p->status));
      json_builder_set_member_name (w, "metrics");
      json_builder_begin_array (w);
      for (guint j = 0; p->metrics != NULL && j < p->metrics->len; j++)
        json_metric (w, r, NULL, &g_array_index (p->metrics, KtstrStatsMetricResult, j));
      json_builder_end_array (w);
      json_builder_end_object (w);
    }
  json_builder_end_array (w);

  if (!c->no_average)
    {
      g_autoptr (GArray) pairs = group_pairs (c);
      json_builder_set_member_name (w, "groups");
      json_builder_begin_array (w);
      for (guint i = 0; i < pairs->len; i++)
        {
          const GroupPair *p = &g_array_index (pairs, GroupPair, i);
          json_builder_begin_object (w);
          json_builder_set_member_name (w, "key");
          ktstr_json_add_string (w, p->key);
          json_counts (w, "a", p->a);
          json_counts (w, "b", p->b);
          json_builder_end_object (w);
        }
      json_builder_end_array (w);
    }
  json_builder_set_member_name (w, "summary");
  json_summary (w, r);
  json_builder_set_member_name (w, "host");
  json_host (w, c);
  ktstr_stats_json_significance (w, r);
  json_builder_end_object (w);

  char *doc = ktstr_json_builder_finish (w);
  g_string_append (out, doc);
  g_free (doc);
}
