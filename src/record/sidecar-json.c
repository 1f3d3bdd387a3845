/* Sidecar <-> JSON: the schema of doc/sidecar-schema.md in field order,
 * written with util/json-util.h, and the tolerant-but-typed reader. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "record/sidecar.h"
#include "util/json-util.h"

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* --- Enum names, as the schema spells them ------------------------------------- */

static const char *const polarity_names[]
    = { "HigherBetter", "LowerBetter", "TargetValue", "Unknown", NULL };
static const char *const source_names[] = { "Json", "LlmExtract", NULL };
static const char *const stream_names[] = { "Stdout", "Stderr", "Synthesized", NULL };

static const char *
polarity_to_string (KtstrPayloadPolarity p)
{
  return (guint)p < G_N_ELEMENTS (polarity_names) - 1 ? polarity_names[p] : "Unknown";
}

static const char *
source_to_string (KtstrPayloadSource s)
{
  return (guint)s < G_N_ELEMENTS (source_names) - 1 ? source_names[s] : "Json";
}

static const char *
stream_to_string (KtstrPayloadStream s)
{
  return (guint)s < G_N_ELEMENTS (stream_names) - 1 ? stream_names[s] : "Stdout";
}

/* --- To JSON ------------------------------------------------------------------ */

static void
build_metrics (JsonBuilder *b, GPtrArray *metrics)
{
  json_builder_set_member_name (b, "metrics");
  json_builder_begin_array (b);
  for (guint i = 0; i < metrics->len; i++)
    {
      KtstrPayloadMetrics *pm = g_ptr_array_index (metrics, i);
      json_builder_begin_object (b);
      ktstr_json_member_u64 (b, "payload_index", pm->payload_index);
      json_builder_set_member_name (b, "metrics");
      json_builder_begin_array (b);
      for (guint j = 0; j < pm->metrics->len; j++)
        {
          KtstrPayloadMetric *m = g_ptr_array_index (pm->metrics, j);
          json_builder_begin_object (b);
          ktstr_json_member_string (b, "name", m->name);
          ktstr_json_member_double (b, "value", m->value);
          json_builder_set_member_name (b, "polarity");
          if (m->polarity == KTSTR_PAYLOAD_POLARITY_TARGET_VALUE)
            {
              /* The one variant with a value: an object of its name. */
              json_builder_begin_object (b);
              ktstr_json_member_double (b, "TargetValue", m->target_value);
              json_builder_end_object (b);
            }
          else
            json_builder_add_string_value (b, polarity_to_string (m->polarity));
          ktstr_json_member_string (b, "unit", m->unit != NULL ? m->unit : "");
          ktstr_json_member_string (b, "source", source_to_string (m->source));
          ktstr_json_member_string (b, "stream", stream_to_string (m->stream));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "exit_code");
      json_builder_add_int_value (b, pm->exit_code);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static JsonNode *
monitor_to_json (const KtstrMonitorSummary *m)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  ktstr_json_member_u64 (b, "total_samples", m->total_samples);
  ktstr_json_member_double (b, "max_imbalance_ratio", m->max_imbalance_ratio);
  ktstr_json_member_u64 (b, "max_local_dsq_depth", m->max_local_dsq_depth);
  ktstr_json_member_bool (b, "stall_detected", m->stall_detected);
  ktstr_json_member_double (b, "avg_imbalance_ratio", m->avg_imbalance_ratio);
  ktstr_json_member_double (b, "avg_nr_running", m->avg_nr_running);
  ktstr_json_member_double (b, "avg_local_dsq_depth", m->avg_local_dsq_depth);
  /* Left out when absent, as the schema has them. */
  if (m->event_deltas != NULL)
    ktstr_json_member_node (b, "event_deltas", json_node_copy (m->event_deltas));
  if (m->schedstat_deltas != NULL)
    ktstr_json_member_node (b, "schedstat_deltas", json_node_copy (m->schedstat_deltas));
  if (m->prog_stats_deltas != NULL)
    ktstr_json_member_node (b, "prog_stats_deltas", json_node_copy (m->prog_stats_deltas));
  if (m->sampler != NULL)
    ktstr_json_member_string (b, "sampler", m->sampler);
  if (m->watchdog_timeout != NULL)
    ktstr_json_member_node (b, "watchdog_timeout", json_node_copy (m->watchdog_timeout));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
kvm_to_json (const KtstrKvmStats *kvm)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "per_vcpu");
  json_builder_begin_array (b);
  for (guint i = 0; i < kvm->per_vcpu->len; i++)
    {
      GHashTable *t = g_ptr_array_index (kvm->per_vcpu, i);
      guint n;
      g_autofree gpointer *keys = g_hash_table_get_keys_as_array (t, &n);
      qsort (keys, n, sizeof *keys, compare_strings);
      json_builder_begin_object (b);
      for (guint k = 0; k < n; k++)
        ktstr_json_member_u64 (b, keys[k], *(guint64 *)g_hash_table_lookup (t, keys[k]));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
ktstr_sidecar_to_json (const KtstrSidecar *sc)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  ktstr_json_member_string (b, "test_name", sc->test_name != NULL ? sc->test_name : "");
  ktstr_json_member_string (b, "topology", sc->topology != NULL ? sc->topology : "");
  ktstr_json_member_string (b, "scheduler", sc->scheduler != NULL ? sc->scheduler : "");
  ktstr_json_member_string (b, "scheduler_commit", sc->scheduler_commit);
  ktstr_json_member_string (b, "project_commit", sc->project_commit);
  ktstr_json_member_string (b, "payload", sc->payload);
  build_metrics (b, sc->metrics);
  ktstr_json_member_bool (b, "passed", sc->passed);
  ktstr_json_member_bool (b, "skipped", sc->skipped);
  ktstr_json_member_node (b, "stats",
                          sc->stats != NULL ? ktstr_scenario_stats_to_json (sc->stats) : NULL);
  ktstr_json_member_node (b, "monitor", sc->monitor != NULL ? monitor_to_json (sc->monitor) : NULL);

  json_builder_set_member_name (b, "stimulus_events");
  json_builder_begin_array (b);
  for (guint i = 0; i < sc->stimulus_events->len; i++)
    {
      KtstrStimulusEvent *ev = g_ptr_array_index (sc->stimulus_events, i);
      json_builder_begin_object (b);
      ktstr_json_member_u64 (b, "elapsed_ms", ev->elapsed_ms);
      ktstr_json_member_string (b, "label", ev->label != NULL ? ev->label : "");
      /* Always written, null when absent, as the schema has them. */
      ktstr_json_member_string (b, "op_kind", ev->op_kind);
      ktstr_json_member_string (b, "detail", ev->detail);
      json_builder_set_member_name (b, "total_iterations");
      if (ev->has_total_iterations)
        ktstr_json_add_u64 (b, ev->total_iterations);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  ktstr_json_member_string (b, "work_type", sc->work_type != NULL ? sc->work_type : "");
  ktstr_json_member_strv (b, "active_flags", sc->active_flags);

  json_builder_set_member_name (b, "verifier_stats");
  json_builder_begin_array (b);
  for (guint i = 0; i < sc->verifier_stats->len; i++)
    {
      KtstrVerifierStat *vs = g_ptr_array_index (sc->verifier_stats, i);
      json_builder_begin_object (b);
      ktstr_json_member_string (b, "name", vs->name != NULL ? vs->name : "");
      ktstr_json_member_u64 (b, "verified_insns", vs->verified_insns);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  ktstr_json_member_node (b, "kvm_stats",
                          sc->kvm_stats != NULL ? kvm_to_json (sc->kvm_stats) : NULL);
  ktstr_json_member_strv (b, "sysctls", sc->sysctls);
  ktstr_json_member_strv (b, "kargs", sc->kargs);
  ktstr_json_member_string (b, "kernel_version", sc->kernel_version);
  ktstr_json_member_string (b, "kernel_commit", sc->kernel_commit);
  ktstr_json_member_string (b, "timestamp", sc->timestamp != NULL ? sc->timestamp : "");
  ktstr_json_member_string (b, "run_id", sc->run_id != NULL ? sc->run_id : "");
  ktstr_json_member_node (b, "host",
                          sc->host != NULL ? ktstr_host_context_to_json (sc->host) : NULL);
  json_builder_set_member_name (b, "cleanup_duration_ms");
  if (sc->has_cleanup_duration_ms)
    ktstr_json_add_u64 (b, sc->cleanup_duration_ms);
  else
    json_builder_add_null_value (b);
  ktstr_json_member_string (b, "run_source", sc->run_source);
  /* Ours, not in the Rust ktstr's schema; its reader ignores unknown keys. */
  ktstr_json_member_string (b, "accel", sc->accel);
  json_builder_set_member_name (b, "verdict");
  if (sc->verdict_summary != NULL)
    {
      json_builder_begin_object (b);
      ktstr_json_member_string (b, "summary", sc->verdict_summary);
      ktstr_json_member_string (b, "report", sc->verdict_report);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  ktstr_json_member_node (b, "scheduler_exit",
                          sc->scheduler_exit != NULL ? json_node_copy (sc->scheduler_exit) : NULL);
  json_builder_set_member_name (b, "vcpu_host");
  if (sc->has_vcpu_host)
    {
      json_builder_begin_object (b);
      ktstr_json_member_u64 (b, "threads", sc->vcpu_host_threads);
      ktstr_json_member_u64 (b, "span_ms", sc->vcpu_host_span_ms);
      ktstr_json_member_u64 (b, "run_ns", sc->vcpu_host_run_ns);
      ktstr_json_member_u64 (b, "wait_ns", sc->vcpu_host_wait_ns);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  if (sc->boot != NULL)
    ktstr_json_member_string (b, "boot", sc->boot);
  if (sc->trial > 0)
    ktstr_json_member_u64 (b, "trial", sc->trial);
  if (sc->has_wall_ms)
    ktstr_json_member_u64 (b, "wall_ms", sc->wall_ms);
  if (sc->auto_repro != NULL)
    ktstr_json_member_node (b, "auto_repro", json_node_copy (sc->auto_repro));
  if (sc->shared_boot_id != NULL)
    {
      json_builder_set_member_name (b, "shared_boot");
      json_builder_begin_object (b);
      ktstr_json_member_string (b, "id", sc->shared_boot_id);
      ktstr_json_member_u64 (b, "index", sc->shared_boot_index);
      ktstr_json_member_u64 (b, "boot_ms", sc->shared_boot_ms);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
ktstr_sidecar_to_data (const KtstrSidecar *sc, gsize *out_length)
{
  g_autoptr (JsonNode) root = ktstr_sidecar_to_json (sc);
  return ktstr_json_to_data (root, out_length);
}

/* --- From JSON ---------------------------------------------------------------- */

/* Errors name the field by its path, e.g. "key 'metrics[0].metrics[1].polarity'
 * must be ...", through util/json-util.h in this module's domain. */
static KtstrJsonReader
at (const char *path)
{
  return (KtstrJsonReader){ KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_MISSING_FIELD,
                            KTSTR_SIDECAR_ERROR_INVALID_FIELD, NULL, path };
}

static gboolean
invalid (GError **error, const char *path, const char *key, const char *want, JsonNode *got)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_wrong_type (&r, key, want, got, error);
}

static gboolean
req_member (JsonObject *o, const char *path, const char *key, JsonNode **out, GError **error)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_get_member (&r, o, key, out, error);
}

static gboolean
req_string (JsonObject *o, const char *path, const char *key, char **out, GError **error)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_get_string (&r, o, key, out, error);
}

static gboolean
opt_string (JsonObject *o, const char *path, const char *key, char **out, GError **error)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_get_optional_string (&r, o, key, out, error);
}

static gboolean
req_bool (JsonObject *o, const char *path, const char *key, gboolean *out, GError **error)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_get_bool (&r, o, key, out, error);
}

static gboolean
req_u64 (JsonObject *o, const char *path, const char *key, guint64 *out, GError **error)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_get_u64 (&r, o, key, out, error);
}

static gboolean
req_uint (JsonObject *o, const char *path, const char *key, guint *out, GError **error)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_get_uint (&r, o, key, out, error);
}

