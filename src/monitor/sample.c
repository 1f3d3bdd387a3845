/* Monitor samples: see sample.h. */
#include "config.h"

#include "monitor/sample.h"

#include <stdarg.h>
#include <string.h>

#define NAME_ENTRY(name) #name,
static const char *const event_names[] = { KTSTR_SCX_EVENTS (NAME_ENTRY) NULL };
#undef NAME_ENTRY
#define N_EVENTS (G_N_ELEMENTS (event_names) - 1)
G_STATIC_ASSERT (sizeof (KtstrScxEvents) == N_EVENTS * sizeof (gint64));

const char *const *
ktstr_scx_event_names (void)
{
  return event_names;
}

gint64 *
ktstr_scx_events_slot (KtstrScxEvents *events, guint index)
{
  g_assert (index < N_EVENTS);
  return (gint64 *)events + index;
}

void
ktstr_monitor_sample_init (KtstrMonitorSample *s, guint n_cpus)
{
  memset (s, 0, sizeof *s);
  s->n_cpus = n_cpus;
  s->cpus = g_new0 (KtstrMonitorCpu, MAX (n_cpus, 1));
}

void
ktstr_monitor_sample_clear (KtstrMonitorSample *s)
{
  g_clear_pointer (&s->cpus, g_free);
  s->n_cpus = 0;
}

void
ktstr_monitor_sample_copy (KtstrMonitorSample *dest, const KtstrMonitorSample *src)
{
  *dest = *src;
  dest->cpus = g_memdup2 (src->cpus, sizeof (KtstrMonitorCpu) * MAX (src->n_cpus, 1));
}

static void
clear_element (gpointer p)
{
  ktstr_monitor_sample_clear (p);
}

GArray *
ktstr_monitor_samples_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (KtstrMonitorSample));
  g_array_set_clear_func (a, clear_element);
  return a;
}

double
ktstr_monitor_sample_imbalance (const KtstrMonitorSample *s)
{
  if (s->n_cpus == 0)
    return 1.0;
  guint32 lo = G_MAXUINT32, hi = 0;
  for (guint i = 0; i < s->n_cpus; i++)
    {
      lo = MIN (lo, s->cpus[i].nr_running);
      hi = MAX (hi, s->cpus[i].nr_running);
    }
  return (double)hi / (double)MAX (lo, 1u);
}

guint32
ktstr_monitor_sample_max_dsq (const KtstrMonitorSample *s, guint *cpu_out)
{
  guint32 best = 0;
  guint best_cpu = 0;
  for (guint i = 0; i < s->n_cpus; i++)
    if (s->cpus[i].local_dsq_depth > best)
      {
        best = s->cpus[i].local_dsq_depth;
        best_cpu = i;
      }
  if (cpu_out != NULL)
    *cpu_out = best_cpu;
  return best;
}

gboolean
ktstr_monitor_sample_event_sum (const KtstrMonitorSample *s, guint event, gint64 *out)
{
  gboolean any = FALSE;
  gint64 sum = 0;
  for (guint i = 0; i < s->n_cpus; i++)
    if (s->cpus[i].has_events)
      {
        KtstrScxEvents ev = s->cpus[i].events;
        sum += *ktstr_scx_events_slot (&ev, event);
        any = TRUE;
      }
  *out = sum;
  return any;
}

/* --- JSON ---------------------------------------------------------------- */

static void
add_uint (JsonBuilder *b, const char *key, guint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, (gint64)v);
}

