#include "config.h"

#include "eval/checks.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "util/cpulist.h"
#include "util/keyfile.h"

GQuark
ktstr_checks_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-checks-error-quark");
}

/* Built-in thresholds, used by the defaults and whenever a layer leaves
 * them unset (doc/checks.md). */
#define DEFAULT_SPREAD_PCT 15.0
#define DEFAULT_GAP_MS 2000

/* ---- the field table: one place that knows every check's name and type ---- */

typedef enum
{
  FIELD_BOOL,
  FIELD_U64,
  FIELD_DOUBLE,
} FieldType;

/* What applies a check, as show-thresholds names it. */
#define BY_WORKERS "workers"
#define BY_MONITOR "monitor"
#define BY_NOTHING "nothing"

typedef struct
{
  const char *name;
  FieldType type;
  const char *applied_by;
  size_t offset;
} Field;

/* Every check, in the order doc/checks.md and show-thresholds list them,
 * with what applies it: the workers' reports (per cgroup), the monitor's
 * samples (while a sched_ext scheduler runs), or nothing yet. */
#define CHECK_FIELDS(X)                                                                            \
  X (not_starved, FIELD_BOOL, BY_WORKERS)                                                          \
  X (max_spread_pct, FIELD_DOUBLE, BY_WORKERS)                                                     \
  X (max_gap_ms, FIELD_U64, BY_WORKERS)                                                            \
  X (isolation, FIELD_BOOL, BY_WORKERS)                                                            \
  X (max_throughput_cv, FIELD_DOUBLE, BY_WORKERS)                                                  \
  X (min_work_rate, FIELD_DOUBLE, BY_WORKERS)                                                      \
  X (max_p99_wake_latency_ns, FIELD_U64, BY_WORKERS)                                               \
  X (max_wake_latency_cv, FIELD_DOUBLE, BY_WORKERS)                                                \
  X (min_iteration_rate, FIELD_DOUBLE, BY_WORKERS)                                                 \
  X (max_migration_ratio, FIELD_DOUBLE, BY_WORKERS)                                                \
  X (max_imbalance_ratio, FIELD_DOUBLE, BY_MONITOR)                                                \
  X (max_local_dsq_depth, FIELD_U64, BY_MONITOR)                                                   \
  X (fail_on_stall, FIELD_BOOL, BY_MONITOR)                                                        \
  X (sustained_samples, FIELD_U64, BY_MONITOR)                                                     \
  X (max_fallback_rate, FIELD_DOUBLE, BY_MONITOR)                                                  \
  X (max_keep_last_rate, FIELD_DOUBLE, BY_MONITOR)                                                 \
  X (min_page_locality, FIELD_DOUBLE, BY_WORKERS)                                                  \
  X (max_cross_node_migration_ratio, FIELD_DOUBLE, BY_WORKERS)                                     \
  X (max_slow_tier_ratio, FIELD_DOUBLE, BY_NOTHING)                                                \
  X (watchdog_timeout_s, FIELD_U64, BY_MONITOR)

#define FIELD_ENTRY(name, type, by) { #name, type, by, offsetof (KtstrChecks, name) },
#define NAME_ENTRY(name, type, by) #name,
static const Field fields[] = { CHECK_FIELDS (FIELD_ENTRY) };
static const char *const field_names[] = { CHECK_FIELDS (NAME_ENTRY) NULL };
/* A field added to KtstrChecks but not to CHECK_FIELDS breaks the build. */
#define SIZE_ENTRY(name, type, by) +sizeof (((KtstrChecks *)0)->name)
G_STATIC_ASSERT (sizeof (KtstrChecks) == 0 CHECK_FIELDS (SIZE_ENTRY));

/* Every field struct starts with its is_set flag. */
G_STATIC_ASSERT (offsetof (KtstrCheckBool, is_set) == 0);
G_STATIC_ASSERT (offsetof (KtstrCheckU64, is_set) == 0);
G_STATIC_ASSERT (offsetof (KtstrCheckDouble, is_set) == 0);

