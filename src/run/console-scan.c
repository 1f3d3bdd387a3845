/* Console log lines: see run/console-scan.h. */
#include "config.h"

#include "run/console-scan.h"

#include <string.h>

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
