/* One comparable row per sidecar: the identity ktstr-stats filters, pairs
 * and groups on (scenario, the eight slicing dimensions), the verdict, and
 * the registry metrics as doubles (doc/stats-compare.md says where each
 * comes from; a derived metric the sidecar cannot give is NAN, absent).
 * Averaged rows (compare's default) have the same shape. */
#ifndef KTSTR_STATS_ROW_H
#define KTSTR_STATS_ROW_H

#include <glib.h>

#include "stats/metrics.h"

G_BEGIN_DECLS

/* The slicing dimensions of `stats compare`, in their fixed order. */
typedef enum
{
  KTSTR_DIM_KERNEL,
  KTSTR_DIM_SCHEDULER,
  KTSTR_DIM_TOPOLOGY,
  KTSTR_DIM_WORK_TYPE,
  KTSTR_DIM_PROJECT_COMMIT,
  KTSTR_DIM_KERNEL_COMMIT,
  KTSTR_DIM_RUN_SOURCE,
  KTSTR_DIM_FLAGS,
  KTSTR_DIM_COUNT
} KtstrStatsDim;

/* "kernel", "scheduler", "topology", "work-type", "project-commit",
 * "kernel-commit", "run-source", "flags". */
const char *ktstr_stats_dim_name (KtstrStatsDim dim);

typedef struct
{
  char *scenario; /* test_name */
  char *topology;
  char *scheduler;
  char *work_type;
  char *kernel_version; /* NULL = null in the sidecar (likewise below) */
  char *project_commit;
  char *kernel_commit;
  char *run_source;
  char **flags; /* active_flags, in sidecar order; never NULL */
  gboolean passed;
  gboolean skipped;
  double metrics[KTSTR_METRIC_COUNT];
  GHashTable *ext_metrics; /* char* -> double* (finite values only); may be NULL */
  gconstpointer source;    /* the sidecar this row came from; NULL for averages */
  /* An average's samples: the passing, non-skipped rows it averages
   * (borrowed, they must outlive it).  NULL for a row read from one
   * sidecar, which is its own single sample. */
  GPtrArray *samples;
} KtstrStatsRow;

KtstrStatsRow *ktstr_stats_row_new (void);
void ktstr_stats_row_free (KtstrStatsRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrStatsRow, ktstr_stats_row_free)

/* The value of a single-valued dimension (not FLAGS); may be NULL. */
const char *ktstr_stats_row_dim_value (const KtstrStatsRow *row, KtstrStatsDim dim);

/* The registry reading of METRIC: the stored value, except that the tail
 * ratio is absent below KTSTR_WAKE_LATENCY_TAIL_RATIO_MIN_ITERATIONS and
 * a derived metric is absent where it is NAN; an absent value falls back
 * to ext_metrics[name].  FALSE = absent, *value 0 (compare then uses 0
 * for a Rust metric and skips a derived one). */
gboolean ktstr_stats_row_read_metric (const KtstrStatsRow *row, const KtstrMetricDef *metric,
                                      double *value);

/* How many trials ROW stands for, and the I-th of them (ROW itself when
 * it has no samples array). */
guint ktstr_stats_row_n_samples (const KtstrStatsRow *row);
const KtstrStatsRow *ktstr_stats_row_sample (const KtstrStatsRow *row, guint i);

/* "{scenario} {topology} {scheduler} {work_type} {flags joined by ,}": the
 * text `compare -E` searches. */
char *ktstr_stats_row_filter_text (const KtstrStatsRow *row);

G_END_DECLS

#endif