static size_t
field_size (const Field *f)
{
  switch (f->type)
    {
    case FIELD_BOOL:
      return sizeof (KtstrCheckBool);
    case FIELD_U64:
      return sizeof (KtstrCheckU64);
    case FIELD_DOUBLE:
      return sizeof (KtstrCheckDouble);
    }
  g_assert_not_reached ();
}

static const Field *
field_lookup (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (strcmp (fields[i].name, name) == 0)
      return &fields[i];
  return NULL;
}

const char *const *
ktstr_checks_names (void)
{
  return field_names;
}

const char *
ktstr_checks_applied_by (const char *name)
{
  const Field *f = field_lookup (name);
  return f != NULL ? f->applied_by : NULL;
}

KtstrChecks
ktstr_checks_default (void)
{
  KtstrChecks c = { 0 };
  c.not_starved = (KtstrCheckBool){ TRUE, TRUE };
  c.max_spread_pct = (KtstrCheckDouble){ TRUE, DEFAULT_SPREAD_PCT };
  c.max_gap_ms = (KtstrCheckU64){ TRUE, DEFAULT_GAP_MS };
  c.max_imbalance_ratio = (KtstrCheckDouble){ TRUE, 4.0 };
  c.max_local_dsq_depth = (KtstrCheckU64){ TRUE, 50 };
  c.fail_on_stall = (KtstrCheckBool){ TRUE, TRUE };
  c.sustained_samples = (KtstrCheckU64){ TRUE, 5 };
  c.max_fallback_rate = (KtstrCheckDouble){ TRUE, 200.0 };
  c.max_keep_last_rate = (KtstrCheckDouble){ TRUE, 100.0 };
  return c;
}

void
ktstr_checks_merge (KtstrChecks *base, const KtstrChecks *override)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *src = (const char *) override + fields[i].offset;
      if (*(const gboolean *)src)
        memcpy ((char *)base + fields[i].offset, src, field_size (&fields[i]));
    }
}

static gboolean
invalid_value (const char *value, const char *want, GError **error)
{
  g_set_error (error, KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_INVALID_VALUE, "'%s' is not %s", value,
               want);
  return FALSE;
}

/* Sets field F of CHECKS from VALUE; the error says what VALUE should be. */
static gboolean
set_field (KtstrChecks *checks, const Field *f, const char *value, GError **error)
{
  char *dest = (char *)checks + f->offset;
  switch (f->type)
    {
    case FIELD_BOOL:
      {
        gboolean v;
        if (strcmp (value, "true") == 0 || strcmp (value, "1") == 0)
          v = TRUE;
        else if (strcmp (value, "false") == 0 || strcmp (value, "0") == 0)
          v = FALSE;
        else
          return invalid_value (value, "a boolean (true or false)", error);
        *(KtstrCheckBool *)dest = (KtstrCheckBool){ TRUE, v };
        return TRUE;
      }
    case FIELD_U64:
      {
        guint64 v;
        if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &v, NULL))
          return invalid_value (value, "a non-negative integer (e.g. 3000)", error);
        *(KtstrCheckU64 *)dest = (KtstrCheckU64){ TRUE, v };
        return TRUE;
      }
    case FIELD_DOUBLE:
      {
        char *end = NULL;
        double v = g_ascii_strtod (value, &end);
        if (*value == '\0' || end == NULL || *end != '\0' || !isfinite (v) || v < 0
            || g_ascii_isspace (*value))
          return invalid_value (value, "a non-negative number (e.g. 40 or 0.25)", error);
        *(KtstrCheckDouble *)dest = (KtstrCheckDouble){ TRUE, v };
        return TRUE;
      }
    }
  g_assert_not_reached ();
}

gboolean
ktstr_checks_set (KtstrChecks *checks, const char *key, const char *value, GError **error)
{
  const Field *f = field_lookup (key);
  if (f == NULL)
    {
      g_autofree char *valid = g_strjoinv (", ", (char **)ktstr_checks_names ());
      g_set_error (error, KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_UNKNOWN_KEY,
                   "unknown check '%s'; valid checks: %s", key, valid);
      return FALSE;
    }
  if (!set_field (checks, f, value, error))
    {
      g_prefix_error (error, "check '%s': ", key);
      return FALSE;
    }
  return TRUE;
}

