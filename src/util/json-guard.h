/* Reading JSON that someone else wrote: sidecars from other machines and
 * versions, --policy files, a kernel tree's metadata.json, the guest
 * agent's control lines and its payloads' output.
 *
 * The loaders check the document's size and nesting before json-glib
 * sees it (json-glib recurses without limit: common/json-depth.h), so one
 * hostile or broken document is one clear error naming it.  The lookups
 * treat a member of the wrong type as absent: json-glib's
 * json_object_get_*_member_with_default return NULL for a string member
 * holding a number and print a critical for one holding an array, and
 * neither may reach code that trusts the result. */
#ifndef KTSTR_UTIL_JSON_GUARD_H
#define KTSTR_UTIL_JSON_GUARD_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define KTSTR_JSON_GUARD_ERROR (ktstr_json_guard_error_quark ())
GQuark ktstr_json_guard_error_quark (void);

typedef enum
{
  KTSTR_JSON_GUARD_ERROR_TOO_DEEP, /* nested deeper than KTSTR_JSON_MAX_DEPTH */
  KTSTR_JSON_GUARD_ERROR_INVALID,  /* not JSON (json-glib's message follows) */
} KtstrJsonGuardError;

/* Parses the LEN bytes at DATA into PARSER after the nesting check; on
 * success the parser has a root (an empty document is an error).
 * Messages start with WHAT ("sidecar /runs/x.ktstr.json"). */
gboolean ktstr_json_guard_load (JsonParser *parser, const char *data, gsize len, const char *what,
                                GError **error);

/* Reads the regular file PATH (at most MAX_BYTES: util/fsutil.h) and
 * parses it as above.  File errors (G_FILE_ERROR, KTSTR_FILE_ERROR) name
 * PATH. */
gboolean ktstr_json_guard_load_file (JsonParser *parser, const char *path, gsize max_bytes,
                                     const char *what, GError **error);

/* KEY of OBJECT when it is a string, else NULL (borrowed). */
const char *ktstr_json_guard_string (JsonObject *object, const char *key);
/* KEY of OBJECT when it is an integer, else DEFAULT_VALUE. */
gint64 ktstr_json_guard_int (JsonObject *object, const char *key, gint64 default_value);
/* KEY of OBJECT when it is a boolean, else DEFAULT_VALUE. */
gboolean ktstr_json_guard_bool (JsonObject *object, const char *key, gboolean default_value);
/* KEY of OBJECT when it is an object, else NULL (borrowed). */
JsonObject *ktstr_json_guard_object (JsonObject *object, const char *key);

G_END_DECLS

#endif
