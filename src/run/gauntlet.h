/* The gauntlet: every test x topology preset x flag profile as its own
 * variant (variant.h), run by the executor like any other list.
 *
 * Variants are named gauntlet/{test}/{preset}/{profile}.  Each writes one
 * sidecar; its test_name stays the bare test name, and its topology and
 * active_flags (both inside the variant hash of the file name) tell the
 * variants apart.  Presets that do not fit the test, the scheduler or the
 * host (presets.h) become skipped variants with the reason. */
#ifndef KTSTR_GAUNTLET_H
#define KTSTR_GAUNTLET_H

#include <glib.h>

#include "run/presets.h"
#include "run/profiles.h"
#include "run/variant.h"
#include "sched/scheduler-def.h"
#include "testdef/testdef.h"

G_BEGIN_DECLS

/* TESTS (KtstrTestDef*) x PRESETS (NULL-terminated; NULL: all 24) x
 * PROFILES (KtstrProfile*), in that nesting order; a test gets only the
 * profiles that hold all its required_flags and none of its
 * excluded_flags.  MEMORY_MB 0: each preset's own size; else
 * max(MEMORY_MB, 64 per vCPU, 256).  SDEF and CAP may be NULL.  Returns
 * KtstrVariant*, owned, without runners (the plan gives each the runner of
 * its profile). */
GPtrArray *ktstr_gauntlet_expand (GPtrArray *tests, const KtstrPreset *const *presets,
                                  GPtrArray *profiles, const KtstrSchedulerDef *sdef,
                                  const KtstrHostCapacity *cap, guint memory_mb);

G_END_DECLS

#endif
