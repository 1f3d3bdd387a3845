/* Shared by the test-definition loader files (testdef.c, testdef-steps.c);
 * not part of the module's public interface. */
#ifndef KTSTR_TESTDEF_PRIVATE_H
#define KTSTR_TESTDEF_PRIVATE_H

#include <glib.h>

/* Sets a KTSTR_TESTDEF_ERROR CODE whose message points into the file:
 * "PATH:LINE: [GROUP] KEY: message" (or "PATH:LINE: [GROUP]: message"
 * when KEY is NULL; util/keyfile.h).  Always returns FALSE, so callers
 * can `return ktstr_testdef_fail (…)`. */
gboolean ktstr_testdef_fail (GError **error, int code, const char *path, const char *group,
                             const char *key, const char *fmt, ...) G_GNUC_PRINTF (6, 7);

#endif
