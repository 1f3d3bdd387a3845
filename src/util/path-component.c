/* Safe path components: see path-component.h. */
#include "config.h"

#include "util/path-component.h"

#include <string.h>

static gboolean
is_control (guchar c)
{
  return c < 0x20 || c == 0x7f;
}

const char *
ktstr_path_component_problem (const char *s, gsize max)
{
  if (s == NULL || *s == '\0')
    return "it is empty";
  if (strlen (s) > max)
    return "it is too long to name a file";
  if (strchr (s, '/') != NULL)
    return "it contains '/'";
  if (s[0] == '.')
    return "it starts with '.'";
  for (const guchar *p = (const guchar *)s; *p; p++)
    if (is_control (*p))
      return "it contains a control character";
  if (!g_utf8_validate (s, -1, NULL))
    return "it is not valid UTF-8";
  return NULL;
}

char *
ktstr_path_component_escape (const char *s, gsize max)
{
  g_autofree char *valid = g_utf8_make_valid (s != NULL ? s : "", -1);
  GString *out = g_string_new (NULL);
  for (const char *p = valid; *p && out->len < max;)
    {
      gunichar c = g_utf8_get_char (p);
      const char *next = g_utf8_next_char (p);
      gsize n = (gsize)(next - p);
      if (out->len + n > max)
        break;
      if (c == '/' || c == 0xfffd || (c < 0x80 && is_control ((guchar)c))
          || (out->len == 0 && c == '.'))
        g_string_append_c (out, '_');
      else
        g_string_append_len (out, p, (gssize)n);
      p = next;
    }
  if (out->len == 0)
    g_string_append_c (out, '_');
  return g_string_free (out, FALSE);
}
