#include "config.h"

#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
ktstr_error_set (KtstrError *err, const char *fmt, ...)
{
  if (err == NULL)
    return;
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  va_end (ap);
}

void
ktstr_error_prefix (KtstrError *err, const char *fmt, ...)
{
  if (err == NULL)
    return;
  char prefix[256];
  char old[sizeof err->msg];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  char both[sizeof prefix + sizeof old + 2];
  memcpy (old, err->msg, sizeof old);
  snprintf (both, sizeof both, "%s: %s", prefix, old);
  snprintf (err->msg, sizeof err->msg, "%.*s", (int)sizeof err->msg - 1, both);
}
