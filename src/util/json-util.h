/* JSON helpers every host module shares, so that ktstr reads and writes
 * JSON one way:
 *
 * - Writing: short builder calls (a NULL string becomes null, a
 *   non-finite double becomes null, a guint64 above G_MAXINT64 a double)
 *   and one printer, ktstr_json_to_data, used for every JSON document ktstr
 *   prints or stores: sidecars, `ktstr-stats --json`, `ktstr list --json`,
 *   `ktstr kernel list --json`.  doc/json-output.md describes the style.
 * - Reading: typed member getters with one error message shape,
 *     "CONTEXT: key 'KEY' is missing"
 *     "CONTEXT: key 'KEY' must be WANT, got WHAT"
 *   raised in the caller's own error domain and codes (a KtstrJsonReader
 *   says which), so each module keeps its error enum while every reader
 *   words its failures alike; and tolerant lookups for documents where a
 *   missing or mistyped key reads as a default. */
#ifndef KTSTR_UTIL_JSON_UTIL_H
#define KTSTR_UTIL_JSON_UTIL_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* ---- Writing ---------------------------------------------------------- */

/* Adds VALUE, or null when VALUE is NULL. */
void ktstr_json_add_string (JsonBuilder *builder, const char *value);
/* Adds VALUE as an integer; above G_MAXINT64 (JSON integers are signed in
 * json-glib) as a double rather than wrapping negative. */
void ktstr_json_add_u64 (JsonBuilder *builder, guint64 value);

/* set_member_name followed by the add_* above. */
void ktstr_json_member_string (JsonBuilder *builder, const char *name, const char *value);
void ktstr_json_member_u64 (JsonBuilder *builder, const char *name, guint64 value);
void ktstr_json_member_int (JsonBuilder *builder, const char *name, gint64 value);
void ktstr_json_member_double (JsonBuilder *builder, const char *name, double value);
void ktstr_json_member_bool (JsonBuilder *builder, const char *name, gboolean value);
/* A computed statistic (a mean, a p-value, an interval bound): rounded to 6
 * significant digits, more than any of them is worth, which keeps the
 * documents small and quick to print; null when not finite. */
void ktstr_json_member_statistic (JsonBuilder *builder, const char *name, double value);
/* Takes ownership of NODE; null when NODE is NULL. */
void ktstr_json_member_node (JsonBuilder *builder, const char *name, JsonNode *node);
/* An array of the strings of STRINGS (char *); [] when STRINGS is NULL. */
void ktstr_json_member_strv (JsonBuilder *builder, const char *name, GPtrArray *strings);

/* NODE as ktstr prints JSON: two-space indentation, "key": value, object
 * members in insertion order, shortest round-tripping decimals with at
 * least one fractional digit ("100.0", "0.25", "1e21"), null for a
 * non-finite number; newline-terminated.  *LENGTH (optional) gets the
 * length.  Use it instead of JsonGenerator, which (json-glib 1.6) writes
 * invalid JSON for large doubles ("1e+21.0"), 17-digit noise for others
 * ("0.10000000000000001") and a space before every colon. */
char *ktstr_json_to_data (JsonNode *node, gsize *length);
/* NODE on one line, without spaces or a newline, numbers and strings as
 * ktstr_json_to_data writes them: a line of a JSON Lines file (the
 * monitor's series). */
char *ktstr_json_to_line (JsonNode *node);
/* The document BUILDER built, as ktstr_json_to_data prints it; unrefs
 * BUILDER. */
char *ktstr_json_builder_finish (JsonBuilder *builder);

/* ---- Reading: typed getters ------------------------------------------- */

/* How a getter reports a failure: in DOMAIN, with MISSING_CODE for a
 * required key that is absent and WRONG_TYPE_CODE for a key of the wrong
 * type or range.  CONTEXT (NULL: none) names the object in the message;
 * PATH (NULL: "") is put before every key, e.g. "metrics[0].", so nested
 * keys are named by their path in the document. */
typedef struct
{
  GQuark domain;
  gint missing_code;
  gint wrong_type_code;
  const char *context;
  const char *path;
} KtstrJsonReader;

