/* Sidecars: SidecarResult <-> JSON, file naming, atomic writes and
 * directory collection.  Field names and order follow Rust ktstr's
 * src/test_support/sidecar.rs (ktstr-features.md §3.2). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sidecar.h"
#include "siphash.h"

G_DEFINE_QUARK (ktstr-sidecar-error-quark, ktstr_sidecar_error)

/* --- Lifetime ---------------------------------------------------------------- */

void
ktstr_payload_metric_free (KtstrPayloadMetric *m)
{
  if (m == NULL)
    return;
  g_free (m->name);
  g_free (m->unit);
  g_free (m);
}

KtstrPayloadMetrics *
ktstr_payload_metrics_new (guint64 payload_index, gint32 exit_code)
{
  KtstrPayloadMetrics *pm = g_new0 (KtstrPayloadMetrics, 1);
  pm->payload_index = payload_index;
  pm->exit_code = exit_code;
  pm->metrics = g_ptr_array_new_with_free_func ((GDestroyNotify) ktstr_payload_metric_free);
  return pm;
}

void
ktstr_payload_metrics_free (KtstrPayloadMetrics *pm)
{
  if (pm == NULL)
    return;
  g_clear_pointer (&pm->metrics, g_ptr_array_unref);
  g_free (pm);
}

KtstrPayloadMetric *
ktstr_payload_metrics_add (KtstrPayloadMetrics *pm, const char *name, double value,
                           KtstrPayloadPolarity polarity, double target_value, const char *unit,
                           KtstrPayloadSource source, KtstrPayloadStream stream)
{
  KtstrPayloadMetric *m = g_new0 (KtstrPayloadMetric, 1);
  m->name = g_strdup (name);
  m->value = value;
  m->polarity = polarity;
  m->target_value = target_value;
  m->unit = g_strdup (unit != NULL ? unit : "");
  m->source = source;
  m->stream = stream;
  g_ptr_array_add (pm->metrics, m);
  return m;
}

KtstrMonitorSummary *
ktstr_monitor_summary_new (void)
{
  return g_new0 (KtstrMonitorSummary, 1);
}

void
ktstr_monitor_summary_free (KtstrMonitorSummary *mon)
{
  if (mon == NULL)
    return;
  g_clear_pointer (&mon->event_deltas, json_node_unref);
  g_clear_pointer (&mon->schedstat_deltas, json_node_unref);
  g_clear_pointer (&mon->prog_stats_deltas, json_node_unref);
  g_free (mon);
}

KtstrStimulusEvent *
ktstr_stimulus_event_new (guint64 elapsed_ms, const char *label)
{
  KtstrStimulusEvent *ev = g_new0 (KtstrStimulusEvent, 1);
  ev->elapsed_ms = elapsed_ms;
  ev->label = g_strdup (label);
  return ev;
}

void
ktstr_stimulus_event_free (KtstrStimulusEvent *ev)
{
  if (ev == NULL)
    return;
  g_free (ev->label);
  g_free (ev->op_kind);
  g_free (ev->detail);
  g_free (ev);
}

KtstrVerifierStat *
ktstr_verifier_stat_new (const char *name, guint32 verified_insns)
{
  KtstrVerifierStat *vs = g_new0 (KtstrVerifierStat, 1);
  vs->name = g_strdup (name);
  vs->verified_insns = verified_insns;
  return vs;
}

void
ktstr_verifier_stat_free (KtstrVerifierStat *vs)
{
  if (vs == NULL)
    return;
  g_free (vs->name);
  g_free (vs);
}

KtstrKvmStats *
ktstr_kvm_stats_new (void)
{
  KtstrKvmStats *kvm = g_new0 (KtstrKvmStats, 1);
  kvm->per_vcpu = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  return kvm;
}

void
ktstr_kvm_stats_free (KtstrKvmStats *kvm)
{
  if (kvm == NULL)
    return;
  g_clear_pointer (&kvm->per_vcpu, g_ptr_array_unref);
  g_free (kvm);
}

GHashTable *
ktstr_kvm_stats_add_vcpu (KtstrKvmStats *kvm)
{
  GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_ptr_array_add (kvm->per_vcpu, t);
  return t;
}

void
ktstr_kvm_stats_vcpu_set (GHashTable *vcpu, const char *name, guint64 value)
{
  g_hash_table_insert (vcpu, g_strdup (name), g_memdup2 (&value, sizeof value));
}

gboolean
ktstr_kvm_stats_vcpu_get (const KtstrKvmStats *kvm, guint vcpu, const char *name,
                          guint64 *out_value)
{
  if (kvm == NULL || vcpu >= kvm->per_vcpu->len)
    return FALSE;
  const guint64 *v = g_hash_table_lookup (g_ptr_array_index (kvm->per_vcpu, vcpu), name);
  if (v == NULL)
    return FALSE;
  if (out_value != NULL)
    *out_value = *v;
  return TRUE;
}

KtstrSidecar *
ktstr_sidecar_new (void)
{
  KtstrSidecar *sc = g_new0 (KtstrSidecar, 1);
  sc->metrics = g_ptr_array_new_with_free_func ((GDestroyNotify) ktstr_payload_metrics_free);
  sc->stats = ktstr_scenario_stats_new ();
  sc->stimulus_events = g_ptr_array_new_with_free_func ((GDestroyNotify) ktstr_stimulus_event_free);
  sc->active_flags = g_ptr_array_new_with_free_func (g_free);
  sc->verifier_stats = g_ptr_array_new_with_free_func ((GDestroyNotify) ktstr_verifier_stat_free);
  sc->sysctls = g_ptr_array_new_with_free_func (g_free);
  sc->kargs = g_ptr_array_new_with_free_func (g_free);
  return sc;
}

