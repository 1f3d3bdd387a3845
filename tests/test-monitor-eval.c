/* The monitor's evaluator, watch and summary against hand-built sample
 * series (src/monitor/evaluate.h, summary.h, sample.h). */
#include "config.h"

#include <string.h>

#include "monitor/evaluate.h"
#include "monitor/sample.h"
#include "monitor/summary.h"

#define MS 100 /* the sampling interval of these series */

/* A series of N_CPUS CPUs under a sched_ext scheduler: every CPU runs one
 * task, clocks advance 100 ms per sample, vCPU threads run the whole
 * interval.  Tests then bend single values. */
static GArray *
series (guint n_samples, guint n_cpus)
{
  GArray *a = ktstr_monitor_samples_new ();
  g_array_set_size (a, n_samples);
  for (guint i = 0; i < n_samples; i++)
    {
      KtstrMonitorSample *s = &g_array_index (a, KtstrMonitorSample, i);
      ktstr_monitor_sample_init (s, n_cpus);
      s->elapsed_ms = (guint64)i * MS;
      s->is_scx_enabled = TRUE;
      s->fields = KTSTR_MONITOR_ALL_FIELDS;
      for (guint c = 0; c < n_cpus; c++)
        {
          s->cpus[c].nr_running = 1;
          s->cpus[c].rq_clock = 1000000000ull + (guint64)i * MS * 1000000ull + c;
          s->cpus[c].has_vcpu_time = TRUE;
          s->cpus[c].vcpu_time_ns = (guint64)i * MS * 1000000ull;
        }
    }
  return a;
}

static KtstrMonitorSample *
at (GArray *a, guint i)
{
  return &g_array_index (a, KtstrMonitorSample, i);
}

static KtstrMonitorEval *
judge (GArray *a)
{
  KtstrMonitorThresholds t = ktstr_monitor_thresholds_default ();
  return ktstr_monitor_evaluate (a, &t);
}

static const KtstrMonitorViolation *
only_violation (const KtstrMonitorEval *e)
{
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_FAIL);
  g_assert_cmpuint (e->violations->len, ==, 1);
  return &g_array_index (e->violations, KtstrMonitorViolation, 0);
}

/* Imbalance RATIO (nr_running RATIO on cpu0, 1 on cpu1) in samples
 * [FROM, FROM+N). */
static void
imbalance (GArray *a, guint from, guint n, guint ratio)
{
  for (guint i = from; i < from + n; i++)
    at (a, i)->cpus[0].nr_running = ratio;
}

static void
test_defaults (void)
{
  KtstrMonitorThresholds t = ktstr_monitor_thresholds_default ();
  g_assert_cmpfloat (t.max_imbalance_ratio, ==, 4.0);
  g_assert_cmpuint (t.max_local_dsq_depth, ==, 50);
  g_assert_true (t.fail_on_stall);
  g_assert_cmpuint (t.sustained_samples, ==, 5);
  g_assert_cmpfloat (t.max_fallback_rate, ==, 200.0);
  g_assert_cmpfloat (t.max_keep_last_rate, ==, 100.0);
  /* 10 ticks at the default 250 Hz; at 1000 Hz 10 ms. */
  g_assert_cmpuint (t.preemption_threshold_ns, ==, 40000000);
  g_assert_cmpuint (ktstr_monitor_preemption_threshold_ns (1000), ==, 10000000);
}

static void
test_not_applicable (void)
{
  g_autoptr (GArray) a = series (40, 2);
  imbalance (a, 25, 10, 9);
  for (guint i = 0; i < a->len; i++)
    at (a, i)->is_scx_enabled = FALSE;
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_NOT_APPLICABLE);
  g_assert_nonnull (strstr (e->reason, "sched_ext"));
  g_assert_cmpuint (e->violations->len, ==, 0);
}

static void
test_imbalance_sustained (void)
{
  g_autoptr (GArray) a = series (40, 2);
  imbalance (a, 25, 5, 5);
  g_autoptr (KtstrMonitorEval) e = judge (a);
  const KtstrMonitorViolation *v = only_violation (e);
  g_assert_cmpint (v->kind, ==, KTSTR_MONITOR_VIOLATION_IMBALANCE);
  g_assert_cmpint (v->cpu, ==, -1);
  g_assert_cmpfloat (v->value, ==, 5.0);
  g_assert_cmpfloat (v->threshold, ==, 4.0);
  g_assert_cmpuint (v->run, ==, 5);
  g_assert_cmpuint (v->start_ms, ==, 2500);
  g_assert_cmpuint (v->end_ms, ==, 2900);
  g_assert_cmpuint (e->n_dropped, ==, 20);
  g_assert_cmpuint (e->n_judged, ==, 20);
  g_autofree char *line = ktstr_monitor_violation_describe (v);
  g_assert_cmpstr (line, ==,
                   "monitor: imbalance ratio 5.0 above 4.0 for 5 consecutive samples "
                   "(+2500..+2900 ms)");
}

