/* JSON helpers: see util/json-util.h. */
#include "config.h"

#include "util/json-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Writing ---------------------------------------------------------- */

void
ktstr_json_add_string (JsonBuilder *builder, const char *value)
{
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}

void
ktstr_json_add_u64 (JsonBuilder *builder, guint64 value)
{
  if (value > (guint64)G_MAXINT64)
    json_builder_add_double_value (builder, (double)value);
  else
    json_builder_add_int_value (builder, (gint64)value);
}

/* Adds VALUE, or null when it is not finite (JSON has no NaN or inf). */
static void
add_double (JsonBuilder *builder, double value)
{
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
ktstr_json_member_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  ktstr_json_add_string (builder, value);
}

void
ktstr_json_member_u64 (JsonBuilder *builder, const char *name, guint64 value)
{
  json_builder_set_member_name (builder, name);
  ktstr_json_add_u64 (builder, value);
}

void
ktstr_json_member_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

void
ktstr_json_member_double (JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name (builder, name);
  add_double (builder, value);
}

void
ktstr_json_member_statistic (JsonBuilder *builder, const char *name, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  json_builder_set_member_name (builder, name);
  if (!isfinite (value))
    {
      json_builder_add_null_value (builder);
      return;
    }
  /* The double nearest a 6-digit decimal prints as that decimal. */
  g_ascii_formatd (buf, sizeof buf, "%.5e", value);
  json_builder_add_double_value (builder, g_ascii_strtod (buf, NULL));
}

void
ktstr_json_member_bool (JsonBuilder *builder, const char *name, gboolean value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

void
ktstr_json_member_node (JsonBuilder *builder, const char *name, JsonNode *node)
{
  json_builder_set_member_name (builder, name);
  if (node != NULL)
    json_builder_add_value (builder, node); /* takes ownership */
  else
    json_builder_add_null_value (builder);
}

void
ktstr_json_member_strv (JsonBuilder *builder, const char *name, GPtrArray *strings)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; strings != NULL && i < strings->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (strings, i));
  json_builder_end_array (builder);
}

/* Shortest text that reads back as the same double: plain decimals for
 * 1e-5 <= |v| < 1e16 with at least one fractional digit ("100.0", "0.1"),
 * else an exponent ("1e21", "1.5e-7").  A reader can tell a measurement
 * from a counter, and a number reads back bit for bit; it is also how the
 * Rust ktstr prints numbers, so files of both look alike
 * (doc/compatibility.md). */
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

