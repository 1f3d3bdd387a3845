/* What a negative test may expect: the names of the failures a verdict
 * tells apart.
 *
 * A test with [test] expect_err=NAME passes when the failure NAME happens
 * and fails ("expected error NAME did not happen") when it does not, so a
 * scheduler's error path, a panic or a check that must trip can be tested
 * like any other behaviour.  The verdict (src/run/verdict.c) tags each
 * reason it gives with one of these names; the loader checks that
 * expect_err names one of them. */
#ifndef KTSTR_EXPECT_ERR_H
#define KTSTR_EXPECT_ERR_H

#include <glib.h>

G_BEGIN_DECLS

/* The failure kinds, NULL-terminated, in the order ktstr-test(5) lists
 * them.  "scheduler_error" is no kind of its own: it matches any of the
 * scheduler's (scheduler_start, scheduler_died, scheduler_not_detached). */
const char *const *ktstr_expect_err_names (void);

/* Whether a failure of kind KIND is what EXPECTED names. */
gboolean ktstr_expect_err_matches (const char *expected, const char *kind);

G_END_DECLS

#endif
