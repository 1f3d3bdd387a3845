/* Guarded JSON reading: see json-guard.h. */
#include "config.h"

#include "util/json-guard.h"

#include "common/json-depth.h"
#include "util/fsutil.h"

GQuark
ktstr_json_guard_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-json-guard-error-quark");
}

gboolean
ktstr_json_guard_load (JsonParser *parser, const char *data, gsize len, const char *what,
                       GError **error)
{
  gsize offset = 0;
  if (ktstr_json_too_deep (data, len, KTSTR_JSON_MAX_DEPTH, &offset))
    {
      g_set_error (error, KTSTR_JSON_GUARD_ERROR, KTSTR_JSON_GUARD_ERROR_TOO_DEEP,
                   "%s: arrays and objects nest deeper than %u levels (at byte %" G_GSIZE_FORMAT
                   "); not read",
                   what, KTSTR_JSON_MAX_DEPTH, offset);
      return FALSE;
    }
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, data, (gssize)len, &local))
    {
      g_set_error (error, KTSTR_JSON_GUARD_ERROR, KTSTR_JSON_GUARD_ERROR_INVALID,
                   "%s: invalid JSON: %s", what, local->message);
      return FALSE;
    }
  /* json-glib accepts a document of only whitespace, with no root. */
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, KTSTR_JSON_GUARD_ERROR, KTSTR_JSON_GUARD_ERROR_INVALID,
                   "%s: invalid JSON: the document is empty", what);
      return FALSE;
    }
  return TRUE;
}

gboolean
ktstr_json_guard_load_file (JsonParser *parser, const char *path, gsize max_bytes, const char *what,
                            GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!ktstr_read_regular_file (path, max_bytes, &data, &len, error))
    return FALSE;
  return ktstr_json_guard_load (parser, data, len, what, error);
}

static JsonNode *
value_member (JsonObject *object, const char *key, GType type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

const char *
ktstr_json_guard_string (JsonObject *object, const char *key)
{
  JsonNode *node = value_member (object, key, G_TYPE_STRING);
  return node != NULL ? json_node_get_string (node) : NULL;
}

gint64
ktstr_json_guard_int (JsonObject *object, const char *key, gint64 default_value)
{
  JsonNode *node = value_member (object, key, G_TYPE_INT64);
  return node != NULL ? json_node_get_int (node) : default_value;
}

gboolean
ktstr_json_guard_bool (JsonObject *object, const char *key, gboolean default_value)
{
  JsonNode *node = value_member (object, key, G_TYPE_BOOLEAN);
  return node != NULL ? json_node_get_boolean (node) : default_value;
}

JsonObject *
ktstr_json_guard_object (JsonObject *object, const char *key)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}