/* A new line at DEPTH; nothing on one line (DEPTH < 0). */
static void
indent (GString *out, int depth)
{
  if (depth < 0)
    return;
  g_string_append_c (out, '\n');
  for (int i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

/* DEPTH < 0: all on one line, without the spaces. */
static void
append_node (GString *out, JsonNode *n, int depth)
{
  int inner = depth < 0 ? depth : depth + 1;
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
            indent (out, inner);
            append_node (out, json_array_get_element (a, i), inner);
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
            indent (out, inner);
            append_string (out, k);
            g_string_append (out, depth < 0 ? ":" : ": ");
            append_node (out, v, inner);
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
ktstr_json_to_data (JsonNode *node, gsize *length)
{
  GString *out = g_string_sized_new (4096);
  append_node (out, node, 0);
  g_string_append_c (out, '\n');
  if (length != NULL)
    *length = out->len;
  return g_string_free (out, FALSE);
}

char *
ktstr_json_to_line (JsonNode *node)
{
  GString *out = g_string_sized_new (256);
  append_node (out, node, -1);
  return g_string_free (out, FALSE);
}

char *
ktstr_json_builder_finish (JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_object_unref (builder);
  return ktstr_json_to_data (root, NULL);
}

/* ---- Reading: typed getters ------------------------------------------- */

const char *
ktstr_json_type_name (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_VALUE:
      break;
    }
  GType t = json_node_get_value_type (node);
  if (t == G_TYPE_INT64)
    return json_node_get_int (node) < 0 ? "a negative integer" : "an integer";
  if (t == G_TYPE_DOUBLE)
    return "a fractional number";
  if (t == G_TYPE_BOOLEAN)
    return "a boolean";
  if (t == G_TYPE_STRING)
    return "a string";
  return "an unknown value";
}

/* "CONTEXT: " or "" */
static const char *
context_sep (const KtstrJsonReader *r)
{
  return r->context != NULL ? ": " : "";
}

gboolean
ktstr_json_wrong_type (const KtstrJsonReader *r, const char *key, const char *want, JsonNode *node,
                       GError **error)
{
  g_set_error (error, r->domain, r->wrong_type_code, "%s%skey '%s%s' must be %s, got %s",
               r->context ? r->context : "", context_sep (r), r->path ? r->path : "", key, want,
               ktstr_json_type_name (node));
  return FALSE;
}

JsonNode *
ktstr_json_optional_member (JsonObject *object, const char *key)
{
  JsonNode *n = json_object_get_member (object, key);
  return (n == NULL || JSON_NODE_HOLDS_NULL (n)) ? NULL : n;
}

gboolean
ktstr_json_get_member (const KtstrJsonReader *r, JsonObject *object, const char *key,
                       JsonNode **out, GError **error)
{
  *out = json_object_get_member (object, key);
  if (*out != NULL)
    return TRUE;
  g_set_error (error, r->domain, r->missing_code, "%s%skey '%s%s' is missing",
               r->context ? r->context : "", context_sep (r), r->path ? r->path : "", key);
  return FALSE;
}

static gboolean
holds (JsonNode *n, GType type)
{
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == type;
}

static gboolean
node_string (const KtstrJsonReader *r, JsonNode *n, const char *key, char **out, GError **error)
{
  if (!holds (n, G_TYPE_STRING))
    return ktstr_json_wrong_type (r, key, "a string", n, error);
  g_free (*out);
  *out = g_strdup (json_node_get_string (n));
  return TRUE;
}

gboolean
ktstr_json_get_string (const KtstrJsonReader *r, JsonObject *object, const char *key, char **out,
                       GError **error)
{
  JsonNode *n;
  return ktstr_json_get_member (r, object, key, &n, error) && node_string (r, n, key, out, error);
}

gboolean
ktstr_json_get_bool (const KtstrJsonReader *r, JsonObject *object, const char *key, gboolean *out,
                     GError **error)
{
  JsonNode *n;
  if (!ktstr_json_get_member (r, object, key, &n, error))
    return FALSE;
  if (!holds (n, G_TYPE_BOOLEAN))
    return ktstr_json_wrong_type (r, key, "a boolean", n, error);
  *out = json_node_get_boolean (n);
  return TRUE;
}

gboolean
ktstr_json_node_u64 (const KtstrJsonReader *r, JsonNode *n, const char *key, guint64 *out,
                     GError **error)
{
  if (!holds (n, G_TYPE_INT64) || json_node_get_int (n) < 0)
    return ktstr_json_wrong_type (r, key, "a non-negative integer", n, error);
  *out = (guint64)json_node_get_int (n);
  return TRUE;
}

gboolean
ktstr_json_get_u64 (const KtstrJsonReader *r, JsonObject *object, const char *key, guint64 *out,
                    GError **error)
{
  JsonNode *n;
  return ktstr_json_get_member (r, object, key, &n, error)
         && ktstr_json_node_u64 (r, n, key, out, error);
}

gboolean
ktstr_json_get_uint (const KtstrJsonReader *r, JsonObject *object, const char *key, guint *out,
                     GError **error)
{
  JsonNode *n;
  if (!ktstr_json_get_member (r, object, key, &n, error))
    return FALSE;
  if (!holds (n, G_TYPE_INT64) || json_node_get_int (n) < 0 || json_node_get_int (n) > G_MAXUINT)
    return ktstr_json_wrong_type (r, key, "a non-negative 32-bit integer", n, error);
  *out = (guint)json_node_get_int (n);
  return TRUE;
}

gboolean
ktstr_json_node_double (const KtstrJsonReader *r, JsonNode *n, const char *key, double *out,
                        GError **error)
{
  if (JSON_NODE_HOLDS_NULL (n))
    *out = NAN;
  else if (holds (n, G_TYPE_DOUBLE))
    *out = json_node_get_double (n);
  else if (holds (n, G_TYPE_INT64))
    *out = (double)json_node_get_int (n);
  else
    return ktstr_json_wrong_type (r, key, "a number", n, error);
  return TRUE;
}

gboolean
ktstr_json_get_double (const KtstrJsonReader *r, JsonObject *object, const char *key, double *out,
                       GError **error)
{
  JsonNode *n;
  return ktstr_json_get_member (r, object, key, &n, error)
         && ktstr_json_node_double (r, n, key, out, error);
}

gboolean
ktstr_json_get_array (const KtstrJsonReader *r, JsonObject *object, const char *key,
                      JsonArray **out, GError **error)
{
  JsonNode *n;
  if (!ktstr_json_get_member (r, object, key, &n, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return ktstr_json_wrong_type (r, key, "an array", n, error);
  *out = json_node_get_array (n);
  return TRUE;
}

gboolean
ktstr_json_get_strv (const KtstrJsonReader *r, JsonObject *object, const char *key, GPtrArray *out,
                     GError **error)
{
  JsonArray *a;
  if (!ktstr_json_get_array (r, object, key, &a, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!holds (e, G_TYPE_STRING))
        {
          g_autofree char *name = g_strdup_printf ("%s[%u]", key, i);
          return ktstr_json_wrong_type (r, name, "a string", e, error);
        }
      g_ptr_array_add (out, g_strdup (json_node_get_string (e)));
    }
  return TRUE;
}

gboolean
ktstr_json_get_optional_string (const KtstrJsonReader *r, JsonObject *object, const char *key,
                                char **out, GError **error)
{
  JsonNode *n = ktstr_json_optional_member (object, key);
  return n == NULL || node_string (r, n, key, out, error);
}

gboolean
ktstr_json_get_optional_u64 (const KtstrJsonReader *r, JsonObject *object, const char *key,
                             gboolean *has, guint64 *out, GError **error)
{
  JsonNode *n = ktstr_json_optional_member (object, key);
  if (n == NULL)
    return TRUE;
  if (!ktstr_json_node_u64 (r, n, key, out, error))
    return FALSE;
  *has = TRUE;
  return TRUE;
}

/* ---- Reading: tolerant lookups ---------------------------------------- */

double
ktstr_json_lookup_double (JsonObject *object, const char *key)
{
  JsonNode *n = json_object_get_member (object, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return 0.0;
  if (holds (n, G_TYPE_DOUBLE))
    return json_node_get_double (n);
  if (holds (n, G_TYPE_INT64))
    return (double)json_node_get_int (n);
  return 0.0;
}

guint64
ktstr_json_lookup_u64 (JsonObject *object, const char *key)
{
  JsonNode *n = json_object_get_member (object, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return 0;
  /* json-glib parses integers as gint64: a value above G_MAXINT64 was
   * stored wrapped, and casting back recovers it. */
  if (holds (n, G_TYPE_INT64))
    return (guint64)json_node_get_int (n);
  if (holds (n, G_TYPE_DOUBLE))
    {
      double v = json_node_get_double (n);
      /* Converting a double beyond the range is undefined behaviour. */
      if (!(v > 0))
        return 0;
      return v >= 18446744073709551615.0 ? G_MAXUINT64 : (guint64)v;
    }
  return 0;
}

const char *
ktstr_json_lookup_string (JsonObject *object, const char *key)
{
  JsonNode *n = json_object_get_member (object, key);
  return n != NULL && holds (n, G_TYPE_STRING) ? json_node_get_string (n) : NULL;
}

gint64
ktstr_json_lookup_int64 (JsonObject *object, const char *key, gint64 default_value)
{
  JsonNode *n = json_object_get_member (object, key);
  return n != NULL && holds (n, G_TYPE_INT64) ? json_node_get_int (n) : default_value;
}

gboolean
ktstr_json_lookup_bool (JsonObject *object, const char *key, gboolean default_value)
{
  JsonNode *n = json_object_get_member (object, key);
  return n != NULL && holds (n, G_TYPE_BOOLEAN) ? json_node_get_boolean (n) : default_value;
}

JsonObject *
ktstr_json_lookup_object (JsonObject *object, const char *key)
{
  JsonNode *n = json_object_get_member (object, key);
  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}
