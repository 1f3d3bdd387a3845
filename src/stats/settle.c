#include "config.h"

#include "stats/settle.h"

#include <math.h>

#include "stats/row.h"
#include "stats/significance.h"

gboolean
ktstr_trials_settled (GPtrArray *rows, KtstrSettle *worst)
{
  *worst = (KtstrSettle){ .n = rows->len, .rse = NAN, .target = NAN, .ratio = NAN };
  if (rows->len < 2)
    return FALSE;
  g_autofree double *values = g_new (double, rows->len);
  double worst_ratio = -1.0;
  for (guint m = 0; m < KTSTR_METRIC_COUNT; m++)
    {
      const KtstrMetricDef *def = ktstr_metrics_get (m);
      guint n = 0;
      for (guint i = 0; i < rows->len; i++)
        if (ktstr_stats_row_read_metric (rows->pdata[i], def, &values[n]))
          n++;
      KtstrSampleSummary s;
      ktstr_sample_summarize (values, n, &s);
      /* Absent, always 0, or a single trial: nothing to estimate. */
      if (s.n < 2 || !isfinite (s.cv))
        continue;
      double sigma = def->scale == KTSTR_SCALE_LOG ? ktstr_log_sigma_from_cv (s.cv) : s.cv;
      double rse = sigma / sqrt (s.n);
      double target = KTSTR_SETTLE_GATE_FRACTION * def->default_rel;
      double se = s.stddev / sqrt (s.n);
      double ratio = MIN (rse / target, se / (KTSTR_SETTLE_GATE_FRACTION * def->default_abs));
      if (ratio > worst_ratio)
        {
          worst_ratio = ratio;
          *worst = (KtstrSettle){
            .metric = def, .n = s.n, .rse = rse, .target = target, .ratio = ratio
          };
        }
    }
  return worst_ratio <= 1.0;
}
