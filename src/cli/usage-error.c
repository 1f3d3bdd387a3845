#include "config.h"

#include "cli/usage-error.h"

#include <stdio.h>

int
ktstr_cli_usage_error (const char *command, int status, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "ktstr %s: %s\n", command, msg);
  return status;
}