static void
test_imbalance_short (void)
{
  g_autoptr (GArray) a = series (40, 2);
  imbalance (a, 25, 4, 5);
  imbalance (a, 30, 4, 5); /* two runs of 4 do not make one of 5 */
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
}

static void
test_imbalance_at_threshold (void)
{
  g_autoptr (GArray) a = series (40, 2);
  imbalance (a, 21, 19, 4); /* exactly 4.0: allowed */
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
}

static void
test_imbalance_idle_cpu_counts_as_one (void)
{
  g_autoptr (GArray) a = series (10, 2);
  for (guint i = 0; i < a->len; i++)
    {
      at (a, i)->cpus[0].nr_running = 5;
      at (a, i)->cpus[1].nr_running = 0; /* max(1, 0) = 1: ratio 5 */
    }
  g_assert_cmpfloat (ktstr_monitor_sample_imbalance (at (a, 0)), ==, 5.0);
  at (a, 0)->cpus[0].nr_running = 0;
  g_assert_cmpfloat (ktstr_monitor_sample_imbalance (at (a, 0)), ==, 0.0);
}

static void
test_warmup_dropped (void)
{
  g_autoptr (GArray) a = series (30, 2);
  imbalance (a, 0, 20, 9); /* only the warm-up is imbalanced */
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
  g_assert_cmpuint (e->n_dropped, ==, 20);
  g_assert_cmpuint (e->n_judged, ==, 10);
}

static void
test_warmup_counts_scx_samples_only (void)
{
  /* 10 samples before the scheduler was enabled, then 30 with it: the
   * warm-up is the first 20 of those 30. */
  g_autoptr (GArray) a = series (40, 2);
  for (guint i = 0; i < 10; i++)
    at (a, i)->is_scx_enabled = FALSE;
  imbalance (a, 0, 10, 9); /* not judged: no scheduler */
  imbalance (a, 25, 5, 9); /* warm-up: samples 10..29 */
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
  imbalance (a, 30, 5, 9);
  g_autoptr (KtstrMonitorEval) e2 = judge (a);
  g_assert_cmpuint (only_violation (e2)->start_ms, ==, 3000);
}

static void
test_short_series_not_trimmed (void)
{
  /* 20 samples or fewer: nothing is dropped (there would be nothing
   * left to judge). */
  g_autoptr (GArray) a = series (12, 2);
  imbalance (a, 0, 6, 6);
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpuint (e->n_dropped, ==, 0);
  g_assert_cmpuint (only_violation (e)->run, ==, 6);
}