static gboolean
opt_u64 (JsonObject *o, const char *path, const char *key, gboolean *has, guint64 *out,
         GError **error)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_get_optional_u64 (&r, o, key, has, out, error);
}

static gboolean
req_double (JsonObject *o, const char *path, const char *key, double *out, GError **error)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_get_double (&r, o, key, out, error);
}

static gboolean
req_array (JsonObject *o, const char *path, const char *key, JsonArray **out, GError **error)
{
  KtstrJsonReader r = at (path);
  return ktstr_json_get_array (&r, o, key, out, error);
}

static gboolean
req_strv (JsonObject *o, const char *key, GPtrArray *out, GError **error)
{
  KtstrJsonReader r = at ("");
  return ktstr_json_get_strv (&r, o, key, out, error);
}

/* Element I of A as an object; its error path is "{path}{key}[i]". */
static JsonObject *
element_object (JsonArray *a, guint i, const char *path, const char *key, char **elem_path,
                GError **error)
{
  JsonNode *e = json_array_get_element (a, i);
  g_autofree char *name = g_strdup_printf ("%s[%u]", key, i);
  if (!JSON_NODE_HOLDS_OBJECT (e))
    {
      invalid (error, path, name, "an object", e);
      return NULL;
    }
  *elem_path = g_strdup_printf ("%s%s.", path, name);
  return json_node_get_object (e);
}

