#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "stats/monitor-series.h"

/* The quark name is stringified: clang-format must not space its dashes. */
/* clang-format off */
GQuark
ktstr_monitor_series_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-monitor-series-error-quark");
}
/* clang-format on */

/* A report plots at most this many CPUs and samples: beyond them a page
 * grows without showing more (a 100 ms series of a 60 s test has 600). */
#define MAX_CPUS 256
#define MAX_SAMPLES 20000

void
ktstr_monitor_series_free (KtstrMonitorSeries *s)
{
  if (s == NULL)
    return;
  g_free (s->sampler);
  g_free (s->t_ms);
  g_free (s->nr_running);
  g_free (s->dsq_depth);
  g_free (s);
}

char *
ktstr_monitor_series_path (const char *sidecar_path)
{
  static const char suffix[] = ".ktstr.json";
  if (sidecar_path == NULL || !g_str_has_suffix (sidecar_path, suffix))
    return NULL;
  g_autofree char *stem = g_strndup (sidecar_path, strlen (sidecar_path) - strlen (suffix));
  return g_strconcat (stem, ".monitor.jsonl", NULL);
}

static gboolean
invalid (GError **error, guint line, const char *what)
{
  g_set_error (error, KTSTR_MONITOR_SERIES_ERROR, KTSTR_MONITOR_SERIES_ERROR_INVALID, "line %u: %s",
               line, what);
  return FALSE;
}

/* A non-negative integer member, or FALSE. */
static gboolean
get_uint (JsonObject *o, const char *key, gint64 *out)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < 0)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
parse_header (KtstrMonitorSeries *s, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, 1, "the header is not a JSON object");
  JsonObject *o = json_node_get_object (node);
  const char *kind = json_object_get_string_member_with_default (o, "monitor", NULL);
  gint64 version = json_object_get_int_member_with_default (o, "version", -1);
  if (g_strcmp0 (kind, "ktstr") != 0)
    return invalid (error, 1, "not a ktstr monitor series (no \"monitor\": \"ktstr\" header)");
  if (version != 1)
    {
      g_autofree char *msg = g_strdup_printf (
          "series version %" G_GINT64_FORMAT " is not one this ktstr-stats reads (1)", version);
      return invalid (error, 1, msg);
    }
  s->sampler = g_strdup (json_object_get_string_member_with_default (o, "sampler", NULL));
  gint64 v;
  if (get_uint (o, "interval_ms", &v))
    s->interval_ms = (guint)MIN (v, G_MAXUINT);
  /* Signed: a scenario that started before the monitor did (a late
   * sampler) is still on the same clock. */
  JsonNode *start = json_object_get_member (o, "scenario_start_ms");
  if (start != NULL && JSON_NODE_HOLDS_VALUE (start)
      && json_node_get_value_type (start) == G_TYPE_INT64)
    {
      v = json_node_get_int (start);
      s->has_scenario_start = TRUE;
      s->scenario_start_ms = v;
    }
  return TRUE;
}

/* The samples as read, before they are laid out as a matrix: each
 * sample's time and CPU count, and its CPUs' values one after another. */
typedef struct
{
  GArray *t_ms;   /* gint64 */
  GArray *n_cpus; /* guint */
  GArray *nr;     /* gint32, -1 not seen */
  GArray *dsq;    /* gint32, -1 not seen */
} Samples;

static gboolean
parse_sample (KtstrMonitorSeries *s, JsonNode *node, guint line, Samples *out, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, line, "a sample is not a JSON object");
  JsonObject *o = json_node_get_object (node);
  JsonNode *scx = json_object_get_member (o, "scx_enabled");
  if (scx != NULL && JSON_NODE_HOLDS_VALUE (scx)
      && json_node_get_value_type (scx) == G_TYPE_BOOLEAN)
    {
      s->has_scx_enabled = TRUE;
      s->any_scx_enabled |= json_node_get_boolean (scx);
    }
  gint64 t;
  if (!get_uint (o, "elapsed_ms", &t))
    return invalid (error, line, "a sample without a non-negative integer elapsed_ms");
  JsonNode *cpus = json_object_get_member (o, "cpus");
  if (cpus == NULL || !JSON_NODE_HOLDS_ARRAY (cpus))
    return invalid (error, line, "a sample without a cpus array");
  JsonArray *a = json_node_get_array (cpus);
  guint n = MIN (json_array_get_length (a), MAX_CPUS);
  for (guint c = 0; c < n; c++)
    {
      JsonNode *cn = json_array_get_element (a, c);
      if (!JSON_NODE_HOLDS_OBJECT (cn))
        return invalid (error, line, "a CPU entry is not a JSON object");
      JsonObject *co = json_node_get_object (cn);
      gint64 v;
      gint32 nr = get_uint (co, "nr_running", &v) ? (gint32)MIN (v, G_MAXINT32) : -1;
      gint32 dsq = get_uint (co, "local_dsq_depth", &v) ? (gint32)MIN (v, G_MAXINT32) : -1;
      g_array_append_val (out->nr, nr);
      g_array_append_val (out->dsq, dsq);
    }
  g_array_append_val (out->t_ms, t);
  g_array_append_val (out->n_cpus, n);
  return TRUE;
}

