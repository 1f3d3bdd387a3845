#include "config.h"

#include <float.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "record/sidecar.h"
#include "stats/analysis.h"
#include "stats/monitor-stats.h"
#include "stats/pool.h"
#include "stats/row.h"

/* Metrics scanned for outliers: the 13 the Rust ktstr scans, so both flag
 * the same outliers (doc/compatibility.md). */
static const KtstrMetricId outlier_metrics[] = {
  KTSTR_METRIC_WORST_SPREAD,          KTSTR_METRIC_WORST_GAP_MS,
  KTSTR_METRIC_TOTAL_MIGRATIONS,      KTSTR_METRIC_WORST_MIGRATION_RATIO,
  KTSTR_METRIC_MAX_IMBALANCE_RATIO,   KTSTR_METRIC_MAX_DSQ_DEPTH,
  KTSTR_METRIC_STALL_COUNT,           KTSTR_METRIC_TOTAL_FALLBACK,
  KTSTR_METRIC_TOTAL_KEEP_LAST,       KTSTR_METRIC_WORST_P99_WAKE_LATENCY_US,
  KTSTR_METRIC_WORST_WAKE_LATENCY_CV, KTSTR_METRIC_WORST_MEAN_RUN_DELAY_US,
  KTSTR_METRIC_WORST_RUN_DELAY_US,
};

#define VERIFIER_INSN_LIMIT 1000000u
#define VERIFIER_WARN_PCT 75.0

typedef const char *(*GroupKeyFunc) (const KtstrStatsRow *row);

static const char *
key_scenario (const KtstrStatsRow *row)
{
  return row->scenario;
}

static const char *
key_topology (const KtstrStatsRow *row)
{
  return row->topology;
}

static const char *
key_work_type (const KtstrStatsRow *row)
{
  return row->work_type;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* Distinct group names, sorted; *members gets name -> GPtrArray of rows. */
static GPtrArray *
group_rows (GPtrArray *rows, GroupKeyFunc key, GHashTable **members)
{
  GPtrArray *names = g_ptr_array_new ();
  *members
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      const KtstrStatsRow *row = g_ptr_array_index (rows, i);
      const char *name = key (row);
      GPtrArray *list = g_hash_table_lookup (*members, name);
      if (list == NULL)
        {
          list = g_ptr_array_new ();
          g_hash_table_insert (*members, (gpointer)name, list);
          g_ptr_array_add (names, (gpointer)name);
        }
      g_ptr_array_add (list, (gpointer)row);
    }
  g_ptr_array_sort (names, compare_strings);
  return names;
}

static double
mean_of (GPtrArray *rows, KtstrMetricId m)
{
  double sum = 0.0;
  for (guint i = 0; i < rows->len; i++)
    sum += ((const KtstrStatsRow *)g_ptr_array_index (rows, i))->metrics[m];
  return rows->len > 0 ? sum / rows->len : 0.0;
}

typedef struct
{
  const char *scenario;
  KtstrMetricId metric;
  double value, overall_mean, sigma;
  char *worst_on;
  guint order; /* discovery order: metric, then scenario name */
} Outlier;