static gboolean
enum_from_string (const char *s, const char *const *names, guint *out)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (s, names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

#define POLARITY_WANT "\"HigherBetter\", \"LowerBetter\", \"Unknown\" or {\"TargetValue\": x}"

static gboolean
parse_polarity (JsonNode *n, const char *path, KtstrPayloadMetric *m, GError **error)
{
  guint v;
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    {
      if (!enum_from_string (json_node_get_string (n), polarity_names, &v)
          || v == KTSTR_PAYLOAD_POLARITY_TARGET_VALUE)
        return invalid (error, path, "polarity", POLARITY_WANT, n);
      m->polarity = v;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_OBJECT (n))
    {
      JsonObject *o = json_node_get_object (n);
      JsonNode *t = json_object_get_member (o, "TargetValue");
      if (json_object_get_size (o) == 1 && t != NULL)
        {
          m->polarity = KTSTR_PAYLOAD_POLARITY_TARGET_VALUE;
          KtstrJsonReader r = at (path);
          return ktstr_json_node_double (&r, t, "polarity.TargetValue", &m->target_value, error);
        }
    }
  return invalid (error, path, "polarity", POLARITY_WANT, n);
}

static gboolean
parse_enum_field (JsonObject *o, const char *path, const char *key, const char *const *names,
                  guint *out, GError **error)
{
  g_autofree char *s = NULL;
  if (!req_string (o, path, key, &s, error))
    return FALSE;
  if (!enum_from_string (s, names, out))
    {
      g_autofree char *expected = g_strjoinv ("\", \"", (char **)names);
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD,
                   "key '%s%s' must be one of \"%s\", got \"%s\"", path, key, expected, s);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_metrics (JsonObject *root, GPtrArray *out, GError **error)
{
  JsonArray *a;
  if (!req_array (root, "", "metrics", &a, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autofree char *p = NULL;
      JsonObject *o = element_object (a, i, "", "metrics", &p, error);
      guint64 idx, exit_code_u;
      JsonNode *ec;
      JsonArray *ma;
      if (o == NULL || !req_u64 (o, p, "payload_index", &idx, error)
          || !req_array (o, p, "metrics", &ma, error)
          || !req_member (o, p, "exit_code", &ec, error))
        return FALSE;
      if (json_node_get_value_type (ec) != G_TYPE_INT64 || json_node_get_int (ec) < G_MININT32
          || json_node_get_int (ec) > G_MAXINT32)
        return invalid (error, p, "exit_code", "a 32-bit integer", ec);
      exit_code_u = (guint64)json_node_get_int (ec);
      g_autoptr (KtstrPayloadMetrics) pm = ktstr_payload_metrics_new (idx, (gint32)exit_code_u);
      for (guint j = 0; j < json_array_get_length (ma); j++)
        {
          g_autofree char *mp = NULL;
          JsonObject *mo = element_object (ma, j, p, "metrics", &mp, error);
          JsonNode *pol;
          guint src, stream;
          if (mo == NULL)
            return FALSE;
          KtstrPayloadMetric *m = ktstr_payload_metrics_add (
              pm, NULL, 0, KTSTR_PAYLOAD_POLARITY_UNKNOWN, 0, NULL, 0, 0);
          if (!req_string (mo, mp, "name", &m->name, error)
              || !req_double (mo, mp, "value", &m->value, error)
              || !req_member (mo, mp, "polarity", &pol, error)
              || !parse_polarity (pol, mp, m, error)
              || !req_string (mo, mp, "unit", &m->unit, error)
              || !parse_enum_field (mo, mp, "source", source_names, &src, error)
              || !parse_enum_field (mo, mp, "stream", stream_names, &stream, error))
            return FALSE;
          m->source = src;
          m->stream = stream;
        }
      g_ptr_array_add (out, g_steal_pointer (&pm));
    }
  return TRUE;
}

static gboolean
opt_json_copy (JsonObject *o, const char *key, JsonNode **out)
{
  JsonNode *n = ktstr_json_optional_member (o, key);
  if (n != NULL)
    *out = json_node_copy (n);
  return TRUE;
}

static KtstrMonitorSummary *
parse_monitor (JsonNode *n, GError **error)
{
  const char *p = "monitor.";
  guint depth;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return invalid (error, "", "monitor", "an object or null", n), NULL;
  JsonObject *o = json_node_get_object (n);
  g_autoptr (KtstrMonitorSummary) m = ktstr_monitor_summary_new ();
  if (!req_u64 (o, p, "total_samples", &m->total_samples, error)
      || !req_double (o, p, "max_imbalance_ratio", &m->max_imbalance_ratio, error)
      || !req_uint (o, p, "max_local_dsq_depth", &depth, error)
      || !req_bool (o, p, "stall_detected", &m->stall_detected, error)
      || !req_double (o, p, "avg_imbalance_ratio", &m->avg_imbalance_ratio, error)
      || !req_double (o, p, "avg_nr_running", &m->avg_nr_running, error)
      || !req_double (o, p, "avg_local_dsq_depth", &m->avg_local_dsq_depth, error))
    return NULL;
  m->max_local_dsq_depth = (guint32)depth;
  opt_json_copy (o, "event_deltas", &m->event_deltas);
  opt_json_copy (o, "schedstat_deltas", &m->schedstat_deltas);
  opt_json_copy (o, "prog_stats_deltas", &m->prog_stats_deltas);
  opt_json_copy (o, "watchdog_timeout", &m->watchdog_timeout);
  if (!opt_string (o, p, "sampler", &m->sampler, error))
    return NULL;
  return g_steal_pointer (&m);
}

static gboolean
parse_stimulus_events (JsonObject *root, GPtrArray *out, GError **error)
{
  JsonArray *a;
  if (!req_array (root, "", "stimulus_events", &a, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autofree char *p = NULL;
      JsonObject *o = element_object (a, i, "", "stimulus_events", &p, error);
      if (o == NULL)
        return FALSE;
      KtstrStimulusEvent *ev = ktstr_stimulus_event_new (0, NULL);
      g_ptr_array_add (out, ev);
      if (!req_u64 (o, p, "elapsed_ms", &ev->elapsed_ms, error)
          || !req_string (o, p, "label", &ev->label, error)
          || !opt_string (o, p, "op_kind", &ev->op_kind, error)
          || !opt_string (o, p, "detail", &ev->detail, error)
          || !opt_u64 (o, p, "total_iterations", &ev->has_total_iterations, &ev->total_iterations,
                       error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_verifier_stats (JsonObject *root, GPtrArray *out, GError **error)
{
  JsonArray *a;
  if (!req_array (root, "", "verifier_stats", &a, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autofree char *p = NULL;
      JsonObject *o = element_object (a, i, "", "verifier_stats", &p, error);
      guint insns;
      if (o == NULL)
        return FALSE;
      KtstrVerifierStat *vs = ktstr_verifier_stat_new (NULL, 0);
      g_ptr_array_add (out, vs);
      if (!req_string (o, p, "name", &vs->name, error)
          || !req_uint (o, p, "verified_insns", &insns, error))
        return FALSE;
      vs->verified_insns = (guint32)insns;
    }
  return TRUE;
}

/* "vcpu_host": absent or null (not measured) or the four counters. */
static gboolean
parse_vcpu_host (JsonObject *o, KtstrSidecar *sc, GError **error)
{
  JsonNode *n = ktstr_json_optional_member (o, "vcpu_host");
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return invalid (error, "", "vcpu_host", "an object or null", n);
  JsonObject *v = json_node_get_object (n);
  const char *p = "vcpu_host.";
  if (!req_uint (v, p, "threads", &sc->vcpu_host_threads, error)
      || !req_u64 (v, p, "span_ms", &sc->vcpu_host_span_ms, error)
      || !req_u64 (v, p, "run_ns", &sc->vcpu_host_run_ns, error)
      || !req_u64 (v, p, "wait_ns", &sc->vcpu_host_wait_ns, error))
    return FALSE;
  sc->has_vcpu_host = TRUE;
  return TRUE;
}

static KtstrKvmStats *
parse_kvm_stats (JsonNode *n, GError **error)
{
  JsonArray *a;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return invalid (error, "", "kvm_stats", "an object or null", n), NULL;
  if (!req_array (json_node_get_object (n), "kvm_stats.", "per_vcpu", &a, error))
    return NULL;
  g_autoptr (KtstrKvmStats) kvm = ktstr_kvm_stats_new ();
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autofree char *p = NULL;
      JsonObject *o = element_object (a, i, "kvm_stats.", "per_vcpu", &p, error);
      JsonObjectIter it;
      const char *k;
      JsonNode *v;
      if (o == NULL)
        return NULL;
      GHashTable *t = ktstr_kvm_stats_add_vcpu (kvm);
      json_object_iter_init (&it, o);
      while (json_object_iter_next (&it, &k, &v))
        {
          guint64 val;
          KtstrJsonReader r = at (p);
          if (!ktstr_json_node_u64 (&r, v, k, &val, error))
            return NULL;
          ktstr_kvm_stats_vcpu_set (t, k, val);
        }
    }
  return g_steal_pointer (&kvm);
}

KtstrSidecar *
ktstr_sidecar_from_json (JsonNode *node, GError **error)
{
  JsonNode *n;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_PARSE,
                   "sidecar is not a JSON object");
      return NULL;
    }
  JsonObject *o = json_node_get_object (node);
  g_autoptr (KtstrSidecar) sc = ktstr_sidecar_new ();

  if (!req_string (o, "", "test_name", &sc->test_name, error)
      || !req_string (o, "", "topology", &sc->topology, error)
      || !req_string (o, "", "scheduler", &sc->scheduler, error)
      || !opt_string (o, "", "scheduler_commit", &sc->scheduler_commit, error)
      || !opt_string (o, "", "project_commit", &sc->project_commit, error)
      || !opt_string (o, "", "payload", &sc->payload, error)
      || !parse_metrics (o, sc->metrics, error) || !req_bool (o, "", "passed", &sc->passed, error)
      || !req_bool (o, "", "skipped", &sc->skipped, error)
      || !req_member (o, "", "stats", &n, error))
    return NULL;

  g_clear_pointer (&sc->stats, ktstr_scenario_stats_free);
  g_autoptr (GError) local = NULL;
  sc->stats = ktstr_scenario_stats_from_json (n, &local);
  if (sc->stats == NULL)
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD,
                   "field 'stats': %s", local->message);
      return NULL;
    }
  if ((n = ktstr_json_optional_member (o, "monitor")) != NULL
      && (sc->monitor = parse_monitor (n, error)) == NULL)
    return NULL;
  if (!parse_stimulus_events (o, sc->stimulus_events, error)
      || !req_string (o, "", "work_type", &sc->work_type, error)
      || !req_strv (o, "active_flags", sc->active_flags, error)
      || !parse_verifier_stats (o, sc->verifier_stats, error))
    return NULL;
  if ((n = ktstr_json_optional_member (o, "kvm_stats")) != NULL
      && (sc->kvm_stats = parse_kvm_stats (n, error)) == NULL)
    return NULL;
  if (!req_strv (o, "sysctls", sc->sysctls, error) || !req_strv (o, "kargs", sc->kargs, error)
      || !opt_string (o, "", "kernel_version", &sc->kernel_version, error)
      || !opt_string (o, "", "kernel_commit", &sc->kernel_commit, error)
      || !req_string (o, "", "timestamp", &sc->timestamp, error)
      || !req_string (o, "", "run_id", &sc->run_id, error))
    return NULL;
  if ((n = ktstr_json_optional_member (o, "host")) != NULL)
    {
      sc->host = ktstr_host_context_from_json (n, &local);
      if (sc->host == NULL)
        {
          g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD, "%s",
                       local->message);
          return NULL;
        }
    }
  if (!opt_u64 (o, "", "cleanup_duration_ms", &sc->has_cleanup_duration_ms,
                &sc->cleanup_duration_ms, error))
    return NULL;
  /* The pre-rename key "source" is deliberately not read here. */
  if (!opt_string (o, "", "run_source", &sc->run_source, error)
      || !opt_string (o, "", "accel", &sc->accel, error) || !parse_vcpu_host (o, sc, error)
      || !opt_string (o, "", "boot", &sc->boot, error))
    return NULL;
  if (ktstr_json_optional_member (o, "trial") != NULL)
    {
      KtstrJsonReader r = at ("");
      guint trial;
      if (!ktstr_json_get_uint (&r, o, "trial", &trial, error))
        return NULL;
      sc->trial = trial;
    }
  if (!opt_u64 (o, "", "wall_ms", &sc->has_wall_ms, &sc->wall_ms, error))
    return NULL;
  if ((n = ktstr_json_optional_member (o, "shared_boot")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (n))
        {
          invalid (error, "", "shared_boot", "an object or null", n);
          return NULL;
        }
      JsonObject *sb = json_node_get_object (n);
      guint index;
      gboolean has_ms;
      if (!req_string (sb, "shared_boot.", "id", &sc->shared_boot_id, error)
          || !req_uint (sb, "shared_boot.", "index", &index, error)
          || !opt_u64 (sb, "shared_boot.", "boot_ms", &has_ms, &sc->shared_boot_ms, error))
        return NULL;
      sc->shared_boot_index = index;
    }
  if ((n = ktstr_json_optional_member (o, "verdict")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (n))
        {
          invalid (error, "", "verdict", "an object or null", n);
          return NULL;
        }
      JsonObject *v = json_node_get_object (n);
      if (!req_string (v, "verdict.", "summary", &sc->verdict_summary, error)
          || !opt_string (v, "verdict.", "report", &sc->verdict_report, error))
        return NULL;
    }
  if ((n = ktstr_json_optional_member (o, "auto_repro")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (n))
        {
          invalid (error, "", "auto_repro", "an object or null", n);
          return NULL;
        }
      sc->auto_repro = json_node_copy (n);
    }
  if ((n = ktstr_json_optional_member (o, "scheduler_exit")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (n))
        {
          invalid (error, "", "scheduler_exit", "an object or null", n);
          return NULL;
        }
      sc->scheduler_exit = json_node_copy (n);
    }
  return g_steal_pointer (&sc);
}