static void
test_dsq_depth (void)
{
  g_autoptr (GArray) a = series (30, 4);
  for (guint i = 22; i < 27; i++)
    {
      at (a, i)->cpus[2].local_dsq_depth = 60 + i;
      at (a, i)->cpus[3].local_dsq_depth = 51;
    }
  g_autoptr (KtstrMonitorEval) e = judge (a);
  const KtstrMonitorViolation *v = only_violation (e);
  g_assert_cmpint (v->kind, ==, KTSTR_MONITOR_VIOLATION_DSQ_DEPTH);
  g_assert_cmpint (v->cpu, ==, 2);
  g_assert_cmpfloat (v->value, ==, 86.0);
  g_assert_cmpuint (v->run, ==, 5);
  g_autofree char *line = ktstr_monitor_violation_describe (v);
  g_assert_nonnull (strstr (line, "local DSQ depth 86 on cpu2 above 50"));

  for (guint i = 22; i < 27; i++)
    at (a, i)->cpus[2].local_dsq_depth = 50; /* at the threshold: allowed */
  for (guint i = 22; i < 27; i++)
    at (a, i)->cpus[3].local_dsq_depth = 50;
  g_autoptr (KtstrMonitorEval) e2 = judge (a);
  g_assert_cmpint (e2->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
}

static void
test_dsq_unknown_to_sampler (void)
{
  g_autoptr (GArray) a = series (30, 2);
  for (guint i = 0; i < a->len; i++)
    {
      at (a, i)->fields &= ~KTSTR_MONITOR_HAS_LOCAL_DSQ;
      at (a, i)->cpus[0].local_dsq_depth = 99; /* garbage the sampler never set */
    }
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
}

/* CPU's clock frozen (and busy) from sample FROM for N more samples. */
static void
freeze (GArray *a, guint cpu, guint from, guint n)
{
  guint64 clock = at (a, from)->cpus[cpu].rq_clock;
  for (guint i = from + 1; i <= from + n; i++)
    at (a, i)->cpus[cpu].rq_clock = clock;
}

static void
test_stall_sustained (void)
{
  g_autoptr (GArray) a = series (40, 2);
  freeze (a, 1, 25, 5); /* 5 intervals without the clock moving */
  g_autoptr (KtstrMonitorEval) e = judge (a);
  const KtstrMonitorViolation *v = only_violation (e);
  g_assert_cmpint (v->kind, ==, KTSTR_MONITOR_VIOLATION_STALL);
  g_assert_cmpint (v->cpu, ==, 1);
  g_assert_cmpuint (v->run, ==, 5);
  g_assert_cmpuint (v->start_ms, ==, 2500);
  g_assert_cmpuint (v->end_ms, ==, 3000);
  g_assert_cmpfloat (v->value, ==, (double)at (a, 25)->cpus[1].rq_clock);
  g_autofree char *line = ktstr_monitor_violation_describe (v);
  g_assert_nonnull (strstr (line, "rq_clock stall on cpu1"));
  g_assert_nonnull (strstr (line, "5 consecutive intervals (+2500..+3000 ms"));
}

static void
test_stall_short (void)
{
  g_autoptr (GArray) a = series (40, 2);
  freeze (a, 1, 25, 4);
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
}

static void
test_stall_idle_exempt (void)
{
  g_autoptr (GArray) a = series (40, 2);
  freeze (a, 1, 25, 8);
  for (guint i = 25; i <= 33; i++)
    at (a, i)->cpus[1].nr_running = 0;
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
  /* Idle in only one of the two samples is not idle. */
  at (a, 33)->cpus[1].nr_running = 1;
  at (a, 29)->cpus[1].nr_running = 1;
  at (a, 30)->cpus[1].nr_running = 1;
  at (a, 31)->cpus[1].nr_running = 1;
  at (a, 32)->cpus[1].nr_running = 1;
  g_autoptr (KtstrMonitorEval) e2 = judge (a);
  g_assert_cmpint (e2->outcome, ==, KTSTR_MONITOR_EVAL_FAIL);
}

static void
test_stall_preempted_exempt (void)
{
  KtstrMonitorThresholds t = ktstr_monitor_thresholds_default ();
  g_autoptr (GArray) a = series (40, 2);
  freeze (a, 1, 25, 8);
  /* The host ran cpu1's thread only 39 ms per 100 ms (threshold 40 ms). */
  for (guint i = 26; i <= 33; i++)
    at (a, i)->cpus[1].vcpu_time_ns = at (a, i - 1)->cpus[1].vcpu_time_ns + 39000000;
  for (guint i = 34; i < 40; i++)
    at (a, i)->cpus[1].vcpu_time_ns = at (a, 33)->cpus[1].vcpu_time_ns + (i - 33) * 100000000ull;
  g_autoptr (KtstrMonitorEval) e = ktstr_monitor_evaluate (a, &t);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
  /* At the threshold it ran long enough to tick: a stall. */
  for (guint i = 26; i <= 33; i++)
    at (a, i)->cpus[1].vcpu_time_ns = at (a, i - 1)->cpus[1].vcpu_time_ns + 40000000;
  g_autoptr (KtstrMonitorEval) e2 = ktstr_monitor_evaluate (a, &t);
  g_assert_cmpuint (only_violation (e2)->run, ==, 8);
}

static void
test_stall_without_vcpu_time (void)
{
  /* No vCPU time is no evidence of preemption: the stall counts. */
  g_autoptr (GArray) a = series (40, 2);
  freeze (a, 0, 25, 5);
  for (guint i = 0; i < a->len; i++)
    at (a, i)->cpus[0].has_vcpu_time = FALSE;
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (only_violation (e)->cpu, ==, 0);
}

static void
test_stall_zero_clock_and_off (void)
{
  g_autoptr (GArray) a = series (40, 2);
  for (guint i = 25; i <= 30; i++)
    at (a, i)->cpus[1].rq_clock = 0; /* never written: not a stall */
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);

  g_autoptr (GArray) b = series (40, 2);
  freeze (b, 1, 25, 10);
  KtstrMonitorThresholds t = ktstr_monitor_thresholds_default ();
  t.fail_on_stall = FALSE;
  g_autoptr (KtstrMonitorEval) e2 = ktstr_monitor_evaluate (b, &t);
  g_assert_cmpint (e2->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
  t.fail_on_stall = TRUE;
  t.sustained_samples = 11;
  g_autoptr (KtstrMonitorEval) e3 = ktstr_monitor_evaluate (b, &t);
  g_assert_cmpint (e3->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
  t.sustained_samples = 10;
  g_autoptr (KtstrMonitorEval) e4 = ktstr_monitor_evaluate (b, &t);
  g_assert_cmpint (e4->outcome, ==, KTSTR_MONITOR_EVAL_FAIL);
}

static void
test_stall_without_clock_field (void)
{
  g_autoptr (GArray) a = series (40, 2);
  freeze (a, 1, 25, 10);
  for (guint i = 0; i < a->len; i++)
    at (a, i)->fields &= ~KTSTR_MONITOR_HAS_RQ_CLOCK;
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_PASS);
}

static void
test_guard_dsq_ceiling (void)
{
  g_autoptr (GArray) a = series (40, 2);
  imbalance (a, 25, 10, 9);
  at (a, 38)->cpus[1].local_dsq_depth = 10001;
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_INCONCLUSIVE);
  g_assert_nonnull (strstr (e->reason, "not yet initialized"));
  g_assert_nonnull (strstr (e->reason, "10001 on cpu1"));
  g_assert_cmpuint (e->violations->len, ==, 0);
  /* A garbage depth inside the dropped warm-up does not count. */
  at (a, 38)->cpus[1].local_dsq_depth = 0;
  at (a, 3)->cpus[1].local_dsq_depth = 10001;
  g_autoptr (KtstrMonitorEval) e2 = judge (a);
  g_assert_cmpint (e2->outcome, ==, KTSTR_MONITOR_EVAL_FAIL);
}