JsonNode *
ktstr_monitor_sample_to_json (const KtstrMonitorSample *s)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_uint (b, "elapsed_ms", s->elapsed_ms);
  json_builder_set_member_name (b, "scx_enabled");
  json_builder_add_boolean_value (b, s->is_scx_enabled);
  json_builder_set_member_name (b, "cpus");
  json_builder_begin_array (b);
  for (guint i = 0; i < s->n_cpus; i++)
    {
      const KtstrMonitorCpu *c = &s->cpus[i];
      json_builder_begin_object (b);
      if (s->fields & KTSTR_MONITOR_HAS_NR_RUNNING)
        add_uint (b, "nr_running", c->nr_running);
      if (s->fields & KTSTR_MONITOR_HAS_SCX_NR_RUNNING)
        add_uint (b, "scx_nr_running", c->scx_nr_running);
      if (s->fields & KTSTR_MONITOR_HAS_LOCAL_DSQ)
        add_uint (b, "local_dsq_depth", c->local_dsq_depth);
      if (s->fields & KTSTR_MONITOR_HAS_RQ_CLOCK)
        add_uint (b, "rq_clock", c->rq_clock);
      if (s->fields & KTSTR_MONITOR_HAS_SCX_FLAGS)
        add_uint (b, "scx_flags", c->scx_flags);
      if (c->has_vcpu_time)
        add_uint (b, "vcpu_cpu_time_ns", c->vcpu_time_ns);
      if (c->has_schedstat)
        {
          const KtstrRqSchedstat *ss = &c->schedstat;
          json_builder_set_member_name (b, "schedstat");
          json_builder_begin_object (b);
          add_uint (b, "run_delay", ss->run_delay);
          add_uint (b, "pcount", ss->pcount);
          add_uint (b, "yld_count", ss->yld_count);
          add_uint (b, "sched_count", ss->sched_count);
          add_uint (b, "sched_goidle", ss->sched_goidle);
          add_uint (b, "ttwu_count", ss->ttwu_count);
          add_uint (b, "ttwu_local", ss->ttwu_local);
          json_builder_end_object (b);
        }
      if (c->has_events)
        {
          KtstrScxEvents ev = c->events;
          json_builder_set_member_name (b, "event_counters");
          json_builder_begin_object (b);
          for (guint e = 0; e < N_EVENTS; e++)
            {
              json_builder_set_member_name (b, event_names[e]);
              json_builder_add_int_value (b, *ktstr_scx_events_slot (&ev, e));
            }
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

GQuark
ktstr_monitor_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-monitor-error-quark");
}

static gboolean bad (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* FALSE with ERROR (KTSTR_MONITOR_ERROR_INVALID) "monitor sample: ...". */
static gboolean
bad (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, KTSTR_MONITOR_ERROR, KTSTR_MONITOR_ERROR_INVALID, "monitor sample: %s", what);
  return FALSE;
}

/* An integer member >= 0 and <= MAX; absent is FALSE without an error
 * when OPTIONAL. */
static gboolean
get_uint (JsonObject *o, const char *key, guint64 max, gboolean optional, guint64 *out,
          gboolean *present, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (present != NULL)
    *present = n != NULL;
  if (n == NULL)
    {
      if (optional)
        return TRUE;
      return bad (error, "'%s' is missing", key);
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < 0 || (guint64)json_node_get_int (n) > max)
    {
      return bad (error, "'%s' is not an integer from 0 to %" G_GUINT64_FORMAT, key, max);
    }
  *out = (guint64)json_node_get_int (n);
  return TRUE;
}

static gboolean
cpu_from_json (JsonObject *o, KtstrMonitorCpu *c, KtstrMonitorFields *fields, GError **error)
{
  guint64 v;
  gboolean has;
  static const struct
  {
    const char *key;
    KtstrMonitorFields field;
    gsize offset;
    guint64 max;
  } plain[] = {
    { "nr_running", KTSTR_MONITOR_HAS_NR_RUNNING, G_STRUCT_OFFSET (KtstrMonitorCpu, nr_running),
      G_MAXUINT32 },
    { "scx_nr_running", KTSTR_MONITOR_HAS_SCX_NR_RUNNING,
      G_STRUCT_OFFSET (KtstrMonitorCpu, scx_nr_running), G_MAXUINT32 },
    { "local_dsq_depth", KTSTR_MONITOR_HAS_LOCAL_DSQ,
      G_STRUCT_OFFSET (KtstrMonitorCpu, local_dsq_depth), G_MAXUINT32 },
    { "rq_clock", KTSTR_MONITOR_HAS_RQ_CLOCK, G_STRUCT_OFFSET (KtstrMonitorCpu, rq_clock),
      G_MAXINT64 },
    { "scx_flags", KTSTR_MONITOR_HAS_SCX_FLAGS, G_STRUCT_OFFSET (KtstrMonitorCpu, scx_flags),
      G_MAXUINT32 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      if (!get_uint (o, plain[i].key, plain[i].max, TRUE, &v, &has, error))
        return FALSE;
      if (!has)
        continue;
      *fields |= plain[i].field;
      if (plain[i].max == G_MAXUINT32)
        G_STRUCT_MEMBER (guint32, c, plain[i].offset) = (guint32)v;
      else
        G_STRUCT_MEMBER (guint64, c, plain[i].offset) = v;
    }
  if (!get_uint (o, "vcpu_cpu_time_ns", G_MAXINT64, TRUE, &c->vcpu_time_ns, &c->has_vcpu_time,
                 error))
    return FALSE;
  JsonNode *ss = json_object_get_member (o, "schedstat");
  if (ss != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (ss))
        return bad (error, "'schedstat' is not an object");
      JsonObject *so = json_node_get_object (ss);
      KtstrRqSchedstat *s = &c->schedstat;
      guint64 yld, cnt, goidle, ttwu, local;
      if (!get_uint (so, "run_delay", G_MAXINT64, FALSE, &s->run_delay, NULL, error)
          || !get_uint (so, "pcount", G_MAXINT64, FALSE, &s->pcount, NULL, error)
          || !get_uint (so, "yld_count", G_MAXUINT32, FALSE, &yld, NULL, error)
          || !get_uint (so, "sched_count", G_MAXUINT32, FALSE, &cnt, NULL, error)
          || !get_uint (so, "sched_goidle", G_MAXUINT32, FALSE, &goidle, NULL, error)
          || !get_uint (so, "ttwu_count", G_MAXUINT32, FALSE, &ttwu, NULL, error)
          || !get_uint (so, "ttwu_local", G_MAXUINT32, FALSE, &local, NULL, error))
        return FALSE;
      s->yld_count = (guint32)yld;
      s->sched_count = (guint32)cnt;
      s->sched_goidle = (guint32)goidle;
      s->ttwu_count = (guint32)ttwu;
      s->ttwu_local = (guint32)local;
      c->has_schedstat = TRUE;
    }
  JsonNode *ev = json_object_get_member (o, "event_counters");
  if (ev != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (ev))
        return bad (error, "'event_counters' is not an object");
      JsonObject *eo = json_node_get_object (ev);
      for (guint e = 0; e < N_EVENTS; e++)
        {
          if (!get_uint (eo, event_names[e], G_MAXINT64, TRUE, &v, &has, error))
            return FALSE;
          *ktstr_scx_events_slot (&c->events, e) = has ? (gint64)v : 0;
        }
      c->has_events = TRUE;
    }
  return TRUE;
}

