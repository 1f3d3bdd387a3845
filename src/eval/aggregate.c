#include "config.h"

#include "eval/aggregate.h"

#include <math.h>
#include <stdlib.h>

#include "util/cpulist.h"

guint
ktstr_percentile_index (guint n, guint pct)
{
  g_return_val_if_fail (n > 0 && pct > 0 && pct <= 100, 0);
  /* Integer ceil: n * 0.99 in floating point can land a hair above a whole
   * number and push the index one past the intended sample. */
  guint64 rank = ((guint64)n * pct + 99) / 100;
  return (guint)rank - 1;
}

static int
cmp_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
  return (x > y) - (x < y);
}

static void
aggregate_off_cpu (KtstrCgroupStats *cg, GPtrArray *reports)
{
  double sum = 0, min = 0, max = 0;
  guint n = 0;
  for (guint i = 0; i < reports->len; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      /* A worker with no wall time never ran its loop: its share is
       * undefined, and starvation is the check that reports it. */
      if (w->wall_time_ns == 0)
        continue;
      /* Scale first: one rounding, so 15 of 100 ns is exactly 15 %. */
      double pct = (double)w->off_cpu_ns * 100.0 / (double)w->wall_time_ns;
      min = n == 0 ? pct : MIN (min, pct);
      max = n == 0 ? pct : MAX (max, pct);
      sum += pct;
      n++;
    }
  cg->avg_off_cpu_pct = n > 0 ? sum / n : 0.0;
  cg->min_off_cpu_pct = min;
  cg->max_off_cpu_pct = max;
  cg->spread = max - min;
}

static void
aggregate_latency (KtstrCgroupStats *cg, GPtrArray *reports)
{
  g_autoptr (GArray) pooled = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (guint i = 0; i < reports->len; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      g_array_append_vals (pooled, w->lat_ns->data, w->lat_ns->len);
    }
  guint n = pooled->len;
  if (n == 0)
    return;
  g_array_sort (pooled, cmp_u64);
  const guint64 *s = (const guint64 *)pooled->data;

  double mean = 0;
  for (guint i = 0; i < n; i++)
    mean += (double)s[i];
  mean /= n;
  double var = 0;
  for (guint i = 0; i < n; i++)
    var += ((double)s[i] - mean) * ((double)s[i] - mean);
  var /= n;

  cg->p99_wake_latency_us = (double)s[ktstr_percentile_index (n, 99)] / 1000.0;
  cg->median_wake_latency_us = (double)s[n / 2] / 1000.0;
  cg->wake_latency_cv = mean > 0 ? sqrt (var) / mean : 0.0;
  cg->wake_latency_tail_ratio
      = cg->median_wake_latency_us > 0 ? cg->p99_wake_latency_us / cg->median_wake_latency_us : 0.0;
}

/* Run delay: the mean and the worst over workers of each worker's total
 * schedstat run_delay_ns.  This is what the Rust ktstr records, so
 * sidecars from both compare like for like in ktstr-stats
 * (doc/compatibility.md); the delay per
 * run (run_delay_ns / run_count) is a different quantity that would make
 * a C sidecar look orders of magnitude "better" than a Rust one. */
static void
aggregate_run_delay (KtstrCgroupStats *cg, GPtrArray *reports)
{
  double sum = 0, worst = 0;
  for (guint i = 0; i < reports->len; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      double us = (double)w->run_delay_ns / 1000.0;
      sum += us;
      worst = MAX (worst, us);
    }
  cg->mean_run_delay_us = reports->len > 0 ? sum / reports->len : 0.0;
  cg->worst_run_delay_us = worst;
}

static void
aggregate_cross_node (KtstrCgroupStats *cg, GPtrArray *reports)
{
  guint64 pages = 0, migrated = 0;
  for (guint i = 0; i < reports->len; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      pages += ktstr_worker_report_total_pages (w);
      migrated = MAX (migrated, w->numa_migrated);
    }
  cg->cross_node_migration_ratio = pages > 0 ? (double)migrated / (double)pages : 0.0;
}

