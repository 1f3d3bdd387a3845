/* `ktstr-stats noise`: how much each metric of each test configuration
 * varies across repeated trials, and how many trials a side `compare`
 * would need to detect a given relative change of it, so users see which
 * metrics are too noisy to gate on.
 *
 * A test configuration is a pairing key with nothing sliced: the scenario
 * and every dimension (kernel, scheduler, topology, work type, commits
 * without -dirty, run source, flags).  Its trials are the sidecars of that
 * key that passed and were not skipped.  The trial estimate uses the same
 * test, scale and level as `compare` (see significance.h): the level a
 * change needs when it is the only discovery among as many tests as the
 * report has rows. */
#ifndef KTSTR_STATS_NOISE_H
#define KTSTR_STATS_NOISE_H

#include <glib.h>

#include "stats/compare.h"
#include "stats/metrics.h"
#include "stats/significance.h"

G_BEGIN_DECLS

typedef struct
{
  char *key; /* the configuration's key, parts joined by '/' */
  const KtstrMetricDef *metric;
  KtstrSampleSummary sample; /* across trials, plain scale */
  gboolean log_scale;        /* sigma is the spread of ln(value) */
  double sigma;              /* the noise on the test's scale: sd of ln(value), or the CV */
  double change;             /* the relative change to detect (a fraction) */
  double power;              /* chance to detect it with sample.n trials a side */
  guint trials;              /* trials a side for KTSTR_TARGET_POWER (ktstr_trials_needed) */
} KtstrNoiseRow;

typedef struct
{
  const KtstrMetricDef *metric;
  guint configurations; /* configurations with >= 2 trials where it is not always 0 */
  double median_cv;
  double max_cv;
} KtstrNoiseMetricSummary;

typedef struct
{
  GArray *rows;         /* KtstrNoiseRow, by configuration key then registry order */
  GArray *metrics;      /* KtstrNoiseMetricSummary, registry order, measured ones only */
  guint configurations; /* with at least 2 trials */
  guint single_trial;   /* configurations left out: one passing trial */
  guint min_trials;     /* over the configurations kept */
  guint max_trials;
  KtstrStatsSignificance significance;
  double level;  /* per-test level the trial estimates aim at */
  double change; /* --change as a fraction, or < 0: each metric's relative gate */
} KtstrNoiseReport;

void ktstr_noise_report_free (KtstrNoiseReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrNoiseReport, ktstr_noise_report_free)

/* The report over ROWS (KtstrStatsRow*, one per sidecar).  SUBSTRING, when
 * not NULL, keeps the rows whose ktstr_stats_row_filter_text contains it.
 * CHANGE is the relative change to detect (a fraction), or < 0 for each
 * metric's relative gate under POLICY. */
KtstrNoiseReport *ktstr_noise_report_new (GPtrArray *rows, const char *substring,
                                          const KtstrStatsSignificance *significance, double change,
                                          const KtstrStatsPolicy *policy);

/* The report as text (tables) or JSON, newline-terminated. */
char *ktstr_noise_report_format (const KtstrNoiseReport *report, gboolean as_json);

G_END_DECLS

#endif