/* Largest sigma first; ties keep discovery order (g_array_sort is not stable). */
static gint
compare_outliers (gconstpointer pa, gconstpointer pb)
{
  const Outlier *a = pa, *b = pb;
  if (a->sigma != b->sigma)
    return a->sigma > b->sigma ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

/* Per-scenario means above the overall mean + 2 sample standard deviations. */
static void
append_outliers (GString *out, GPtrArray *rows, GPtrArray *scenarios, GHashTable *members)
{
  g_autoptr (GArray) found = g_array_new (FALSE, TRUE, sizeof (Outlier));

  for (guint k = 0; k < G_N_ELEMENTS (outlier_metrics); k++)
    {
      KtstrMetricId m = outlier_metrics[k];
      double mean = mean_of (rows, m), ss = 0.0;
      if (rows->len < 2)
        continue;
      for (guint i = 0; i < rows->len; i++)
        {
          double d = ((const KtstrStatsRow *)g_ptr_array_index (rows, i))->metrics[m] - mean;
          ss += d * d;
        }
      double sd = sqrt (ss / (rows->len - 1));
      if (sd < DBL_EPSILON)
        continue;
      double threshold = mean + 2.0 * sd;
      for (guint s = 0; s < scenarios->len; s++)
        {
          GPtrArray *list = g_hash_table_lookup (members, g_ptr_array_index (scenarios, s));
          double value = mean_of (list, m);
          if (value <= threshold)
            continue;
          Outlier o = {
            g_ptr_array_index (scenarios, s), m, value, mean, (value - mean) / sd, NULL, found->len
          };
          GString *worst = g_string_new (NULL);
          for (guint i = 0; i < list->len; i++)
            {
              const KtstrStatsRow *row = g_ptr_array_index (list, i);
              if (row->metrics[m] > threshold)
                g_string_append_printf (worst, "%s%s", worst->len ? ", " : "", row->topology);
            }
          o.worst_on = g_string_free (worst, FALSE);
          g_array_append_val (found, o);
        }
    }
  g_array_sort (found, compare_outliers);
  if (found->len == 0)
    g_string_append (out, "No outliers detected.\n");
  else
    g_string_append (out, "Outliers detected:\n");
  for (guint i = 0; i < found->len; i++)
    {
      Outlier *o = &g_array_index (found, Outlier, i);
      g_string_append_printf (out, "  %s: %s %.1f (overall avg %.1f, +%.1f\317\203)\n", o->scenario,
                              ktstr_metrics_get (o->metric)->name, o->value, o->overall_mean,
                              o->sigma);
      if (o->worst_on[0] != '\0')
        g_string_append_printf (out, "    worst on: %s\n", o->worst_on);
      g_free (o->worst_on);
    }
}

typedef struct
{
  const char *name;
  guint pass, skip, total;
  double spread, gap, imbalance, dsq, fallback;
  guint64 stalls;
} Summary;

static gint
compare_summaries (gconstpointer pa, gconstpointer pb)
{
  const Summary *a = pa, *b = pb;
  if (a->spread != b->spread)
    return a->spread > b->spread ? -1 : 1;
  return strcmp (a->name, b->name);
}

/* One line per group, worst average spread first. */
static void
append_summary (GString *out, GPtrArray *rows, GroupKeyFunc key)
{
  g_autoptr (GHashTable) members = NULL;
  g_autoptr (GPtrArray) names = group_rows (rows, key, &members);
  g_autoptr (GArray) lines = g_array_new (FALSE, TRUE, sizeof (Summary));

  for (guint g = 0; g < names->len; g++)
    {
      GPtrArray *list = g_hash_table_lookup (members, g_ptr_array_index (names, g));
      Summary s = { g_ptr_array_index (names, g), 0 };
      s.total = list->len;
      for (guint i = 0; i < list->len; i++)
        {
          const KtstrStatsRow *row = g_ptr_array_index (list, i);
          s.pass += row->passed && !row->skipped;
          s.skip += row->skipped;
          s.stalls += (guint64)row->metrics[KTSTR_METRIC_STALL_COUNT];
        }
      s.spread = mean_of (list, KTSTR_METRIC_WORST_SPREAD);
      s.gap = mean_of (list, KTSTR_METRIC_WORST_GAP_MS);
      s.imbalance = mean_of (list, KTSTR_METRIC_MAX_IMBALANCE_RATIO);
      s.dsq = mean_of (list, KTSTR_METRIC_MAX_DSQ_DEPTH);
      s.fallback = mean_of (list, KTSTR_METRIC_TOTAL_FALLBACK);
      g_array_append_val (lines, s);
    }
  g_array_sort (lines, compare_summaries);
  for (guint i = 0; i < lines->len; i++)
    {
      const Summary *s = &g_array_index (lines, Summary, i);
      guint fail = s->total - MIN (s->total, s->pass + s->skip);
      g_string_append_printf (out,
                              "  %-25s %u/%u passed (%u skipped, %u failed)  avg_spread=%.1f%%"
                              "  avg_gap=%.0fms",
                              s->name, s->pass, s->total, s->skip, fail, s->spread, s->gap);
      if (s->imbalance > 1.0)
        g_string_append_printf (out, "  imbal=%.1f", s->imbalance);
      if (s->dsq > 0.0)
        g_string_append_printf (out, "  dsq=%.0f", s->dsq);
      if (s->stalls > 0)
        g_string_append_printf (out, "  stalls=%" G_GUINT64_FORMAT, s->stalls);
      if (s->fallback > 0.0)
        g_string_append_printf (out, "  fallback=%.0f", s->fallback);
      g_string_append_c (out, '\n');
    }
}

static char *
format_gauntlet (GPtrArray *rows)
{
  if (rows->len == 0)
    return g_strdup ("");

  GString *out = g_string_new ("\n=== GAUNTLET ANALYSIS ===\n\n");
  g_autoptr (GHashTable) members = NULL;
  g_autoptr (GPtrArray) scenarios = group_rows (rows, key_scenario, &members);

  append_outliers (out, rows, scenarios, members);
  g_string_append (out, "\nBy scenario (worst first):\n");
  append_summary (out, rows, key_scenario);
  g_string_append (out, "\nBy topology:\n");
  append_summary (out, rows, key_topology);
  g_string_append (out, "\nBy work_type:\n");
  append_summary (out, rows, key_work_type);
  return g_string_free (out, FALSE);
}

static char *
format_verifier (GPtrArray *sidecars)
{
  g_autoptr (GHashTable) max_insns = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < sidecars->len; i++)
    {
      const KtstrSidecar *sc = g_ptr_array_index (sidecars, i);
      for (guint j = 0; j < sc->verifier_stats->len; j++)
        {
          const KtstrVerifierStat *v = g_ptr_array_index (sc->verifier_stats, j);
          gpointer old;
          if (!g_hash_table_lookup_extended (max_insns, v->name, NULL, &old))
            g_ptr_array_add (names, v->name);
          else if (GPOINTER_TO_UINT (old) >= v->verified_insns)
            continue;
          g_hash_table_insert (max_insns, v->name, GUINT_TO_POINTER (v->verified_insns));
        }
    }
  if (names->len == 0)
    return g_strdup ("");

  g_ptr_array_sort (names, compare_strings);
  GString *out = g_string_new ("\n=== BPF VERIFIER STATS ===\n\n");
  GString *warnings = g_string_new (NULL);
  guint64 total = 0;
  g_string_append_printf (out, "  %-24s %12s %8s\n", "program", "verified", "limit%");
  g_string_append_printf (out, "  %s %s %s\n", "------------------------", "------------",
                          "--------");
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      guint insns = GPOINTER_TO_UINT (g_hash_table_lookup (max_insns, name));
      double pct = (double)insns / VERIFIER_INSN_LIMIT * 100.0;
      gboolean near = pct >= VERIFIER_WARN_PCT;
      g_string_append_printf (out, "  %-24s %12u %7.1f%%%s\n", name, insns, pct, near ? " !" : "");
      if (near)
        g_string_append_printf (warnings, "  %s: %.1f%% of 1M limit (%u verified insns)\n", name,
                                pct, insns);
      total += insns;
    }
  g_string_append_printf (out, "\n  total verified insns: %" G_GUINT64_FORMAT "\n", total);
  if (warnings->len > 0)
    g_string_append_printf (out, "\nWARNING: programs near verifier complexity limit:\n%s",
                            warnings->str);
  g_string_free (warnings, TRUE);
  return g_string_free (out, FALSE);
}