void
ktstr_sidecar_free (KtstrSidecar *sc)
{
  if (sc == NULL)
    return;
  g_free (sc->test_name);
  g_free (sc->topology);
  g_free (sc->scheduler);
  g_free (sc->scheduler_commit);
  g_free (sc->project_commit);
  g_free (sc->payload);
  g_clear_pointer (&sc->metrics, g_ptr_array_unref);
  g_clear_pointer (&sc->stats, ktstr_scenario_stats_free);
  g_clear_pointer (&sc->monitor, ktstr_monitor_summary_free);
  g_clear_pointer (&sc->stimulus_events, g_ptr_array_unref);
  g_free (sc->work_type);
  g_clear_pointer (&sc->active_flags, g_ptr_array_unref);
  g_clear_pointer (&sc->verifier_stats, g_ptr_array_unref);
  g_clear_pointer (&sc->kvm_stats, ktstr_kvm_stats_free);
  g_clear_pointer (&sc->sysctls, g_ptr_array_unref);
  g_clear_pointer (&sc->kargs, g_ptr_array_unref);
  g_free (sc->kernel_version);
  g_free (sc->kernel_commit);
  g_free (sc->timestamp);
  g_free (sc->run_id);
  g_clear_pointer (&sc->host, ktstr_host_context_free);
  g_free (sc->run_source);
  g_free (sc->accel);
  g_free (sc->path);
  g_free (sc);
}

void
ktstr_sidecar_load_error_free (KtstrSidecarLoadError *err)
{
  if (err == NULL)
    return;
  g_free (err->path);
  g_free (err->message);
  g_free (err);
}

/* --- Enum names (serde unit-variant names) ------------------------------------ */

static const char *const polarity_names[] = { "HigherBetter", "LowerBetter", "TargetValue",
                                              "Unknown" };
static const char *const source_names[] = { "Json", "LlmExtract" };
static const char *const stream_names[] = { "Stdout", "Stderr", "Synthesized" };

const char *
ktstr_payload_polarity_to_string (KtstrPayloadPolarity p)
{
  return (guint) p < G_N_ELEMENTS (polarity_names) ? polarity_names[p] : "Unknown";
}

const char *
ktstr_payload_source_to_string (KtstrPayloadSource s)
{
  return (guint) s < G_N_ELEMENTS (source_names) ? source_names[s] : "Json";
}

const char *
ktstr_payload_stream_to_string (KtstrPayloadStream s)
{
  return (guint) s < G_N_ELEMENTS (stream_names) ? stream_names[s] : "Stdout";
}

/* --- To JSON ------------------------------------------------------------------ */

static void
add_str (JsonBuilder *b, const char *key, const char *v)
{
  json_builder_set_member_name (b, key);
  if (v != NULL)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_u64_value (JsonBuilder *b, guint64 v)
{
  /* JsonNode integers are signed; the (theoretical) top half of u64 goes
   * out as a double rather than wrapping negative. */
  if (v > (guint64) G_MAXINT64)
    json_builder_add_double_value (b, (double) v);
  else
    json_builder_add_int_value (b, (gint64) v);
}

static void
add_u64 (JsonBuilder *b, const char *key, guint64 v)
{
  json_builder_set_member_name (b, key);
  add_u64_value (b, v);
}

static void
add_double (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_double_value (b, v);
}

static void
add_bool (JsonBuilder *b, const char *key, gboolean v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, v);
}

static void
add_node (JsonBuilder *b, const char *key, JsonNode *n)
{
  json_builder_set_member_name (b, key);
  if (n != NULL)
    json_builder_add_value (b, n); /* takes ownership */
  else
    json_builder_add_null_value (b);
}

static void
add_strv (JsonBuilder *b, const char *key, GPtrArray *arr)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (guint i = 0; arr != NULL && i < arr->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (arr, i));
  json_builder_end_array (b);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
