/* `ktstr test --repeat auto[:MAX]`: trials added round by round until
 * each test has settled.
 *
 * Every test first runs KTSTR_REPEAT_AUTO_MIN trials (round by round, as
 * a fixed --repeat does); then, after each round, a test whose passing
 * trials have settled (stats/settle.h: every gated metric's relative
 * standard error within a quarter of its relative gate, or its standard
 * error within a quarter of its absolute gate) stops, and so does one
 * that has run MAX trials or whose last trial failed (a failure wants a
 * look, not more samples); the others get one more trial in the next
 * round.  Each trial is a variant of its own (one VM, one sidecar,
 * trial=N) run by the same executor; the rounds are lists, the decision
 * between them reads the sidecars the trials wrote.  At the end one line
 * per test says how many trials it got and which metric kept it going. */
#ifndef KTSTR_CLI_REPEAT_AUTO_H
#define KTSTR_CLI_REPEAT_AUTO_H

#include <glib.h>

#include "cli/test-report.h"
#include "run/executor.h"

G_BEGIN_DECLS

#define KTSTR_REPEAT_AUTO_MIN 3
#define KTSTR_REPEAT_AUTO_DEFAULT_MAX 10

typedef struct _KtstrRepeatAuto KtstrRepeatAuto;

/* For the plan's VARIANTS (borrowed, must outlive it), at most MAX trials
 * each; results go on to REPORT. */
KtstrRepeatAuto *ktstr_repeat_auto_new (GPtrArray *variants, guint max_trials,
                                        KtstrTestReport *report);
void ktstr_repeat_auto_free (KtstrRepeatAuto *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrRepeatAuto, ktstr_repeat_auto_free)

/* A KtstrExecutorResultFunc (user data: the KtstrRepeatAuto): keeps what
 * a trial measured, then hands the result to the report. */
void ktstr_repeat_auto_on_result (const KtstrVariant *variant, const KtstrTestResult *result,
                                  gpointer self);

/* Runs the rounds on EXECUTOR (made with ktstr_repeat_auto_on_result)
 * until every test has stopped or the executor was stopped, then prints
 * one line per test. */
void ktstr_repeat_auto_run (KtstrRepeatAuto *self, KtstrExecutor *executor);

G_END_DECLS

#endif
