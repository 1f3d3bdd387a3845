/* Worker/topo/cgroup message parsing, CPU lists, aggregation into
 * CgroupStats, and the --- stats --- rendering. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "eval/aggregate.h"
#include "eval/eval-format.h"
#include "eval/report.h"
#include "util/cpulist.h"

/* ---- helpers ---- */

static JsonObject *
load_object (const char *fixture)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "eval", fixture, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
set_cpus (KtstrWorkerReport *w, const guint *cpus, guint n)
{
  g_array_set_size (w->cpus_used, 0);
  g_array_append_vals (w->cpus_used, cpus, n);
}

static KtstrWorkerReport *
worker (guint index, guint64 wall_ns, guint64 off_ns)
{
  KtstrWorkerReport *w = ktstr_worker_report_new ();
  w->cgroup = g_strdup ("cg_0");
  w->index = index;
  w->pid = 100 + index;
  w->work_type = g_strdup ("CpuSpin");
  w->exit_info = g_strdup ("ok");
  w->completed = TRUE;
  w->work_units = 1024;
  w->iterations = 1;
  w->wall_time_ns = wall_ns;
  w->off_cpu_ns = off_ns;
  w->cpu_time_ns = wall_ns - off_ns;
  return w;
}

static GPtrArray *
reports_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_worker_report_free);
}

/* ---- worker messages ---- */

static void
test_worker_valid (void)
{
  g_autoptr (JsonObject) obj = load_object ("worker-valid.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrWorkerReport) w = ktstr_worker_report_from_json (obj, &error);
  g_assert_no_error (error);
  g_assert_nonnull (w);

  g_assert_cmpstr (w->cgroup, ==, "cg_0");
  g_assert_cmpuint (w->index, ==, 1);
  g_assert_cmpstr (w->work_type, ==, "CpuSpin");
  g_assert_cmpuint (w->pid, ==, 231);
  g_assert_cmpuint (w->work_units, ==, 51200);
  g_assert_cmpuint (w->iterations, ==, 50);
  g_assert_cmpuint (w->cpu_time_ns, ==, 1800000000);
  g_assert_cmpuint (w->wall_time_ns, ==, 2000000000);
  g_assert_cmpuint (w->off_cpu_ns, ==, 200000000);
  g_assert_cmpuint (w->migration_count, ==, 3);
  /* [1,0,1] on the wire: sorted and deduplicated. */
  g_assert_cmpuint (w->cpus_used->len, ==, 2);
  g_assert_cmpuint (g_array_index (w->cpus_used, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (w->cpus_used, guint, 1), ==, 1);
  g_assert_cmpuint (w->max_gap_ms, ==, 12);
  g_assert_cmpuint (w->max_gap_cpu, ==, 1);
  g_assert_cmpuint (w->max_gap_at_ms, ==, 840);
  g_assert_cmpuint (w->run_delay_ns, ==, 150000000);
  g_assert_cmpuint (w->run_count, ==, 420);
  g_assert_cmpuint (w->schedstat_cpu_ns, ==, 1790000000);
  g_assert_cmpuint (w->wake_sample_total, ==, 7);
  g_assert_cmpuint (w->lat_ns->len, ==, 3);
  g_assert_cmpuint (g_array_index (w->lat_ns, guint64, 2), ==, 3000);
  g_assert_true (w->completed);
  g_assert_cmpstr (w->exit_info, ==, "ok");
}

static void
test_worker_missing_key (void)
{
  g_autoptr (JsonObject) obj = load_object ("worker-missing-key.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrWorkerReport) w = ktstr_worker_report_from_json (obj, &error);
  g_assert_null (w);
  g_assert_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_MISSING_KEY);
  g_assert_cmpstr (error->message, ==,
                   "worker report (cgroup 'cg_1' worker 0): key 'pid' is missing");
}

/* Every key the protocol lists is required: drop each in turn. */
static void
test_worker_missing_each_key (void)
{
  static const char *keys[] = {
    "cgroup",
    "index",
    "work_type",
    "pid",
    "work_units",
    "iterations",
    "cpu_time_ns",
    "wall_time_ns",
    "off_cpu_ns",
    "migration_count",
    "cpus_used",
    "max_gap_ms",
    "max_gap_cpu",
    "max_gap_at_ms",
    "run_delay_ns",
    "run_count",
    "schedstat_cpu_ns",
    "wake_sample_total",
    "lat_ns",
    "completed",
    "exit",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr (JsonObject) obj = load_object ("worker-valid.json");
      g_autoptr (GError) error = NULL;
      g_autofree char *needle = g_strdup_printf ("key '%s' is missing", keys[i]);
      json_object_remove_member (obj, keys[i]);
      g_autoptr (KtstrWorkerReport) w = ktstr_worker_report_from_json (obj, &error);
      g_assert_null (w);
      g_assert_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_MISSING_KEY);
      g_assert_true (g_str_has_suffix (error->message, needle));
    }
}

static void
test_worker_wrong_type (void)
{
  g_autoptr (JsonObject) obj = load_object ("worker-wrong-type.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrWorkerReport) w = ktstr_worker_report_from_json (obj, &error);
  g_assert_null (w);
  g_assert_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_WRONG_TYPE);
  g_assert_cmpstr (error->message, ==,
                   "worker report (cgroup 'cg_1' worker 0): key 'work_units' must be a "
                   "non-negative integer, got a string");
}

static void
test_worker_wrong_types (void)
{
  static const struct
  {
    const char *key;
    const char *json_value;
    const char *message;
  } cases[] = {
    { "pid", "-1", "key 'pid' must be a non-negative 32-bit integer, got a negative integer" },
    { "pid", "4294967296", "key 'pid' must be a non-negative 32-bit integer, got an integer" },
    { "iterations", "1.5",
      "key 'iterations' must be a non-negative integer, got a fractional number" },
    { "completed", "1", "key 'completed' must be a boolean, got an integer" },
    { "exit", "null", "key 'exit' must be a string, got null" },
    { "cpus_used", "{}",
      "key 'cpus_used' must be an array of non-negative integers, got an object" },
    { "cpus_used", "[0,\"1\"]",
      "key 'cpus_used' element 1 must be a non-negative integer, got a string" },
    { "lat_ns", "[5,-5]",
      "key 'lat_ns' element 1 must be a non-negative integer, got a negative integer" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonObject) obj = load_object ("worker-valid.json");
      g_autoptr (JsonNode) value = json_from_string (cases[i].json_value, NULL);
      g_autoptr (GError) error = NULL;
      json_object_set_member (obj, cases[i].key, g_steal_pointer (&value));
      g_autoptr (KtstrWorkerReport) w = ktstr_worker_report_from_json (obj, &error);
      g_assert_null (w);
      g_assert_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_WRONG_TYPE);
      g_autofree char *want
          = g_strdup_printf ("worker report (cgroup 'cg_0' worker 1): %s", cases[i].message);
      g_assert_cmpstr (error->message, ==, want);
    }
}

