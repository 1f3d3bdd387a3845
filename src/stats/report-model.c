#include "config.h"

#include <string.h>

#include "stats/analysis.h"
#include "stats/compare.h"
#include "stats/report-model.h"

void
ktstr_report_free (KtstrReport *r)
{
  if (r == NULL)
    return;
  g_free (r->scope);
  g_free (r->command);
  for (guint s = 0; s < r->n_sides; s++)
    g_clear_pointer (&r->sides[s].rows, g_ptr_array_unref);
  g_clear_pointer (&r->groups, g_ptr_array_unref);
  g_free (r->analysis);
  g_clear_pointer (&r->picked, g_ptr_array_unref);
  g_clear_pointer (&r->unmatched, g_ptr_array_unref);
  g_clear_pointer (&r->warnings, g_ptr_array_unref);
  /* Last: the rows above are theirs. */
  g_clear_pointer (&r->comparison, ktstr_stats_comparison_free);
  g_clear_pointer (&r->pool, ktstr_stats_pool_free);
  g_free (r);
}

static KtstrReport *
report_new (void)
{
  KtstrReport *r = g_new0 (KtstrReport, 1);
  r->picked = g_ptr_array_new ();
  r->unmatched = g_ptr_array_new_with_free_func (g_free);
  r->warnings = g_ptr_array_new_with_free_func (g_free);
  return r;
}

static gboolean
keeps (const KtstrStatsRow *row, const char *substring)
{
  if (substring == NULL)
    return TRUE;
  g_autofree char *text = ktstr_stats_row_filter_text (row);
  return strstr (text, substring) != NULL;
}

static GPtrArray *
rows_kept (GPtrArray *rows, const KtstrStatsFilter *filter, const char *substring)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; i < rows->len; i++)
    {
      const KtstrStatsRow *row = g_ptr_array_index (rows, i);
      if ((filter == NULL || ktstr_stats_filter_matches (filter, row)) && keeps (row, substring))
        g_ptr_array_add (out, (gpointer)row);
    }
  return out;
}

/* The sidecars to draw timelines of: those named in TIMELINE, or every
 * failed one; each once, in side order. */
static void
pick_timelines (KtstrReport *r, const char *const *timeline)
{
  gboolean by_name = timeline != NULL && timeline[0] != NULL;
  g_autoptr (GHashTable) matched = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint s = 0; s < r->n_sides; s++)
    for (guint i = 0; i < r->sides[s].rows->len; i++)
      {
        const KtstrStatsRow *row = g_ptr_array_index (r->sides[s].rows, i);
        const KtstrSidecar *sc = row->source;
        if (sc == NULL || g_ptr_array_find (r->picked, sc, NULL))
          continue;
        gboolean wanted = by_name ? g_strv_contains (timeline, sc->test_name) : !sc->passed;
        if (!wanted)
          continue;
        g_hash_table_add (matched, sc->test_name);
        if (r->picked->len < KTSTR_REPORT_MAX_TIMELINES)
          g_ptr_array_add (r->picked, (gpointer)sc);
        else
          r->picked_left_out++;
      }
  for (const char *const *t = timeline; by_name && *t != NULL; t++)
    if (!g_hash_table_contains (matched, *t))
      g_ptr_array_add (r->unmatched, g_strdup (*t));
}

KtstrReport *
ktstr_report_new_comparison (KtstrStatsComparison *c, const char *substring,
                             const char *const *timeline)
{
  KtstrReport *r = report_new ();
  r->comparison = c;
  r->root = c->pool->root;
  r->n_sides = 2;
  r->sides[0].label = c->label_a;
  r->sides[0].rows = rows_kept (c->rows_a, NULL, substring);
  r->sides[1].label = c->label_b;
  r->sides[1].rows = rows_kept (c->rows_b, NULL, substring);
  pick_timelines (r, timeline);
  return r;
}

KtstrReport *
ktstr_report_new_selection (KtstrStatsPool *pool, gboolean is_run, const KtstrStatsFilter *filter,
                            const char *substring, const char *const *timeline, const char *scope)
{
  KtstrReport *r = report_new ();
  r->pool = pool;
  r->root = pool->root;
  r->root_is_run = is_run;
  r->scope = g_strdup (scope);
  r->n_sides = 1;
  r->sides[0].rows = rows_kept (pool->rows, filter, substring);
  gboolean none[KTSTR_DIM_COUNT] = { FALSE };
  r->groups = ktstr_stats_group_and_average (r->sides[0].rows, none);
  if (r->sides[0].rows->len > 0)
    {
      g_autoptr (GPtrArray) sidecars = g_ptr_array_new ();
      for (guint i = 0; i < r->sides[0].rows->len; i++)
        g_ptr_array_add (
            sidecars, (gpointer)((KtstrStatsRow *)g_ptr_array_index (r->sides[0].rows, i))->source);
      r->analysis = ktstr_stats_format_analysis (r->sides[0].rows, sidecars);
    }
  pick_timelines (r, timeline);
  return r;
}

char *
ktstr_report_run_name (const KtstrReport *r, const KtstrSidecar *sc)
{
  if (sc->path == NULL)
    return g_strdup ("-");
  g_autofree char *dir = g_path_get_dirname (sc->path);
  gsize n = strlen (r->root);
  const char *rel = NULL; /* DIR below the root, "" for the root itself */
  if (strncmp (dir, r->root, n) == 0 && (dir[n] == '/' || dir[n] == '\0'))
    rel = dir[n] == '/' ? dir + n + 1 : "";
  if (rel == NULL)
    return g_steal_pointer (&dir);
  if (r->root_is_run)
    {
      g_autofree char *base = g_path_get_basename (r->root);
      return *rel != '\0' ? g_build_filename (base, rel, NULL) : g_steal_pointer (&base);
    }
  return *rel != '\0' ? g_strdup (rel) : g_path_get_basename (dir);
}

char *
ktstr_report_sidecar_origin (const KtstrReport *r, const KtstrSidecar *sc)
{
  g_autofree char *run = ktstr_report_run_name (r, sc);
  if (sc->trial == 0)
    return g_steal_pointer (&run);
  return g_strdup_printf ("%s, trial %u", run, sc->trial);
}

int
ktstr_report_side_of (const KtstrReport *r, const KtstrSidecar *sc)
{
  if (r->comparison == NULL)
    return -1;
  for (guint s = 0; s < r->n_sides; s++)
    for (guint i = 0; i < r->sides[s].rows->len; i++)
      if (((const KtstrStatsRow *)g_ptr_array_index (r->sides[s].rows, i))->source == sc)
        return (int)s;
  return -1;
}