gboolean
ktstr_checks_from_keyfile (GKeyFile *kf, const char *path, const char *group, KtstrChecks *out,
                           GError **error)
{
  *out = (KtstrChecks){ 0 };
  if (!g_key_file_has_group (kf, group))
    return TRUE;
  if (!ktstr_keyfile_check_keys (kf, path, group, ktstr_checks_names (), NULL, NULL,
                                 KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_UNKNOWN_KEY, error))
    return FALSE;
  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (char **k = keys; k != NULL && *k != NULL; k++)
    {
      const Field *f = field_lookup (*k);
      if (f == NULL)
        continue; /* cannot happen: the key check above let only checks through */
      /* GLib returns a value *and* sets an error for one with a bad
       * escape ("5\q", a trailing backslash): the error decides, and no
       * error is set over it. */
      g_autoptr (GError) local = NULL;
      g_autofree char *value = g_key_file_get_string (kf, group, *k, &local);
      if (local != NULL || value == NULL || !set_field (out, f, value, &local))
        return ktstr_keyfile_fail_literal (
            error, KTSTR_CHECKS_ERROR,
            local != NULL && local->domain == KTSTR_CHECKS_ERROR ? local->code
                                                                 : KTSTR_CHECKS_ERROR_INVALID_VALUE,
            path, group, *k, local != NULL ? local->message : "no value");
    }
  return TRUE;
}

char *
ktstr_checks_get_text (const KtstrChecks *checks, const char *name)
{
  const Field *f = field_lookup (name);
  if (f == NULL)
    return NULL;
  const char *p = (const char *)checks + f->offset;
  switch (f->type)
    {
    case FIELD_BOOL:
      {
        const KtstrCheckBool *b = (const KtstrCheckBool *)p;
        return b->is_set ? g_strdup (b->value ? "true" : "false") : NULL;
      }
    case FIELD_U64:
      {
        const KtstrCheckU64 *u = (const KtstrCheckU64 *)p;
        return u->is_set ? g_strdup_printf ("%" G_GUINT64_FORMAT, u->value) : NULL;
      }
    case FIELD_DOUBLE:
      {
        const KtstrCheckDouble *d = (const KtstrCheckDouble *)p;
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return d->is_set ? g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", d->value)) : NULL;
      }
    }
  g_assert_not_reached ();
}

JsonNode *
ktstr_checks_get_json (const KtstrChecks *checks, const char *name)
{
  const Field *f = field_lookup (name);
  const char *p = f ? (const char *)checks + f->offset : NULL;
  if (p == NULL || !*(const gboolean *)p)
    return json_node_new (JSON_NODE_NULL);
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  switch (f->type)
    {
    case FIELD_BOOL:
      json_node_set_boolean (node, ((const KtstrCheckBool *)p)->value);
      break;
    case FIELD_U64:
      /* Thresholds are far below 2^63. */
      json_node_set_int (node,
                         (gint64)MIN (((const KtstrCheckU64 *)p)->value, (guint64)G_MAXINT64));
      break;
    case FIELD_DOUBLE:
      json_node_set_double (node, ((const KtstrCheckDouble *)p)->value);
      break;
    }
  return node;
}

const char *
ktstr_checks_layer_to_string (KtstrChecksLayer layer)
{
  static const char *const names[] = {
    [KTSTR_CHECKS_LAYER_DEFAULT] = "default",
    [KTSTR_CHECKS_LAYER_SCHEDULER] = "scheduler",
    [KTSTR_CHECKS_LAYER_TEST] = "test",
  };
  g_return_val_if_fail (layer < KTSTR_CHECKS_N_LAYERS, "?");
  return names[layer];
}

