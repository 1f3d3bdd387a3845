/* The monitor's thresholds and their evaluation: see evaluate.h. */
#include "config.h"

#include "monitor/evaluate.h"

#include <string.h>

KtstrMonitorThresholds
ktstr_monitor_thresholds_default (void)
{
  return (KtstrMonitorThresholds){
    .max_imbalance_ratio = 4.0,
    .max_local_dsq_depth = 50,
    .fail_on_stall = TRUE,
    .sustained_samples = 5,
    .max_fallback_rate = 200.0,
    .max_keep_last_rate = 100.0,
    .preemption_threshold_ns = ktstr_monitor_preemption_threshold_ns (0),
  };
}

guint64
ktstr_monitor_preemption_threshold_ns (guint hz)
{
  if (hz == 0)
    hz = KTSTR_MONITOR_DEFAULT_HZ;
  return (G_GUINT64_CONSTANT (1000000000) / hz) * KTSTR_MONITOR_PREEMPT_TICKS;
}

const char *
ktstr_monitor_violation_kind_to_string (KtstrMonitorViolationKind kind)
{
  switch (kind)
    {
    case KTSTR_MONITOR_VIOLATION_IMBALANCE:
      return "imbalance";
    case KTSTR_MONITOR_VIOLATION_DSQ_DEPTH:
      return "local_dsq_depth";
    case KTSTR_MONITOR_VIOLATION_STALL:
      return "stall";
    case KTSTR_MONITOR_VIOLATION_FALLBACK_RATE:
      return "fallback_rate";
    case KTSTR_MONITOR_VIOLATION_KEEP_LAST_RATE:
      return "keep_last_rate";
    }
  return "?";
}

char *
ktstr_monitor_violation_describe (const KtstrMonitorViolation *v)
{
  g_autofree char *when = g_strdup_printf ("+%" G_GUINT64_FORMAT "..+%" G_GUINT64_FORMAT " ms",
                                           v->start_ms, v->end_ms);
  switch (v->kind)
    {
    case KTSTR_MONITOR_VIOLATION_IMBALANCE:
      return g_strdup_printf ("monitor: imbalance ratio %.1f above %.1f for %u consecutive "
                              "samples (%s)",
                              v->value, v->threshold, v->run, when);
    case KTSTR_MONITOR_VIOLATION_DSQ_DEPTH:
      return g_strdup_printf ("monitor: local DSQ depth %.0f on cpu%d above %.0f for %u "
                              "consecutive samples (%s)",
                              v->value, v->cpu, v->threshold, v->run, when);
    case KTSTR_MONITOR_VIOLATION_STALL:
      return g_strdup_printf ("monitor: rq_clock stall on cpu%d with runnable tasks for %u "
                              "consecutive intervals (%s, clock %.0f ns)",
                              v->cpu, v->run, when, v->value);
    case KTSTR_MONITOR_VIOLATION_FALLBACK_RATE:
      return g_strdup_printf ("monitor: select_cpu fallback rate %.1f/s above %.1f/s for %u "
                              "consecutive intervals (%s)",
                              v->value, v->threshold, v->run, when);
    case KTSTR_MONITOR_VIOLATION_KEEP_LAST_RATE:
      return g_strdup_printf ("monitor: dispatch keep-last rate %.1f/s above %.1f/s for %u "
                              "consecutive intervals (%s)",
                              v->value, v->threshold, v->run, when);
    }
  return g_strdup ("monitor: ?");
}

gboolean
ktstr_monitor_cpu_is_stuck (const KtstrMonitorCpu *prev, const KtstrMonitorCpu *curr,
                            KtstrMonitorFields fields, guint64 preemption_threshold_ns)
{
  if (!(fields & KTSTR_MONITOR_HAS_RQ_CLOCK))
    return FALSE;
  /* A zero clock was never written: nothing to compare yet. */
  if (curr->rq_clock == 0 || curr->rq_clock != prev->rq_clock)
    return FALSE;
  if (prev->nr_running == 0 && curr->nr_running == 0)
    return FALSE; /* idle: NO_HZ stopped the tick */
  /* No vCPU time on either side is no evidence of preemption: treating it
   * as one would hide every stall whenever the host cannot read it. */
  if (prev->has_vcpu_time && curr->has_vcpu_time)
    {
      guint64 ran
          = curr->vcpu_time_ns > prev->vcpu_time_ns ? curr->vcpu_time_ns - prev->vcpu_time_ns : 0;
      if (ran < preemption_threshold_ns)
        return FALSE; /* the host did not run this vCPU long enough to tick */
    }
  return TRUE;
}

