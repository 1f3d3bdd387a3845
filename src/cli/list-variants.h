/* `ktstr test --list-variants`: the work a run would do, without booting
 * anything, so that a CI system can see how a suite splits into shards.
 * One line (or JSON object) per variant: its name, test, topology, preset
 * and flag profile (gauntlet), shard, expected cost (run/shard.h) and, for
 * a variant that will not boot, why. */
#ifndef KTSTR_CLI_LIST_VARIANTS_H
#define KTSTR_CLI_LIST_VARIANTS_H

#include <stdio.h>

#include <glib.h>

#include "run/plan.h"
#include "run/shard.h"

G_BEGIN_DECLS

/* Prints PLAN's variants to OUT: with SHARD (NULL: the whole run as one
 * shard) only that shard's, each with its shard number; with ONLY (a set
 * of variant names, NULL: all) only those (what a --budget kept); AS_JSON:
 * a JSON document (doc/json-output.md) instead of a table and a total
 * line. */
void ktstr_list_variants_print (FILE *out, const KtstrRunPlan *plan, const KtstrShard *shard,
                                GHashTable *only, gboolean as_json);

G_END_DECLS

#endif