static void
test_guard_identical_clocks (void)
{
  g_autoptr (GArray) a = series (40, 2);
  for (guint i = 0; i < a->len; i++)
    for (guint c = 0; c < 2; c++)
      {
        at (a, i)->cpus[c].rq_clock = 777;
        at (a, i)->cpus[c].nr_running = 3;
      }
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_INCONCLUSIVE);
  g_assert_nonnull (strstr (e->reason, "777"));
  /* One clock that moves is enough to make it live (and a stall). */
  at (a, 39)->cpus[0].rq_clock = 778;
  g_autoptr (KtstrMonitorEval) e2 = judge (a);
  g_assert_cmpint (e2->outcome, ==, KTSTR_MONITOR_EVAL_FAIL);
}

/* EVENT grows by PER_SAMPLE in each of the N intervals after sample FROM
 * (summed counters on cpu0; cpu1 has counters too, unchanged). */
static void
events (GArray *a, const char *event, guint from, guint n, gint64 per_sample)
{
  const char *const *names = ktstr_scx_event_names ();
  guint idx = 0;
  while (strcmp (names[idx], event) != 0)
    idx++;
  gint64 v = 0;
  for (guint i = 0; i < a->len; i++)
    {
      if (i > from && i <= from + n)
        v += per_sample;
      at (a, i)->cpus[0].has_events = at (a, i)->cpus[1].has_events = TRUE;
      *ktstr_scx_events_slot (&at (a, i)->cpus[0].events, idx) = v;
      *ktstr_scx_events_slot (&at (a, i)->cpus[1].events, idx) = 5;
    }
}

static void
test_rates (void)
{
  g_autoptr (GArray) a = series (40, 2);
  events (a, "select_cpu_fallback", 30, 5, 21); /* 210/s for 5 intervals */
  g_autoptr (KtstrMonitorEval) e = judge (a);
  const KtstrMonitorViolation *v = only_violation (e);
  g_assert_cmpint (v->kind, ==, KTSTR_MONITOR_VIOLATION_FALLBACK_RATE);
  g_assert_cmpfloat_with_epsilon (v->value, 210.0, 1e-9);
  g_assert_cmpuint (v->run, ==, 5);
  g_assert_cmpuint (v->start_ms, ==, 3000);

  g_autoptr (GArray) b = series (40, 2);
  events (b, "select_cpu_fallback", 30, 9, 20); /* exactly 200/s: allowed */
  g_autoptr (KtstrMonitorEval) e2 = judge (b);
  g_assert_cmpint (e2->outcome, ==, KTSTR_MONITOR_EVAL_PASS);

  g_autoptr (GArray) c = series (40, 2);
  events (c, "dispatch_keep_last", 20, 19, 11); /* 110/s */
  g_autoptr (KtstrMonitorEval) e3 = judge (c);
  g_assert_cmpint (only_violation (e3)->kind, ==, KTSTR_MONITOR_VIOLATION_KEEP_LAST_RATE);
  g_autofree char *line = ktstr_monitor_violation_describe (only_violation (e3));
  g_assert_nonnull (strstr (line, "keep-last rate 110.0/s above 100.0/s"));
}

