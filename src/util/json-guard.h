/* Reading JSON that someone else wrote: sidecars from other machines and
 * versions, --policy files, a kernel tree's metadata.json, the guest
 * agent's control lines and its payloads' output.
 *
 * The loaders check the document's size and nesting before json-glib
 * sees it (json-glib recurses without limit: common/json-depth.h), so one
 * hostile or broken document is one clear error naming it.  Members of
 * such documents are read with util/json-util.h's typed getters or its
 * tolerant lookups, never json-glib's *_with_default getters, which
 * return NULL for a string member holding a number and print a critical
 * for one holding an array. */
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

G_END_DECLS

#endif
