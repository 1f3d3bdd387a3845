/* The monitor's run summary: see summary.h. */
#include "config.h"

#include "monitor/summary.h"

#include <string.h>

#include "monitor/evaluate.h"

KtstrMonitorProgStat *
ktstr_monitor_prog_stat_new (const char *name, guint64 cnt, guint64 nsecs)
{
  KtstrMonitorProgStat *p = g_new0 (KtstrMonitorProgStat, 1);
  p->name = g_strdup (name);
  p->cnt = cnt;
  p->nsecs = nsecs;
  return p;
}

void
ktstr_monitor_prog_stat_free (KtstrMonitorProgStat *p)
{
  if (p == NULL)
    return;
  g_free (p->name);
  g_free (p);
}

static gboolean
is_valid (const KtstrMonitorSample *s)
{
  return s->n_cpus > 0 && ktstr_monitor_sample_max_dsq (s, NULL) <= KTSTR_MONITOR_DSQ_CEILING;
}

static guint64
delta_u (guint64 last, guint64 first)
{
  return last > first ? last - first : 0;
}

static double
per_second (double total, double seconds)
{
  return seconds > 0 ? total / seconds : 0.0;
}

static void
add_int (JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
add_double (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_double_value (b, v);
}

/* The first and the last sample for which HAS holds: the two ends a
 * counter's delta is taken between.  FALSE when no sample has it. */
static gboolean
first_and_last (const GArray *samples, gboolean (*has) (const KtstrMonitorSample *),
                const KtstrMonitorSample **first, const KtstrMonitorSample **last)
{
  *first = *last = NULL;
  for (guint i = 0; i < samples->len; i++)
    {
      const KtstrMonitorSample *s = &g_array_index (samples, KtstrMonitorSample, i);
      if (!has (s))
        continue;
      if (*first == NULL)
        *first = s;
      *last = s;
    }
  return *first != NULL;
}

static gboolean
has_events (const KtstrMonitorSample *s)
{
  for (guint i = 0; i < s->n_cpus; i++)
    if (s->cpus[i].has_events)
      return TRUE;
  return FALSE;
}

static gint64
event_total (const KtstrMonitorSample *s, const char *name)
{
  const char *const *names = ktstr_scx_event_names ();
  for (guint e = 0; names[e] != NULL; e++)
    if (strcmp (names[e], name) == 0)
      {
        gint64 sum = 0;
        ktstr_monitor_sample_event_sum (s, e, &sum);
        return sum;
      }
  g_assert_not_reached ();
}

static gint64
event_delta (const KtstrMonitorSample *first, const KtstrMonitorSample *last, const char *name)
{
  return MAX (event_total (last, name) - event_total (first, name), 0);
}

static JsonNode *
event_deltas (const GArray *samples)
{
  const KtstrMonitorSample *first, *last;
  if (!first_and_last (samples, has_events, &first, &last))
    return NULL;
  double seconds = (last->elapsed_ms - first->elapsed_ms) / 1000.0;
  gint64 burst = 0;
  for (guint i = 1; i < samples->len; i++)
    burst = MAX (burst, event_delta (&g_array_index (samples, KtstrMonitorSample, i - 1),
                                     &g_array_index (samples, KtstrMonitorSample, i),
                                     "select_cpu_fallback"));
  gint64 fallback = event_delta (first, last, "select_cpu_fallback");
  gint64 keep_last = event_delta (first, last, "dispatch_keep_last");
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_int (b, "total_fallback", fallback);
  add_double (b, "fallback_rate", per_second ((double)fallback, seconds));
  add_int (b, "max_fallback_burst", burst);
  add_int (b, "total_dispatch_offline", event_delta (first, last, "dispatch_local_dsq_offline"));
  add_int (b, "total_dispatch_keep_last", keep_last);
  add_double (b, "keep_last_rate", per_second ((double)keep_last, seconds));
  static const char *const rest[] = { "enq_skip_exiting", "enq_skip_migration_disabled",
                                      "reenq_immed",      "reenq_local_repeat",
                                      "refill_slice_dfl", "bypass_duration",
                                      "bypass_dispatch",  "bypass_activate",
                                      "insert_not_owned", "sub_bypass_dispatch" };
  for (gsize i = 0; i < G_N_ELEMENTS (rest); i++)
    {
      g_autofree char *key = g_strconcat ("total_", rest[i], NULL);
      add_int (b, key, event_delta (first, last, rest[i]));
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* Sums over the CPUs of the two 64-bit schedstat counters. */
static void
schedstat_sum64 (const KtstrMonitorSample *s, guint64 *run_delay, guint64 *pcount)
{
  *run_delay = *pcount = 0;
  for (guint i = 0; i < s->n_cpus; i++)
    if (s->cpus[i].has_schedstat)
      {
        *run_delay += s->cpus[i].schedstat.run_delay;
        *pcount += s->cpus[i].schedstat.pcount;
      }
}

static gboolean
has_schedstat (const KtstrMonitorSample *s)
{
  for (guint i = 0; i < s->n_cpus; i++)
    if (s->cpus[i].has_schedstat)
      return TRUE;
  return FALSE;
}

/* Sum over the CPUs of one 32-bit schedstat counter, widened. */
static guint64
schedstat_u32 (const KtstrMonitorSample *s, gsize offset)
{
  guint64 sum = 0;
  for (guint i = 0; i < s->n_cpus; i++)
    if (s->cpus[i].has_schedstat)
      sum += G_STRUCT_MEMBER (guint32, &s->cpus[i].schedstat, offset);
  return sum;
}

static JsonNode *
schedstat_deltas (const GArray *samples)
{
  const KtstrMonitorSample *first, *last;
  if (!first_and_last (samples, has_schedstat, &first, &last))
    return NULL;
  double seconds = (last->elapsed_ms - first->elapsed_ms) / 1000.0;
  guint64 delay_a, delay_z, pcount_a, pcount_z;
  schedstat_sum64 (first, &delay_a, &pcount_a);
  schedstat_sum64 (last, &delay_z, &pcount_z);
#define U32_DELTA(field)                                                                           \
  delta_u (schedstat_u32 (last, G_STRUCT_OFFSET (KtstrRqSchedstat, field)),                        \
           schedstat_u32 (first, G_STRUCT_OFFSET (KtstrRqSchedstat, field)))
  guint64 run_delay = delta_u (delay_z, delay_a);
  guint64 sched_count = U32_DELTA (sched_count);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_int (b, "total_run_delay", (gint64)run_delay);
  add_double (b, "run_delay_rate", per_second ((double)run_delay, seconds));
  add_int (b, "total_pcount", (gint64)delta_u (pcount_z, pcount_a));
  add_int (b, "total_sched_count", (gint64)sched_count);
  add_double (b, "sched_count_rate", per_second ((double)sched_count, seconds));
  add_int (b, "total_yld_count", (gint64)U32_DELTA (yld_count));
  add_int (b, "total_sched_goidle", (gint64)U32_DELTA (sched_goidle));
  add_int (b, "total_ttwu_count", (gint64)U32_DELTA (ttwu_count));
  add_int (b, "total_ttwu_local", (gint64)U32_DELTA (ttwu_local));
#undef U32_DELTA
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
prog_deltas (const GPtrArray *first, const GPtrArray *last)
{
  if (last == NULL || last->len == 0)
    return NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < last->len; i++)
    {
      const KtstrMonitorProgStat *l = last->pdata[i];
      const KtstrMonitorProgStat *f = NULL;
      for (guint j = 0; first != NULL && j < first->len && f == NULL; j++)
        if (g_strcmp0 (((KtstrMonitorProgStat *)first->pdata[j])->name, l->name) == 0)
          f = first->pdata[j];
      guint64 cnt = delta_u (l->cnt, f ? f->cnt : 0);
      guint64 ns = delta_u (l->nsecs, f ? f->nsecs : 0);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, l->name);
      add_int (b, "cnt", (gint64)cnt);
      add_int (b, "nsecs", (gint64)ns);
      add_double (b, "nsecs_per_call", cnt > 0 ? (double)ns / (double)cnt : 0.0);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

KtstrMonitorSummary *
ktstr_monitor_summarize (const GArray *samples, guint64 preemption_threshold_ns,
                         const GPtrArray *prog_first, const GPtrArray *prog_last)
{
  if (samples == NULL || samples->len == 0)
    return NULL;
  KtstrMonitorSummary *m = ktstr_monitor_summary_new ();
  m->total_samples = samples->len;
  m->max_imbalance_ratio = 1.0;
  double sum_ratio = 0, sum_nr = 0, sum_dsq = 0;
  guint n_valid = 0, readings = 0;
  const KtstrMonitorSample *prev = NULL;
  for (guint i = 0; i < samples->len; i++)
    {
      const KtstrMonitorSample *s = &g_array_index (samples, KtstrMonitorSample, i);
      if (!is_valid (s))
        continue;
      n_valid++;
      for (guint c = 0; c < s->n_cpus; c++, readings++)
        {
          m->max_local_dsq_depth = MAX (m->max_local_dsq_depth, s->cpus[c].local_dsq_depth);
          sum_nr += s->cpus[c].nr_running;
          sum_dsq += s->cpus[c].local_dsq_depth;
        }
      double ratio = ktstr_monitor_sample_imbalance (s);
      sum_ratio += ratio;
      m->max_imbalance_ratio = MAX (m->max_imbalance_ratio, ratio);
      if (prev != NULL)
        for (guint c = 0; c < MIN (prev->n_cpus, s->n_cpus); c++)
          m->stall_detected |= ktstr_monitor_cpu_is_stuck (
              &prev->cpus[c], &s->cpus[c], prev->fields & s->fields, preemption_threshold_ns);
      prev = s;
    }
  m->avg_imbalance_ratio = n_valid > 0 ? sum_ratio / n_valid : 0.0;
  m->avg_nr_running = readings > 0 ? sum_nr / readings : 0.0;
  m->avg_local_dsq_depth = readings > 0 ? sum_dsq / readings : 0.0;
  m->event_deltas = event_deltas (samples);
  m->schedstat_deltas = schedstat_deltas (samples);
  m->prog_stats_deltas = prog_deltas (prog_first, prog_last);
  return m;
}
