/* Console log lines: see run/console-scan.h. */
#include "config.h"

#include "run/console-scan.h"

#include <string.h>

#include "common/proto.h"

char *
ktstr_console_line_with (const char *text, const char *mark)
{
  const char *hit = text != NULL ? strstr (text, mark) : NULL;
  if (hit == NULL)
    return NULL;
  const char *end = strchr (hit, '\n');
  char *line = g_strndup (hit, end ? (gsize)(end - hit) : strlen (hit));
  return g_strchomp (line);
}

char *
ktstr_console_tail (const char *text, guint n)
{
  if (text == NULL)
    return g_strdup ("");
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint len = g_strv_length (lines);
  while (len > 0 && g_strchomp (lines[len - 1])[0] == '\0')
    len--;
  GString *s = g_string_new (NULL);
  for (guint i = len > n ? len - n : 0; i < len; i++)
    g_string_append_printf (s, "  %s\n", g_strchomp (lines[i]));
  return g_string_free (s, FALSE);
}

gsize
ktstr_console_slice_end (const char *text, gsize len, gsize from, guint index)
{
  if (text == NULL || from >= len)
    return len;
  g_autofree char *mark = g_strdup_printf (KTSTR_SESSION_KMSG_END "%u", index);
  gsize mark_len = strlen (mark);
  const char *p = text + from, *end = text + len;
  while ((p = g_strstr_len (p, end - p, mark)) != NULL)
    {
      const char *after = p + mark_len;
      /* "end test 1" must not stop at "end test 12". */
      if (after == end || *after == '\r' || *after == '\n')
        {
          const char *nl = memchr (after, '\n', end - after);
          return nl != NULL ? (gsize)(nl + 1 - text) : len;
        }
      p = after;
    }
  return len;
}