build_metrics (JsonBuilder *b, GPtrArray *metrics)
{
  json_builder_set_member_name (b, "metrics");
  json_builder_begin_array (b);
  for (guint i = 0; i < metrics->len; i++)
    {
      KtstrPayloadMetrics *pm = g_ptr_array_index (metrics, i);
      json_builder_begin_object (b);
      add_u64 (b, "payload_index", pm->payload_index);
      json_builder_set_member_name (b, "metrics");
      json_builder_begin_array (b);
      for (guint j = 0; j < pm->metrics->len; j++)
        {
          KtstrPayloadMetric *m = g_ptr_array_index (pm->metrics, j);
          json_builder_begin_object (b);
          add_str (b, "name", m->name);
          add_double (b, "value", m->value);
          json_builder_set_member_name (b, "polarity");
          if (m->polarity == KTSTR_PAYLOAD_POLARITY_TARGET_VALUE)
            {
              /* serde external tagging of a newtype variant. */
              json_builder_begin_object (b);
              add_double (b, "TargetValue", m->target_value);
              json_builder_end_object (b);
            }
          else
            json_builder_add_string_value (b, ktstr_payload_polarity_to_string (m->polarity));
          add_str (b, "unit", m->unit != NULL ? m->unit : "");
          add_str (b, "source", ktstr_payload_source_to_string (m->source));
          add_str (b, "stream", ktstr_payload_stream_to_string (m->stream));
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
  g_autoptr(JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_u64 (b, "total_samples", m->total_samples);
  add_double (b, "max_imbalance_ratio", m->max_imbalance_ratio);
  add_u64 (b, "max_local_dsq_depth", m->max_local_dsq_depth);
  add_bool (b, "stall_detected", m->stall_detected);
  add_double (b, "avg_imbalance_ratio", m->avg_imbalance_ratio);
  add_double (b, "avg_nr_running", m->avg_nr_running);
  add_double (b, "avg_local_dsq_depth", m->avg_local_dsq_depth);
  /* Rust skips these keys when None. */
  if (m->event_deltas != NULL)
    add_node (b, "event_deltas", json_node_copy (m->event_deltas));
  if (m->schedstat_deltas != NULL)
    add_node (b, "schedstat_deltas", json_node_copy (m->schedstat_deltas));
  if (m->prog_stats_deltas != NULL)
    add_node (b, "prog_stats_deltas", json_node_copy (m->prog_stats_deltas));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
kvm_to_json (const KtstrKvmStats *kvm)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
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
        add_u64 (b, keys[k], *(guint64 *) g_hash_table_lookup (t, keys[k]));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
ktstr_sidecar_to_json (const KtstrSidecar *sc)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_str (b, "test_name", sc->test_name != NULL ? sc->test_name : "");
  add_str (b, "topology", sc->topology != NULL ? sc->topology : "");
  add_str (b, "scheduler", sc->scheduler != NULL ? sc->scheduler : "");
  add_str (b, "scheduler_commit", sc->scheduler_commit);
  add_str (b, "project_commit", sc->project_commit);
  add_str (b, "payload", sc->payload);
  build_metrics (b, sc->metrics);
  add_bool (b, "passed", sc->passed);
  add_bool (b, "skipped", sc->skipped);
  add_node (b, "stats", sc->stats != NULL ? ktstr_scenario_stats_to_json (sc->stats) : NULL);
  add_node (b, "monitor", sc->monitor != NULL ? monitor_to_json (sc->monitor) : NULL);

  json_builder_set_member_name (b, "stimulus_events");
  json_builder_begin_array (b);
  for (guint i = 0; i < sc->stimulus_events->len; i++)
    {
      KtstrStimulusEvent *ev = g_ptr_array_index (sc->stimulus_events, i);
      json_builder_begin_object (b);
      add_u64 (b, "elapsed_ms", ev->elapsed_ms);
      add_str (b, "label", ev->label != NULL ? ev->label : "");
      /* Plain Options in Rust (no skip_serializing_if): always present. */
      add_str (b, "op_kind", ev->op_kind);
      add_str (b, "detail", ev->detail);
      json_builder_set_member_name (b, "total_iterations");
      if (ev->has_total_iterations)
        add_u64_value (b, ev->total_iterations);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  add_str (b, "work_type", sc->work_type != NULL ? sc->work_type : "");
  add_strv (b, "active_flags", sc->active_flags);

  json_builder_set_member_name (b, "verifier_stats");
  json_builder_begin_array (b);
  for (guint i = 0; i < sc->verifier_stats->len; i++)
    {
      KtstrVerifierStat *vs = g_ptr_array_index (sc->verifier_stats, i);
      json_builder_begin_object (b);
      add_str (b, "name", vs->name != NULL ? vs->name : "");
      add_u64 (b, "verified_insns", vs->verified_insns);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  add_node (b, "kvm_stats", sc->kvm_stats != NULL ? kvm_to_json (sc->kvm_stats) : NULL);
  add_strv (b, "sysctls", sc->sysctls);
  add_strv (b, "kargs", sc->kargs);
  add_str (b, "kernel_version", sc->kernel_version);
  add_str (b, "kernel_commit", sc->kernel_commit);
  add_str (b, "timestamp", sc->timestamp != NULL ? sc->timestamp : "");
  add_str (b, "run_id", sc->run_id != NULL ? sc->run_id : "");
  add_node (b, "host", sc->host != NULL ? ktstr_host_context_to_json (sc->host) : NULL);
  json_builder_set_member_name (b, "cleanup_duration_ms");
  if (sc->has_cleanup_duration_ms)
    add_u64_value (b, sc->cleanup_duration_ms);
  else
    json_builder_add_null_value (b);
  add_str (b, "run_source", sc->run_source);
  /* Ours, not in the Rust schema; readers ignore unknown keys. */
  add_str (b, "accel", sc->accel);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* --- JSON text --------------------------------------------------------------- */

/* Shortest text that reads back as the same double, laid out like
 * serde_json (ryu): plain decimals for 1e-5 <= |v| < 1e16 with at least one
 * fractional digit ("100.0", "0.1"), else an exponent ("1e21", "1.5e-7"). */
static void
append_double (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char fmt[16];
  int prec, exp;

  if (!isfinite (v))
    {
      g_string_append (out, "null");
      return;
    }
  for (prec = 1; prec < 17; prec++)
    {
      g_snprintf (fmt, sizeof fmt, "%%.%de", prec - 1);
      g_ascii_formatd (buf, sizeof buf, fmt, v);
      if (g_ascii_strtod (buf, NULL) == v)
        break;
    }
  g_snprintf (fmt, sizeof fmt, "%%.%de", prec - 1);
  g_ascii_formatd (buf, sizeof buf, fmt, v);
  exp = atoi (strchr (buf, 'e') + 1);
  if (v == 0.0 || (exp >= -5 && exp < 16))
    {
      g_snprintf (fmt, sizeof fmt, "%%.%df", MAX (prec - 1 - exp, 1));
      g_ascii_formatd (buf, sizeof buf, fmt, v);
      g_string_append (out, buf);
      return;
    }
  /* "1.5e-07" -> "1.5e-7", "1e+21" -> "1e21" */
  *strchr (buf, 'e') = '\0';
  g_string_append_printf (out, "%se%d", buf, exp);
}

static void
append_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
indent (GString *out, guint depth)
{
  g_string_append_c (out, '\n');
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

static void
append_node (GString *out, JsonNode *n, guint depth)
{
  switch (JSON_NODE_TYPE (n))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (n))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (n));
          break;
        case G_TYPE_DOUBLE:
          append_double (out, json_node_get_double (n));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (n) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          append_string (out, json_node_get_string (n));
          break;
        default:
          g_string_append (out, "null");
        }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (n);
        guint len = json_array_get_length (a);
        g_string_append_c (out, '[');
        for (guint i = 0; i < len; i++)
          {
            indent (out, depth + 1);
            append_node (out, json_array_get_element (a, i), depth + 1);
            if (i + 1 < len)
              g_string_append_c (out, ',');
          }
        if (len > 0)
          indent (out, depth);
        g_string_append_c (out, ']');
        break;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObject *o = json_node_get_object (n);
        JsonObjectIter it;
        const char *k;
        JsonNode *v;
        guint i = 0, len = json_object_get_size (o);
        g_string_append_c (out, '{');
        /* Iterates in insertion order (json-glib >= 1.6 keeps it). */
        json_object_iter_init_ordered (&it, o);
        while (json_object_iter_next_ordered (&it, &k, &v))
          {
            indent (out, depth + 1);
            append_string (out, k);
            g_string_append (out, ": ");
            append_node (out, v, depth + 1);
            if (++i < len)
              g_string_append_c (out, ',');
          }
        if (len > 0)
          indent (out, depth);
        g_string_append_c (out, '}');
        break;
      }
    }
}

char *
ktstr_sidecar_node_to_data (JsonNode *node, gsize *out_length)
{
  GString *out = g_string_sized_new (4096);
  append_node (out, node, 0);
  g_string_append_c (out, '\n');
  if (out_length != NULL)
    *out_length = out->len;
  return g_string_free (out, FALSE);
}

char *
ktstr_sidecar_to_data (const KtstrSidecar *sc, gsize *out_length)
{
  g_autoptr(JsonNode) root = ktstr_sidecar_to_json (sc);
  return ktstr_sidecar_node_to_data (root, out_length);
}

/* --- From JSON ---------------------------------------------------------------- */

/* Errors name the field by its path, e.g. "metrics[0].metrics[1].polarity". */
static gboolean
missing (GError **error, const char *path, const char *key)
{
  g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_MISSING_FIELD,
               "missing required field '%s%s'", path, key);
  return FALSE;
}

static gboolean
invalid (GError **error, const char *path, const char *key, const char *expected)
{
  g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD,
               "field '%s%s': expected %s", path, key, expected);
  return FALSE;
}