KtstrCgroupStats *
ktstr_aggregate_cgroup (const char *name, GPtrArray *reports)
{
  KtstrCgroupStats *cg = ktstr_cgroup_stats_new ();
  /* Keys are cpu + 1, so CPU 0 is not the NULL key. */
  g_autoptr (GHashTable) cpus = g_hash_table_new (NULL, NULL);

  g_free (cg->name);
  cg->name = g_strdup (name);
  cg->num_workers = reports->len;

  const KtstrWorkerReport *worst_gap = NULL;
  for (guint i = 0; i < reports->len; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      for (guint c = 0; c < w->cpus_used->len; c++)
        g_hash_table_add (cpus, GUINT_TO_POINTER (g_array_index (w->cpus_used, guint, c) + 1));
      if (worst_gap == NULL || w->max_gap_ms > worst_gap->max_gap_ms)
        worst_gap = w;
      cg->total_migrations += w->migration_count;
      cg->total_iterations += w->iterations;
    }
  cg->num_cpus = g_hash_table_size (cpus);
  if (worst_gap != NULL)
    {
      cg->max_gap_ms = worst_gap->max_gap_ms;
      cg->max_gap_cpu = worst_gap->max_gap_cpu;
    }
  cg->migration_ratio
      = cg->total_iterations > 0 ? (double)cg->total_migrations / cg->total_iterations : 0.0;
  cg->iterations_per_worker = reports->len > 0 ? (double)cg->total_iterations / reports->len : 0.0;

  aggregate_off_cpu (cg, reports);
  aggregate_latency (cg, reports);
  aggregate_run_delay (cg, reports);

  aggregate_cross_node (cg, reports);
  /* Needs the cpuset's nodes: ktstr_aggregate_page_locality. */
  cg->page_locality = 1.0;
  return cg;
}

GArray *
ktstr_cpuset_numa_nodes (const KtstrGuestTopo *topo, const char *cpuset)
{
  if (topo == NULL || topo->numa->len == 0)
    return NULL;
  g_autoptr (GArray) cpus = NULL;
  if (cpuset != NULL && *cpuset != '\0')
    {
      cpus = ktstr_cpulist_parse (cpuset, NULL);
      if (cpus == NULL)
        return NULL;
    }
  GArray *nodes = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint n = 0; n < topo->numa->len; n++)
    {
      GArray *node_cpus = topo->numa->pdata[n];
      gboolean spans = FALSE;
      for (guint i = 0; i < node_cpus->len && !spans; i++)
        {
          guint cpu = g_array_index (node_cpus, guint, i);
          if (cpus == NULL)
            spans = TRUE;
          for (guint j = 0; cpus != NULL && j < cpus->len && !spans; j++)
            spans = g_array_index (cpus, guint, j) == cpu;
        }
      if (spans)
        g_array_append_val (nodes, n);
    }
  return nodes;
}

double
ktstr_worker_page_locality (const KtstrWorkerReport *w, GArray *nodes)
{
  guint64 total = ktstr_worker_report_total_pages (w);
  if (total == 0 || nodes == NULL)
    return 1.0;
  guint64 local = 0;
  for (guint i = 0; i < nodes->len; i++)
    {
      guint node = g_array_index (nodes, guint, i);
      if (node < w->numa_pages->len)
        local += g_array_index (w->numa_pages, guint64, node);
    }
  return (double)local / (double)total;
}

void
ktstr_aggregate_page_locality (KtstrCgroupStats *cg, GPtrArray *reports, GArray *nodes)
{
  double worst = 1.0;
  for (guint i = 0; i < reports->len; i++)
    worst = MIN (worst, ktstr_worker_page_locality (reports->pdata[i], nodes));
  cg->page_locality = worst;
}
