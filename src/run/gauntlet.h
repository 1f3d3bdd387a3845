/* The gauntlet: every test × topology preset × flag profile as its own VM,
 * JOBS at once (ktstr(1), GAUNTLET).
 *
 * Variants are named gauntlet/{test}/{preset}/{profile}.  Each writes one
 * sidecar; its test_name stays the bare test name, and its topology and
 * active_flags (both inside the variant hash of the file name) tell the
 * variants apart.  Presets that do not fit the test, the scheduler or the
 * host (presets.h) become skipped variants with the reason.
 *
 * SIGINT or SIGTERM stops the run: no new VM starts, every running VM is
 * killed, the sidecars already written stay, and a variant cut short
 * leaves none.  The run then ends with a summary and a non-zero status. */
#ifndef KTSTR_GAUNTLET_H
#define KTSTR_GAUNTLET_H

#include <glib.h>

#include "run/presets.h"
#include "run/profiles.h"
#include "run/runner.h"
#include "sched/scheduler-def.h"
#include "testdef/testdef.h"

G_BEGIN_DECLS

typedef struct
{
  char *name;                /* gauntlet/{test}/{preset}/{profile} */
  const KtstrTestDef *def;   /* borrowed */
  const KtstrPreset *preset; /* borrowed */
  guint profile_index;       /* into the profiles array */
  char *topology;            /* the preset's label */
  guint memory_mb;
  char *skip_reason; /* non-NULL: not run, and why */
} KtstrVariant;

/* TESTS (KtstrTestDef*) × PRESETS (NULL-terminated; NULL: all 24) ×
 * PROFILES (KtstrProfile*), in that nesting order; a test gets only the
 * profiles that hold all its required_flags and none of its
 * excluded_flags.  MEMORY_MB 0: each
 * preset's own size; else max(MEMORY_MB, 64 per vCPU, 256).  SDEF and CAP
 * may be NULL.  Returns KtstrVariant*, owned. */
GPtrArray *ktstr_gauntlet_expand (GPtrArray *tests, const KtstrPreset *const *presets,
                                  GPtrArray *profiles, const KtstrSchedulerDef *sdef,
                                  const KtstrHostCapacity *cap, guint memory_mb);

typedef struct
{
  guint jobs;
  gboolean tap;           /* TAP 13 on stdout; human lines go to stderr */
  const char *junit_path; /* NULL: none */
} KtstrGauntletOptions;

/* Runs VARIANTS with RUNNERS (one per profile, same index).  Returns the
 * exit status: 0 all passed, 1 a variant failed, 2 a harness error, 130
 * interrupted. */
int ktstr_gauntlet_run (GPtrArray *variants, GPtrArray *runners,
                        const KtstrGauntletOptions *options);

G_END_DECLS

#endif