/* NULL when KEY is absent or null (an Option reading as None). */
static JsonNode *
opt_member (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  return (n == NULL || JSON_NODE_HOLDS_NULL (n)) ? NULL : n;
}

static gboolean
req_member (JsonObject *o, const char *path, const char *key, JsonNode **out, GError **error)
{
  *out = opt_member (o, key);
  if (*out == NULL)
    return missing (error, path, key);
  return TRUE;
}

static gboolean
node_string (JsonNode *n, const char *path, const char *key, char **out, GError **error)
{
  if (json_node_get_value_type (n) != G_TYPE_STRING)
    return invalid (error, path, key, "a string");
  g_free (*out);
  *out = g_strdup (json_node_get_string (n));
  return TRUE;
}

static gboolean
req_string (JsonObject *o, const char *path, const char *key, char **out, GError **error)
{
  JsonNode *n;
  return req_member (o, path, key, &n, error) && node_string (n, path, key, out, error);
}

static gboolean
opt_string (JsonObject *o, const char *path, const char *key, char **out, GError **error)
{
  JsonNode *n = opt_member (o, key);
  return n == NULL || node_string (n, path, key, out, error);
}

static gboolean
req_bool (JsonObject *o, const char *path, const char *key, gboolean *out, GError **error)
{
  JsonNode *n;
  if (!req_member (o, path, key, &n, error))
    return FALSE;
  if (json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return invalid (error, path, key, "true or false");
  *out = json_node_get_boolean (n);
  return TRUE;
}

static gboolean
node_u64 (JsonNode *n, const char *path, const char *key, guint64 max, guint64 *out,
          GError **error)
{
  if (json_node_get_value_type (n) != G_TYPE_INT64 || json_node_get_int (n) < 0
      || (guint64) json_node_get_int (n) > max)
    return invalid (error, path, key, "a non-negative integer");
  *out = (guint64) json_node_get_int (n);
  return TRUE;
}

static gboolean
req_u64 (JsonObject *o, const char *path, const char *key, guint64 max, guint64 *out,
         GError **error)
{
  JsonNode *n;
  return req_member (o, path, key, &n, error) && node_u64 (n, path, key, max, out, error);
}

static gboolean
node_double (JsonNode *n, const char *path, const char *key, double *out, GError **error)
{
  if (JSON_NODE_HOLDS_NULL (n))
    *out = NAN; /* what serde_json writes for a non-finite f64 */
  else if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else if (json_node_get_value_type (n) == G_TYPE_INT64)
    *out = (double) json_node_get_int (n);
  else
    return invalid (error, path, key, "a number");
  return TRUE;
}

static gboolean
req_double (JsonObject *o, const char *path, const char *key, double *out, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL)
    return missing (error, path, key);
  return node_double (n, path, key, out, error);
}

