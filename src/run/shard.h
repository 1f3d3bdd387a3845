/* Shards: one of N parts of a run's variant list, so that a CI system's
 * job matrix (N jobs on N machines) runs a suite too long for one.
 *
 * Every job computes the same partition on its own, with no coordinator,
 * so the partition depends only on the set of variants, never on their
 * order or on the host that computes it:
 *
 * - Each variant gets an expected cost (ktstr_variant_cost_ms): a nominal
 *   boot of its VM plus its scenario's settle and run time.  A variant
 *   ruled out by the test's or scheduler's constraints boots no VM and
 *   costs a token KTSTR_SHARD_SKIP_MS (so skips spread over the shards
 *   too); one only this host cannot run (a gauntlet preset too large
 *   for it) costs as if it ran, since another machine of the matrix may.
 * - The variants are sorted by cost, largest first, ties by name, and each
 *   goes to the shard with the least cost so far (then the fewest
 *   variants, then the lowest number): the longest-processing-time rule,
 *   whose largest shard is within 4/3 of the best possible.
 *
 * Trials of a variant (--repeat) stay in its shard: the list is sharded
 * before it is repeated.  Shards are numbered 1 to N, as GitLab's
 * CI_NODE_INDEX and a matrix of 1..N count them. */
#ifndef KTSTR_SHARD_H
#define KTSTR_SHARD_H

#include <glib.h>

#include "run/variant.h"

G_BEGIN_DECLS

#define KTSTR_SHARD_ERROR (ktstr_shard_error_quark ())
GQuark ktstr_shard_error_quark (void);

typedef enum
{
  KTSTR_SHARD_ERROR_INVALID, /* not I/N with 1 <= I <= N <= KTSTR_SHARD_MAX */
} KtstrShardError;

#define KTSTR_SHARD_MAX 4096

/* The cost model's nominal figures: a VM's boot and teardown, and what
 * each vCPU adds to it (TCG boots every vCPU as a host thread).  Fixed
 * rather than measured, so every machine agrees on them; only the ratio
 * between variants matters. */
#define KTSTR_SHARD_BOOT_MS 5000
#define KTSTR_SHARD_VCPU_BOOT_MS 250
#define KTSTR_SHARD_SKIP_MS 100

typedef struct
{
  guint index; /* 1-based */
  guint count;
} KtstrShard;

/* Parses "I/N" (decimal, 1 <= I <= N <= KTSTR_SHARD_MAX).  The error names
 * TEXT. */
gboolean ktstr_shard_parse (const char *text, KtstrShard *shard, GError **error);

/* What running V is expected to cost, in milliseconds (see above). */
guint64 ktstr_variant_cost_ms (const KtstrVariant *variant);

/* The shard (1 to N_SHARDS) of each of VARIANTS (KtstrVariant*), in list
 * order: a new array of guint. */
GArray *ktstr_shards_assign (GPtrArray *variants, guint n_shards);

/* The variants of VARIANTS in SHARD, copied, in list order. */
GPtrArray *ktstr_shard_select (GPtrArray *variants, const KtstrShard *shard);

G_END_DECLS

#endif