/* What NODE holds, for messages: "null", "an object", "an array",
 * "a string", "a boolean", "an integer", "a negative integer",
 * "a fractional number". */
const char *ktstr_json_type_name (JsonNode *node);

/* Sets "CONTEXT: key 'PATHKEY' must be WANT, got <type of NODE>" with the
 * wrong-type code; returns FALSE. */
gboolean ktstr_json_wrong_type (const KtstrJsonReader *reader, const char *key, const char *want,
                                JsonNode *node, GError **error);

/* KEY's node when present and not null, else NULL. */
JsonNode *ktstr_json_optional_member (JsonObject *object, const char *key);

/* The required member KEY in *OUT (null counts as present). */
gboolean ktstr_json_get_member (const KtstrJsonReader *reader, JsonObject *object, const char *key,
                                JsonNode **out, GError **error);

/* Required members of a type.  A string replaces *OUT (freed first). */
gboolean ktstr_json_get_string (const KtstrJsonReader *reader, JsonObject *object, const char *key,
                                char **out, GError **error);
gboolean ktstr_json_get_bool (const KtstrJsonReader *reader, JsonObject *object, const char *key,
                              gboolean *out, GError **error);
gboolean ktstr_json_get_u64 (const KtstrJsonReader *reader, JsonObject *object, const char *key,
                             guint64 *out, GError **error);
/* A non-negative integer that fits 32 bits. */
gboolean ktstr_json_get_uint (const KtstrJsonReader *reader, JsonObject *object, const char *key,
                              guint *out, GError **error);
/* An integer or a fractional number; null reads as NaN (the writer prints
 * a non-finite double as null). */
gboolean ktstr_json_get_double (const KtstrJsonReader *reader, JsonObject *object, const char *key,
                                double *out, GError **error);
gboolean ktstr_json_get_array (const KtstrJsonReader *reader, JsonObject *object, const char *key,
                               JsonArray **out, GError **error);
/* An array of strings, appended to OUT (char *, owned by OUT). */
gboolean ktstr_json_get_strv (const KtstrJsonReader *reader, JsonObject *object, const char *key,
                              GPtrArray *out, GError **error);

/* Optional members: absent or null leaves *OUT (and *HAS) untouched and
 * succeeds; present, they must have the type. */
gboolean ktstr_json_get_optional_string (const KtstrJsonReader *reader, JsonObject *object,
                                         const char *key, char **out, GError **error);
gboolean ktstr_json_get_optional_u64 (const KtstrJsonReader *reader, JsonObject *object,
                                      const char *key, gboolean *has, guint64 *out, GError **error);

/* NODE, the value of KEY, as a type (for array elements and map values). */
gboolean ktstr_json_node_u64 (const KtstrJsonReader *reader, JsonNode *node, const char *key,
                              guint64 *out, GError **error);
gboolean ktstr_json_node_double (const KtstrJsonReader *reader, JsonNode *node, const char *key,
                                 double *out, GError **error);

/* ---- Reading: tolerant lookups ---------------------------------------- */

/* KEY as a number; 0 when absent, null or not a number.  A double read
 * as guint64 is truncated, a negative one reads as 0. */
double ktstr_json_lookup_double (JsonObject *object, const char *key);
guint64 ktstr_json_lookup_u64 (JsonObject *object, const char *key);
/* KEY as a string (borrowed), or NULL when absent or not a string. */
const char *ktstr_json_lookup_string (JsonObject *object, const char *key);
/* KEY as an integer, DEFAULT_VALUE when absent or not an integer. */
gint64 ktstr_json_lookup_int64 (JsonObject *object, const char *key, gint64 default_value);
/* KEY as a boolean, DEFAULT_VALUE when absent or not a boolean. */
gboolean ktstr_json_lookup_bool (JsonObject *object, const char *key, gboolean default_value);
/* KEY as an object (borrowed), NULL when absent or not an object. */
JsonObject *ktstr_json_lookup_object (JsonObject *object, const char *key);

G_END_DECLS

#endif