static void
test_worker_type_tag (void)
{
  g_autoptr (JsonObject) obj = load_object ("worker-valid.json");
  g_autoptr (GError) error = NULL;
  json_object_set_string_member (obj, "t", "topo");
  g_autoptr (KtstrWorkerReport) w = ktstr_worker_report_from_json (obj, &error);
  g_assert_null (w);
  g_assert_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_INVALID_VALUE);
  g_assert_cmpstr (error->message, ==, "worker report: message type is 'topo', expected 'worker'");

  /* Without "t" (the caller already dispatched on it) the object parses. */
  g_clear_error (&error);
  json_object_remove_member (obj, "t");
  g_autoptr (KtstrWorkerReport) w2 = ktstr_worker_report_from_json (obj, &error);
  g_assert_no_error (error);
  g_assert_nonnull (w2);
}

/* numa_pages and vmstat_numa_pages_migrated are optional: an older agent
 * (worker-valid.json has neither) still parses, with nothing measured. */
static void
test_worker_numa_absent (void)
{
  g_autoptr (JsonObject) obj = load_object ("worker-valid.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrWorkerReport) w = ktstr_worker_report_from_json (obj, &error);
  g_assert_no_error (error);
  g_assert_false (w->has_numa_pages);
  g_assert_false (w->has_numa_migrated);
  g_assert_cmpuint (w->numa_pages->len, ==, 0);
  g_assert_cmpuint (ktstr_worker_report_total_pages (w), ==, 0);
  g_assert_cmpuint (w->numa_migrated, ==, 0);
}

static void
test_worker_numa_present (void)
{
  g_autoptr (JsonObject) obj = load_object ("worker-valid.json");
  g_autoptr (JsonNode) pages = json_from_string ("{\"2\":30,\"0\":120}", NULL);
  json_object_set_member (obj, "numa_pages", g_steal_pointer (&pages));
  json_object_set_int_member (obj, "vmstat_numa_pages_migrated", 7);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrWorkerReport) w = ktstr_worker_report_from_json (obj, &error);
  g_assert_no_error (error);
  g_assert_true (w->has_numa_pages);
  /* Indexed by node id; node 1 is absent, so 0. */
  g_assert_cmpuint (w->numa_pages->len, ==, 3);
  g_assert_cmpuint (g_array_index (w->numa_pages, guint64, 0), ==, 120);
  g_assert_cmpuint (g_array_index (w->numa_pages, guint64, 1), ==, 0);
  g_assert_cmpuint (g_array_index (w->numa_pages, guint64, 2), ==, 30);
  g_assert_cmpuint (ktstr_worker_report_total_pages (w), ==, 150);
  g_assert_true (w->has_numa_migrated);
  g_assert_cmpuint (w->numa_migrated, ==, 7);

  /* An empty object: measured, no pages. */
  g_autoptr (JsonNode) empty = json_from_string ("{}", NULL);
  json_object_set_member (obj, "numa_pages", g_steal_pointer (&empty));
  g_autoptr (KtstrWorkerReport) w2 = ktstr_worker_report_from_json (obj, &error);
  g_assert_no_error (error);
  g_assert_true (w2->has_numa_pages);
  g_assert_cmpuint (ktstr_worker_report_total_pages (w2), ==, 0);
}

