#include "config.h"

#include "cli/repeat-auto.h"

#include "record/sidecar.h"
#include "stats/pool.h"
#include "stats/row.h"
#include "stats/settle.h"

/* One test (one variant of the plan) and its trials so far. */
typedef struct
{
  const KtstrVariant *base;
  guint started;       /* trials queued */
  GPtrArray *sidecars; /* KtstrSidecar*: the passing trials' */
  GPtrArray *rows;     /* KtstrStatsRow* read from them */
  gboolean has_failed;
  gboolean is_done;
  gboolean is_settled;
  KtstrSettle worst;
} Track;

struct _KtstrRepeatAuto
{
  KtstrTestReport *report;
  guint max_trials;
  GPtrArray *tracks;    /* Track*, in plan order */
  GPtrArray *trials;    /* KtstrVariant*, every trial made, owned */
  GHashTable *track_of; /* trial variant -> its Track */
};

static void
track_free (Track *t)
{
  /* Rows borrow the sidecars: they go first. */
  g_ptr_array_unref (t->rows);
  g_ptr_array_unref (t->sidecars);
  g_free (t);
}

KtstrRepeatAuto *
ktstr_repeat_auto_new (GPtrArray *variants, guint max_trials, KtstrTestReport *report)
{
  KtstrRepeatAuto *self = g_new0 (KtstrRepeatAuto, 1);
  self->report = report;
  self->max_trials = MAX (max_trials, (guint)KTSTR_REPEAT_AUTO_MIN);
  self->tracks = g_ptr_array_new_with_free_func ((GDestroyNotify)track_free);
  self->trials = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  self->track_of = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < variants->len; i++)
    {
      Track *t = g_new0 (Track, 1);
      t->base = variants->pdata[i];
      t->sidecars = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_sidecar_free);
      t->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stats_row_free);
      g_ptr_array_add (self->tracks, t);
    }
  return self;
}

void
ktstr_repeat_auto_free (KtstrRepeatAuto *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->track_of);
  g_ptr_array_unref (self->trials);
  g_ptr_array_unref (self->tracks);
  g_free (self);
}

void
ktstr_repeat_auto_on_result (const KtstrVariant *v, const KtstrTestResult *r, gpointer user_data)
{
  KtstrRepeatAuto *self = user_data;
  Track *t = g_hash_table_lookup (self->track_of, v);
  if (t != NULL && r->outcome == KTSTR_OUTCOME_FAIL)
    t->has_failed = TRUE;
  else if (t != NULL && r->outcome == KTSTR_OUTCOME_PASS && r->sidecar_path != NULL)
    {
      g_autoptr (GError) error = NULL;
      KtstrSidecar *sc = ktstr_sidecar_load_file (r->sidecar_path, &error);
      if (sc == NULL)
        {
          /* The result stands; only the decision lacks this trial. */
          g_autofree char *msg = g_strdup_printf ("warning: --repeat auto cannot read back %s: %s",
                                                  r->sidecar_path, error->message);
          ktstr_test_report_notice (msg, self->report);
        }
      else
        {
          g_ptr_array_add (t->sidecars, sc);
          g_ptr_array_add (t->rows, ktstr_stats_row_from_sidecar (sc));
        }
    }
  ktstr_test_report_result (v, r, self->report);
}

/* Queues trial number TRIAL of T (or T's skip, once) on ROUND. */
static void
queue (KtstrRepeatAuto *self, Track *t, GPtrArray *round)
{
  KtstrVariant *v = t->base->skip_reason != NULL ? ktstr_variant_copy (t->base)
                                                 : ktstr_variant_new_trial (t->base, ++t->started);
  g_ptr_array_add (self->trials, v);
  g_hash_table_insert (self->track_of, v, t);
  g_ptr_array_add (round, v);
}

/* Whether T needs another trial after the last round. */
static gboolean
wants_more (KtstrRepeatAuto *self, Track *t)
{
  if (t->is_done)
    return FALSE;
  if (t->base->skip_reason != NULL || t->has_failed)
    t->is_done = TRUE;
  else if ((t->is_settled = ktstr_trials_settled (t->rows, &t->worst)))
    t->is_done = TRUE;
  else if (t->started >= self->max_trials)
    t->is_done = TRUE;
  return !t->is_done;
}

/* The line that says how T's trials ended; NULL for a skip. */
static char *
track_line (const Track *t)
{
  const KtstrSettle *w = &t->worst;
  const char *name = t->base->name;
  if (t->base->skip_reason != NULL)
    return NULL;
  if (t->has_failed)
    return g_strdup_printf ("trials %s: %u, stopped: a trial failed", name, t->started);
  if (t->is_settled && (w->metric == NULL || w->ratio == 0.0))
    return g_strdup_printf ("trials %s: %u, settled: no gated metric varies", name, t->started);
  if (t->is_settled)
    return g_strdup_printf ("trials %s: %u, settled; the last to settle was %s, relative "
                            "standard error %.1f%% (target %.1f%%%s)",
                            name, t->started, w->metric->name, 100 * w->rse, 100 * w->target,
                            w->rse > w->target ? ", met by its absolute gate" : "");
  if (w->metric != NULL)
    return g_strdup_printf ("trials %s: %u (the maximum), not settled: %s kept it going, "
                            "relative standard error %.1f%% (target %.1f%%)",
                            name, t->started, w->metric->name, 100 * w->rse, 100 * w->target);
  return g_strdup_printf ("trials %s: %u (the maximum), not settled: %u passing trial%s", name,
                          t->started, t->rows->len, t->rows->len == 1 ? "" : "s");
}

void
ktstr_repeat_auto_run (KtstrRepeatAuto *self, KtstrExecutor *executor)
{
  /* The first round is KTSTR_REPEAT_AUTO_MIN trials of every test, round
   * by round; then one trial more for each test that has not stopped. */
  g_autoptr (GPtrArray) round = g_ptr_array_new ();
  for (guint k = 0; k < KTSTR_REPEAT_AUTO_MIN; k++)
    for (guint i = 0; i < self->tracks->len; i++)
      {
        Track *t = self->tracks->pdata[i];
        if (t->base->skip_reason == NULL || k == 0)
          queue (self, t, round);
      }
  for (;;)
    {
      ktstr_executor_run (executor, round);
      KtstrExecutorSummary s;
      ktstr_executor_get_summary (executor, &s);
      if (s.is_interrupted)
        return;
      g_ptr_array_set_size (round, 0);
      for (guint i = 0; i < self->tracks->len; i++)
        {
          Track *t = self->tracks->pdata[i];
          if (wants_more (self, t))
            queue (self, t, round);
        }
      if (round->len == 0)
        break;
    }
  for (guint i = 0; i < self->tracks->len; i++)
    {
      g_autofree char *line = track_line (self->tracks->pdata[i]);
      if (line != NULL)
        ktstr_test_report_line (self->report, line);
    }
}