gboolean
ktstr_checks_resolve (GKeyFile *sched_kf, const char *test_path, GKeyFile *test_kf,
                      KtstrChecks *checks, KtstrChecks *layers, GError **error)
{
  KtstrChecks l[KTSTR_CHECKS_N_LAYERS] = { 0 };
  l[KTSTR_CHECKS_LAYER_DEFAULT] = ktstr_checks_default ();
  if (sched_kf != NULL
      && !ktstr_checks_from_keyfile (sched_kf, NULL, "checks", &l[KTSTR_CHECKS_LAYER_SCHEDULER],
                                     error))
    {
      g_prefix_error (error, "scheduler definition: ");
      return FALSE;
    }
  if (test_kf != NULL
      && !ktstr_checks_from_keyfile (test_kf, test_path, "checks", &l[KTSTR_CHECKS_LAYER_TEST],
                                     error))
    {
      if (test_path == NULL)
        g_prefix_error (error, "test file: ");
      return FALSE;
    }
  *checks = (KtstrChecks){ 0 };
  for (int i = 0; i < KTSTR_CHECKS_N_LAYERS; i++)
    {
      ktstr_checks_merge (checks, &l[i]);
      if (layers != NULL)
        layers[i] = l[i];
    }
  return TRUE;
}

/* ---- details ---- */

const char *
ktstr_detail_kind_to_string (KtstrDetailKind kind)
{
  static const char *const names[] = {
    [KTSTR_DETAIL_STARVED] = "Starved",
    [KTSTR_DETAIL_STUCK] = "Stuck",
    [KTSTR_DETAIL_UNFAIR] = "Unfair",
    [KTSTR_DETAIL_ISOLATION] = "Isolation",
    [KTSTR_DETAIL_BENCHMARK] = "Benchmark",
    [KTSTR_DETAIL_MIGRATION] = "Migration",
    [KTSTR_DETAIL_PAGE_LOCALITY] = "PageLocality",
    [KTSTR_DETAIL_CROSS_NODE_MIGRATION] = "CrossNodeMigration",
    [KTSTR_DETAIL_SLOW_TIER] = "SlowTier",
    [KTSTR_DETAIL_MONITOR] = "Monitor",
    [KTSTR_DETAIL_SCHEDULER_DIED] = "SchedulerDied",
    [KTSTR_DETAIL_SKIP] = "Skip",
    [KTSTR_DETAIL_OTHER] = "Other",
  };
  if ((guint)kind < G_N_ELEMENTS (names))
    return names[kind];
  return "Other";
}

static KtstrDetail *
detail_new (KtstrDetailKind kind, const char *message)
{
  KtstrDetail *d = g_new0 (KtstrDetail, 1);
  d->kind = kind;
  d->message = g_strdup (message);
  return d;
}

static void
detail_free (KtstrDetail *detail)
{
  if (detail == NULL)
    return;
  g_free (detail->message);
  g_free (detail);
}

GPtrArray *
ktstr_details_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)detail_free);
}

/* ---- evaluation ---- */

typedef struct
{
  GPtrArray *out;
  const char *cgroup;
  gboolean passed;
} Eval;

static void G_GNUC_PRINTF (3, 4) fail (Eval *ev, KtstrDetailKind kind, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_ptr_array_add (ev->out, detail_new (kind, msg));
  ev->passed = FALSE;
}