static void
test_worker_numa_bad (void)
{
  static const struct
  {
    const char *key;
    const char *json_value;
    int code;
    const char *message;
  } cases[] = {
    { "numa_pages", "[1,2]", KTSTR_REPORT_ERROR_WRONG_TYPE,
      "key 'numa_pages' must be an object of node id to page count, got an array" },
    { "numa_pages", "{\"0\":-1}", KTSTR_REPORT_ERROR_WRONG_TYPE,
      "key 'numa_pages' node 0 must be a non-negative integer, got a negative integer" },
    { "numa_pages", "{\"N0\":1}", KTSTR_REPORT_ERROR_INVALID_VALUE,
      "key 'numa_pages': 'N0' is not a NUMA node id (0 to 4095)" },
    { "numa_pages", "{\"4096\":1}", KTSTR_REPORT_ERROR_INVALID_VALUE,
      "key 'numa_pages': '4096' is not a NUMA node id (0 to 4095)" },
    { "vmstat_numa_pages_migrated", "\"3\"", KTSTR_REPORT_ERROR_WRONG_TYPE,
      "key 'vmstat_numa_pages_migrated' must be a non-negative integer, got a string" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonObject) obj = load_object ("worker-valid.json");
      g_autoptr (JsonNode) value = json_from_string (cases[i].json_value, NULL);
      g_autoptr (GError) error = NULL;
      json_object_set_member (obj, cases[i].key, g_steal_pointer (&value));
      g_autoptr (KtstrWorkerReport) w = ktstr_worker_report_from_json (obj, &error);
      g_assert_null (w);
      g_assert_error (error, KTSTR_REPORT_ERROR, cases[i].code);
      g_autofree char *want
          = g_strdup_printf ("worker report (cgroup 'cg_0' worker 1): %s", cases[i].message);
      g_assert_cmpstr (error->message, ==, want);
    }
}

/* ---- cgroup and topo messages ---- */

