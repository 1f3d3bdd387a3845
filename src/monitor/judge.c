/* The monitor's part of a verdict: see judge.h. */
#include "config.h"

#include "monitor/judge.h"

void
ktstr_monitor_judgement_free (KtstrMonitorJudgement *j)
{
  if (j == NULL)
    return;
  ktstr_monitor_eval_free (j->eval);
  g_ptr_array_unref (j->reasons);
  g_ptr_array_unref (j->events);
  g_free (j);
}

static guint64
scenario_ms (KtstrMonitor *m, guint64 ms)
{
  return (guint64)MAX (ktstr_monitor_to_scenario_ms (m, ms), 0);
}

static KtstrStimulusEvent *
event_for (KtstrMonitor *m, const KtstrMonitorViolation *v, const char *label)
{
  KtstrStimulusEvent *ev = ktstr_stimulus_event_new (scenario_ms (m, v->start_ms), label);
  ev->op_kind = g_strdup (ktstr_monitor_violation_kind_to_string (v->kind));
  ev->detail = ktstr_monitor_violation_describe (v);
  return ev;
}

static gint
by_time (gconstpointer a, gconstpointer b)
{
  const KtstrStimulusEvent *x = *(KtstrStimulusEvent *const *)a;
  const KtstrStimulusEvent *y = *(KtstrStimulusEvent *const *)b;
  return x->elapsed_ms < y->elapsed_ms ? -1 : x->elapsed_ms > y->elapsed_ms;
}

KtstrMonitorJudgement *
ktstr_monitor_judge (KtstrMonitor *m)
{
  KtstrMonitorJudgement *j = g_new0 (KtstrMonitorJudgement, 1);
  j->eval = ktstr_monitor_evaluate_run (m);
  j->reasons = g_ptr_array_new_with_free_func (g_free);
  j->events = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stimulus_event_free);
  for (guint i = 0; i < j->eval->violations->len; i++)
    {
      const KtstrMonitorViolation *v
          = &g_array_index (j->eval->violations, KtstrMonitorViolation, i);
      g_ptr_array_add (j->reasons, ktstr_monitor_describe (m, v));
      KtstrStimulusEvent *ev = event_for (m, v, "MonitorViolation");
      g_free (ev->detail);
      ev->detail = ktstr_monitor_describe (m, v);
      g_ptr_array_add (j->events, ev);
    }
  const KtstrMonitorViolation *trigger = ktstr_monitor_get_dump_trigger (m);
  if (trigger != NULL)
    {
      KtstrStimulusEvent *ev = event_for (m, trigger, "MonitorDump");
      ev->elapsed_ms = scenario_ms (m, trigger->end_ms);
      g_free (ev->detail);
      g_autofree char *why = ktstr_monitor_describe (m, trigger);
      ev->detail = g_strdup_printf ("sched_ext dump (SysRq-D) asked for after %s", why);
      g_ptr_array_add (j->events, ev);
    }
  g_ptr_array_sort (j->events, by_time);
  return j;
}
