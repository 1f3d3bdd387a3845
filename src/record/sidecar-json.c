/* Sidecar <-> JSON: the SidecarResult schema in field order (Rust ktstr's
 * src/test_support/sidecar.rs, ktstr-features.md §3.2), the serde_json-style
 * text printer, and the tolerant-but-typed reader. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/sidecar.h"

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* --- Enum names (serde unit-variant names) ------------------------------------ */

static const char *const polarity_names[]
    = { "HigherBetter", "LowerBetter", "TargetValue", "Unknown", NULL };
static const char *const source_names[] = { "Json", "LlmExtract", NULL };
static const char *const stream_names[] = { "Stdout", "Stderr", "Synthesized", NULL };

const char *
ktstr_payload_polarity_to_string (KtstrPayloadPolarity p)
{
  return (guint)p < G_N_ELEMENTS (polarity_names) - 1 ? polarity_names[p] : "Unknown";
}

const char *
ktstr_payload_source_to_string (KtstrPayloadSource s)
{
  return (guint)s < G_N_ELEMENTS (source_names) - 1 ? source_names[s] : "Json";
}

const char *
ktstr_payload_stream_to_string (KtstrPayloadStream s)
{
  return (guint)s < G_N_ELEMENTS (stream_names) - 1 ? stream_names[s] : "Stdout";
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
  if (v > (guint64)G_MAXINT64)
    json_builder_add_double_value (b, (double)v);
  else
    json_builder_add_int_value (b, (gint64)v);
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
  g_autoptr (JsonBuilder) b = json_builder_new ();
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
        add_u64 (b, keys[k], *(guint64 *)g_hash_table_lookup (t, keys[k]));
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
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char)*p);
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
  g_autoptr (JsonNode) root = ktstr_sidecar_to_json (sc);
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
node_u64 (JsonNode *n, const char *path, const char *key, guint64 max, guint64 *out, GError **error)
{
  if (json_node_get_value_type (n) != G_TYPE_INT64 || json_node_get_int (n) < 0
      || (guint64)json_node_get_int (n) > max)
    return invalid (error, path, key, "a non-negative integer");
  *out = (guint64)json_node_get_int (n);
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
    *out = (double)json_node_get_int (n);
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

static gboolean
parse_polarity (JsonNode *n, const char *path, KtstrPayloadMetric *m, GError **error)
{
  guint v;
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    {
      if (!enum_from_string (json_node_get_string (n), polarity_names, &v)
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
                  guint *out, GError **error)
{
  g_autofree char *s = NULL;
  if (!req_string (o, path, key, &s, error))
    return FALSE;
  if (!enum_from_string (s, names, out))
    {
      g_autofree char *expected = g_strjoinv ("\", \"", (char **)names);
      g_autofree char *msg = g_strdup_printf ("one of \"%s\" (got \"%s\")", expected, s);
      return invalid (error, path, key, msg);
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
      if (o == NULL || !req_u64 (o, p, "payload_index", G_MAXUINT64, &idx, error)
          || !req_array (o, p, "metrics", &ma, error)
          || !req_member (o, p, "exit_code", &ec, error))
        return FALSE;
      if (json_node_get_value_type (ec) != G_TYPE_INT64 || json_node_get_int (ec) < G_MININT32
          || json_node_get_int (ec) > G_MAXINT32)
        return invalid (error, p, "exit_code", "a 32-bit integer");
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
  g_autoptr (KtstrMonitorSummary) m = ktstr_monitor_summary_new ();
  if (!req_u64 (o, p, "total_samples", G_MAXUINT64, &m->total_samples, error)
      || !req_double (o, p, "max_imbalance_ratio", &m->max_imbalance_ratio, error)
      || !req_u64 (o, p, "max_local_dsq_depth", G_MAXUINT32, &depth, error)
      || !req_bool (o, p, "stall_detected", &m->stall_detected, error)
      || !req_double (o, p, "avg_imbalance_ratio", &m->avg_imbalance_ratio, error)
      || !req_double (o, p, "avg_nr_running", &m->avg_nr_running, error)
      || !req_double (o, p, "avg_local_dsq_depth", &m->avg_local_dsq_depth, error))
    return NULL;
  m->max_local_dsq_depth = (guint32)depth;
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
      vs->verified_insns = (guint32)insns;
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