static void
samples_clear (Samples *s)
{
  g_array_unref (s->t_ms);
  g_array_unref (s->n_cpus);
  g_array_unref (s->nr);
  g_array_unref (s->dsq);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Samples, samples_clear)

/* Lays the samples out as n_samples x n_cpus matrices on the scenario's
 * clock. */
static void
fill_series (KtstrMonitorSeries *s, const Samples *in)
{
  s->n_samples = in->t_ms->len;
  for (guint i = 0; i < s->n_samples; i++)
    s->n_cpus = MAX (s->n_cpus, g_array_index (in->n_cpus, guint, i));
  gsize cells = MAX ((gsize)s->n_samples * s->n_cpus, 1);
  s->t_ms = g_new0 (gint64, MAX (s->n_samples, 1));
  s->nr_running = g_new (gint32, cells);
  s->dsq_depth = g_new (gint32, cells);
  gsize at = 0;
  for (guint i = 0; i < s->n_samples; i++)
    {
      gint64 t = g_array_index (in->t_ms, gint64, i);
      guint n = g_array_index (in->n_cpus, guint, i);
      s->t_ms[i] = s->has_scenario_start ? t - s->scenario_start_ms : t;
      for (guint c = 0; c < s->n_cpus; c++)
        {
          gint32 nr = c < n ? g_array_index (in->nr, gint32, at + c) : -1;
          gint32 dsq = c < n ? g_array_index (in->dsq, gint32, at + c) : -1;
          s->nr_running[(gsize)i * s->n_cpus + c] = nr;
          s->dsq_depth[(gsize)i * s->n_cpus + c] = dsq;
          s->has_nr_running |= nr >= 0;
          s->has_dsq_depth |= dsq >= 0;
        }
      at += n;
    }
}

KtstrMonitorSeries *
ktstr_monitor_series_parse (const char *data, gsize len, GError **error)
{
  g_autoptr (KtstrMonitorSeries) s = g_new0 (KtstrMonitorSeries, 1);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_auto (Samples) samples
      = { g_array_new (FALSE, FALSE, sizeof (gint64)), g_array_new (FALSE, FALSE, sizeof (guint)),
          g_array_new (FALSE, FALSE, sizeof (gint32)),
          g_array_new (FALSE, FALSE, sizeof (gint32)) };
  g_autofree char *text = g_strndup (data, len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint line_no = 0;
  gboolean have_header = FALSE;

  for (char **l = lines; *l != NULL; l++)
    {
      line_no++;
      if (g_strstrip (*l)[0] == '\0')
        continue;
      g_autoptr (GError) local = NULL;
      if (!json_parser_load_from_data (parser, *l, -1, &local))
        {
          invalid (error, line_no, local->message);
          return NULL;
        }
      JsonNode *node = json_parser_get_root (parser);
      if (!have_header)
        {
          if (!parse_header (s, node, error))
            return NULL;
          have_header = TRUE;
          continue;
        }
      if (samples.t_ms->len >= MAX_SAMPLES)
        break;
      if (!parse_sample (s, node, line_no, &samples, error))
        return NULL;
    }
  if (!have_header)
    {
      invalid (error, 1, "the file is empty");
      return NULL;
    }
  fill_series (s, &samples);
  return g_steal_pointer (&s);
}

KtstrMonitorSeries *
ktstr_monitor_series_load (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, KTSTR_MONITOR_SERIES_ERROR, KTSTR_MONITOR_SERIES_ERROR_IO, "%s",
                   local->message);
      return NULL;
    }
  KtstrMonitorSeries *s = ktstr_monitor_series_parse (data, len, &local);
  if (s == NULL)
    g_set_error (error, KTSTR_MONITOR_SERIES_ERROR, local->code, "%s: %s", path, local->message);
  return s;
}
