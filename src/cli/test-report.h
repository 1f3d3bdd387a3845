/* What `ktstr test` prints while and after it runs: one path for plain
 * runs and gauntlets.
 *
 * Human lines go to stdout (stderr under --tap, where stdout carries TAP
 * version 13, and under --json, where it carries the run's JSON document,
 * run/output-json.h, at the end): a header, one line per result as it arrives, the failure
 * report of each failing test on stderr, --timings lines, then the run
 * directory and the counts (with --timings and trials, what the trials cost
 * and what one boot per test would save).  Plain runs and gauntlets keep
 * the line shapes
 * users and scripts know:
 *   plain     "PASS steady                   1n1l2c1t     12.3s  tcg"
 *   gauntlet  "[2/3] PASS gauntlet/steady/tiny-1llc/default 1n1l4c1t 9.8s"
 * On a terminal a progress line (done/total, failures, ETA) is redrawn in
 * place between results.  The report also writes --junit and gives the
 * exit status (util/exit-status.h).
 *
 * Output from other threads (the runner's notices) goes through
 * ktstr_test_report_notice, which takes the report's lock so it never
 * lands in the middle of a progress line. */
#ifndef KTSTR_CLI_TEST_REPORT_H
#define KTSTR_CLI_TEST_REPORT_H

#include <stdio.h>

#include <glib.h>

#include "run/executor.h"
#include "run/plan.h"
#include "run/variant.h"

G_BEGIN_DECLS

typedef enum
{
  KTSTR_TEST_REPORT_PLAIN,
  KTSTR_TEST_REPORT_GAUNTLET,
} KtstrTestReportStyle;

typedef struct
{
  KtstrTestReportStyle style;
  gboolean tap;
  gboolean json;     /* the run as JSON on stdout when it ends */
  const char *shard; /* "I/N" for the JSON document; NULL: not sharded */
  gboolean timings;
  guint trials;           /* --repeat N: each test's runs (1: not repeated); auto: its maximum */
  gboolean verbose;       /* the console is echoed: no progress line */
  const char *junit_path; /* NULL: none */
} KtstrTestReportOptions;

typedef struct _KtstrTestReport KtstrTestReport;

KtstrTestReport *ktstr_test_report_new (const KtstrTestReportOptions *options);
void ktstr_test_report_free (KtstrTestReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrTestReport, ktstr_test_report_free)

/* Where human lines go: stdout, or stderr under --tap. */
FILE *ktstr_test_report_get_human (KtstrTestReport *report);

/* Starts the run's output for N_RESULTS results (the TAP plan; 0: not
 * known yet, the plan then comes last) and, from now on, the progress
 * line of EXECUTOR. */
void ktstr_test_report_begin (KtstrTestReport *report, KtstrExecutor *executor, guint n_results);

/* A KtstrExecutorResultFunc: prints RESULT. */
void ktstr_test_report_result (const KtstrVariant *variant, const KtstrTestResult *result,
                               gpointer report);

/* A KtstrNoticeFunc: a warning of the harness, "ktstr: MESSAGE" on
 * stderr; safe from any thread. */
void ktstr_test_report_notice (const char *message, gpointer report);

/* LINE on the human output, as its own line. */
void ktstr_test_report_line (KtstrTestReport *report, const char *line);

/* Says the run was interrupted and how many VMs are being stopped. */
void ktstr_test_report_interrupted (KtstrTestReport *report);

/* Prints the summary (where PLAN's sidecars are, one run directory per
 * kernel, and with several kernels the `ktstr-stats compare` command
 * that compares them), ends TAP, writes --junit and returns the exit
 * status. */
int ktstr_test_report_finish (KtstrTestReport *report, const KtstrRunPlan *plan);

G_END_DECLS

#endif