/* ---- trackers: consecutive violations and the longest run ---- */

typedef struct
{
  guint consecutive;
  guint64 run_start_ms;
  guint worst_run;
  double worst_value;
  guint64 worst_start_ms;
  guint64 worst_end_ms;
  gint worst_cpu;
} Tracker;

/* One unit (a sample, or the interval from START_MS to END_MS). */
static gboolean
tracker_record (Tracker *t, gboolean violated, double value, gint cpu, guint64 start_ms,
                guint64 end_ms)
{
  if (!violated)
    {
      t->consecutive = 0;
      return FALSE;
    }
  if (t->consecutive++ == 0)
    t->run_start_ms = start_ms;
  if (t->consecutive <= t->worst_run)
    return FALSE;
  t->worst_run = t->consecutive;
  t->worst_value = value;
  t->worst_cpu = cpu;
  t->worst_start_ms = t->run_start_ms;
  t->worst_end_ms = end_ms;
  return TRUE;
}

static void
tracker_violation (const Tracker *t, KtstrMonitorViolationKind kind, double threshold,
                   KtstrMonitorViolation *out)
{
  *out = (KtstrMonitorViolation){
    .kind = kind,
    .cpu = t->worst_cpu,
    .value = t->worst_value,
    .threshold = threshold,
    .run = t->worst_run,
    .start_ms = t->worst_start_ms,
    .end_ms = t->worst_end_ms,
  };
}

typedef struct
{
  KtstrMonitorThresholds t;
  Tracker imbalance, dsq, fallback, keep_last;
  GArray *stall; /* Tracker per CPU */
  KtstrMonitorSample prev;
  gboolean has_prev;
} Trackers;

static void
trackers_init (Trackers *tr, const KtstrMonitorThresholds *t)
{
  memset (tr, 0, sizeof *tr);
  tr->t = *t;
  tr->stall = g_array_new (FALSE, TRUE, sizeof (Tracker));
}

static void
trackers_clear (Trackers *tr)
{
  g_clear_pointer (&tr->stall, g_array_unref);
  ktstr_monitor_sample_clear (&tr->prev);
}

/* Forgets the previous sample: the next one starts a new series. */
static void
trackers_break (Trackers *tr)
{
  ktstr_monitor_sample_clear (&tr->prev);
  tr->has_prev = FALSE;
  tr->imbalance.consecutive = tr->dsq.consecutive = 0;
  tr->fallback.consecutive = tr->keep_last.consecutive = 0;
  for (guint i = 0; i < tr->stall->len; i++)
    g_array_index (tr->stall, Tracker, i).consecutive = 0;
}

static void
record_rate (Tracker *t, const KtstrMonitorSample *prev, const KtstrMonitorSample *s, guint event,
             double limit, double seconds)
{
  gint64 a, b;
  if (seconds <= 0 || !ktstr_monitor_sample_event_sum (prev, event, &a)
      || !ktstr_monitor_sample_event_sum (s, event, &b))
    {
      tracker_record (t, FALSE, 0, -1, 0, 0);
      return;
    }
  double rate = (double)(b - a) / seconds;
  tracker_record (t, rate > limit, rate, -1, prev->elapsed_ms, s->elapsed_ms);
}

static guint
event_index (const char *name)
{
  const char *const *names = ktstr_scx_event_names ();
  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], name) == 0)
      return i;
  g_assert_not_reached ();
}

/* Walks one sample through every tracker.  Returns TRUE when it made the
 * imbalance, DSQ or a stall run reach sustained_samples for the first
 * time (what the watch acts on). */
