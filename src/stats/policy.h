/* Comparison policy of `stats compare` (doc/stats-compare.md): the
 * relative-threshold overrides given by `--threshold PCT` or by a
 * `--policy FILE` of the form
 *
 *   { "default_percent": 10.0, "per_metric_percent": { "worst_spread": 5.0 } }
 *
 * Values are percent.  Every key is optional; an unknown key, an unknown
 * metric name, a negative or non-numeric value is an error at load time,
 * naming the file and (for metric names) listing the valid ones.  The
 * absolute gate is always the registry's default_abs. */
#ifndef KTSTR_STATS_POLICY_H
#define KTSTR_STATS_POLICY_H

#include <glib.h>

#include "stats/metrics.h"

G_BEGIN_DECLS

#define KTSTR_STATS_POLICY_ERROR (ktstr_stats_policy_error_quark ())
GQuark ktstr_stats_policy_error_quark (void);

typedef enum
{
  KTSTR_STATS_POLICY_ERROR_READ,           /* the file cannot be read */
  KTSTR_STATS_POLICY_ERROR_PARSE,          /* not JSON, or not a JSON object */
  KTSTR_STATS_POLICY_ERROR_UNKNOWN_FIELD,  /* a key other than the two above */
  KTSTR_STATS_POLICY_ERROR_UNKNOWN_METRIC, /* per_metric_percent names no metric */
  KTSTR_STATS_POLICY_ERROR_INVALID_VALUE,  /* negative, or not a number */
} KtstrStatsPolicyError;

typedef struct
{
  gboolean has_default_percent;
  double default_percent;
  gboolean has_metric_percent[KTSTR_METRIC_COUNT];
  double metric_percent[KTSTR_METRIC_COUNT];
} KtstrStatsPolicy;

/* The empty policy: every metric uses its registry default_rel. */
void ktstr_stats_policy_init (KtstrStatsPolicy *policy);
/* `--threshold PCT`: one relative gate for every metric. */
gboolean ktstr_stats_policy_init_uniform (KtstrStatsPolicy *policy, double percent, GError **error);
/* ORIGIN names the input in error messages (usually the file path). */
gboolean ktstr_stats_policy_load_data (KtstrStatsPolicy *policy, const char *data, gssize length,
                                       const char *origin, GError **error);
/* A policy is a few lines; a larger file is refused unread. */
#define KTSTR_STATS_POLICY_MAX_BYTES (1024 * 1024)

gboolean ktstr_stats_policy_load_file (KtstrStatsPolicy *policy, const char *path, GError **error);

/* Relative threshold (a fraction) for METRIC: per-metric percent / 100,
 * else default percent / 100, else the registry default_rel. */
double ktstr_stats_policy_rel_threshold (const KtstrStatsPolicy *policy,
                                         const KtstrMetricDef *metric);

G_END_DECLS

#endif
