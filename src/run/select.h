/* Which tests a `ktstr test` run covers, from its arguments: each is a
 * built-in test name, a *.ktstr file (or any path with a '/'), or a
 * directory of test files; none means every built-in test.  The first
 * step of a plan (plan.h); a shard or a name filter would be another. */
#ifndef KTSTR_SELECT_H
#define KTSTR_SELECT_H

#include <glib.h>

G_BEGIN_DECLS

/* ARGS: N arguments.  Returns the loaded tests (KtstrTestDef*, owned) in
 * argument order, or NULL and *error naming the argument at fault. */
GPtrArray *ktstr_tests_select (char **args, int n, GError **error);

/* --work-type TYPE: every swappable test of TESTS (KtstrTestDef*) runs
 * TYPE instead of its works' types (ktstr_testdef_swap_work_type); the
 * others keep theirs.  Returns how many were swapped; 0 with *error set
 * when TYPE is unknown or no test is swappable (the option would do
 * nothing). */
guint ktstr_tests_swap_work_type (GPtrArray *tests, const char *type, GError **error);

G_END_DECLS

#endif