static guint64
member_u64 (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return 0;
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    return (guint64)MAX (0.0, json_node_get_double (n));
  return json_node_get_value_type (n) == G_TYPE_INT64 ? (guint64)json_node_get_int (n) : 0;
}

static char *
format_callback_profile (GPtrArray *sidecars)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < sidecars->len; i++)
    {
      const KtstrSidecar *sc = g_ptr_array_index (sidecars, i);
      JsonNode *deltas = sc->monitor != NULL ? sc->monitor->prog_stats_deltas : NULL;
      if (deltas == NULL || !JSON_NODE_HOLDS_ARRAY (deltas)
          || json_array_get_length (json_node_get_array (deltas)) == 0)
        continue;
      if (out->len == 0)
        g_string_append (out, "\n=== BPF CALLBACK PROFILE ===\n");
      g_string_append_printf (out, "\n  %s (%s):\n", sc->test_name, sc->topology);
      g_string_append_printf (out, "    %-24s %12s %14s %12s\n", "program", "cnt", "total_ns",
                              "avg_ns");
      g_string_append (out, "    ------------------------ ------------ -------------- "
                            "------------\n");
      JsonArray *array = json_node_get_array (deltas);
      for (guint j = 0; j < json_array_get_length (array); j++)
        {
          JsonNode *el = json_array_get_element (array, j);
          if (!JSON_NODE_HOLDS_OBJECT (el))
            continue;
          JsonObject *o = json_node_get_object (el);
          const char *name = json_object_get_string_member_with_default (o, "name", "?");
          double per_call = json_object_get_double_member_with_default (o, "nsecs_per_call", 0.0);
          g_string_append_printf (
              out, "    %-24s %12" G_GUINT64_FORMAT " %14" G_GUINT64_FORMAT " %12.0f\n", name,
              member_u64 (o, "cnt"), member_u64 (o, "nsecs"), per_call);
        }
    }
  return g_string_free (out, FALSE);
}

/* Per-VM average over vCPUs, truncated to an integer like the Rust ktstr's
 * (doc/compatibility.md). */
static guint64
kvm_vcpu_sum (const KtstrKvmStats *kvm, const char *name)
{
  guint64 sum = 0, v;
  for (guint c = 0; c < kvm->per_vcpu->len; c++)
    if (ktstr_kvm_stats_vcpu_get (kvm, c, name, &v))
      sum += v;
  return sum;
}