static void
test_cgroup_message (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) ok
      = parse_object ("{\"t\":\"cgroup\",\"name\":\"cg_0\",\"cpuset\":\"0-1\"}");
  g_autoptr (KtstrCgroupInfo) info = ktstr_cgroup_info_from_json (ok, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->name, ==, "cg_0");
  g_assert_cmpstr (info->cpuset, ==, "0-1");

  g_autoptr (JsonObject) all
      = parse_object ("{\"t\":\"cgroup\",\"name\":\"cg_1\",\"cpuset\":\"\"}");
  g_autoptr (KtstrCgroupInfo) info_all = ktstr_cgroup_info_from_json (all, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info_all->cpuset, ==, "");

  g_autoptr (JsonObject) bad
      = parse_object ("{\"t\":\"cgroup\",\"name\":\"cg_2\",\"cpuset\":\"0-\"}");
  g_autoptr (KtstrCgroupInfo) info_bad = ktstr_cgroup_info_from_json (bad, &error);
  g_assert_null (info_bad);
  g_assert_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_INVALID_VALUE);
  g_assert_cmpstr (error->message, ==,
                   "cgroup message 'cg_2': key 'cpuset': invalid CPU list '0-' (expected e.g. "
                   "0-3,6 with CPUs up to 65535)");
  g_clear_error (&error);

  g_autoptr (JsonObject) missing = parse_object ("{\"t\":\"cgroup\",\"name\":\"cg_3\"}");
  g_autoptr (KtstrCgroupInfo) info_missing = ktstr_cgroup_info_from_json (missing, &error);
  g_assert_null (info_missing);
  g_assert_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_MISSING_KEY);
  g_assert_cmpstr (error->message, ==, "cgroup message 'cg_3': key 'cpuset' is missing");
}

static void
test_topo_message (void)
{
  g_autoptr (JsonObject) obj = load_object ("topo-1n2l2c1t.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrGuestTopo) t = ktstr_guest_topo_from_json (obj, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->cpus, ==, 4);
  g_assert_cmpuint (t->llcs->len, ==, 2);
  GArray *llc1 = t->llcs->pdata[1];
  g_assert_cmpuint (llc1->len, ==, 2);
  g_assert_cmpuint (g_array_index (llc1, guint, 0), ==, 2);
  g_assert_cmpuint (g_array_index (llc1, guint, 1), ==, 3);
  g_assert_cmpuint (t->numa->len, ==, 1);
  g_assert_cmpuint (((GArray *)t->numa->pdata[0])->len, ==, 4);
  g_assert_cmpuint (t->smt, ==, 1);

  g_autoptr (JsonObject) bad
      = parse_object ("{\"cpus\":4,\"llcs\":[[0,1],[2,\"x\"]],\"numa\":[],\"smt\":1}");
  g_autoptr (KtstrGuestTopo) t_bad = ktstr_guest_topo_from_json (bad, &error);
  g_assert_null (t_bad);
  g_assert_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_WRONG_TYPE);
  g_assert_cmpstr (error->message, ==,
                   "topo message: key 'llcs[1]' element 1 must be a non-negative integer, got a "
                   "string");
  g_clear_error (&error);

  g_autoptr (JsonObject) no_smt = parse_object ("{\"cpus\":4,\"llcs\":[],\"numa\":[]}");
  g_autoptr (KtstrGuestTopo) t_no_smt = ktstr_guest_topo_from_json (no_smt, &error);
  g_assert_null (t_no_smt);
  g_assert_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_MISSING_KEY);
  g_assert_cmpstr (error->message, ==, "topo message: key 'smt' is missing");
}

/* ---- aggregation ---- */

static void
test_percentile_index (void)
{
  g_assert_cmpuint (ktstr_percentile_index (1, 99), ==, 0);
  g_assert_cmpuint (ktstr_percentile_index (100, 99), ==, 98);
  g_assert_cmpuint (ktstr_percentile_index (101, 99), ==, 99);
  g_assert_cmpuint (ktstr_percentile_index (200, 99), ==, 197);
  g_assert_cmpuint (ktstr_percentile_index (4096, 99), ==, 4055);
  g_assert_cmpuint (ktstr_percentile_index (10, 100), ==, 9);
}

static void
test_aggregate_off_cpu (void)
{
  g_autoptr (GPtrArray) reports = reports_new ();
  g_ptr_array_add (reports, worker (0, 1000, 100)); /* 10 % */
  g_ptr_array_add (reports, worker (1, 1000, 500)); /* 50 % */
  g_ptr_array_add (reports, worker (2, 0, 0));      /* never ran: excluded */
  g_autoptr (KtstrCgroupStats) cg = ktstr_aggregate_cgroup ("cg_0", reports);

  g_assert_cmpstr (cg->name, ==, "cg_0");
  g_assert_cmpuint (cg->num_workers, ==, 3);
  g_assert_cmpfloat (cg->avg_off_cpu_pct, ==, 30.0);
  g_assert_cmpfloat (cg->min_off_cpu_pct, ==, 10.0);
  g_assert_cmpfloat (cg->max_off_cpu_pct, ==, 50.0);
  g_assert_cmpfloat (cg->spread, ==, 40.0);
}

