/* The monitor's figures in ktstr-stats: see monitor-stats.h. */
#include "config.h"

#include "stats/monitor-stats.h"

#include <math.h>

static double
finite_or_zero (double v)
{
  return isfinite (v) ? v : 0.0;
}

static double
member_number (JsonNode *object, const char *name)
{
  if (object == NULL || !JSON_NODE_HOLDS_OBJECT (object))
    return 0.0;
  JsonNode *n = json_object_get_member (json_node_get_object (object), name);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return 0.0;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    return (double)json_node_get_int (n);
  return t == G_TYPE_DOUBLE ? finite_or_zero (json_node_get_double (n)) : 0.0;
}

double
ktstr_stats_monitor_avg_imbalance (const KtstrMonitorSummary *m)
{
  return m ? finite_or_zero (m->avg_imbalance_ratio) : 0.0;
}

double
ktstr_stats_monitor_avg_dsq_depth (const KtstrMonitorSummary *m)
{
  return m ? finite_or_zero (m->avg_local_dsq_depth) : 0.0;
}

double
ktstr_stats_monitor_run_delay_ms_per_s (const KtstrMonitorSummary *m)
{
  return m ? member_number (m->schedstat_deltas, "run_delay_rate") / 1e6 : 0.0;
}

double
ktstr_stats_monitor_bpf_ns_per_call (const KtstrMonitorSummary *m)
{
  if (m == NULL || m->prog_stats_deltas == NULL || !JSON_NODE_HOLDS_ARRAY (m->prog_stats_deltas))
    return 0.0;
  JsonArray *a = json_node_get_array (m->prog_stats_deltas);
  double cnt = 0, ns = 0;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *p = json_array_get_element (a, i);
      cnt += member_number (p, "cnt");
      ns += member_number (p, "nsecs");
    }
  return cnt > 0 ? ns / cnt : 0.0;
}

/* How many MonitorViolation events the sidecar's timeline holds. */
static guint
n_violations (const KtstrSidecar *sc)
{
  guint n = 0;
  for (guint i = 0; i < sc->stimulus_events->len; i++)
    n += g_strcmp0 (((KtstrStimulusEvent *)sc->stimulus_events->pdata[i])->label,
                    "MonitorViolation")
         == 0;
  return n;
}

char *
ktstr_stats_format_monitor (GPtrArray *sidecars)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < sidecars->len; i++)
    {
      const KtstrSidecar *sc = g_ptr_array_index (sidecars, i);
      const KtstrMonitorSummary *m = sc->monitor;
      if (m == NULL)
        continue;
      if (out->len == 0)
        {
          g_string_append (out, "\n=== MONITOR ===\n\n");
          g_string_append_printf (out, "  %-24s %-10s %-11s %-12s %7s %7s %7s %7s %5s %s\n", "test",
                                  "topology", "scheduler", "sampler", "samples", "max_imb",
                                  "avg_imb", "max_dsq", "stall", "violations");
        }
      g_string_append_printf (
          out, "  %-24s %-10s %-11s %-12s %7" G_GUINT64_FORMAT " %7.2f %7.2f %7u %5s %u\n",
          sc->test_name, sc->topology, sc->scheduler, m->sampler ? m->sampler : "-",
          m->total_samples, m->max_imbalance_ratio, m->avg_imbalance_ratio, m->max_local_dsq_depth,
          m->stall_detected ? "yes" : "no", n_violations (sc));
      if (m->watchdog_timeout != NULL && JSON_NODE_HOLDS_OBJECT (m->watchdog_timeout))
        g_string_append_printf (out,
                                "    watchdog override: %.0f ms requested, %.0f jiffies read "
                                "back\n",
                                member_number (m->watchdog_timeout, "requested_ms"),
                                member_number (m->watchdog_timeout, "read_back_jiffies"));
    }
  return g_string_free (out, FALSE);
}