static guint64
kvm_vcpu_avg (const KtstrKvmStats *kvm, const char *name)
{
  return kvm->per_vcpu->len == 0 ? 0 : kvm_vcpu_sum (kvm, name) / kvm->per_vcpu->len;
}

static char *
format_kvm (GPtrArray *sidecars)
{
  g_autoptr (GPtrArray) vms = g_ptr_array_new ();
  for (guint i = 0; i < sidecars->len; i++)
    {
      const KtstrSidecar *sc = g_ptr_array_index (sidecars, i);
      if (sc->kvm_stats != NULL)
        g_ptr_array_add (vms, sc->kvm_stats);
    }
  if (vms->len == 0)
    return g_strdup ("");

  guint64 avg[6] = { 0 }, poll_ok = 0, poll_try = 0, preempt_total = 0;
  static const char *const names[6] = { "exits",        "halt_exits",
                                        "halt_wait_ns", "preemption_reported",
                                        "signal_exits", "hypercalls" };
  for (guint i = 0; i < vms->len; i++)
    {
      const KtstrKvmStats *kvm = g_ptr_array_index (vms, i);
      for (guint k = 0; k < 6; k++)
        avg[k] += kvm_vcpu_avg (kvm, names[k]);
      poll_ok += kvm_vcpu_sum (kvm, "halt_successful_poll");
      poll_try += kvm_vcpu_sum (kvm, "halt_attempted_poll");
      preempt_total += kvm_vcpu_sum (kvm, "preemption_reported");
    }
  for (guint k = 0; k < 6; k++)
    avg[k] /= vms->len;
  if (avg[0] == 0)
    return g_strdup ("");

  double poll_pct = poll_try > 0 ? (double)poll_ok / (double)poll_try * 100.0 : 0.0;
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "\n=== KVM STATS (avg across %u VMs) ===\n\n", vms->len);
  g_string_append_printf (out,
                          "  exits/vcpu  %7" G_GUINT64_FORMAT "   halt/vcpu     %5" G_GUINT64_FORMAT
                          "   halt_wait_ms %7.1f\n",
                          avg[0], avg[1], (double)avg[2] / 1000000.0);
  g_string_append_printf (out,
                          "  poll_ok%%    %6.1f%%   preempted/vcpu %4" G_GUINT64_FORMAT
                          "   signal/vcpu  %7" G_GUINT64_FORMAT "\n",
                          poll_pct, avg[3], avg[4]);
  if (avg[5] > 0)
    g_string_append_printf (out, "  hypercalls/vcpu %4" G_GUINT64_FORMAT "\n", avg[5]);
  if (avg[3] > 0)
    g_string_append_printf (out,
                            "\n  WARNING: %" G_GUINT64_FORMAT " host preemptions detected "
                            "-- timing results may be unreliable\n",
                            preempt_total);
  return g_string_free (out, FALSE);
}

char *
ktstr_stats_format_analysis (GPtrArray *rows, GPtrArray *sidecars)
{
  if (rows->len == 0)
    return g_strdup ("");
  g_autofree char *gauntlet = format_gauntlet (rows);
  g_autofree char *verifier = format_verifier (sidecars);
  g_autofree char *profile = format_callback_profile (sidecars);
  g_autofree char *kvm = format_kvm (sidecars);
  g_autofree char *monitor = ktstr_stats_format_monitor (sidecars);
  return g_strconcat (gauntlet, verifier, profile, monitor, kvm, NULL);
}

char *
ktstr_stats_analysis_dir (const char *root)
{
  const char *override = g_getenv ("KTSTR_SIDECAR_DIR");
  if (override != NULL && override[0] != '\0')
    return g_strdup (override);

  g_autoptr (GPtrArray) runs = ktstr_stats_list_run_dirs (root);
  char *best = NULL;
  struct timespec best_mtime = { 0, 0 };
  for (guint i = 0; i < runs->len; i++)
    {
      g_autofree char *path = g_build_filename (root, g_ptr_array_index (runs, i), NULL);
      GStatBuf st;
      if (g_stat (path, &st) != 0)
        continue;
      /* Names are sorted, so >= lets the greater name win a tie. */
      if (best == NULL || st.st_mtim.tv_sec > best_mtime.tv_sec
          || (st.st_mtim.tv_sec == best_mtime.tv_sec && st.st_mtim.tv_nsec >= best_mtime.tv_nsec))
        {
          g_free (best);
          best = g_steal_pointer (&path);
          best_mtime = st.st_mtim;
        }
    }
  return best;
}