static void
check_not_starved (Eval *ev, const KtstrChecks *c, GPtrArray *reports,
                   const KtstrCgroupStats *stats)
{
  double spread_limit = c->max_spread_pct.is_set ? c->max_spread_pct.value : DEFAULT_SPREAD_PCT;
  guint64 gap_limit = c->max_gap_ms.is_set ? c->max_gap_ms.value : DEFAULT_GAP_MS;
  guint measured = 0;

  for (guint i = 0; i < reports->len; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      if (w->wall_time_ns > 0)
        measured++;
      if (w->work_units == 0)
        fail (ev, KTSTR_DETAIL_STARVED,
              "cgroup %s worker %u (pid %u) starved: 0 work units (exit: %s)", ev->cgroup, w->index,
              w->pid, w->exit_info);
    }

  /* Spread needs two workers that actually measured an off-CPU share. */
  if (measured >= 2 && stats->spread > spread_limit)
    fail (ev, KTSTR_DETAIL_UNFAIR,
          "unfair cgroup %s: spread=%.0f%% (%.0f-%.0f%%) %" G_GUINT64_FORMAT
          " workers on %" G_GUINT64_FORMAT " cpus (threshold %.0f%%)",
          ev->cgroup, stats->spread, stats->min_off_cpu_pct, stats->max_off_cpu_pct,
          stats->num_workers, stats->num_cpus, spread_limit);

  for (guint i = 0; i < reports->len; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      if (w->max_gap_ms > gap_limit)
        fail (ev, KTSTR_DETAIL_STUCK,
              "cgroup %s worker %u stuck %" G_GUINT64_FORMAT "ms on cpu%u at +%" G_GUINT64_FORMAT
              "ms (threshold %" G_GUINT64_FORMAT "ms)",
              ev->cgroup, w->index, w->max_gap_ms, w->max_gap_cpu, w->max_gap_at_ms, gap_limit);
    }
}

static void
check_isolation (Eval *ev, const char *cpuset, GPtrArray *reports)
{
  if (cpuset == NULL || *cpuset == '\0')
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) allowed = ktstr_cpulist_parse (cpuset, &error);
  if (allowed == NULL)
    {
      fail (ev, KTSTR_DETAIL_ISOLATION, "cgroup %s: cannot check isolation: %s", ev->cgroup,
            error->message);
      return;
    }
  for (guint i = 0; i < reports->len; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      g_autoptr (GArray) outside = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint c = 0; c < w->cpus_used->len; c++)
        {
          guint cpu = g_array_index (w->cpus_used, guint, c);
          gboolean ok = FALSE;
          for (guint a = 0; a < allowed->len && !ok; a++)
            ok = g_array_index (allowed, guint, a) == cpu;
          if (!ok)
            g_array_append_val (outside, cpu);
        }
      if (outside->len == 0)
        continue;
      g_autofree char *list = ktstr_cpulist_format ((guint *)outside->data, outside->len);
      fail (ev, KTSTR_DETAIL_ISOLATION,
            "cgroup %s worker %u (pid %u) ran on cpus %s outside its cpuset %s", ev->cgroup,
            w->index, w->pid, list, cpuset);
    }
}

static double
work_rate (const KtstrWorkerReport *w)
{
  return w->cpu_time_ns > 0 ? (double)w->work_units / ((double)w->cpu_time_ns / 1e9) : 0.0;
}

static double
iteration_rate (const KtstrWorkerReport *w)
{
  return w->wall_time_ns > 0 ? (double)w->iterations / ((double)w->wall_time_ns / 1e9) : 0.0;
}

static void
check_throughput (Eval *ev, const KtstrChecks *c, GPtrArray *reports)
{
  guint n = reports->len;
  if (c->max_throughput_cv.is_set && n >= 2)
    {
      double mean = 0, var = 0;
      for (guint i = 0; i < n; i++)
        mean += work_rate (reports->pdata[i]);
      mean /= n;
      for (guint i = 0; i < n; i++)
        var += pow (work_rate (reports->pdata[i]) - mean, 2);
      double cv = mean > 0 ? sqrt (var / n) / mean : 0.0;
      if (mean > 0 && cv > c->max_throughput_cv.value)
        fail (ev, KTSTR_DETAIL_BENCHMARK,
              "cgroup %s: throughput CV %.3f exceeds limit %.3f (mean %.0f work units per "
              "cpu-second over %u workers)",
              ev->cgroup, cv, c->max_throughput_cv.value, mean, n);
    }

  for (guint i = 0; i < n; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      if (c->min_work_rate.is_set && work_rate (w) < c->min_work_rate.value)
        fail (ev, KTSTR_DETAIL_BENCHMARK,
              "cgroup %s worker %u (pid %u): throughput %.0f work units per cpu-second below "
              "floor %.0f",
              ev->cgroup, w->index, w->pid, work_rate (w), c->min_work_rate.value);
      if (c->min_iteration_rate.is_set && iteration_rate (w) < c->min_iteration_rate.value)
        fail (ev, KTSTR_DETAIL_BENCHMARK,
              "cgroup %s worker %u (pid %u): iteration rate %.1f/s below floor %.1f/s", ev->cgroup,
              w->index, w->pid, iteration_rate (w), c->min_iteration_rate.value);
    }
}

