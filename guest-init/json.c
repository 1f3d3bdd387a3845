#include "config.h"

#include "guest-init/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
ktstr_json_init (KtstrJson *j)
{
  memset (j, 0, sizeof *j);
}

void
ktstr_json_clear (KtstrJson *j)
{
  free (j->buf);
  ktstr_json_init (j);
}

static void
append (KtstrJson *j, const char *s, size_t n)
{
  if (j->failed)
    return;
  if (j->len + n + 1 > j->cap)
    {
      size_t cap = j->cap ? j->cap : 256;
      while (cap < j->len + n + 1)
        cap *= 2;
      char *nb = realloc (j->buf, cap);
      if (nb == NULL)
        {
          j->failed = true;
          return;
        }
      j->buf = nb;
      j->cap = cap;
    }
  memcpy (j->buf + j->len, s, n);
  j->len += n;
  j->buf[j->len] = '\0';
}

static void
append_str (KtstrJson *j, const char *s)
{
  append (j, s, strlen (s));
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid:
 * strict parsers (json-glib) reject them. */
static size_t
utf8_seq_len (const unsigned char *p)
{
  unsigned c = p[0];
  if (c < 0x80)
    return 1;
  size_t n;
  unsigned min, cp;
  if ((c & 0xe0) == 0xc0)
    n = 2, min = 0x80, cp = c & 0x1f;
  else if ((c & 0xf0) == 0xe0)
    n = 3, min = 0x800, cp = c & 0x0f;
  else if ((c & 0xf8) == 0xf0)
    n = 4, min = 0x10000, cp = c & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++)
    {
      if ((p[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

void
ktstr_json_append_escaped (KtstrJson *j, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  append (j, "\"", 1);
  while (*p != '\0')
    {
      char esc[8];
      switch (*p)
        {
        case '"':
          append (j, "\\\"", 2);
          break;
        case '\\':
          append (j, "\\\\", 2);
          break;
        case '\n':
          append (j, "\\n", 2);
          break;
        case '\r':
          append (j, "\\r", 2);
          break;
        case '\t':
          append (j, "\\t", 2);
          break;
        default:
          if (*p < 0x20 || *p == 0x7f)
            {
              snprintf (esc, sizeof esc, "\\u%04x", *p);
              append (j, esc, 6);
            }
          else
            {
              size_t n = utf8_seq_len (p);
              if (n == 0)
                {
                  append (j, "\\ufffd", 6);
                  break;
                }
              append (j, (const char *)p, n);
              p += n;
              continue;
            }
        }
      p++;
    }
  append (j, "\"", 1);
}

/* Comma and key before a value, at the current nesting level. */
static void
value_prefix (KtstrJson *j, const char *key)
{
  if (j->depth > 0 && j->need_comma[j->depth - 1])
    append (j, ",", 1);
  if (j->depth > 0)
    j->need_comma[j->depth - 1] = true;
  if (key != NULL)
    {
      ktstr_json_append_escaped (j, key);
      append (j, ":", 1);
    }
}

static void
open_level (KtstrJson *j, char c)
{
  append (j, &c, 1);
  if (j->depth >= KTSTR_JSON_MAX_DEPTH)
    {
      j->failed = true;
      return;
    }
  j->need_comma[j->depth++] = false;
}

static void
close_level (KtstrJson *j, char c)
{
  append (j, &c, 1);
  if (j->depth > 0)
    j->depth--;
}

void
ktstr_json_begin (KtstrJson *j, const char *type)
{
  j->len = 0;
  j->depth = 0;
  j->failed = false;
  if (j->buf != NULL)
    j->buf[0] = '\0';
  open_level (j, '{');
  ktstr_json_str (j, "t", type);
}

void
ktstr_json_end (KtstrJson *j)
{
  /* Callers close every array they open; a slip would produce a line the
   * host cannot parse, so mark it unusable rather than guess. */
  if (j->depth != 1)
    {
      j->failed = true;
      return;
    }
  close_level (j, '}');
  append (j, "\n", 1);
}

void
ktstr_json_str (KtstrJson *j, const char *key, const char *value)
{
  value_prefix (j, key);
  if (value == NULL)
    append_str (j, "null");
  else
    ktstr_json_append_escaped (j, value);
}

void
ktstr_json_u64 (KtstrJson *j, const char *key, uint64_t value)
{
  char num[24];
  value_prefix (j, key);
  snprintf (num, sizeof num, "%" PRIu64, value);
  append_str (j, num);
}

void
ktstr_json_i64 (KtstrJson *j, const char *key, int64_t value)
{
  char num[24];
  value_prefix (j, key);
  snprintf (num, sizeof num, "%" PRId64, value);
  append_str (j, num);
}

void
ktstr_json_bool (KtstrJson *j, const char *key, bool value)
{
  value_prefix (j, key);
  append_str (j, value ? "true" : "false");
}

void
ktstr_json_null (KtstrJson *j, const char *key)
{
  value_prefix (j, key);
  append_str (j, "null");
}

void
ktstr_json_array_open (KtstrJson *j, const char *key)
{
  value_prefix (j, key);
  open_level (j, '[');
}

void
ktstr_json_array_close (KtstrJson *j)
{
  close_level (j, ']');
}

void
ktstr_json_object_open (KtstrJson *j, const char *key)
{
  value_prefix (j, key);
  open_level (j, '{');
}

void
ktstr_json_object_close (KtstrJson *j)
{
  close_level (j, '}');
}