gboolean
ktstr_monitor_sample_from_json (JsonNode *node, KtstrMonitorSample *out, GError **error)
{
  memset (out, 0, sizeof *out);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, "not a JSON object");
  JsonObject *o = json_node_get_object (node);
  guint64 elapsed;
  if (!get_uint (o, "elapsed_ms", G_MAXINT64, FALSE, &elapsed, NULL, error))
    return FALSE;
  JsonNode *cpus = json_object_get_member (o, "cpus");
  if (cpus == NULL || !JSON_NODE_HOLDS_ARRAY (cpus))
    return bad (error, "'cpus' is missing or not an array");
  JsonArray *a = json_node_get_array (cpus);
  ktstr_monitor_sample_init (out, json_array_get_length (a));
  out->elapsed_ms = elapsed;
  out->is_scx_enabled = json_object_get_boolean_member_with_default (o, "scx_enabled", FALSE);
  for (guint i = 0; i < out->n_cpus; i++)
    {
      JsonNode *c = json_array_get_element (a, i);
      KtstrMonitorFields fields = 0;
      if (!JSON_NODE_HOLDS_OBJECT (c))
        {
          ktstr_monitor_sample_clear (out);
          return bad (error, "a 'cpus' element is not an object");
        }
      if (!cpu_from_json (json_node_get_object (c), &out->cpus[i], &fields, error))
        {
          ktstr_monitor_sample_clear (out);
          return FALSE;
        }
      /* A field counts as seen only when every CPU has it. */
      out->fields = i == 0 ? fields : (out->fields & fields);
    }
  return TRUE;
}

/* Per-CPU integer array member KEY of MSG with N elements into
 * DEST[i] at OFFSET (a guint32 or guint64 member); absent is fine. */
static gboolean
guest_array (JsonObject *msg, const char *key, KtstrMonitorSample *s, gsize offset, gboolean is_u64,
             gboolean *present, GError **error)
{
  JsonNode *n = json_object_get_member (msg, key);
  *present = n != NULL;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n) || json_array_get_length (json_node_get_array (n)) != s->n_cpus)
    {
      return bad (error, "'%s' is not an array of %u integers", key, s->n_cpus);
    }
  JsonArray *a = json_node_get_array (n);
  for (guint i = 0; i < s->n_cpus; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
          || json_node_get_int (e) < 0)
        {
          return bad (error, "'%s'[%u] is not a non-negative integer", key, i);
        }
      guint64 v = (guint64)json_node_get_int (e);
      if (is_u64)
        G_STRUCT_MEMBER (guint64, &s->cpus[i], offset) = v;
      else
        G_STRUCT_MEMBER (guint32, &s->cpus[i], offset) = (guint32)MIN (v, G_MAXUINT32);
    }
  return TRUE;
}