static void
test_aggregate_latency (void)
{
  /* 1..100 µs split unevenly over two workers, out of order. */
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 0), *b = worker (1, 1000, 0);
  for (guint64 v = 100; v >= 1; v--)
    {
      guint64 ns = v * 1000;
      g_array_append_val (v % 3 == 0 ? a->lat_ns : b->lat_ns, ns);
    }
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  g_autoptr (KtstrCgroupStats) cg = ktstr_aggregate_cgroup ("cg_0", reports);

  g_assert_cmpfloat (cg->p99_wake_latency_us, ==, 99.0);
  g_assert_cmpfloat (cg->median_wake_latency_us, ==, 51.0);
  /* Population stddev of 1..100 is sqrt((100^2 - 1) / 12); mean 50.5. */
  g_assert_cmpfloat_with_epsilon (cg->wake_latency_cv, sqrt (9999.0 / 12.0) / 50.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (cg->wake_latency_tail_ratio, 99.0 / 51.0, 1e-12);
}

static void
test_aggregate_latency_single (void)
{
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 0);
  guint64 ns = 2500;
  g_array_append_val (a->lat_ns, ns);
  g_ptr_array_add (reports, a);
  g_autoptr (KtstrCgroupStats) cg = ktstr_aggregate_cgroup ("cg_0", reports);
  g_assert_cmpfloat (cg->p99_wake_latency_us, ==, 2.5);
  g_assert_cmpfloat (cg->median_wake_latency_us, ==, 2.5);
  g_assert_cmpfloat (cg->wake_latency_cv, ==, 0.0);
  g_assert_cmpfloat (cg->wake_latency_tail_ratio, ==, 1.0);
}

static void
test_aggregate_counters (void)
{
  static const guint c0[] = { 0, 1 }, c1[] = { 1, 2 }, c2[] = { 5 };
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 0), *b = worker (1, 1000, 0), *c = worker (2, 1000, 0);
  set_cpus (a, c0, 2);
  set_cpus (b, c1, 2);
  set_cpus (c, c2, 1);
  a->migration_count = 3, a->iterations = 100, a->run_delay_ns = 100000;
  b->migration_count = 5, b->iterations = 300, b->run_delay_ns = 300000;
  c->migration_count = 0, c->iterations = 200, c->run_delay_ns = 200000;
  a->max_gap_ms = 40, a->max_gap_cpu = 0;
  b->max_gap_ms = 90, b->max_gap_cpu = 2;
  c->max_gap_ms = 90, c->max_gap_cpu = 5; /* a tie keeps the first worst */
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  g_ptr_array_add (reports, c);
  g_autoptr (KtstrCgroupStats) cg = ktstr_aggregate_cgroup ("cg_0", reports);

  g_assert_cmpuint (cg->num_cpus, ==, 4); /* {0,1,2,5} */
  g_assert_cmpuint (cg->total_migrations, ==, 8);
  g_assert_cmpuint (cg->total_iterations, ==, 600);
  g_assert_cmpfloat_with_epsilon (cg->migration_ratio, 8.0 / 600.0, 1e-15);
  g_assert_cmpfloat (cg->iterations_per_worker, ==, 200.0);
  g_assert_cmpuint (cg->max_gap_ms, ==, 90);
  g_assert_cmpuint (cg->max_gap_cpu, ==, 2);
  g_assert_cmpfloat (cg->mean_run_delay_us, ==, 200.0);
  g_assert_cmpfloat (cg->worst_run_delay_us, ==, 300.0);
  g_assert_cmpfloat (cg->page_locality, ==, 1.0);
  g_assert_cmpfloat (cg->cross_node_migration_ratio, ==, 0.0);
}

static void
test_aggregate_empty (void)
{
  g_autoptr (GPtrArray) reports = reports_new ();
  g_autoptr (KtstrCgroupStats) cg = ktstr_aggregate_cgroup ("idle", reports);
  g_assert_cmpuint (cg->num_workers, ==, 0);
  g_assert_cmpuint (cg->num_cpus, ==, 0);
  g_assert_cmpfloat (cg->spread, ==, 0.0);
  g_assert_cmpfloat (cg->migration_ratio, ==, 0.0);
  g_assert_cmpfloat (cg->iterations_per_worker, ==, 0.0);
  g_assert_cmpfloat (cg->p99_wake_latency_us, ==, 0.0);
  g_assert_cmpfloat (cg->wake_latency_tail_ratio, ==, 0.0);
  g_assert_cmpfloat (cg->page_locality, ==, 1.0);
}

