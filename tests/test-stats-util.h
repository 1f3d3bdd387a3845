/* Shared helpers of the ktstr-stats tests: a private copy of the fixture
 * pool with known directory mtimes, running the ktstr-stats binary, and
 * golden-file comparison (KTSTR_UPDATE_GOLDEN=1 rewrites the goldens). */
#ifndef KTSTR_TEST_STATS_UTIL_H
#define KTSTR_TEST_STATS_UTIL_H

#include <glib.h>

G_BEGIN_DECLS

/* Run directories of tests/data/stats/pool, oldest mtime first. */
extern const char *const stats_test_runs_by_age[];

/* Copies tests/data/stats/pool to a fresh TARGET/ktstr and sets each run
 * directory's mtime in stats_test_runs_by_age order.  Returns TARGET (a
 * CARGO_TARGET_DIR); remove it with stats_test_rm_rf. */
char *stats_test_make_target (void);
void stats_test_rm_rf (const char *path);
/* TARGET/ktstr */
char *stats_test_runs_root (const char *target);

typedef struct
{
  int status; /* exit status */
  char *out;
  char *err;
} StatsTestRun;

void stats_test_run_clear (StatsTestRun *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StatsTestRun, stats_test_run_clear)

/* Runs `ktstr-stats ARGS…` (NULL-terminated) with CARGO_TARGET_DIR=TARGET,
 * NO_COLOR and KTSTR_SIDECAR_DIR unset, plus ENV ("K=V" strings, may be
 * NULL). */
void stats_test_run (StatsTestRun *run, const char *target, const char *const *env,
                     ...) G_GNUC_NULL_TERMINATED;

/* stats_test_run in the directory CWD. */
void stats_test_run_in (StatsTestRun *run, const char *cwd, const char *target,
                        const char *const *env, ...) G_GNUC_NULL_TERMINATED;

/* Asserts ACTUAL equals tests/data/stats/golden/NAME. */
void stats_test_assert_golden (const char *actual, const char *name);

/* Loads tests/data/stats/NAME (for policies and other inputs). */
char *stats_test_data_path (const char *name);

G_END_DECLS

#endif
