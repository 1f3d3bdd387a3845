#include "config.h"

#include <math.h>
#include <string.h>

#include "stats/row.h"

static const char *const dim_names[KTSTR_DIM_COUNT] = {
  "kernel",         "scheduler",     "topology",   "work-type",
  "project-commit", "kernel-commit", "run-source", "flags",
};

const char *
ktstr_stats_dim_name (KtstrStatsDim dim)
{
  g_return_val_if_fail (dim < KTSTR_DIM_COUNT, NULL);
  return dim_names[dim];
}

KtstrStatsRow *
ktstr_stats_row_new (void)
{
  KtstrStatsRow *row = g_new0 (KtstrStatsRow, 1);
  row->flags = g_new0 (char *, 1);
  return row;
}

void
ktstr_stats_row_free (KtstrStatsRow *row)
{
  if (row == NULL)
    return;
  g_free (row->scenario);
  g_free (row->topology);
  g_free (row->scheduler);
  g_free (row->work_type);
  g_free (row->kernel_version);
  g_free (row->project_commit);
  g_free (row->kernel_commit);
  g_free (row->run_source);
  g_strfreev (row->flags);
  g_clear_pointer (&row->ext_metrics, g_hash_table_unref);
  g_clear_pointer (&row->samples, g_ptr_array_unref);
  g_free (row);
}

const char *
ktstr_stats_row_dim_value (const KtstrStatsRow *row, KtstrStatsDim dim)
{
  switch (dim)
    {
    case KTSTR_DIM_KERNEL:
      return row->kernel_version;
    case KTSTR_DIM_SCHEDULER:
      return row->scheduler;
    case KTSTR_DIM_TOPOLOGY:
      return row->topology;
    case KTSTR_DIM_WORK_TYPE:
      return row->work_type;
    case KTSTR_DIM_PROJECT_COMMIT:
      return row->project_commit;
    case KTSTR_DIM_KERNEL_COMMIT:
      return row->kernel_commit;
    case KTSTR_DIM_RUN_SOURCE:
      return row->run_source;
    case KTSTR_DIM_FLAGS:
    case KTSTR_DIM_COUNT:
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
ktstr_stats_row_read_metric (const KtstrStatsRow *row, const KtstrMetricDef *metric, double *value)
{
  gboolean present = TRUE;

  if (metric->id == KTSTR_METRIC_WORST_WAKE_LATENCY_TAIL_RATIO
      && row->metrics[KTSTR_METRIC_TOTAL_ITERATIONS] < KTSTR_WAKE_LATENCY_TAIL_RATIO_MIN_ITERATIONS)
    present = FALSE;
  if (present && isnan (row->metrics[metric->id]))
    present = FALSE;
  if (present)
    {
      *value = row->metrics[metric->id];
      return TRUE;
    }
  if (row->ext_metrics != NULL)
    {
      const double *ext = g_hash_table_lookup (row->ext_metrics, metric->name);
      if (ext != NULL)
        {
          *value = *ext;
          return TRUE;
        }
    }
  *value = 0.0;
  return FALSE;
}

guint
ktstr_stats_row_n_samples (const KtstrStatsRow *row)
{
  return row->samples != NULL ? row->samples->len : 1;
}

const KtstrStatsRow *
ktstr_stats_row_sample (const KtstrStatsRow *row, guint i)
{
  if (row->samples == NULL)
    {
      g_return_val_if_fail (i == 0, NULL);
      return row;
    }
  g_return_val_if_fail (i < row->samples->len, NULL);
  return g_ptr_array_index (row->samples, i);
}

char *
ktstr_stats_row_filter_text (const KtstrStatsRow *row)
{
  g_autofree char *flags = g_strjoinv (",", row->flags);
  return g_strdup_printf ("%s %s %s %s %s", row->scenario, row->topology, row->scheduler,
                          row->work_type, flags);
}
