/* The host-delta section of `stats compare` (doc/stats-compare.md): which
 * host-context fields differ between the first host of side A and the
 * first host of side B.  Built on the records module's KtstrHostContext;
 * the field order is that of ktstr_host_context_format_human. */
#ifndef KTSTR_STATS_HOSTDELTA_H
#define KTSTR_STATS_HOSTDELTA_H

#include <glib.h>

#include "record/hostctx.h"

G_BEGIN_DECLS

typedef struct
{
  char *field; /* "kernel_release", "sched_tunables.sched_migration_cost_ns", ... */
  char *a;     /* "(unknown)" for a missing field, "(absent)" for a missing map key */
  char *b;
} KtstrHostChange;

/* KtstrHostChange*, owned; empty when the hosts are identical. */
GPtrArray *ktstr_stats_host_diff (const KtstrHostContext *a, const KtstrHostContext *b);

/* The whole section, starting with a blank line:
 *   host delta ('A' → 'B'):            and "  field: a → b" lines
 *   host: identical between 'A' and 'B' (arch: x86_64)
 *   host: captured in 'A' only, delta unavailable
 * and "" when neither side has a host. */
char *ktstr_stats_format_host_delta (const KtstrHostContext *a, const KtstrHostContext *b,
                                     const char *label_a, const char *label_b);

G_END_DECLS

#endif