static gboolean
trackers_step (Trackers *tr, const KtstrMonitorSample *s)
{
  const KtstrMonitorThresholds *t = &tr->t;
  guint need = MAX (t->sustained_samples, 1u);
  gboolean reached = FALSE;

  double ratio = ktstr_monitor_sample_imbalance (s);
  if (tracker_record (&tr->imbalance, ratio > t->max_imbalance_ratio, ratio, -1, s->elapsed_ms,
                      s->elapsed_ms))
    reached |= tr->imbalance.worst_run == need;

  guint cpu = 0;
  guint32 depth = ktstr_monitor_sample_max_dsq (s, &cpu);
  gboolean deep = (s->fields & KTSTR_MONITOR_HAS_LOCAL_DSQ) && depth > t->max_local_dsq_depth;
  if (tracker_record (&tr->dsq, deep, depth, (gint)cpu, s->elapsed_ms, s->elapsed_ms))
    reached |= tr->dsq.worst_run == need;

  if (tr->has_prev)
    {
      const KtstrMonitorSample *p = &tr->prev;
      guint n = MIN (p->n_cpus, s->n_cpus);
      if (tr->stall->len < n)
        g_array_set_size (tr->stall, n);
      KtstrMonitorFields both = p->fields & s->fields;
      for (guint i = 0; t->fail_on_stall && i < n; i++)
        {
          gboolean stuck = ktstr_monitor_cpu_is_stuck (&p->cpus[i], &s->cpus[i], both,
                                                       t->preemption_threshold_ns);
          Tracker *st = &g_array_index (tr->stall, Tracker, i);
          if (tracker_record (st, stuck, (double)s->cpus[i].rq_clock, (gint)i, p->elapsed_ms,
                              s->elapsed_ms))
            reached |= st->worst_run == need;
        }
      double seconds = s->elapsed_ms > p->elapsed_ms ? (s->elapsed_ms - p->elapsed_ms) / 1000.0 : 0;
      record_rate (&tr->fallback, p, s, event_index ("select_cpu_fallback"), t->max_fallback_rate,
                   seconds);
      record_rate (&tr->keep_last, p, s, event_index ("dispatch_keep_last"), t->max_keep_last_rate,
                   seconds);
    }
  ktstr_monitor_sample_clear (&tr->prev);
  ktstr_monitor_sample_copy (&tr->prev, s);
  tr->has_prev = TRUE;
  return reached;
}

/* ---- after the run ---- */

void
ktstr_monitor_eval_free (KtstrMonitorEval *e)
{
  if (e == NULL)
    return;
  g_free (e->reason);
  g_clear_pointer (&e->violations, g_array_unref);
  g_free (e);
}

/* The validity guards over the judged samples; NULL when they look live. */
static char *
guard_reason (GPtrArray *judged)
{
  gboolean has_clock = FALSE, all_same = TRUE;
  guint64 first = 0;
  guint readings = 0;
  for (guint i = 0; i < judged->len; i++)
    {
      const KtstrMonitorSample *s = judged->pdata[i];
      guint cpu = 0;
      guint32 depth = ktstr_monitor_sample_max_dsq (s, &cpu);
      if (depth > KTSTR_MONITOR_DSQ_CEILING)
        return g_strdup_printf ("monitor data not yet initialized: local DSQ depth %u on cpu%u at "
                                "+%" G_GUINT64_FORMAT " ms is beyond any real kernel's (%d)",
                                depth, cpu, s->elapsed_ms, KTSTR_MONITOR_DSQ_CEILING);
      if (!(s->fields & KTSTR_MONITOR_HAS_RQ_CLOCK))
        continue;
      for (guint c = 0; c < s->n_cpus; c++, readings++)
        {
          if (!has_clock)
            first = s->cpus[c].rq_clock, has_clock = TRUE;
          else if (s->cpus[c].rq_clock != first)
            all_same = FALSE;
        }
    }
  if (has_clock && all_same && readings > 1)
    return g_strdup_printf (
        "monitor data not yet initialized: every runqueue clock read %" G_GUINT64_FORMAT
        " in every sample",
        first);
  return NULL;
}