static void
test_several_violations (void)
{
  g_autoptr (GArray) a = series (40, 3);
  imbalance (a, 22, 6, 8);
  freeze (a, 2, 30, 6);
  freeze (a, 1, 31, 5);
  g_autoptr (KtstrMonitorEval) e = judge (a);
  g_assert_cmpint (e->outcome, ==, KTSTR_MONITOR_EVAL_FAIL);
  g_assert_cmpuint (e->violations->len, ==, 3);
  KtstrMonitorViolation *v = (KtstrMonitorViolation *)e->violations->data;
  g_assert_cmpint (v[0].kind, ==, KTSTR_MONITOR_VIOLATION_IMBALANCE);
  g_assert_cmpint (v[1].kind, ==, KTSTR_MONITOR_VIOLATION_STALL);
  g_assert_cmpint (v[1].cpu, ==, 1);
  g_assert_cmpint (v[2].cpu, ==, 2);
  g_assert_cmpuint (v[2].run, ==, 6);
}

/* ---- the watch ---- */

static void
test_watch_fires_once (void)
{
  KtstrMonitorThresholds t = ktstr_monitor_thresholds_default ();
  g_autoptr (KtstrMonitorWatch) w = ktstr_monitor_watch_new (&t);
  g_autoptr (GArray) a = series (50, 2);
  imbalance (a, 10, 5, 9); /* inside the warm-up: ignored */
  freeze (a, 0, 30, 12);
  gint fired_at = -1;
  KtstrMonitorViolation v = { 0 };
  for (guint i = 0; i < a->len; i++)
    {
      KtstrMonitorViolation tmp;
      if (ktstr_monitor_watch_feed (w, at (a, i), &tmp))
        {
          g_assert_cmpint (fired_at, ==, -1);
          fired_at = (gint)i;
          v = tmp;
        }
    }
  /* Clock frozen from sample 30: the fifth stuck interval ends at 35. */
  g_assert_cmpint (fired_at, ==, 35);
  g_assert_cmpint (v.kind, ==, KTSTR_MONITOR_VIOLATION_STALL);
  g_assert_cmpint (v.cpu, ==, 0);
  g_assert_cmpuint (v.run, ==, 5);
  g_assert_cmpuint (v.end_ms, ==, 3500);
}

static void
test_watch_agrees_with_verdict (void)
{
  /* Whenever the watch fires, the verdict over the same series fails. */
  KtstrMonitorThresholds t = ktstr_monitor_thresholds_default ();
  for (guint run = 3; run <= 7; run++)
    {
      g_autoptr (KtstrMonitorWatch) w = ktstr_monitor_watch_new (&t);
      g_autoptr (GArray) a = series (40, 2);
      imbalance (a, 28, run, 6);
      gboolean fired = FALSE;
      KtstrMonitorViolation v;
      for (guint i = 0; i < a->len; i++)
        fired |= ktstr_monitor_watch_feed (w, at (a, i), &v);
      g_autoptr (KtstrMonitorEval) e = ktstr_monitor_evaluate (a, &t);
      g_assert_cmpint (fired, ==, e->outcome == KTSTR_MONITOR_EVAL_FAIL);
      g_assert_cmpint (fired, ==, run >= 5);
    }
}

static void
test_watch_resets_without_scheduler (void)
{
  KtstrMonitorThresholds t = ktstr_monitor_thresholds_default ();
  g_autoptr (KtstrMonitorWatch) w = ktstr_monitor_watch_new (&t);
  g_autoptr (GArray) a = series (60, 2);
  imbalance (a, 20, 40, 9);
  for (guint i = 22; i < 25; i++)
    at (a, i)->is_scx_enabled = FALSE; /* the scheduler went away: start over */
  KtstrMonitorViolation v;
  gint fired_at = -1;
  for (guint i = 0; i < a->len && fired_at < 0; i++)
    if (ktstr_monitor_watch_feed (w, at (a, i), &v))
      fired_at = (gint)i;
  /* 20 warm-up samples again from 25, then 5 imbalanced: 49. */
  g_assert_cmpint (fired_at, ==, 49);
}

/* ---- the summary ---- */

