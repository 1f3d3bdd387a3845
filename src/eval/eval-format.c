#include "config.h"

#include "eval/eval-format.h"

char *
ktstr_eval_format_stats (const KtstrScenarioStats *stats)
{
  GString *s = g_string_new ("--- stats ---\n");
  for (guint i = 0; stats->cgroups != NULL && i < stats->cgroups->len; i++)
    {
      const KtstrCgroupStats *cg = stats->cgroups->pdata[i];
      g_string_append_printf (
          s,
          "%s: %" G_GUINT64_FORMAT " workers, %" G_GUINT64_FORMAT
          " cpus, spread %.0f%% (%.0f-%.0f%%), gap %" G_GUINT64_FORMAT "ms on cpu%" G_GUINT64_FORMAT
          ", %" G_GUINT64_FORMAT " migrations (ratio %.3f), %" G_GUINT64_FORMAT
          " iterations, wake latency p99/median %.1f/%.1fus\n",
          cg->name != NULL ? cg->name : "(unnamed)", cg->num_workers, cg->num_cpus, cg->spread,
          cg->min_off_cpu_pct, cg->max_off_cpu_pct, cg->max_gap_ms, cg->max_gap_cpu,
          cg->total_migrations, cg->migration_ratio, cg->total_iterations, cg->p99_wake_latency_us,
          cg->median_wake_latency_us);
    }
  return g_string_free (s, FALSE);
}
