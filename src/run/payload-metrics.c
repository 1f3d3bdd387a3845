#include "config.h"

#include "run/payload-metrics.h"

#include <math.h>
#include <string.h>

#include "eval/report.h"
#include "util/json-guard.h"
#include "util/json-util.h"

void
ktstr_payload_result_free (KtstrPayloadResult *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->out);
  g_free (r->err);
  g_free (r);
}

KtstrPayloadResult *
ktstr_payload_result_from_json (JsonObject *obj, GError **error)
{
  const KtstrJsonReader reader = { KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_MISSING_KEY,
                                   KTSTR_REPORT_ERROR_WRONG_TYPE, "payload message", NULL };
  g_autoptr (KtstrPayloadResult) r = g_new0 (KtstrPayloadResult, 1);
  JsonNode *exit_code;
  if (!ktstr_json_get_string (&reader, obj, "name", &r->name, error)
      || !ktstr_json_get_member (&reader, obj, "exit_code", &exit_code, error))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (exit_code) || json_node_get_value_type (exit_code) != G_TYPE_INT64)
    {
      ktstr_json_wrong_type (&reader, "exit_code", "an integer", exit_code, error);
      return NULL;
    }
  r->exit_code = (gint32)json_node_get_int (exit_code);
  /* The guest is untrusted: an optional member of the wrong type reads
   * as absent. */
  r->elapsed_ms = ktstr_json_lookup_u64 (obj, "elapsed_ms");
  r->is_killed = ktstr_json_lookup_bool (obj, "killed", FALSE);
  const char *out = ktstr_json_lookup_string (obj, "stdout");
  const char *err = ktstr_json_lookup_string (obj, "stderr");
  r->out = g_strdup (out != NULL ? out : "");
  r->err = g_strdup (err != NULL ? err : "");
  return g_steal_pointer (&r);
}

/* A payload's output is the guest's to fill: at most this many metrics
 * are taken from one payload's JSON, the rest are dropped. */
#define KTSTR_PAYLOAD_MAX_METRICS 1024

static guint
walk (JsonNode *node, GString *path, KtstrPayloadStream stream, KtstrPayloadMetrics *pm)
{
  guint n = 0;
  if (pm->metrics->len >= KTSTR_PAYLOAD_MAX_METRICS)
    return 0;
  gsize len = path->len;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      g_autoptr (GList) members = json_object_get_members (o);
      for (GList *m = members; m; m = m->next)
        {
          g_string_append_printf (path, "%s%s", len ? "." : "", (const char *)m->data);
          n += walk (json_object_get_member (o, m->data), path, stream, pm);
          g_string_truncate (path, len);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          g_string_append_printf (path, "%s%u", len ? "." : "", i);
          n += walk (json_array_get_element (a, i), path, stream, pm);
          g_string_truncate (path, len);
        }
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && len > 0)
    {
      GType t = json_node_get_value_type (node);
      if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE)
        {
          ktstr_payload_metrics_add (pm, path->str, json_node_get_double (node),
                                     KTSTR_PAYLOAD_POLARITY_UNKNOWN, 0, NULL,
                                     KTSTR_PAYLOAD_SOURCE_JSON, stream);
          n++;
        }
    }
  return n;
}

/* Adds the numeric leaves of TEXT (JSON) to PM as metrics from STREAM;
 * returns how many (0 when TEXT is not JSON). */
static guint
payload_extract (const char *text, KtstrPayloadStream stream, KtstrPayloadMetrics *pm)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  /* The nesting guard also bounds walk()'s recursion. */
  if (text == NULL || !ktstr_json_guard_load (parser, text, strlen (text), "payload output", NULL))
    return 0;
  g_autoptr (GString) path = g_string_new (NULL);
  return walk (json_parser_get_root (parser), path, stream, pm);
}

static const KtstrPayloadMetric *
find_metric (const KtstrPayloadMetrics *pm, const char *name)
{
  for (guint i = 0; i < pm->metrics->len; i++)
    {
      const KtstrPayloadMetric *m = pm->metrics->pdata[i];
      if (g_str_equal (m->name, name))
        return m;
    }
  return NULL;
}

KtstrPayloadMetrics *
ktstr_payload_evaluate (const KtstrPayloadDef *def, const KtstrPayloadResult *r, guint index,
                        GPtrArray *reasons)
{
  KtstrPayloadMetrics *pm = ktstr_payload_metrics_new (index, r->exit_code);
  /* Like ktstr: stdout, else stderr when stdout holds no metrics. */
  if (def->is_json && payload_extract (r->out, KTSTR_PAYLOAD_STREAM_STDOUT, pm) == 0)
    payload_extract (r->err, KTSTR_PAYLOAD_STREAM_STDERR, pm);
  for (guint i = 0; i < def->checks->len; i++)
    {
      const KtstrPayloadCheck *c = def->checks->pdata[i];
      if (c->kind == KTSTR_PAYLOAD_CHECK_EXIT_CODE)
        {
          if (r->exit_code != (gint32)c->lo)
            g_ptr_array_add (reasons, g_strdup_printf ("payload %s: exit code %d, expected %d%s",
                                                       r->name, r->exit_code, (int)c->lo,
                                                       r->is_killed ? " (it was killed)" : ""));
          continue;
        }
      const KtstrPayloadMetric *m = find_metric (pm, c->metric);
      if (m == NULL)
        {
          g_ptr_array_add (reasons,
                           g_strdup_printf ("payload %s: metric %s is missing from its output",
                                            r->name, c->metric));
          continue;
        }
      if (c->kind == KTSTR_PAYLOAD_CHECK_MIN && m->value < c->lo)
        g_ptr_array_add (reasons, g_strdup_printf ("payload %s: metric %s = %g is below min %g",
                                                   r->name, c->metric, m->value, c->lo));
      else if (c->kind == KTSTR_PAYLOAD_CHECK_MAX && m->value > c->hi)
        g_ptr_array_add (reasons, g_strdup_printf ("payload %s: metric %s = %g is above max %g",
                                                   r->name, c->metric, m->value, c->hi));
      else if (c->kind == KTSTR_PAYLOAD_CHECK_RANGE && (m->value < c->lo || m->value > c->hi))
        g_ptr_array_add (reasons,
                         g_strdup_printf ("payload %s: metric %s = %g is outside range [%g, %g]",
                                          r->name, c->metric, m->value, c->lo, c->hi));
    }
  return pm;
}