static void
test_summary (void)
{
  g_autoptr (GArray) a = series (10, 2);
  at (a, 3)->cpus[0].nr_running = 6; /* ratio 6 */
  at (a, 4)->cpus[1].local_dsq_depth = 7;
  freeze (a, 1, 6, 1); /* one stuck interval is enough for stall_detected */
  for (guint i = 0; i < a->len; i++)
    for (guint c = 0; c < 2; c++)
      {
        at (a, i)->cpus[c].has_schedstat = TRUE;
        at (a, i)->cpus[c].schedstat.run_delay = 1000 * i;
        at (a, i)->cpus[c].schedstat.sched_count = 10 * i;
        at (a, i)->cpus[c].schedstat.pcount = i;
      }
  g_autoptr (GPtrArray) first
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_monitor_prog_stat_free);
  g_autoptr (GPtrArray) last
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_monitor_prog_stat_free);
  g_ptr_array_add (first, ktstr_monitor_prog_stat_new ("simple_enqueue", 100, 5000));
  g_ptr_array_add (last, ktstr_monitor_prog_stat_new ("simple_enqueue", 300, 9000));
  g_ptr_array_add (last, ktstr_monitor_prog_stat_new ("simple_init", 0, 0));
  g_autoptr (KtstrMonitorSummary) m
      = ktstr_monitor_summarize (a, ktstr_monitor_preemption_threshold_ns (1000), first, last);
  g_assert_cmpuint (m->total_samples, ==, 10);
  g_assert_cmpfloat (m->max_imbalance_ratio, ==, 6.0);
  g_assert_cmpuint (m->max_local_dsq_depth, ==, 7);
  g_assert_true (m->stall_detected);
  g_assert_cmpfloat_with_epsilon (m->avg_imbalance_ratio, (9 * 1.0 + 6.0) / 10, 1e-12);
  g_assert_cmpfloat_with_epsilon (m->avg_nr_running, (20 + 5) / 20.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (m->avg_local_dsq_depth, 7 / 20.0, 1e-12);
  g_assert_null (m->event_deltas); /* no counters: the key is left out */
  JsonObject *ss = json_node_get_object (m->schedstat_deltas);
  g_assert_cmpint (json_object_get_int_member (ss, "total_run_delay"), ==, 2 * 9000);
  g_assert_cmpint (json_object_get_int_member (ss, "total_sched_count"), ==, 2 * 90);
  g_assert_cmpint (json_object_get_int_member (ss, "total_pcount"), ==, 18);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (ss, "sched_count_rate"), 180 / 0.9,
                                  1e-9);
  JsonArray *progs = json_node_get_array (m->prog_stats_deltas);
  g_assert_cmpuint (json_array_get_length (progs), ==, 2);
  JsonObject *p0 = json_array_get_object_element (progs, 0);
  g_assert_cmpstr (json_object_get_string_member (p0, "name"), ==, "simple_enqueue");
  g_assert_cmpint (json_object_get_int_member (p0, "cnt"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (p0, "nsecs"), ==, 4000);
  g_assert_cmpfloat (json_object_get_double_member (p0, "nsecs_per_call"), ==, 20.0);
  JsonObject *p1 = json_array_get_object_element (progs, 1);
  g_assert_cmpfloat (json_object_get_double_member (p1, "nsecs_per_call"), ==, 0.0);
}

static void
test_summary_edges (void)
{
  g_assert_null (ktstr_monitor_summarize (NULL, 0, NULL, NULL));
  g_autoptr (GArray) empty = ktstr_monitor_samples_new ();
  g_assert_null (ktstr_monitor_summarize (empty, 0, NULL, NULL));

  /* Idle everywhere: ratio 0, but the peak never drops below 1.0; an
   * implausible sample is left out of the averages. */
  g_autoptr (GArray) a = series (4, 2);
  for (guint i = 0; i < a->len; i++)
    at (a, i)->cpus[0].nr_running = at (a, i)->cpus[1].nr_running = 0;
  at (a, 2)->cpus[0].local_dsq_depth = 20000;
  events (a, "select_cpu_fallback", 0, 3, 3);
  g_autoptr (KtstrMonitorSummary) m = ktstr_monitor_summarize (a, 0, NULL, NULL);
  g_assert_cmpuint (m->total_samples, ==, 4);
  g_assert_cmpfloat (m->max_imbalance_ratio, ==, 1.0);
  g_assert_cmpfloat (m->avg_imbalance_ratio, ==, 0.0);
  g_assert_cmpuint (m->max_local_dsq_depth, ==, 0);
  g_assert_false (m->stall_detected);
  g_assert_null (m->schedstat_deltas);
  g_assert_null (m->prog_stats_deltas);
  JsonObject *ev = json_node_get_object (m->event_deltas);
  g_assert_cmpint (json_object_get_int_member (ev, "total_fallback"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (ev, "max_fallback_burst"), ==, 3);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (ev, "fallback_rate"), 30.0, 1e-9);
  g_assert_cmpint (json_object_get_int_member (ev, "total_dispatch_keep_last"), ==, 0);
  g_assert_true (json_object_has_member (ev, "total_sub_bypass_dispatch"));
  g_assert_cmpuint (json_object_get_size (ev), ==, 16);
}

