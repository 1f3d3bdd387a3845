/* The test-definition loader's error domain and its message format,
 * shared by the loader files (testdef.c, testdef-steps.c). */
#include "config.h"

#include <stdarg.h>

#include "testdef/testdef-private.h"
#include "testdef/testdef.h"
#include "util/keyfile.h"

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
  return ktstr_keyfile_fail_literal (error, KTSTR_TESTDEF_ERROR, code, path, group, key, msg);
}
