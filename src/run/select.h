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

G_END_DECLS

#endif