static void
check_latency (Eval *ev, const KtstrChecks *c, GPtrArray *reports, const KtstrCgroupStats *stats)
{
  guint samples = 0;
  for (guint i = 0; i < reports->len; i++)
    samples += ((const KtstrWorkerReport *)reports->pdata[i])->lat_ns->len;

  if (c->max_p99_wake_latency_ns.is_set && samples > 0)
    {
      /* stats holds µs as sample_ns / 1000.0, so this round-trips exactly. */
      guint64 p99_ns = (guint64)llround (stats->p99_wake_latency_us * 1000.0);
      if (p99_ns > c->max_p99_wake_latency_ns.value)
        fail (ev, KTSTR_DETAIL_BENCHMARK,
              "cgroup %s: p99 wake latency %" G_GUINT64_FORMAT "ns exceeds limit %" G_GUINT64_FORMAT
              "ns (%u samples)",
              ev->cgroup, p99_ns, c->max_p99_wake_latency_ns.value, samples);
    }
  if (c->max_wake_latency_cv.is_set && samples >= 2
      && stats->wake_latency_cv > c->max_wake_latency_cv.value)
    fail (ev, KTSTR_DETAIL_BENCHMARK,
          "cgroup %s: wake latency CV %.3f exceeds limit %.3f (%u samples)", ev->cgroup,
          stats->wake_latency_cv, c->max_wake_latency_cv.value, samples);
}

static void
check_ratios (Eval *ev, const KtstrChecks *c, GPtrArray *reports, const KtstrCgroupStats *stats)
{
  if (c->max_migration_ratio.is_set && stats->migration_ratio > c->max_migration_ratio.value)
    fail (ev, KTSTR_DETAIL_MIGRATION,
          "cgroup %s: migration ratio %.3f (%" G_GUINT64_FORMAT " migrations / %" G_GUINT64_FORMAT
          " iterations) exceeds limit %.3f",
          ev->cgroup, stats->migration_ratio, stats->total_migrations, stats->total_iterations,
          c->max_migration_ratio.value);
  /* stats->page_locality is the worst worker's (aggregate.h), so this is
   * ktstr's per-worker rule. */
  if (c->min_page_locality.is_set && stats->page_locality < c->min_page_locality.value)
    fail (ev, KTSTR_DETAIL_PAGE_LOCALITY,
          "cgroup %s: page locality %.3f (worst worker: share of its pages on the cpuset's NUMA "
          "nodes) below floor %.3f",
          ev->cgroup, stats->page_locality, c->min_page_locality.value);
  if (!c->max_cross_node_migration_ratio.is_set)
    return;
  guint64 pages = 0, migrated = 0;
  for (guint i = 0; i < reports->len; i++)
    {
      const KtstrWorkerReport *w = reports->pdata[i];
      pages += ktstr_worker_report_total_pages (w);
      migrated = MAX (migrated, w->numa_migrated);
    }
  /* Migrations but no pages: the measurement is broken, and a ratio of 0
   * would pass it silently. */
  if (pages == 0 && migrated > 0)
    fail (ev, KTSTR_DETAIL_CROSS_NODE_MIGRATION,
          "cgroup %s: inconsistent NUMA measurement: %" G_GUINT64_FORMAT
          " pages migrated but 0 pages observed in numa_maps",
          ev->cgroup, migrated);
  else if (stats->cross_node_migration_ratio > c->max_cross_node_migration_ratio.value)
    fail (ev, KTSTR_DETAIL_CROSS_NODE_MIGRATION,
          "cgroup %s: cross-node migration ratio %.3f (%" G_GUINT64_FORMAT
          " pages migrated / %" G_GUINT64_FORMAT " pages) exceeds limit %.3f",
          ev->cgroup, stats->cross_node_migration_ratio, migrated, pages,
          c->max_cross_node_migration_ratio.value);
}

