/* TAP 13 on stdout for CI systems: a version line and a plan, then one
 * "ok"/"not ok" line per test (or gauntlet variant), in the order results
 * arrive, with a YAML diagnostic block holding the verdict, topology,
 * duration and sidecar.  A skipped test is "ok … # SKIP reason".  The
 * functions only format; the caller prints. */
#ifndef KTSTR_OUTPUT_TAP_H
#define KTSTR_OUTPUT_TAP_H

#include <glib.h>

#include "run/runner.h"

G_BEGIN_DECLS

/* "TAP version 13\n1..N\n" */
char *ktstr_tap_header (guint n_tests);

/* The lines for test number NUMBER (1-based). */
char *ktstr_tap_result (guint number, const KtstrTestResult *result);

/* "Bail out! REASON\n", for a run that stops early (Ctrl-C). */
char *ktstr_tap_bail_out (const char *reason);

G_END_DECLS

#endif