static gboolean
req_array (JsonObject *o, const char *path, const char *key, JsonArray **out, GError **error)
{
  JsonNode *n;
  if (!req_member (o, path, key, &n, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return invalid (error, path, key, "an array");
  *out = json_node_get_array (n);
  return TRUE;
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
      invalid (error, path, name, "an object");
      return NULL;
    }
  *elem_path = g_strdup_printf ("%s%s.", path, name);
  return json_node_get_object (e);
}

static gboolean
req_strv (JsonObject *o, const char *key, GPtrArray *out, GError **error)
{
  JsonArray *a;
  if (!req_array (o, "", key, &a, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (json_node_get_value_type (e) != G_TYPE_STRING)
        return invalid (error, "", key, "an array of strings");
      g_ptr_array_add (out, g_strdup (json_node_get_string (e)));
    }
  return TRUE;
}

static gboolean
enum_from_string (const char *s, const char *const *names, guint n, guint *out)
{
  for (guint i = 0; i < n; i++)
    if (strcmp (s, names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
parse_polarity (JsonNode *n, const char *path, KtstrPayloadMetric *m, GError **error)
{
  guint v;
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    {
      if (!enum_from_string (json_node_get_string (n), polarity_names,
                             G_N_ELEMENTS (polarity_names), &v)
          || v == KTSTR_PAYLOAD_POLARITY_TARGET_VALUE)
        return invalid (error, path, "polarity",
                        "\"HigherBetter\", \"LowerBetter\", \"Unknown\" or {\"TargetValue\": x}");
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
          return node_double (t, path, "polarity.TargetValue", &m->target_value, error);
        }
    }
  return invalid (error, path, "polarity",
                  "\"HigherBetter\", \"LowerBetter\", \"Unknown\" or {\"TargetValue\": x}");
}

static gboolean
parse_enum_field (JsonObject *o, const char *path, const char *key, const char *const *names,
                  guint n, guint *out, GError **error)
{
  g_autofree char *s = NULL;
  if (!req_string (o, path, key, &s, error))
    return FALSE;
  if (!enum_from_string (s, names, n, out))
    {
      g_autofree char *expected = g_strjoinv ("\", \"", (char **) names);
      g_autofree char *msg = g_strdup_printf ("one of \"%s\" (got \"%s\")", expected, s);
      return invalid (error, path, key, msg);
    }
  return TRUE;
}

static const char *const source_names_v[] = { "Json", "LlmExtract", NULL };
static const char *const stream_names_v[] = { "Stdout", "Stderr", "Synthesized", NULL };

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
      if (o == NULL || !req_u64 (o, p, "payload_index", G_MAXUINT64, &idx, error)
          || !req_array (o, p, "metrics", &ma, error) || !req_member (o, p, "exit_code", &ec, error))
        return FALSE;
      if (json_node_get_value_type (ec) != G_TYPE_INT64 || json_node_get_int (ec) < G_MININT32
          || json_node_get_int (ec) > G_MAXINT32)
        return invalid (error, p, "exit_code", "a 32-bit integer");
      exit_code_u = (guint64) json_node_get_int (ec);
      g_autoptr(KtstrPayloadMetrics) pm = ktstr_payload_metrics_new (idx, (gint32) exit_code_u);
      for (guint j = 0; j < json_array_get_length (ma); j++)
        {
          g_autofree char *mp = NULL;
          JsonObject *mo = element_object (ma, j, p, "metrics", &mp, error);
          JsonNode *pol;
          guint src, stream;
          if (mo == NULL)
            return FALSE;
          KtstrPayloadMetric *m =
            ktstr_payload_metrics_add (pm, NULL, 0, KTSTR_PAYLOAD_POLARITY_UNKNOWN, 0, NULL, 0, 0);
          if (!req_string (mo, mp, "name", &m->name, error)
              || !req_double (mo, mp, "value", &m->value, error)
              || !req_member (mo, mp, "polarity", &pol, error)
              || !parse_polarity (pol, mp, m, error)
              || !req_string (mo, mp, "unit", &m->unit, error)
              || !parse_enum_field (mo, mp, "source", source_names_v, 2, &src, error)
              || !parse_enum_field (mo, mp, "stream", stream_names_v, 3, &stream, error))
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
  JsonNode *n = opt_member (o, key);
  if (n != NULL)
    *out = json_node_copy (n);
  return TRUE;
}

static KtstrMonitorSummary *
parse_monitor (JsonNode *n, GError **error)
{
  const char *p = "monitor.";
  guint64 depth;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return invalid (error, "", "monitor", "an object or null"), NULL;
  JsonObject *o = json_node_get_object (n);
  g_autoptr(KtstrMonitorSummary) m = ktstr_monitor_summary_new ();
  if (!req_u64 (o, p, "total_samples", G_MAXUINT64, &m->total_samples, error)
      || !req_double (o, p, "max_imbalance_ratio", &m->max_imbalance_ratio, error)
      || !req_u64 (o, p, "max_local_dsq_depth", G_MAXUINT32, &depth, error)
      || !req_bool (o, p, "stall_detected", &m->stall_detected, error)
      || !req_double (o, p, "avg_imbalance_ratio", &m->avg_imbalance_ratio, error)
      || !req_double (o, p, "avg_nr_running", &m->avg_nr_running, error)
      || !req_double (o, p, "avg_local_dsq_depth", &m->avg_local_dsq_depth, error))
    return NULL;
  m->max_local_dsq_depth = (guint32) depth;
  opt_json_copy (o, "event_deltas", &m->event_deltas);
  opt_json_copy (o, "schedstat_deltas", &m->schedstat_deltas);
  opt_json_copy (o, "prog_stats_deltas", &m->prog_stats_deltas);
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
      JsonNode *ti = opt_member (o, "total_iterations");
      if (!req_u64 (o, p, "elapsed_ms", G_MAXUINT64, &ev->elapsed_ms, error)
          || !req_string (o, p, "label", &ev->label, error)
          || !opt_string (o, p, "op_kind", &ev->op_kind, error)
          || !opt_string (o, p, "detail", &ev->detail, error)
          || (ti != NULL
              && !node_u64 (ti, p, "total_iterations", G_MAXUINT64, &ev->total_iterations, error)))
        return FALSE;
      ev->has_total_iterations = ti != NULL;
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
      guint64 insns;
      if (o == NULL)
        return FALSE;
      KtstrVerifierStat *vs = ktstr_verifier_stat_new (NULL, 0);
      g_ptr_array_add (out, vs);
      if (!req_string (o, p, "name", &vs->name, error)
          || !req_u64 (o, p, "verified_insns", G_MAXUINT32, &insns, error))
        return FALSE;
      vs->verified_insns = (guint32) insns;
    }
  return TRUE;
}

static KtstrKvmStats *
parse_kvm_stats (JsonNode *n, GError **error)
{
  JsonArray *a;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return invalid (error, "", "kvm_stats", "an object or null"), NULL;
  if (!req_array (json_node_get_object (n), "kvm_stats.", "per_vcpu", &a, error))
    return NULL;
  g_autoptr(KtstrKvmStats) kvm = ktstr_kvm_stats_new ();
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
          if (!node_u64 (v, p, k, G_MAXUINT64, &val, error))
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
  g_autoptr(KtstrSidecar) sc = ktstr_sidecar_new ();

  if (!req_string (o, "", "test_name", &sc->test_name, error)
      || !req_string (o, "", "topology", &sc->topology, error)
      || !req_string (o, "", "scheduler", &sc->scheduler, error)
      || !opt_string (o, "", "scheduler_commit", &sc->scheduler_commit, error)
      || !opt_string (o, "", "project_commit", &sc->project_commit, error)
      || !opt_string (o, "", "payload", &sc->payload, error)
      || !parse_metrics (o, sc->metrics, error)
      || !req_bool (o, "", "passed", &sc->passed, error)
      || !req_bool (o, "", "skipped", &sc->skipped, error)
      || !req_member (o, "", "stats", &n, error))
    return NULL;

  g_clear_pointer (&sc->stats, ktstr_scenario_stats_free);
  g_autoptr(GError) local = NULL;
  sc->stats = ktstr_scenario_stats_from_json (n, &local);
  if (sc->stats == NULL)
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD,
                   "field 'stats': %s", local->message);
      return NULL;
    }
  if ((n = opt_member (o, "monitor")) != NULL && (sc->monitor = parse_monitor (n, error)) == NULL)
    return NULL;
  if (!parse_stimulus_events (o, sc->stimulus_events, error)
      || !req_string (o, "", "work_type", &sc->work_type, error)
      || !req_strv (o, "active_flags", sc->active_flags, error)
      || !parse_verifier_stats (o, sc->verifier_stats, error))
    return NULL;
  if ((n = opt_member (o, "kvm_stats")) != NULL
      && (sc->kvm_stats = parse_kvm_stats (n, error)) == NULL)
    return NULL;
  if (!req_strv (o, "sysctls", sc->sysctls, error) || !req_strv (o, "kargs", sc->kargs, error)
      || !opt_string (o, "", "kernel_version", &sc->kernel_version, error)
      || !opt_string (o, "", "kernel_commit", &sc->kernel_commit, error)
      || !req_string (o, "", "timestamp", &sc->timestamp, error)
      || !req_string (o, "", "run_id", &sc->run_id, error))
    return NULL;
  if ((n = opt_member (o, "host")) != NULL)
    {
      sc->host = ktstr_host_context_from_json (n, &local);
      if (sc->host == NULL)
        {
          g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD, "%s",
                       local->message);
          return NULL;
        }
    }
  if ((n = opt_member (o, "cleanup_duration_ms")) != NULL)
    {
      if (!node_u64 (n, "", "cleanup_duration_ms", G_MAXUINT64, &sc->cleanup_duration_ms, error))
        return NULL;
      sc->has_cleanup_duration_ms = TRUE;
    }
  /* The pre-rename key "source" is deliberately not read here. */
  if (!opt_string (o, "", "run_source", &sc->run_source, error)
      || !opt_string (o, "", "accel", &sc->accel, error))
    return NULL;
  return g_steal_pointer (&sc);
}

