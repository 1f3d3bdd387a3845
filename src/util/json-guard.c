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