gboolean
ktstr_checks_evaluate (const KtstrChecks *checks, const char *cgroup, const char *cpuset,
                       GPtrArray *reports, const KtstrCgroupStats *stats, GPtrArray *details_out)
{
  Eval ev = { details_out, cgroup, TRUE };

  if (checks->not_starved.is_set && checks->not_starved.value)
    check_not_starved (&ev, checks, reports, stats);
  if (checks->isolation.is_set && checks->isolation.value)
    check_isolation (&ev, cpuset, reports);
  check_throughput (&ev, checks, reports);
  check_latency (&ev, checks, reports, stats);
  check_ratios (&ev, checks, reports, stats);
  return ev.passed;
}

/* ---- topology ---- */

/* "1 cpu", "4 cpus", then TAIL. */
static void
append_count (GString *s, guint n, const char *noun, const char *tail)
{
  g_string_append_printf (s, "%u %s%s%s", n, noun, n == 1 ? "" : "s", tail);
}

static void
append_groups (GString *s, GPtrArray *groups)
{
  for (guint i = 0; i < groups->len; i++)
    {
      GArray *g = groups->pdata[i];
      g_autofree char *list = ktstr_cpulist_format ((guint *)g->data, g->len);
      g_string_append_printf (s, " [%s]", list);
    }
}

gboolean
ktstr_topology_check (const KtstrTopology *want, const KtstrGuestTopo *seen, char **message)
{
  guint want_cpus = ktstr_topology_cpus (want);
  guint want_llc_size = want->cores_per_llc * want->threads_per_core;
  /* A kernel without NUMA support (or a guest without the sysfs node
   * directory) has exactly one, implicit, node. */
  guint seen_nodes = MAX (seen->numa->len, 1);
  g_autoptr (GPtrArray) differs = g_ptr_array_new ();

  if (seen->cpus != want_cpus)
    g_ptr_array_add (differs, (gpointer) "cpus");
  if (seen->llcs->len != want->llcs)
    g_ptr_array_add (differs, (gpointer) "LLC count");
  for (guint i = 0; i < seen->llcs->len; i++)
    if (((GArray *)seen->llcs->pdata[i])->len != want_llc_size)
      {
        g_ptr_array_add (differs, (gpointer) "LLC sizes");
        break;
      }
  if (seen_nodes != want->numa_nodes)
    g_ptr_array_add (differs, (gpointer) "NUMA nodes");
  if (seen->smt != want->threads_per_core)
    g_ptr_array_add (differs, (gpointer) "threads per core");

  if (differs->len == 0)
    {
      if (message != NULL)
        *message = NULL;
      return TRUE;
    }
  if (message == NULL)
    return FALSE;

  char label[64];
  g_ptr_array_add (differs, NULL);
  g_autofree char *what = g_strjoinv (", ", (char **)differs->pdata);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "guest topology differs from the requested %s (%s): requested ",
                          ktstr_topology_format (want, label, sizeof label), what);
  append_count (s, want_cpus, "cpu", ", ");
  append_count (s, want->llcs, "LLC", "");
  g_string_append_printf (s, " of %u cpus, ", want_llc_size);
  append_count (s, want->numa_nodes, "NUMA node", ", ");
  append_count (s, want->threads_per_core, "thread", " per core; guest has ");
  append_count (s, seen->cpus, "cpu", ", ");
  append_count (s, seen->llcs->len, "LLC", "");
  append_groups (s, seen->llcs);
  g_string_append (s, ", ");
  append_count (s, seen_nodes, "NUMA node", "");
  append_groups (s, seen->numa);
  g_string_append (s, ", ");
  append_count (s, seen->smt, "thread", " per core");
  *message = g_string_free (s, FALSE);
  return FALSE;
}