/* --- Files ---------------------------------------------------------------------- */

static KtstrSidecar *
load_with_parser (JsonParser *parser, const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_IO, "%s", local->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local))
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_PARSE,
                   "sidecar %s: invalid JSON: %s", path, local->message);
      return NULL;
    }
  KtstrSidecar *sc = ktstr_sidecar_from_json (json_parser_get_root (parser), &local);
  if (sc == NULL)
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR, local->code, "sidecar %s: %s", path,
                   local->message);
      return NULL;
    }
  sc->path = g_strdup (path);
  return sc;
}

KtstrSidecar *
ktstr_sidecar_load_file (const char *path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  return load_with_parser (parser, path, error);
}

gboolean
ktstr_sidecar_is_sidecar_name (const char *basename)
{
  return basename != NULL && g_str_has_suffix (basename, ".json")
         && strstr (basename, ".ktstr.") != NULL;
}

guint64
ktstr_sidecar_variant_hash (const KtstrSidecar *sc)
{
  KtstrSipHash h;
  /* Borrowed pointers (g_ptr_array_copy would also copy the free func). */
  g_autoptr(GPtrArray) sysctls = g_ptr_array_sized_new (sc->sysctls->len);
  g_autoptr(GPtrArray) kargs = g_ptr_array_sized_new (sc->kargs->len);
  const char *topology = sc->topology != NULL ? sc->topology : "";
  const char *scheduler = sc->scheduler != NULL ? sc->scheduler : "";
  const char *work_type = sc->work_type != NULL ? sc->work_type : "";

  /* Same byte stream as Rust's sidecar_variant_hash (SipHasher13, keys 0). */
  g_ptr_array_extend (sysctls, sc->sysctls, NULL, NULL);
  g_ptr_array_extend (kargs, sc->kargs, NULL, NULL);
  ktstr_siphash_init (&h, 1, 3, 0, 0);
  ktstr_siphash_write (&h, topology, strlen (topology));
  ktstr_siphash_write_byte (&h, 0);
  ktstr_siphash_write (&h, scheduler, strlen (scheduler));
  ktstr_siphash_write_byte (&h, 0);
  ktstr_siphash_write_byte (&h, 0xfc);
  if (sc->payload != NULL)
    ktstr_siphash_write (&h, sc->payload, strlen (sc->payload));
  ktstr_siphash_write_byte (&h, 0);
  ktstr_siphash_write (&h, work_type, strlen (work_type));
  ktstr_siphash_write_byte (&h, 0);
  ktstr_siphash_write_byte (&h, 0xfe);
  for (guint i = 0; i < sc->active_flags->len; i++)
    {
      const char *f = g_ptr_array_index (sc->active_flags, i);
      ktstr_siphash_write (&h, f, strlen (f) + 1);
    }
  /* Sysctls and kargs hash as sets: sorted bytewise at hash time. */
  ktstr_siphash_write_byte (&h, 0xfd);
  g_ptr_array_sort (sysctls, compare_strings);
  for (guint i = 0; i < sysctls->len; i++)
    {
      const char *s = g_ptr_array_index (sysctls, i);
      ktstr_siphash_write (&h, s, strlen (s) + 1);
    }
  ktstr_siphash_write_byte (&h, 0xff);
  g_ptr_array_sort (kargs, compare_strings);
  for (guint i = 0; i < kargs->len; i++)
    {
      const char *k = g_ptr_array_index (kargs, i);
      ktstr_siphash_write (&h, k, strlen (k) + 1);
    }
  return ktstr_siphash_finish (&h);
}

