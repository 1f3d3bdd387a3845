/* Synthetic pools of repeated trials for the ktstr-stats tests: sidecars
 * of six tests, several trials a side, with seeded log-normal noise, so
 * that compare's significance tests can be checked on an A/A pool (no
 * change) and an A/B pool (a planted throughput drop). */
#ifndef KTSTR_TEST_STATS_TRIALS_H
#define KTSTR_TEST_STATS_TRIALS_H

#include <glib.h>

G_BEGIN_DECLS

/* Writes TRIALS sidecars a side for each of the six tests under ROOT (a
 * runs root): side A in run directories a-1 … a-TRIALS with project commit
 * aaaaaaa, side B in b-1 … with bbbbbbb.  B's total_iterations and
 * worst_iterations_per_worker are multiplied by 1 - THROUGHPUT_DROP (0: an
 * A/A pool).  SEED fixes the noise. */
void stats_test_write_trial_pool (const char *root, guint32 seed, guint trials,
                                  double throughput_drop);
/* The same with the project commits COMMIT_A and COMMIT_B. */
void stats_test_write_trial_pool_commits (const char *root, guint32 seed, guint trials,
                                          double throughput_drop, const char *commit_a,
                                          const char *commit_b);

/* As `ktstr test --repeat TRIALS` writes them: one run directory a side,
 * ROOT/a (aaaaaaa) and ROOT/b (bbbbbbb), each holding every trial of the
 * six tests (trial 1 … TRIALS, written a minute apart), with a
 * ScenarioStart and a ScenarioEnd event 3 s later that carries the
 * iterations. */
void stats_test_write_repeated_pool (const char *root, guint32 seed, guint trials,
                                     double throughput_drop);

G_END_DECLS

#endif
