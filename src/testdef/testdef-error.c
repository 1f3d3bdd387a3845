/* The test-definition loader's error domain and its message format,
 * shared by the loader files (testdef.c, testdef-steps.c). */
#include "config.h"

#include <stdarg.h>

#include "testdef/testdef.h"
#include "testdef/testdef-private.h"

GQuark
ktstr_testdef_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-testdef-error-quark");
}

gboolean
ktstr_testdef_fail (GError **error, int code, const char *path, const char *group, const char *key,
                    const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (key != NULL)
    g_set_error (error, KTSTR_TESTDEF_ERROR, code, "%s: [%s] %s: %s", path, group, key, msg);
  else
    g_set_error (error, KTSTR_TESTDEF_ERROR, code, "%s: [%s]: %s", path, group, msg);
  return FALSE;
}