char *
ktstr_sidecar_filename (const KtstrSidecar *sc)
{
  return g_strdup_printf ("%s-%016" G_GINT64_MODIFIER "x.ktstr.json",
                          sc->test_name != NULL ? sc->test_name : "",
                          ktstr_sidecar_variant_hash (sc));
}

char *
ktstr_sidecar_write_atomic (const KtstrSidecar *sc, const char *dir, GError **error)
{
  g_autofree char *name = ktstr_sidecar_filename (sc);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  gsize len;
  g_autofree char *data = ktstr_sidecar_to_data (sc, &len);
  g_autoptr(GError) local = NULL;

  /* CONSISTENT: temp file in DIR, fsync, rename over PATH, so a reader
   * never sees a half-written sidecar; DURABLE: the data is on disk. */
  if (!g_file_set_contents_full (path, data, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local))
    {
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_IO,
                   "writing sidecar %s: %s", path, local->message);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* --- Directory collection --------------------------------------------------- */

typedef struct
{
  char *name;
  gboolean is_dir;
} DirEntry;

static void
dir_entry_clear (gpointer p)
{
  g_free (((DirEntry *) p)->name);
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  return strcmp (((const DirEntry *) a)->name, ((const DirEntry *) b)->name);
}

/* Lists DIR sorted by name: sidecar files, plus (WANT_DIRS) non-dot
 * subdirectories.  d_type avoids a stat per entry where the filesystem
 * provides it. */
static GArray *
list_dir (const char *dir, gboolean want_dirs, GError **error)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  if (d == NULL)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_IO,
                   "cannot list sidecar directory %s: %s", dir, g_strerror (errsv));
      return NULL;
    }
  GArray *out = g_array_new (FALSE, FALSE, sizeof (DirEntry));
  g_array_set_clear_func (out, dir_entry_clear);
  while ((de = readdir (d)) != NULL)
    {
      gboolean is_dir = de->d_type == DT_DIR;
      gboolean is_reg = de->d_type == DT_REG;
      if (de->d_name[0] == '.' && (want_dirs || !ktstr_sidecar_is_sidecar_name (de->d_name)))
        continue;
      if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK)
        {
          struct stat st;
          if (fstatat (dirfd (d), de->d_name, &st, 0) != 0)
            continue;
          is_dir = S_ISDIR (st.st_mode);
          is_reg = S_ISREG (st.st_mode);
        }
      if ((is_reg && ktstr_sidecar_is_sidecar_name (de->d_name))
          || (is_dir && want_dirs && de->d_name[0] != '.'))
        {
          DirEntry e = { g_strdup (de->d_name), is_dir };
          g_array_append_val (out, e);
        }
    }
  closedir (d);
  g_array_sort (out, compare_entries);
  return out;
}

