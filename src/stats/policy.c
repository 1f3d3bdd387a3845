#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "stats/policy.h"
#include "util/fsutil.h"
#include "util/json-guard.h"

/* The quark name is stringified: clang-format must not space its dashes. */
/* clang-format off */
GQuark
ktstr_stats_policy_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-stats-policy-error-quark");
}
/* clang-format on */

void
ktstr_stats_policy_init (KtstrStatsPolicy *policy)
{
  memset (policy, 0, sizeof *policy);
}

gboolean
ktstr_stats_policy_init_uniform (KtstrStatsPolicy *policy, double percent, GError **error)
{
  ktstr_stats_policy_init (policy);
  if (!(percent >= 0.0))
    {
      g_set_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_INVALID_VALUE,
                   "--threshold must be a non-negative percentage; got %g", percent);
      return FALSE;
    }
  policy->has_default_percent = TRUE;
  policy->default_percent = percent;
  return TRUE;
}

/* A JSON number (integer or real), non-negative. */
static gboolean
read_percent (JsonNode *node, const char *origin, const char *what, double *out, GError **error)
{
  if (JSON_NODE_HOLDS_VALUE (node)
      && (json_node_get_value_type (node) == G_TYPE_INT64
          || json_node_get_value_type (node) == G_TYPE_DOUBLE))
    {
      *out = json_node_get_double (node);
      if (*out >= 0.0)
        return TRUE;
      g_set_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_INVALID_VALUE,
                   "comparison policy %s: %s must be non-negative; got %g (a negative "
                   "threshold would mark every delta significant)",
                   origin, what, *out);
      return FALSE;
    }
  g_set_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_INVALID_VALUE,
               "comparison policy %s: %s must be a number (percent)", origin, what);
  return FALSE;
}

static gboolean
load_per_metric (KtstrStatsPolicy *policy, JsonNode *node, const char *origin, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_INVALID_VALUE,
                   "comparison policy %s: per_metric_percent must be an object mapping "
                   "metric names to percentages",
                   origin);
      return FALSE;
    }
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value))
    {
      const KtstrMetricDef *metric = ktstr_metrics_lookup (name);
      if (metric == NULL)
        {
          g_autofree char *valid = ktstr_metrics_names_joined (", ");
          g_set_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_UNKNOWN_METRIC,
                       "comparison policy %s: per_metric_percent names unknown metric '%s'; "
                       "valid metric names (see `ktstr-stats list-metrics`): %s",
                       origin, name, valid);
          return FALSE;
        }
      g_autofree char *what = g_strdup_printf ("per_metric_percent[\"%s\"]", name);
      if (!read_percent (value, origin, what, &policy->metric_percent[metric->id], error))
        return FALSE;
      policy->has_metric_percent[metric->id] = TRUE;
    }
  return TRUE;
}

gboolean
ktstr_stats_policy_load_data (KtstrStatsPolicy *policy, const char *data, gssize length,
                              const char *origin, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;

  ktstr_stats_policy_init (policy);
  g_autofree char *what = g_strdup_printf ("comparison policy %s", origin);
  if (!ktstr_json_guard_load (parser, data, length < 0 ? strlen (data) : (gsize)length, what,
                              &local_error))
    {
      g_set_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_PARSE, "%s",
                   local_error->message);
      return FALSE;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_PARSE,
                   "comparison policy %s must be a JSON object like "
                   "{\"default_percent\": 10.0, \"per_metric_percent\": {\"worst_spread\": 5.0}}",
                   origin);
      return FALSE;
    }

  JsonObjectIter iter;
  const char *key;
  JsonNode *value;
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (strcmp (key, "default_percent") == 0)
        {
          if (JSON_NODE_HOLDS_NULL (value))
            continue;
          if (!read_percent (value, origin, "default_percent", &policy->default_percent, error))
            return FALSE;
          policy->has_default_percent = TRUE;
        }
      else if (strcmp (key, "per_metric_percent") == 0)
        {
          if (!load_per_metric (policy, value, origin, error))
            return FALSE;
        }
      else
        {
          g_set_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_UNKNOWN_FIELD,
                       "comparison policy %s: unknown key '%s'; the valid keys are "
                       "default_percent and per_metric_percent",
                       origin, key);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ktstr_stats_policy_load_file (KtstrStatsPolicy *policy, const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) local_error = NULL;

  ktstr_stats_policy_init (policy);
  if (!ktstr_read_regular_file (path, KTSTR_STATS_POLICY_MAX_BYTES, &data, &length, &local_error))
    {
      g_set_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_READ,
                   "cannot read comparison policy: %s", local_error->message);
      return FALSE;
    }
  g_autofree char *origin = g_strdup_printf ("'%s'", path);
  return ktstr_stats_policy_load_data (policy, data, (gssize)length, origin, error);
}

double
ktstr_stats_policy_rel_threshold (const KtstrStatsPolicy *policy, const KtstrMetricDef *metric)
{
  if (policy->has_metric_percent[metric->id])
    return policy->metric_percent[metric->id] / 100.0;
  if (policy->has_default_percent)
    return policy->default_percent / 100.0;
  return metric->default_rel;
}
