/* JUnit XML for CI systems: one <testsuite> with one <testcase> per test
 * (or gauntlet variant).  A failure carries the one-line verdict as its
 * message and the full failure report as its text; a harness error (the
 * test could not be run or recorded) is an <error> with its reason; a skip
 * carries its reason; the sidecar path goes to <system-out>.  The file is written
 * atomically (temporary file + rename), so a CI reader never sees half a
 * document.  Text is made valid UTF-8 and stripped of the control
 * characters XML 1.0 forbids (console lines carry escape sequences). */
#ifndef KTSTR_OUTPUT_JUNIT_H
#define KTSTR_OUTPUT_JUNIT_H

#include <glib.h>

#include "run/runner.h"

G_BEGIN_DECLS

/* RESULTS: KtstrTestResult*; TOTAL_S: the run's wall time. */
char *ktstr_junit_to_data (const char *suite, GPtrArray *results, double total_s);

gboolean ktstr_junit_write (const char *path, const char *suite, GPtrArray *results, double total_s,
                            GError **error);

G_END_DECLS

#endif