/* One file of a walk: its path, then what loading it produced. */
typedef struct
{
  char *path;
  KtstrSidecar *sidecar;
  char *message;       /* set when loading (or listing, for a subdirectory) failed */
} Slot;

typedef struct
{
  GArray *slots;       /* Slot */
  gint next;           /* next slot to claim, shared by the workers */
} Walk;

static void
slot_clear (gpointer p)
{
  Slot *s = p;
  g_free (s->path);
  ktstr_sidecar_free (s->sidecar);
  g_free (s->message);
}

static gpointer
walk_worker (gpointer data)
{
  Walk *w = data;
  /* One parser per thread, reused for every file it claims. */
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  for (;;)
    {
      guint i = (guint) g_atomic_int_add (&w->next, 1);
      if (i >= w->slots->len)
        return NULL;
      Slot *s = &g_array_index (w->slots, Slot, i);
      g_autoptr(GError) local = NULL;
      if (s->message == NULL && (s->sidecar = load_with_parser (parser, s->path, &local)) == NULL)
        s->message = g_strdup (local->message);
    }
}

static void
add_slot (GArray *slots, char *path, char *message)
{
  Slot s = { path, NULL, message };
  g_array_append_val (slots, s);
}

/* Below this many files one thread is faster than starting more. */
#define PARALLEL_MIN_FILES 64

gboolean
ktstr_sidecar_collect_dir (const char *dir, GPtrArray **sidecars, GPtrArray **errors,
                           GError **error)
{
  g_autoptr(GArray) top = list_dir (dir, TRUE, error);
  if (top == NULL)
    return FALSE;
  Walk w = { g_array_new (FALSE, FALSE, sizeof (Slot)), 0 };
  g_array_set_clear_func (w.slots, slot_clear);

  for (guint i = 0; i < top->len; i++)
    {
      DirEntry *e = &g_array_index (top, DirEntry, i);
      if (!e->is_dir)
        add_slot (w.slots, g_build_filename (dir, e->name, NULL), NULL);
    }
  for (guint i = 0; i < top->len; i++)
    {
      DirEntry *e = &g_array_index (top, DirEntry, i);
      if (!e->is_dir)
        continue;
      char *sub = g_build_filename (dir, e->name, NULL);
      g_autoptr(GError) local = NULL;
      g_autoptr(GArray) files = list_dir (sub, FALSE, &local);
      if (files == NULL)
        {
          add_slot (w.slots, sub, g_strdup (local->message));
          continue;
        }
      for (guint j = 0; j < files->len; j++)
        add_slot (w.slots, g_build_filename (sub, g_array_index (files, DirEntry, j).name, NULL),
                  NULL);
      g_free (sub);
    }

  /* json-glib's parser dominates the walk (tens of microseconds per file),
   * so large runs are parsed on every CPU; results keep the sorted order. */
  guint nthreads = w.slots->len >= PARALLEL_MIN_FILES ? MIN (g_get_num_processors (), 8) : 1;
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  for (guint i = 1; i < nthreads; i++)
    g_ptr_array_add (threads, g_thread_new ("ktstr-sidecar-walk", walk_worker, &w));
  walk_worker (&w);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));

  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) ktstr_sidecar_free);
  GPtrArray *errs = g_ptr_array_new_with_free_func ((GDestroyNotify) ktstr_sidecar_load_error_free);
  for (guint i = 0; i < w.slots->len; i++)
    {
      Slot *s = &g_array_index (w.slots, Slot, i);
      if (s->sidecar != NULL)
        g_ptr_array_add (out, g_steal_pointer (&s->sidecar));
      else
        {
          KtstrSidecarLoadError *le = g_new0 (KtstrSidecarLoadError, 1);
          le->path = g_steal_pointer (&s->path);
          le->message = g_steal_pointer (&s->message);
          g_ptr_array_add (errs, le);
        }
    }
  g_array_unref (w.slots);
  *sidecars = out;
  if (errors != NULL)
    *errors = errs;
  else
    g_ptr_array_unref (errs);
  return TRUE;
}

/* --- Identity stamps ----------------------------------------------------------- */

char *
ktstr_sidecar_format_timestamp (GDateTime *dt)
{
  g_autoptr(GDateTime) now = dt == NULL ? g_date_time_new_now_utc () : NULL;
  g_autoptr(GDateTime) utc = g_date_time_to_utc (dt != NULL ? dt : now);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

static gpointer
compute_process_stamp (gpointer unused)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y%m%dT%H%M%SZ");
}

char *
ktstr_sidecar_next_run_id (void)
{
  static GOnce once = G_ONCE_INIT;
  static gint counter = 0;
  /* The stamp is taken at the first call, which the runner makes at
   * start-up; all runs of one process share it and differ by the counter. */
  const char *stamp = g_once (&once, compute_process_stamp, NULL);
  return g_strdup_printf ("%s-%d", stamp, g_atomic_int_add (&counter, 1));
}

const char *
ktstr_sidecar_run_source_from_env (void)
{
  const char *ci = g_getenv ("KTSTR_CI");
  return (ci != NULL && *ci != '\0') ? "ci" : "local";
}

void
ktstr_sidecar_stamp (KtstrSidecar *sc)
{
  if (sc->timestamp == NULL)
    sc->timestamp = ktstr_sidecar_format_timestamp (NULL);
  if (sc->run_id == NULL)
    sc->run_id = ktstr_sidecar_next_run_id ();
  if (sc->run_source == NULL)
    sc->run_source = g_strdup (ktstr_sidecar_run_source_from_env ());
}