/* ---- samples as JSON ---- */

static void
test_sample_json_round_trip (void)
{
  g_autoptr (GArray) a = series (1, 2);
  KtstrMonitorSample *s = at (a, 0);
  s->elapsed_ms = 1234;
  s->cpus[1].local_dsq_depth = 3;
  s->cpus[1].scx_flags = 5;
  s->cpus[0].has_schedstat = TRUE;
  s->cpus[0].schedstat.ttwu_local = 9;
  s->cpus[1].has_events = TRUE;
  s->cpus[1].events.dispatch_keep_last = 17;
  s->cpus[0].has_vcpu_time = FALSE;
  g_autoptr (JsonNode) n = ktstr_monitor_sample_to_json (s);
  KtstrMonitorSample back;
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_monitor_sample_from_json (n, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back.elapsed_ms, ==, 1234);
  g_assert_true (back.is_scx_enabled);
  g_assert_cmpint (back.fields, ==, KTSTR_MONITOR_ALL_FIELDS);
  g_assert_cmpuint (back.n_cpus, ==, 2);
  g_assert_cmpmem (back.cpus, 2 * sizeof (KtstrMonitorCpu), s->cpus, 2 * sizeof (KtstrMonitorCpu));
  ktstr_monitor_sample_clear (&back);

  /* A sampler without DSQ depth writes no such key and reads back so. */
  s->fields &= ~KTSTR_MONITOR_HAS_LOCAL_DSQ;
  g_autoptr (JsonNode) n2 = ktstr_monitor_sample_to_json (s);
  g_assert_false (json_object_has_member (
      json_array_get_object_element (
          json_object_get_array_member (json_node_get_object (n2), "cpus"), 0),
      "local_dsq_depth"));
  g_assert_true (ktstr_monitor_sample_from_json (n2, &back, &error));
  g_assert_false (back.fields & KTSTR_MONITOR_HAS_LOCAL_DSQ);
  ktstr_monitor_sample_clear (&back);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, text, -1, NULL));
  return json_node_copy (json_parser_get_root (p));
}