/* ---- NUMA ---- */

static void
set_pages (KtstrWorkerReport *w, const guint64 *pages, guint n)
{
  w->has_numa_pages = TRUE;
  g_array_set_size (w->numa_pages, 0);
  g_array_append_vals (w->numa_pages, pages, n);
}

static guint
node_at (GArray *nodes, guint i)
{
  return g_array_index (nodes, guint, i);
}

static void
test_cpuset_numa_nodes (void)
{
  g_autoptr (JsonObject) obj
      = parse_object ("{\"cpus\":4,\"llcs\":[[0,1],[2,3]],\"numa\":[[0,1],[2,3]],\"smt\":1}");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrGuestTopo) t = ktstr_guest_topo_from_json (obj, &error);
  g_assert_no_error (error);

  g_autoptr (GArray) n0 = ktstr_cpuset_numa_nodes (t, "0-1");
  g_assert_cmpuint (n0->len, ==, 1);
  g_assert_cmpuint (node_at (n0, 0), ==, 0);
  g_autoptr (GArray) n1 = ktstr_cpuset_numa_nodes (t, "3");
  g_assert_cmpuint (n1->len, ==, 1);
  g_assert_cmpuint (node_at (n1, 0), ==, 1);
  g_autoptr (GArray) both = ktstr_cpuset_numa_nodes (t, "1-2");
  g_assert_cmpuint (both->len, ==, 2);
  g_assert_cmpuint (node_at (both, 0), ==, 0);
  g_assert_cmpuint (node_at (both, 1), ==, 1);
  /* "" and NULL: an unrestricted cgroup spans every node. */
  g_autoptr (GArray) all = ktstr_cpuset_numa_nodes (t, "");
  g_assert_cmpuint (all->len, ==, 2);
  g_autoptr (GArray) all2 = ktstr_cpuset_numa_nodes (t, NULL);
  g_assert_cmpuint (all2->len, ==, 2);
  /* Unknown: no topology, or a cpuset that is not a CPU list. */
  g_assert_null (ktstr_cpuset_numa_nodes (NULL, "0"));
  g_assert_null (ktstr_cpuset_numa_nodes (t, "x"));
}

static void
test_aggregate_page_locality (void)
{
  /* Cpuset on node 0.  Worker 0: 90 of 100 pages on node 0 (0.9);
   * worker 1: 30 of 100 (0.3); worker 2: no pages (1.0).  Worst: 0.3. */
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 0), *b = worker (1, 1000, 0), *c = worker (2, 1000, 0);
  const guint64 pa[] = { 90, 10 }, pb[] = { 30, 70 };
  set_pages (a, pa, 2);
  set_pages (b, pb, 2);
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  g_ptr_array_add (reports, c);
  g_autoptr (GArray) node0 = g_array_new (FALSE, FALSE, sizeof (guint));
  guint zero = 0, one = 1;
  g_array_append_val (node0, zero);

  g_assert_cmpfloat (ktstr_worker_page_locality (a, node0), ==, 0.9);
  g_assert_cmpfloat (ktstr_worker_page_locality (b, node0), ==, 0.3);
  g_assert_cmpfloat (ktstr_worker_page_locality (c, node0), ==, 1.0);
  g_assert_cmpfloat (ktstr_worker_page_locality (b, NULL), ==, 1.0);

  g_autoptr (KtstrCgroupStats) cg = ktstr_aggregate_cgroup ("cg_0", reports);
  g_assert_cmpfloat (cg->page_locality, ==, 1.0); /* nodes not known yet */
  ktstr_aggregate_page_locality (cg, reports, node0);
  g_assert_cmpfloat (cg->page_locality, ==, 0.3);

  /* A cpuset spanning both nodes: every page is local. */
  g_array_append_val (node0, one);
  ktstr_aggregate_page_locality (cg, reports, node0);
  g_assert_cmpfloat (cg->page_locality, ==, 1.0);

  /* A node id past the worker's array counts as no pages there. */
  g_autoptr (GArray) node5 = g_array_new (FALSE, FALSE, sizeof (guint));
  guint five = 5;
  g_array_append_val (node5, five);
  g_assert_cmpfloat (ktstr_worker_page_locality (a, node5), ==, 0.0);
}