/* The members of a "mon" message after "nr" sized OUT. */
static gboolean
guest_members (JsonObject *msg, KtstrMonitorSample *out, GError **error)
{
  gboolean has;
  if (!guest_array (msg, "nr", out, G_STRUCT_OFFSET (KtstrMonitorCpu, nr_running), FALSE, &has,
                    error))
    return FALSE;
  out->fields |= KTSTR_MONITOR_HAS_NR_RUNNING;
  if (!guest_array (msg, "clock", out, G_STRUCT_OFFSET (KtstrMonitorCpu, rq_clock), TRUE, &has,
                    error))
    return FALSE;
  if (has)
    out->fields |= KTSTR_MONITOR_HAS_RQ_CLOCK;
  JsonNode *ss = json_object_get_member (msg, "schedstat");
  if (ss != NULL)
    {
      /* Per CPU: [run_delay, pcount, yld_count, sched_count, sched_goidle,
       * ttwu_count, ttwu_local], the order of /proc/schedstat. */
      if (!JSON_NODE_HOLDS_ARRAY (ss)
          || json_array_get_length (json_node_get_array (ss)) != out->n_cpus)
        {
          return bad (error, "'schedstat' is not an array of %u arrays", out->n_cpus);
        }
      for (guint i = 0; i < out->n_cpus; i++)
        {
          JsonNode *e = json_array_get_element (json_node_get_array (ss), i);
          guint64 v[7];
          if (!JSON_NODE_HOLDS_ARRAY (e) || json_array_get_length (json_node_get_array (e)) != 7)
            {
              return bad (error, "'schedstat'[%u] is not an array of 7 integers", i);
            }
          for (guint k = 0; k < 7; k++)
            {
              JsonNode *x = json_array_get_element (json_node_get_array (e), k);
              if (!JSON_NODE_HOLDS_VALUE (x) || json_node_get_value_type (x) != G_TYPE_INT64
                  || json_node_get_int (x) < 0)
                {
                  return bad (error, "'schedstat'[%u][%u] is not a non-negative integer", i, k);
                }
              v[k] = (guint64)json_node_get_int (x);
            }
          KtstrRqSchedstat *s = &out->cpus[i].schedstat;
          s->run_delay = v[0];
          s->pcount = v[1];
          s->yld_count = (guint32)v[2];
          s->sched_count = (guint32)v[3];
          s->sched_goidle = (guint32)v[4];
          s->ttwu_count = (guint32)v[5];
          s->ttwu_local = (guint32)v[6];
          out->cpus[i].has_schedstat = TRUE;
        }
    }
  JsonNode *ev = json_object_get_member (msg, "events");
  if (ev != NULL && out->n_cpus > 0)
    {
      /* System-wide totals: kept on CPU 0, so sums over CPUs are right. */
      if (!JSON_NODE_HOLDS_OBJECT (ev))
        {
          return bad (error, "'events' is not an object");
        }
      JsonObject *eo = json_node_get_object (ev);
      for (guint e = 0; e < N_EVENTS; e++)
        *ktstr_scx_events_slot (&out->cpus[0].events, e)
            = json_object_get_int_member_with_default (eo, event_names[e], 0);
      out->cpus[0].has_events = TRUE;
    }
  return TRUE;
}

gboolean
ktstr_monitor_sample_from_guest (JsonObject *msg, KtstrMonitorSample *out, GError **error)
{
  memset (out, 0, sizeof *out);
  JsonNode *nr = json_object_get_member (msg, "nr");
  JsonNode *ms = json_object_get_member (msg, "elapsed_ms");
  if (nr == NULL || !JSON_NODE_HOLDS_ARRAY (nr) || ms == NULL || !JSON_NODE_HOLDS_VALUE (ms)
      || json_node_get_value_type (ms) != G_TYPE_INT64 || json_node_get_int (ms) < 0)
    {
      return bad (error, "mon without 'elapsed_ms' or the 'nr' array");
    }
  ktstr_monitor_sample_init (out, json_array_get_length (json_node_get_array (nr)));
  out->elapsed_ms = (guint64)json_node_get_int (ms);
  out->is_scx_enabled = json_object_get_boolean_member_with_default (msg, "scx", FALSE);
  if (guest_members (msg, out, error))
    return TRUE;
  ktstr_monitor_sample_clear (out);
  return FALSE;
}
