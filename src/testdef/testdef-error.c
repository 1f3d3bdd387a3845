/* The test-definition loader's error domain, its message format and the
 * readers of values whose errors use it, shared by the loader files
 * (testdef.c, testdef-steps.c, testdef-run-keys.c). */
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

gboolean
ktstr_testdef_get_uint (GKeyFile *kf, const char *path, const char *group, const char *key,
                        guint min, guint max, guint *out, GError **error)
{
  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  g_autofree char *s = g_key_file_get_string (kf, group, key, NULL);
  char *end = NULL;
  guint64 v = g_ascii_strtoull (s ? s : "", &end, 10);
  if (s == NULL || *s == '\0' || *end != '\0' || v < min || v > max)
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, key,
                               "'%s' is not a whole number between %u and %u", s ? s : "", min,
                               max);
  *out = (guint)v;
  return TRUE;
}