static void
test_sample_json_errors (void)
{
  static const char *const bad[][2] = {
    { "[]", "not a JSON object" },
    { "{\"cpus\":[]}", "'elapsed_ms' is missing" },
    { "{\"elapsed_ms\":-1,\"cpus\":[]}", "'elapsed_ms' is not an integer" },
    { "{\"elapsed_ms\":1}", "'cpus' is missing" },
    { "{\"elapsed_ms\":1,\"cpus\":[3]}", "not an object" },
    { "{\"elapsed_ms\":1,\"cpus\":[{\"nr_running\":\"x\"}]}", "'nr_running' is not an integer" },
    { "{\"elapsed_ms\":1,\"cpus\":[{\"nr_running\":4294967296}]}",
      "'nr_running' is not an integer" },
    { "{\"elapsed_ms\":1,\"cpus\":[{\"schedstat\":{}}]}", "'run_delay' is missing" },
    { "{\"elapsed_ms\":1,\"cpus\":[{\"event_counters\":[]}]}",
      "'event_counters' is not an object" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (JsonNode) n = parse (bad[i][0]);
      KtstrMonitorSample s;
      g_autoptr (GError) error = NULL;
      g_assert_false (ktstr_monitor_sample_from_json (n, &s, &error));
      g_assert_error (error, KTSTR_MONITOR_ERROR, KTSTR_MONITOR_ERROR_INVALID);
      if (strstr (error->message, bad[i][1]) == NULL)
        g_error ("'%s': '%s' lacks '%s'", bad[i][0], error->message, bad[i][1]);
    }
}

static void
test_sample_from_guest (void)
{
  g_autoptr (JsonNode) n
      = parse ("{\"t\":\"mon\",\"elapsed_ms\":300,\"scx\":true,\"nr\":[2,0],\"clock\":[5,6],"
               "\"schedstat\":[[1,2,3,4,5,6,7],[10,20,30,40,50,60,70]],"
               "\"events\":{\"select_cpu_fallback\":8,\"dispatch_keep_last\":9}}");
  KtstrMonitorSample s;
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_monitor_sample_from_guest (json_node_get_object (n), &s, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (s.n_cpus, ==, 2);
  g_assert_cmpuint (s.elapsed_ms, ==, 300);
  g_assert_true (s.is_scx_enabled);
  g_assert_cmpint (s.fields, ==, KTSTR_MONITOR_HAS_NR_RUNNING | KTSTR_MONITOR_HAS_RQ_CLOCK);
  g_assert_cmpuint (s.cpus[0].nr_running, ==, 2);
  g_assert_cmpuint (s.cpus[1].rq_clock, ==, 6);
  g_assert_cmpuint (s.cpus[1].schedstat.run_delay, ==, 10);
  g_assert_cmpuint (s.cpus[1].schedstat.ttwu_local, ==, 70);
  gint64 sum;
  g_assert_true (ktstr_monitor_sample_event_sum (&s, 2, &sum)); /* dispatch_keep_last */
  g_assert_cmpint (sum, ==, 9);
  ktstr_monitor_sample_clear (&s);

  static const char *const bad[][2] = {
    { "{\"t\":\"mon\",\"nr\":[1]}", "without 'elapsed_ms'" },
    { "{\"t\":\"mon\",\"elapsed_ms\":1,\"nr\":[1,-1]}", "'nr'[1]" },
    { "{\"t\":\"mon\",\"elapsed_ms\":1,\"nr\":[1],\"clock\":[1,2]}",
      "'clock' is not an array of 1" },
    { "{\"t\":\"mon\",\"elapsed_ms\":1,\"nr\":[1],\"schedstat\":[[1,2]]}", "'schedstat'[0]" },
    { "{\"t\":\"mon\",\"elapsed_ms\":1,\"nr\":[1],\"events\":3}", "'events' is not an object" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (JsonNode) b = parse (bad[i][0]);
      g_autoptr (GError) e = NULL;
      g_assert_false (ktstr_monitor_sample_from_guest (json_node_get_object (b), &s, &e));
      g_assert_error (e, KTSTR_MONITOR_ERROR, KTSTR_MONITOR_ERROR_INVALID);
      if (strstr (e->message, bad[i][1]) == NULL)
        g_error ("'%s': '%s' lacks '%s'", bad[i][0], e->message, bad[i][1]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/monitor/thresholds/defaults", test_defaults);
  g_test_add_func ("/monitor/eval/not-applicable", test_not_applicable);
  g_test_add_func ("/monitor/eval/imbalance/sustained", test_imbalance_sustained);
  g_test_add_func ("/monitor/eval/imbalance/short-runs", test_imbalance_short);
  g_test_add_func ("/monitor/eval/imbalance/at-threshold", test_imbalance_at_threshold);
  g_test_add_func ("/monitor/eval/imbalance/ratio", test_imbalance_idle_cpu_counts_as_one);
  g_test_add_func ("/monitor/eval/warmup/dropped", test_warmup_dropped);
  g_test_add_func ("/monitor/eval/warmup/scx-samples-only", test_warmup_counts_scx_samples_only);
  g_test_add_func ("/monitor/eval/warmup/short-series", test_short_series_not_trimmed);
  g_test_add_func ("/monitor/eval/dsq/sustained", test_dsq_depth);
  g_test_add_func ("/monitor/eval/dsq/unknown", test_dsq_unknown_to_sampler);
  g_test_add_func ("/monitor/eval/stall/sustained", test_stall_sustained);
  g_test_add_func ("/monitor/eval/stall/short", test_stall_short);
  g_test_add_func ("/monitor/eval/stall/idle-exempt", test_stall_idle_exempt);
  g_test_add_func ("/monitor/eval/stall/preempted-exempt", test_stall_preempted_exempt);
  g_test_add_func ("/monitor/eval/stall/no-vcpu-time", test_stall_without_vcpu_time);
  g_test_add_func ("/monitor/eval/stall/zero-clock-and-off", test_stall_zero_clock_and_off);
  g_test_add_func ("/monitor/eval/stall/no-clock-field", test_stall_without_clock_field);
  g_test_add_func ("/monitor/eval/guard/dsq-ceiling", test_guard_dsq_ceiling);
  g_test_add_func ("/monitor/eval/guard/identical-clocks", test_guard_identical_clocks);
  g_test_add_func ("/monitor/eval/rates", test_rates);
  g_test_add_func ("/monitor/eval/several", test_several_violations);
  g_test_add_func ("/monitor/watch/fires-once", test_watch_fires_once);
  g_test_add_func ("/monitor/watch/agrees-with-verdict", test_watch_agrees_with_verdict);
  g_test_add_func ("/monitor/watch/resets", test_watch_resets_without_scheduler);
  g_test_add_func ("/monitor/summary/values", test_summary);
  g_test_add_func ("/monitor/summary/edges", test_summary_edges);
  g_test_add_func ("/monitor/sample/json/round-trip", test_sample_json_round_trip);
  g_test_add_func ("/monitor/sample/json/errors", test_sample_json_errors);
  g_test_add_func ("/monitor/sample/guest", test_sample_from_guest);
  return g_test_run ();
}
