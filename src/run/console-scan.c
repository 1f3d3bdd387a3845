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