KtstrMonitorEval *
ktstr_monitor_evaluate (const GArray *samples, const KtstrMonitorThresholds *t)
{
  g_autoptr (KtstrMonitorEval) e = g_new0 (KtstrMonitorEval, 1);
  e->violations = g_array_new (FALSE, TRUE, sizeof (KtstrMonitorViolation));
  g_autoptr (GPtrArray) judged = g_ptr_array_new ();
  for (guint i = 0; samples != NULL && i < samples->len; i++)
    {
      KtstrMonitorSample *s = &g_array_index (samples, KtstrMonitorSample, i);
      if (s->is_scx_enabled && s->n_cpus > 0)
        g_ptr_array_add (judged, s);
    }
  if (judged->len == 0)
    {
      e->outcome = KTSTR_MONITOR_EVAL_NOT_APPLICABLE;
      e->reason = g_strdup ("no sample was taken while a sched_ext scheduler was enabled");
      return g_steal_pointer (&e);
    }
  if (judged->len > KTSTR_MONITOR_WARMUP_SAMPLES)
    {
      g_ptr_array_remove_range (judged, 0, KTSTR_MONITOR_WARMUP_SAMPLES);
      e->n_dropped = KTSTR_MONITOR_WARMUP_SAMPLES;
    }
  e->n_judged = judged->len;
  e->reason = guard_reason (judged);
  if (e->reason != NULL)
    {
      e->outcome = KTSTR_MONITOR_EVAL_INCONCLUSIVE;
      return g_steal_pointer (&e);
    }

  Trackers tr;
  trackers_init (&tr, t);
  for (guint i = 0; i < judged->len; i++)
    trackers_step (&tr, judged->pdata[i]);
  guint need = MAX (t->sustained_samples, 1u);
  KtstrMonitorViolation v;
  if (tr.imbalance.worst_run >= need)
    {
      tracker_violation (&tr.imbalance, KTSTR_MONITOR_VIOLATION_IMBALANCE, t->max_imbalance_ratio,
                         &v);
      g_array_append_val (e->violations, v);
    }
  if (tr.dsq.worst_run >= need)
    {
      tracker_violation (&tr.dsq, KTSTR_MONITOR_VIOLATION_DSQ_DEPTH, t->max_local_dsq_depth, &v);
      g_array_append_val (e->violations, v);
    }
  for (guint i = 0; i < tr.stall->len; i++)
    {
      const Tracker *st = &g_array_index (tr.stall, Tracker, i);
      if (st->worst_run < need)
        continue;
      tracker_violation (st, KTSTR_MONITOR_VIOLATION_STALL, 0, &v);
      g_array_append_val (e->violations, v);
    }
  if (tr.fallback.worst_run >= need)
    {
      tracker_violation (&tr.fallback, KTSTR_MONITOR_VIOLATION_FALLBACK_RATE, t->max_fallback_rate,
                         &v);
      g_array_append_val (e->violations, v);
    }
  if (tr.keep_last.worst_run >= need)
    {
      tracker_violation (&tr.keep_last, KTSTR_MONITOR_VIOLATION_KEEP_LAST_RATE,
                         t->max_keep_last_rate, &v);
      g_array_append_val (e->violations, v);
    }
  trackers_clear (&tr);
  e->outcome = e->violations->len > 0 ? KTSTR_MONITOR_EVAL_FAIL : KTSTR_MONITOR_EVAL_PASS;
  return g_steal_pointer (&e);
}

/* ---- during the run ---- */

struct _KtstrMonitorWatch
{
  Trackers tr;
  guint warmup_left;
  gboolean has_fired;
};

KtstrMonitorWatch *
ktstr_monitor_watch_new (const KtstrMonitorThresholds *t)
{
  KtstrMonitorWatch *w = g_new0 (KtstrMonitorWatch, 1);
  trackers_init (&w->tr, t);
  w->warmup_left = KTSTR_MONITOR_WARMUP_SAMPLES;
  return w;
}

void
ktstr_monitor_watch_free (KtstrMonitorWatch *w)
{
  if (w == NULL)
    return;
  trackers_clear (&w->tr);
  g_free (w);
}

gboolean
ktstr_monitor_watch_feed (KtstrMonitorWatch *w, const KtstrMonitorSample *s,
                          KtstrMonitorViolation *out)
{
  if (w->has_fired)
    return FALSE;
  if (!s->is_scx_enabled || s->n_cpus == 0)
    {
      trackers_break (&w->tr);
      w->warmup_left = KTSTR_MONITOR_WARMUP_SAMPLES;
      return FALSE;
    }
  if (w->warmup_left > 0)
    {
      w->warmup_left--;
      return FALSE;
    }
  guint cpu = 0;
  if (ktstr_monitor_sample_max_dsq (s, &cpu) > KTSTR_MONITOR_DSQ_CEILING)
    return FALSE; /* not a live kernel's memory: judge nothing */
  if (!trackers_step (&w->tr, s))
    return FALSE;
  const KtstrMonitorThresholds *t = &w->tr.t;
  guint need = MAX (t->sustained_samples, 1u);
  if (w->tr.imbalance.consecutive == need && w->tr.imbalance.worst_run == need)
    tracker_violation (&w->tr.imbalance, KTSTR_MONITOR_VIOLATION_IMBALANCE, t->max_imbalance_ratio,
                       out);
  else if (w->tr.dsq.consecutive == need && w->tr.dsq.worst_run == need)
    tracker_violation (&w->tr.dsq, KTSTR_MONITOR_VIOLATION_DSQ_DEPTH, t->max_local_dsq_depth, out);
  else
    for (guint i = 0; i < w->tr.stall->len; i++)
      {
        const Tracker *st = &g_array_index (w->tr.stall, Tracker, i);
        if (st->consecutive == need && st->worst_run == need)
          {
            tracker_violation (st, KTSTR_MONITOR_VIOLATION_STALL, 0, out);
            break;
          }
      }
  w->has_fired = TRUE;
  return TRUE;
}