static void
test_aggregate_cross_node (void)
{
  /* vmstat deltas are system-wide: max (8, 6) = 8 migrations over
   * 100 + 300 pages = 0.02. */
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 0), *b = worker (1, 1000, 0);
  const guint64 pa[] = { 100 }, pb[] = { 200, 100 };
  set_pages (a, pa, 1);
  set_pages (b, pb, 2);
  a->has_numa_migrated = b->has_numa_migrated = TRUE;
  a->numa_migrated = 8;
  b->numa_migrated = 6;
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  g_autoptr (KtstrCgroupStats) cg = ktstr_aggregate_cgroup ("cg_0", reports);
  g_assert_cmpfloat (cg->cross_node_migration_ratio, ==, 0.02);

  /* No pages at all: 0, never a division by zero. */
  g_autoptr (GPtrArray) none = reports_new ();
  KtstrWorkerReport *n = worker (0, 1000, 0);
  n->numa_migrated = 3;
  g_ptr_array_add (none, n);
  g_autoptr (KtstrCgroupStats) cg0 = ktstr_aggregate_cgroup ("cg_0", none);
  g_assert_cmpfloat (cg0->cross_node_migration_ratio, ==, 0.0);
}

/* ---- rendering ---- */

static void
test_format_stats (void)
{
  static const guint cpus[] = { 0, 1 };
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 100), *b = worker (1, 1000, 130);
  set_cpus (a, cpus, 2);
  a->max_gap_ms = 12, a->max_gap_cpu = 1, a->migration_count = 4, a->iterations = 4000;
  guint64 l1 = 40200, l2 = 120500;
  g_array_append_val (b->lat_ns, l1);
  g_array_append_val (b->lat_ns, l2);
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);

  g_autoptr (KtstrScenarioStats) stats = ktstr_scenario_stats_new ();
  ktstr_scenario_stats_add_cgroup (stats, ktstr_aggregate_cgroup ("cg_0", reports));
  g_autofree char *text = ktstr_eval_format_stats (stats);
  g_assert_cmpstr (text, ==,
                   "--- stats ---\n"
                   "cg_0: 2 workers, 2 cpus, spread 3% (10-13%), gap 12ms on cpu1, 4 migrations "
                   "(ratio 0.001), 4001 iterations, wake latency p99/median 120.5/120.5us\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/report/worker/valid", test_worker_valid);
  g_test_add_func ("/report/worker/missing-key", test_worker_missing_key);
  g_test_add_func ("/report/worker/missing-each-key", test_worker_missing_each_key);
  g_test_add_func ("/report/worker/wrong-type", test_worker_wrong_type);
  g_test_add_func ("/report/worker/wrong-types", test_worker_wrong_types);
  g_test_add_func ("/report/worker/type-tag", test_worker_type_tag);
  g_test_add_func ("/report/worker/numa/absent", test_worker_numa_absent);
  g_test_add_func ("/report/worker/numa/present", test_worker_numa_present);
  g_test_add_func ("/report/worker/numa/bad", test_worker_numa_bad);
  g_test_add_func ("/report/cgroup", test_cgroup_message);
  g_test_add_func ("/report/topo", test_topo_message);
  g_test_add_func ("/aggregate/percentile-index", test_percentile_index);
  g_test_add_func ("/aggregate/off-cpu", test_aggregate_off_cpu);
  g_test_add_func ("/aggregate/latency/1-100", test_aggregate_latency);
  g_test_add_func ("/aggregate/latency/single", test_aggregate_latency_single);
  g_test_add_func ("/aggregate/counters", test_aggregate_counters);
  g_test_add_func ("/aggregate/empty", test_aggregate_empty);
  g_test_add_func ("/aggregate/numa/cpuset-nodes", test_cpuset_numa_nodes);
  g_test_add_func ("/aggregate/numa/page-locality", test_aggregate_page_locality);
  g_test_add_func ("/aggregate/numa/cross-node", test_aggregate_cross_node);
  g_test_add_func ("/eval-format/stats", test_format_stats);
  return g_test_run ();
}
