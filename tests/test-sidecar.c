/* Sidecars: SipHash, variant hash, JSON schema, files and directory walks. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "record/siphash.h"
#include "record/sidecar.h"
#include "kernel/kernel-cache.h"

/* --- SipHash ------------------------------------------------------------------ */

static void
test_siphash24_vectors (void)
{
  /* Reference vectors of the SipHash paper / reference implementation:
   * key 00..0f, message 00..(n-1). */
  static const struct
  {
    gsize len;
    guint64 hash;
  } vectors[] = {
    { 0, G_GUINT64_CONSTANT (0x726fdb47dd0e0e31) },
    { 1, G_GUINT64_CONSTANT (0x74f839c593dc67fd) },
    { 2, G_GUINT64_CONSTANT (0x0d6c8009d9a94f5a) },
    { 3, G_GUINT64_CONSTANT (0x85676696d7fb7e2d) },
    { 15, G_GUINT64_CONSTANT (0xa129ca6149be45e5) },
    { 63, G_GUINT64_CONSTANT (0x958a324ceb064572) },
  };
  guint8 msg[64];
  const guint64 k0 = G_GUINT64_CONSTANT (0x0706050403020100);
  const guint64 k1 = G_GUINT64_CONSTANT (0x0f0e0d0c0b0a0908);

  for (guint i = 0; i < sizeof msg; i++)
    msg[i] = (guint8)i;
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    g_assert_cmphex (ktstr_siphash (2, 4, k0, k1, msg, vectors[i].len), ==, vectors[i].hash);
}

static void
test_siphash13_streaming (void)
{
  static const char text[] = "topology\0scheduler\0\xfc"
                             "payload and more bytes than one block";
  gsize len = sizeof text - 1;
  guint64 one = ktstr_siphash (1, 3, 0, 0, text, len);

  /* Every split point gives the same hash as one write. */
  for (gsize split = 0; split <= len; split++)
    {
      KtstrSipHash h;
      ktstr_siphash_init (&h, 1, 3, 0, 0);
      ktstr_siphash_write (&h, text, split);
      for (gsize i = split; i < len; i++)
        ktstr_siphash_write_byte (&h, (guint8)text[i]);
      g_assert_cmphex (ktstr_siphash_finish (&h), ==, one);
    }
  g_assert_cmphex (ktstr_siphash (1, 3, 0, 0, text, len), ==, one);
  g_assert_cmphex (ktstr_siphash (2, 4, 0, 0, text, len), !=, one);
}

/* --- Fixtures ------------------------------------------------------------------- */

static KtstrSidecar *
minimal_sidecar (const char *test_name)
{
  KtstrSidecar *sc = ktstr_sidecar_new ();
  sc->test_name = g_strdup (test_name);
  sc->topology = g_strdup ("1n1l1c1t");
  sc->scheduler = g_strdup ("eevdf");
  sc->work_type = g_strdup ("CpuSpin");
  sc->passed = TRUE;
  sc->timestamp = g_strdup ("2025-01-15T10:20:30Z");
  sc->run_id = g_strdup ("20250115T102000Z-0");
  return sc;
}

/* Every field set to a non-default value. */
static KtstrSidecar *
full_sidecar (void)
{
  KtstrSidecar *sc = minimal_sidecar ("cgroup_steady");
  g_free (sc->topology);
  sc->topology = g_strdup ("2n4l4c2t");
  g_free (sc->scheduler);
  sc->scheduler = g_strdup ("scx-ktstr");
  sc->scheduler_commit = g_strdup ("0123abc");
  sc->project_commit = g_strdup ("abc1234-dirty");
  sc->payload = g_strdup ("fio");

  KtstrPayloadMetrics *pm = ktstr_payload_metrics_new (1, -3);
  ktstr_payload_metrics_add (pm, "jobs.0.read.iops", 15234.5, KTSTR_PAYLOAD_POLARITY_HIGHER_BETTER,
                             0, "iops", KTSTR_PAYLOAD_SOURCE_JSON, KTSTR_PAYLOAD_STREAM_STDOUT);
  ktstr_payload_metrics_add (pm, "lat.p99", 0.1, KTSTR_PAYLOAD_POLARITY_LOWER_BETTER, 0, "us",
                             KTSTR_PAYLOAD_SOURCE_LLM_EXTRACT, KTSTR_PAYLOAD_STREAM_STDERR);
  ktstr_payload_metrics_add (pm, "target", 1e21, KTSTR_PAYLOAD_POLARITY_TARGET_VALUE, 800.25, "",
                             KTSTR_PAYLOAD_SOURCE_JSON, KTSTR_PAYLOAD_STREAM_SYNTHESIZED);
  ktstr_payload_metrics_add (pm, "unk", -2.5e-7, KTSTR_PAYLOAD_POLARITY_UNKNOWN, 0, "x",
                             KTSTR_PAYLOAD_SOURCE_JSON, KTSTR_PAYLOAD_STREAM_STDOUT);
  g_ptr_array_add (sc->metrics, pm);
  g_ptr_array_add (sc->metrics, ktstr_payload_metrics_new (2, 0));

  sc->passed = FALSE;
  sc->skipped = TRUE;
  KtstrCgroupStats *cg = ktstr_cgroup_stats_new ();
  cg->num_workers = 4;
  cg->num_cpus = 3;
  cg->spread = 5.5;
  cg->max_gap_ms = 120;
  cg->max_gap_cpu = 2;
  cg->p99_wake_latency_us = 250.0;
  cg->page_locality = 0.75;
  cg->iterations_per_worker = 2500.0;
  ktstr_scenario_stats_add_cgroup (sc->stats, cg);

  sc->monitor = ktstr_monitor_summary_new ();
  sc->monitor->total_samples = 250;
  sc->monitor->max_imbalance_ratio = 1.5;
  sc->monitor->max_local_dsq_depth = 3;
  sc->monitor->stall_detected = TRUE;
  sc->monitor->avg_imbalance_ratio = 1.125;
  sc->monitor->avg_nr_running = 2.25;
  sc->monitor->avg_local_dsq_depth = 0.5;
  sc->monitor->event_deltas
      = json_from_string ("{\"total_fallback\": 2, \"fallback_rate\": 0.5}", NULL);
  sc->monitor->schedstat_deltas = json_from_string ("{\"total_run_delay\": 77}", NULL);
  sc->monitor->prog_stats_deltas = json_from_string (
      "[{\"name\": \"p\", \"cnt\": 1, \"nsecs\": 2, \"nsecs_per_call\": 2.0}]", NULL);
  sc->monitor->sampler = g_strdup ("host-memory");
  sc->monitor->watchdog_timeout = json_from_string (
      "{\"requested_ms\": 3000, \"requested_jiffies\": 3000, \"read_back_jiffies\": 3000}", NULL);

  KtstrStimulusEvent *ev = ktstr_stimulus_event_new (0, "ScenarioStart");
  g_ptr_array_add (sc->stimulus_events, ev);
  ev = ktstr_stimulus_event_new (1500, "StepStart[0]");
  ev->op_kind = g_strdup ("SetCpuset");
  ev->detail = g_strdup ("cgroup=cg_0 \"quoted\"\n\ttab");
  ev->has_total_iterations = TRUE;
  ev->total_iterations = 4242;
  g_ptr_array_add (sc->stimulus_events, ev);

  g_free (sc->work_type);
  sc->work_type = g_strdup ("FutexPingPong");
  g_ptr_array_add (sc->active_flags, g_strdup ("llc"));
  g_ptr_array_add (sc->active_flags, g_strdup ("steal"));
  g_ptr_array_add (sc->verifier_stats, ktstr_verifier_stat_new ("ktstr_dispatch", 1234));
  sc->kvm_stats = ktstr_kvm_stats_new ();
  GHashTable *vcpu = ktstr_kvm_stats_add_vcpu (sc->kvm_stats);
  ktstr_kvm_stats_vcpu_set (vcpu, "exits", 1000);
  ktstr_kvm_stats_vcpu_set (vcpu, "halt_exits", 10);
  vcpu = ktstr_kvm_stats_add_vcpu (sc->kvm_stats);
  ktstr_kvm_stats_vcpu_set (vcpu, "exits", G_GUINT64_CONSTANT (1) << 40);
  g_ptr_array_add (sc->sysctls, g_strdup ("sysctl.kernel.sched_cfs_bandwidth_slice_us=1000"));
  g_ptr_array_add (sc->kargs, g_strdup ("nosmt"));
  g_ptr_array_add (sc->kargs, g_strdup ("mitigations=off"));
  sc->kernel_version = g_strdup ("6.14.2");
  sc->kernel_commit = g_strdup ("def5678");
  sc->host = ktstr_host_context_new ();
  sc->host->kernel_name = g_strdup ("Linux");
  sc->host->has_online_cpus = TRUE;
  sc->host->online_cpus = 8;
  sc->host->sched_tunables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (sc->host->sched_tunables, g_strdup ("sched_x"), g_strdup ("1"));
  ktstr_host_context_set_governor (sc->host, 3, "performance");
  sc->has_cleanup_duration_ms = TRUE;
  sc->cleanup_duration_ms = 420;
  sc->run_source = g_strdup ("ci");
  sc->accel = g_strdup ("tcg");
  sc->boot = g_strdup ("pvh");
  sc->verdict_summary = g_strdup ("cgroup 0: starved: worker 3 made no progress");
  sc->verdict_report = g_strdup ("starved\n--- stats ---\nspread 90%\n");
  sc->scheduler_exit = json_from_string (
      "{\"kind\": 1025, \"reason\": \"scx_bpf_error\", \"message\": null}", NULL);
  sc->has_vcpu_host = TRUE;
  sc->vcpu_host_threads = 2;
  sc->vcpu_host_span_ms = 3012;
  sc->vcpu_host_run_ns = 4200000000ull;
  sc->vcpu_host_wait_ns = 1800000000ull;
  return sc;
}

static void
assert_strv_equal (GPtrArray *a, GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a, i), ==, g_ptr_array_index (b, i));
}

static void
assert_json_equal (JsonNode *a, JsonNode *b)
{
  g_assert_true ((a == NULL) == (b == NULL));
  if (a != NULL)
    g_assert_true (json_node_equal (a, b));
}

static void
assert_sidecar_equal (const KtstrSidecar *a, const KtstrSidecar *b)
{
  g_assert_cmpstr (a->test_name, ==, b->test_name);
  g_assert_cmpstr (a->topology, ==, b->topology);
  g_assert_cmpstr (a->scheduler, ==, b->scheduler);
  g_assert_cmpstr (a->scheduler_commit, ==, b->scheduler_commit);
  g_assert_cmpstr (a->project_commit, ==, b->project_commit);
  g_assert_cmpstr (a->payload, ==, b->payload);
  g_assert_cmpuint (a->metrics->len, ==, b->metrics->len);
  for (guint i = 0; i < a->metrics->len; i++)
    {
      KtstrPayloadMetrics *pa = g_ptr_array_index (a->metrics, i);
      KtstrPayloadMetrics *pb = g_ptr_array_index (b->metrics, i);
      g_assert_cmpuint (pa->payload_index, ==, pb->payload_index);
      g_assert_cmpint (pa->exit_code, ==, pb->exit_code);
      g_assert_cmpuint (pa->metrics->len, ==, pb->metrics->len);
      for (guint j = 0; j < pa->metrics->len; j++)
        {
          KtstrPayloadMetric *ma = g_ptr_array_index (pa->metrics, j);
          KtstrPayloadMetric *mb = g_ptr_array_index (pb->metrics, j);
          g_assert_cmpstr (ma->name, ==, mb->name);
          g_assert_cmpfloat (ma->value, ==, mb->value);
          g_assert_cmpint (ma->polarity, ==, mb->polarity);
          if (ma->polarity == KTSTR_PAYLOAD_POLARITY_TARGET_VALUE)
            g_assert_cmpfloat (ma->target_value, ==, mb->target_value);
          g_assert_cmpstr (ma->unit, ==, mb->unit);
          g_assert_cmpint (ma->source, ==, mb->source);
          g_assert_cmpint (ma->stream, ==, mb->stream);
        }
    }
  g_assert_cmpint (a->passed, ==, b->passed);
  g_assert_cmpint (a->skipped, ==, b->skipped);
  g_autoptr (JsonNode) sa = ktstr_scenario_stats_to_json (a->stats);
  g_autoptr (JsonNode) sb = ktstr_scenario_stats_to_json (b->stats);
  assert_json_equal (sa, sb);
  g_assert_true ((a->monitor == NULL) == (b->monitor == NULL));
  if (a->monitor != NULL)
    {
      g_assert_cmpuint (a->monitor->total_samples, ==, b->monitor->total_samples);
      g_assert_cmpfloat (a->monitor->max_imbalance_ratio, ==, b->monitor->max_imbalance_ratio);
      g_assert_cmpuint (a->monitor->max_local_dsq_depth, ==, b->monitor->max_local_dsq_depth);
      g_assert_cmpint (a->monitor->stall_detected, ==, b->monitor->stall_detected);
      g_assert_cmpfloat (a->monitor->avg_imbalance_ratio, ==, b->monitor->avg_imbalance_ratio);
      g_assert_cmpfloat (a->monitor->avg_nr_running, ==, b->monitor->avg_nr_running);
      g_assert_cmpfloat (a->monitor->avg_local_dsq_depth, ==, b->monitor->avg_local_dsq_depth);
      assert_json_equal (a->monitor->event_deltas, b->monitor->event_deltas);
      assert_json_equal (a->monitor->schedstat_deltas, b->monitor->schedstat_deltas);
      assert_json_equal (a->monitor->prog_stats_deltas, b->monitor->prog_stats_deltas);
      g_assert_cmpstr (a->monitor->sampler, ==, b->monitor->sampler);
      assert_json_equal (a->monitor->watchdog_timeout, b->monitor->watchdog_timeout);
    }
  g_assert_cmpuint (a->stimulus_events->len, ==, b->stimulus_events->len);
  for (guint i = 0; i < a->stimulus_events->len; i++)
    {
      KtstrStimulusEvent *ea = g_ptr_array_index (a->stimulus_events, i);
      KtstrStimulusEvent *eb = g_ptr_array_index (b->stimulus_events, i);
      g_assert_cmpuint (ea->elapsed_ms, ==, eb->elapsed_ms);
      g_assert_cmpstr (ea->label, ==, eb->label);
      g_assert_cmpstr (ea->op_kind, ==, eb->op_kind);
      g_assert_cmpstr (ea->detail, ==, eb->detail);
      g_assert_cmpint (ea->has_total_iterations, ==, eb->has_total_iterations);
      g_assert_cmpuint (ea->total_iterations, ==, eb->total_iterations);
    }
  g_assert_cmpstr (a->work_type, ==, b->work_type);
  assert_strv_equal (a->active_flags, b->active_flags);
  g_assert_cmpuint (a->verifier_stats->len, ==, b->verifier_stats->len);
  for (guint i = 0; i < a->verifier_stats->len; i++)
    {
      KtstrVerifierStat *va = g_ptr_array_index (a->verifier_stats, i);
      KtstrVerifierStat *vb = g_ptr_array_index (b->verifier_stats, i);
      g_assert_cmpstr (va->name, ==, vb->name);
      g_assert_cmpuint (va->verified_insns, ==, vb->verified_insns);
    }
  g_assert_true ((a->kvm_stats == NULL) == (b->kvm_stats == NULL));
  if (a->kvm_stats != NULL)
    {
      g_assert_cmpuint (a->kvm_stats->per_vcpu->len, ==, b->kvm_stats->per_vcpu->len);
      for (guint i = 0; i < a->kvm_stats->per_vcpu->len; i++)
        {
          GHashTable *ta = g_ptr_array_index (a->kvm_stats->per_vcpu, i);
          GHashTableIter it;
          gpointer k, v;
          guint64 got;
          g_assert_cmpuint (g_hash_table_size (ta), ==,
                            g_hash_table_size (g_ptr_array_index (b->kvm_stats->per_vcpu, i)));
          g_hash_table_iter_init (&it, ta);
          while (g_hash_table_iter_next (&it, &k, &v))
            {
              g_assert_true (ktstr_kvm_stats_vcpu_get (b->kvm_stats, i, k, &got));
              g_assert_cmpuint (got, ==, *(guint64 *)v);
            }
        }
    }
  assert_strv_equal (a->sysctls, b->sysctls);
  assert_strv_equal (a->kargs, b->kargs);
  g_assert_cmpstr (a->kernel_version, ==, b->kernel_version);
  g_assert_cmpstr (a->kernel_commit, ==, b->kernel_commit);
  g_assert_cmpstr (a->timestamp, ==, b->timestamp);
  g_assert_cmpstr (a->run_id, ==, b->run_id);
  g_assert_true ((a->host == NULL) == (b->host == NULL));
  if (a->host != NULL)
    {
      g_autofree char *ha = ktstr_host_context_format_human (a->host);
      g_autofree char *hb = ktstr_host_context_format_human (b->host);
      g_assert_cmpstr (ha, ==, hb);
    }
  g_assert_cmpint (a->has_cleanup_duration_ms, ==, b->has_cleanup_duration_ms);
  g_assert_cmpuint (a->cleanup_duration_ms, ==, b->cleanup_duration_ms);
  g_assert_cmpstr (a->run_source, ==, b->run_source);
  g_assert_cmpstr (a->accel, ==, b->accel);
  g_assert_cmpstr (a->boot, ==, b->boot);
  g_assert_cmpstr (a->verdict_summary, ==, b->verdict_summary);
  g_assert_cmpstr (a->verdict_report, ==, b->verdict_report);
  assert_json_equal (a->scheduler_exit, b->scheduler_exit);
  g_assert_cmpint (a->has_vcpu_host, ==, b->has_vcpu_host);
  g_assert_cmpuint (a->vcpu_host_threads, ==, b->vcpu_host_threads);
  g_assert_cmpuint (a->vcpu_host_span_ms, ==, b->vcpu_host_span_ms);
  g_assert_cmpuint (a->vcpu_host_run_ns, ==, b->vcpu_host_run_ns);
  g_assert_cmpuint (a->vcpu_host_wait_ns, ==, b->vcpu_host_wait_ns);
}

static char *
fixture_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "sidecar", name, NULL);
}

static KtstrSidecar *
parse_text (const char *text, GError **error)
{
  g_autoptr (JsonNode) n = json_from_string (text, error);
  if (n == NULL)
    return NULL;
  return ktstr_sidecar_from_json (n, error);
}

/* --- Variant hash and names ------------------------------------------------------- */

static void
test_variant_hash_rust_pinned (void)
{
  /* Constants pinned by Rust ktstr's sidecar tests: a C writer must name
   * files exactly like the Rust one so both can share a run directory. */
  g_autoptr (KtstrSidecar) fixture = minimal_sidecar ("t");
  g_assert_cmphex (ktstr_sidecar_variant_hash (fixture), ==,
                   G_GUINT64_CONSTANT (0x55f6b9881e152f8c));

  g_autoptr (KtstrSidecar) populated = minimal_sidecar ("t");
  g_free (populated->topology);
  populated->topology = g_strdup ("1n2l4c1t");
  g_free (populated->scheduler);
  populated->scheduler = g_strdup ("scx-ktstr");
  g_ptr_array_add (populated->active_flags, g_strdup ("llc"));
  g_ptr_array_add (populated->active_flags, g_strdup ("steal"));
  g_ptr_array_add (populated->sysctls,
                   g_strdup ("sysctl.kernel.sched_cfs_bandwidth_slice_us=1000"));
  g_ptr_array_add (populated->kargs, g_strdup ("nosmt"));
  g_assert_cmphex (ktstr_sidecar_variant_hash (populated), ==,
                   G_GUINT64_CONSTANT (0xbc0f38005915a09f));

  g_autoptr (KtstrSidecar) empty = minimal_sidecar ("t");
  g_free (empty->work_type);
  empty->work_type = g_strdup ("");
  g_assert_cmphex (ktstr_sidecar_variant_hash (empty), ==, G_GUINT64_CONSTANT (0x1b61394511b42e01));
}

static void
test_variant_hash_excludes_identity (void)
{
  g_autoptr (KtstrSidecar) a = full_sidecar ();
  g_autoptr (KtstrSidecar) b = full_sidecar ();
  guint64 h = ktstr_sidecar_variant_hash (a);

  g_clear_pointer (&b->host, ktstr_host_context_free);
  g_free (b->project_commit);
  b->project_commit = g_strdup ("fffffff");
  g_clear_pointer (&b->scheduler_commit, g_free);
  g_clear_pointer (&b->kernel_commit, g_free);
  g_free (b->run_source);
  b->run_source = g_strdup ("archive");
  g_free (b->timestamp);
  b->timestamp = g_strdup ("2030-01-01T00:00:00Z");
  b->passed = !b->passed;
  g_assert_cmphex (ktstr_sidecar_variant_hash (b), ==, h);

  /* Sysctls and kargs are sets; flags are not. */
  g_ptr_array_add (b->kargs, g_strdup ("zzz"));
  g_assert_cmphex (ktstr_sidecar_variant_hash (b), !=, h);
  g_ptr_array_remove_index (b->kargs, b->kargs->len - 1);
  g_ptr_array_add (b->kargs, g_ptr_array_steal_index (b->kargs, 0));
  g_assert_cmphex (ktstr_sidecar_variant_hash (b), ==, h);
  g_ptr_array_add (b->active_flags, g_ptr_array_steal_index (b->active_flags, 0));
  g_assert_cmphex (ktstr_sidecar_variant_hash (b), !=, h);

  g_autoptr (KtstrSidecar) c = full_sidecar ();
  g_clear_pointer (&c->payload, g_free);
  g_assert_cmphex (ktstr_sidecar_variant_hash (c), !=, h);
}

static void
test_filename_format (void)
{
  g_autoptr (KtstrSidecar) sc = minimal_sidecar ("my_test");
  g_autofree char *name = ktstr_sidecar_filename (sc);
  g_assert_cmpstr (name, ==, "my_test-55f6b9881e152f8c.ktstr.json");

  /* Leading zeros are kept: always 16 hex digits. */
  g_autoptr (GRegex) re = g_regex_new ("^my_test-[0-9a-f]{16}\\.ktstr\\.json$", 0, 0, NULL);
  for (int i = 0; i < 64; i++)
    {
      g_free (sc->topology);
      sc->topology = g_strdup_printf ("1n1l%dc1t", i + 1);
      g_autofree char *n = ktstr_sidecar_filename (sc);
      g_assert_true (g_regex_match (re, n, 0, NULL));
    }
}

static void
test_is_sidecar_name (void)
{
  g_assert_true (ktstr_sidecar_is_sidecar_name ("t-0123456789abcdef.ktstr.json"));
  g_assert_true (ktstr_sidecar_is_sidecar_name ("x.ktstr.y.json"));
  g_assert_false (ktstr_sidecar_is_sidecar_name ("other.json"));
  g_assert_false (ktstr_sidecar_is_sidecar_name ("partial.ktstr.json.tmp"));
  g_assert_false (ktstr_sidecar_is_sidecar_name ("t.ktstr.log"));
  g_assert_false (ktstr_sidecar_is_sidecar_name ("ktstr.json"));
}

/* --- JSON ------------------------------------------------------------------------- */

static void
test_json_round_trip_full (void)
{
  g_autoptr (KtstrSidecar) sc = full_sidecar ();
  g_autoptr (GError) error = NULL;
  gsize len;
  g_autofree char *text = ktstr_sidecar_to_data (sc, &len);
  g_assert_cmpuint (strlen (text), ==, len);
  g_autoptr (KtstrSidecar) back = parse_text (text, &error);
  g_assert_no_error (error);
  assert_sidecar_equal (sc, back);
  /* And the text is a fixed point. */
  g_autofree char *again = ktstr_sidecar_to_data (back, NULL);
  g_assert_cmpstr (text, ==, again);
}

static void
test_json_schema_order_and_nulls (void)
{
  g_autoptr (KtstrSidecar) sc = minimal_sidecar ("t");
  g_autoptr (JsonNode) n = ktstr_sidecar_to_json (sc);
  JsonObject *o = json_node_get_object (n);
  static const char *const order[] = {
    "test_name",      "topology",     "scheduler",      "scheduler_commit",
    "project_commit", "payload",      "metrics",        "passed",
    "skipped",        "stats",        "monitor",        "stimulus_events",
    "work_type",      "active_flags", "verifier_stats", "kvm_stats",
    "sysctls",        "kargs",        "kernel_version", "kernel_commit",
    "timestamp",      "run_id",       "host",           "cleanup_duration_ms",
    "run_source",     "accel",        "verdict",        "scheduler_exit",
    "vcpu_host",
  };
  static const char *const nulls[] = {
    "scheduler_commit",    "project_commit", "payload",       "monitor",
    "kvm_stats",           "kernel_version", "kernel_commit", "host",
    "cleanup_duration_ms", "run_source",     "accel",         "verdict",
    "scheduler_exit",      "vcpu_host",
  };
  static const char *const empties[] = {
    "metrics", "stimulus_events", "active_flags", "verifier_stats", "sysctls", "kargs",
  };
  JsonObjectIter it;
  const char *k;
  JsonNode *v;
  guint i = 0;

  json_object_iter_init_ordered (&it, o);
  while (json_object_iter_next_ordered (&it, &k, &v))
    {
      g_assert_cmpuint (i, <, G_N_ELEMENTS (order));
      g_assert_cmpstr (k, ==, order[i++]);
    }
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (order));
  for (i = 0; i < G_N_ELEMENTS (nulls); i++)
    g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (o, nulls[i])));
  for (i = 0; i < G_N_ELEMENTS (empties); i++)
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, empties[i])), ==, 0);
  g_assert_false (json_object_has_member (o, "failure"));
  g_assert_false (json_object_has_member (o, "path"));

  /* serde_json-style layout: "key": value, two-space indent, [] for empty. */
  g_autofree char *text = ktstr_sidecar_to_data (sc, NULL);
  g_assert_true (g_str_has_prefix (text, "{\n  \"test_name\": \"t\",\n  \"topology\": "));
  g_assert_nonnull (strstr (text, "\n  \"metrics\": [],\n"));
  g_assert_nonnull (strstr (text, "\n    \"worst_spread\": 0.0,\n"));
  g_assert_true (g_str_has_suffix (text, "\n  \"accel\": null,\n  \"verdict\": null,\n  "
                                         "\"scheduler_exit\": null,\n  \"vcpu_host\": null\n}\n"));
}

static void
test_json_doubles_valid (void)
{
  g_autoptr (KtstrSidecar) sc = minimal_sidecar ("t");
  KtstrPayloadMetrics *pm = ktstr_payload_metrics_new (0, 0);
  const double values[] = { 0.1, 1e21, 123456789.125, 2.0 / 3, -0.0, 1.5e-7, 1e300, 100.0 };
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    ktstr_payload_metrics_add (pm, "m", values[i], KTSTR_PAYLOAD_POLARITY_UNKNOWN, 0, "",
                               KTSTR_PAYLOAD_SOURCE_JSON, KTSTR_PAYLOAD_STREAM_STDOUT);
  ktstr_payload_metrics_add (pm, "nan", NAN, KTSTR_PAYLOAD_POLARITY_UNKNOWN, 0, "",
                             KTSTR_PAYLOAD_SOURCE_JSON, KTSTR_PAYLOAD_STREAM_STDOUT);
  g_ptr_array_add (sc->metrics, pm);

  g_autofree char *text = ktstr_sidecar_to_data (sc, NULL);
  g_assert_nonnull (strstr (text, "\"value\": 0.1,"));
  g_assert_nonnull (strstr (text, "\"value\": 1e21,"));
  g_assert_nonnull (strstr (text, "\"value\": 100.0,"));
  g_assert_nonnull (strstr (text, "\"value\": 1.5e-7,"));
  g_assert_nonnull (strstr (text, "\"value\": null,"));
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSidecar) back = parse_text (text, &error);
  g_assert_no_error (error);
  KtstrPayloadMetrics *bpm = g_ptr_array_index (back->metrics, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    g_assert_cmpfloat (((KtstrPayloadMetric *)g_ptr_array_index (bpm->metrics, i))->value, ==,
                       values[i]);
  g_assert_true (isnan (((KtstrPayloadMetric *)g_ptr_array_index (bpm->metrics, 8))->value));
}

static void
test_json_rust_fixture (void)
{
  g_autofree char *path = fixture_path ("rust-full.ktstr.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSidecar) sc = ktstr_sidecar_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sc->path, ==, path);
  g_assert_cmpstr (sc->test_name, ==, "cgroup_steady");
  g_assert_null (sc->scheduler_commit);
  g_assert_cmpstr (sc->project_commit, ==, "abc1234-dirty");
  g_assert_cmpuint (sc->metrics->len, ==, 1);
  KtstrPayloadMetrics *pm = g_ptr_array_index (sc->metrics, 0);
  g_assert_cmpint (pm->exit_code, ==, -1);
  KtstrPayloadMetric *m = g_ptr_array_index (pm->metrics, 1);
  g_assert_cmpint (m->polarity, ==, KTSTR_PAYLOAD_POLARITY_TARGET_VALUE);
  g_assert_cmpfloat (m->target_value, ==, 800.0);
  g_assert_cmpfloat (m->value, ==, 812.0);
  g_assert_cmpint (m->source, ==, KTSTR_PAYLOAD_SOURCE_LLM_EXTRACT);
  g_assert_cmpint (m->stream, ==, KTSTR_PAYLOAD_STREAM_STDERR);
  g_assert_false (sc->passed);
  g_assert_cmpuint (sc->stats->cgroups->len, ==, 1);
  g_assert_null (sc->stats->ext_metrics);
  g_assert_cmpuint (sc->stats->worst_gap_ms, ==, 120);
  g_assert_nonnull (sc->monitor);
  g_assert_nonnull (sc->monitor->event_deltas);
  g_assert_null (sc->monitor->schedstat_deltas);
  g_assert_nonnull (sc->monitor->prog_stats_deltas);
  g_assert_cmpuint (sc->stimulus_events->len, ==, 3);
  KtstrStimulusEvent *ev = g_ptr_array_index (sc->stimulus_events, 1);
  g_assert_cmpstr (ev->op_kind, ==, "SetCpuset");
  g_assert_true (ev->has_total_iterations);
  g_assert_cmpuint (ev->total_iterations, ==, 4242);
  ev = g_ptr_array_index (sc->stimulus_events, 2);
  g_assert_null (ev->op_kind);
  g_assert_false (ev->has_total_iterations);
  guint64 exits;
  g_assert_true (ktstr_kvm_stats_vcpu_get (sc->kvm_stats, 1, "exits", &exits));
  g_assert_cmpuint (exits, ==, 2000);
  g_assert_cmpstr (sc->host->cpu_model, ==, "Example CPU");
  g_assert_null (sc->host->cpu_vendor);
  g_assert_false (sc->host->has_numa_nodes);
  g_assert_cmpuint (sc->host->cpufreq_governor->len, ==, 3);
  g_assert_true (sc->has_cleanup_duration_ms);
  g_assert_cmpuint (sc->cleanup_duration_ms, ==, 420);
  /* The legacy "source" key is not run_source. */
  g_assert_null (sc->run_source);
  g_assert_null (sc->accel);
  g_assert_false (sc->has_vcpu_host);
  /* The file's unknown keys (inconclusive, periodic_*, vcpus, ...) are not written back. */
  g_autofree char *text = ktstr_sidecar_to_data (sc, NULL);
  g_assert_null (strstr (text, "periodic_fired"));
  g_assert_null (strstr (text, "\"source\": \"ci\""));
}

static void
test_json_rust_minimal (void)
{
  g_autofree char *path = fixture_path ("rust-minimal.ktstr.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSidecar) sc = ktstr_sidecar_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (sc->skipped);
  g_assert_null (sc->project_commit);
  g_assert_null (sc->monitor);
  g_assert_null (sc->kvm_stats);
  g_assert_null (sc->host);
  g_assert_false (sc->has_cleanup_duration_ms);
  g_assert_null (sc->run_source);
  g_assert_null (sc->kernel_version);
}

/* The trial of a repeated run: its own file name (the trials share the
 * variant hash), the key last and only when set, read back; a file
 * without it (every Rust sidecar) reads as 0; a bad value is an error. */
static void
test_trial (void)
{
  g_autoptr (KtstrSidecar) sc = minimal_sidecar ("my_test");
  sc->trial = 3;
  g_autofree char *name = ktstr_sidecar_filename (sc);
  g_assert_cmpstr (name, ==, "my_test-55f6b9881e152f8c-trial3.ktstr.json");
  g_assert_true (ktstr_sidecar_is_sidecar_name (name));
  g_autofree char *text = ktstr_sidecar_to_data (sc, NULL);
  g_assert_true (g_str_has_suffix (text, "\n  \"accel\": null,\n  \"verdict\": null,\n  "
                                         "\"scheduler_exit\": null,\n  \"vcpu_host\": null,\n  "
                                         "\"trial\": 3\n}\n"));
  g_autoptr (JsonNode) node = json_from_string (text, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSidecar) back = ktstr_sidecar_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->trial, ==, 3);

  g_autofree char *path = fixture_path ("rust-full.ktstr.json");
  g_autoptr (KtstrSidecar) rust = ktstr_sidecar_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rust->trial, ==, 0);

  JsonObject *o = json_node_get_object (node);
  json_object_set_string_member (o, "trial", "three");
  g_autoptr (KtstrSidecar) bad = ktstr_sidecar_from_json (node, &error);
  g_assert_null (bad);
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD);
  g_assert_nonnull (strstr (error->message, "trial"));
}

/* What a test cost (wall_ms): last and only when measured, read back; a
 * file without it reads as not measured; a bad value is an error. */
static void
test_wall_ms (void)
{
  g_autoptr (KtstrSidecar) sc = minimal_sidecar ("my_test");
  g_autofree char *plain = ktstr_sidecar_to_data (sc, NULL);
  g_assert_null (strstr (plain, "wall_ms"));
  sc->trial = 2;
  sc->has_wall_ms = TRUE;
  sc->wall_ms = 12345;
  g_autofree char *text = ktstr_sidecar_to_data (sc, NULL);
  g_assert_true (g_str_has_suffix (text, "\"trial\": 2,\n  \"wall_ms\": 12345\n}\n"));
  g_autoptr (JsonNode) node = json_from_string (text, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSidecar) back = ktstr_sidecar_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_true (back->has_wall_ms);
  g_assert_cmpuint (back->wall_ms, ==, 12345);

  g_autoptr (JsonNode) old = json_from_string (plain, NULL);
  g_autoptr (KtstrSidecar) unmeasured = ktstr_sidecar_from_json (old, &error);
  g_assert_no_error (error);
  g_assert_false (unmeasured->has_wall_ms);

  json_object_set_double_member (json_node_get_object (node), "wall_ms", -1.5);
  g_autoptr (KtstrSidecar) bad = ktstr_sidecar_from_json (node, &error);
  g_assert_null (bad);
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD);
  g_assert_nonnull (strstr (error->message, "wall_ms"));
}

static void
test_json_missing_required (void)
{
  static const char *const required[] = {
    "test_name",      "topology", "scheduler",       "metrics",   "passed",
    "skipped",        "stats",    "stimulus_events", "work_type", "active_flags",
    "verifier_stats", "sysctls",  "kargs",           "timestamp", "run_id",
  };
  g_autoptr (KtstrSidecar) sc = full_sidecar ();

  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      g_autoptr (JsonNode) n = ktstr_sidecar_to_json (sc);
      g_autoptr (GError) error = NULL;
      json_object_remove_member (json_node_get_object (n), required[i]);
      g_autoptr (KtstrSidecar) back = ktstr_sidecar_from_json (n, &error);
      g_assert_null (back);
      g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_MISSING_FIELD);
      g_autofree char *quoted = g_strdup_printf ("'%s'", required[i]);
      g_assert_nonnull (strstr (error->message, quoted));
    }

  /* Nested required keys are named by path. */
  g_autoptr (JsonNode) n = ktstr_sidecar_to_json (sc);
  g_autoptr (GError) error = NULL;
  JsonObject *metric = json_array_get_object_element (
      json_object_get_array_member (
          json_array_get_object_element (
              json_object_get_array_member (json_node_get_object (n), "metrics"), 0),
          "metrics"),
      1);
  json_object_remove_member (metric, "unit");
  g_assert_null (ktstr_sidecar_from_json (n, &error));
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_MISSING_FIELD);
  g_assert_nonnull (strstr (error->message, "metrics[0].metrics[1].unit"));

  /* vcpu_host may be null or absent, but not half there. */
  g_autoptr (JsonNode) v = ktstr_sidecar_to_json (sc);
  g_clear_error (&error);
  json_object_remove_member (json_object_get_object_member (json_node_get_object (v), "vcpu_host"),
                             "wait_ns");
  g_assert_null (ktstr_sidecar_from_json (v, &error));
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_MISSING_FIELD);
  g_assert_nonnull (strstr (error->message, "vcpu_host.wait_ns"));
}

static void
test_json_invalid_fields (void)
{
  static const struct
  {
    const char *key;
    const char *json;
  } cases[] = {
    { "passed", "\"yes\"" },
    { "test_name", "42" },
    { "active_flags", "[1]" },
    { "cleanup_duration_ms", "-5" },
    { "monitor", "[]" },
    { "host", "{\"online_cpus\": \"x\"}" },
    { "verdict", "\"starved\"" },
    { "verdict", "{\"summary\": 3}" },
    { "vcpu_host", "[]" },
    { "vcpu_host", "{\"threads\": 2, \"span_ms\": 1, \"run_ns\": -1, \"wait_ns\": 0}" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (KtstrSidecar) sc = minimal_sidecar ("t");
      g_autoptr (JsonNode) n = ktstr_sidecar_to_json (sc);
      g_autoptr (GError) error = NULL;
      json_object_set_member (json_node_get_object (n), cases[i].key,
                              json_from_string (cases[i].json, NULL));
      g_assert_null (ktstr_sidecar_from_json (n, &error));
      g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD);
      g_assert_nonnull (strstr (error->message, cases[i].key));
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) arr = json_from_string ("[]", NULL);
  g_assert_null (ktstr_sidecar_from_json (arr, &error));
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_PARSE);
}

static void
test_json_unknown_polarity (void)
{
  g_autoptr (KtstrSidecar) sc = full_sidecar ();
  g_autofree char *text = ktstr_sidecar_to_data (sc, NULL);
  g_autoptr (GString) s = g_string_new (text);
  g_string_replace (s, "\"LowerBetter\"", "\"Sideways\"", 1);
  g_autoptr (GError) error = NULL;
  g_assert_null (parse_text (s->str, &error));
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_INVALID_FIELD);
  g_assert_nonnull (strstr (error->message, "polarity"));
}

/* --- Files ------------------------------------------------------------------------- */

static char *
make_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("ktstr-sidecar-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static void
rm_rf (const char *path)
{
  g_assert_true (ktstr_rm_rf (path, NULL));
}

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
test_load_corrupt_names_path (void)
{
  g_autofree char *dir = make_tmpdir ();
  write_file (dir, "bad.ktstr.json", "{\"test_name\": ");
  g_autofree char *path = g_build_filename (dir, "bad.ktstr.json", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_sidecar_load_file (path, &error));
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, path));

  g_autofree char *missing = g_build_filename (dir, "absent.ktstr.json", NULL);
  g_clear_error (&error);
  g_assert_null (ktstr_sidecar_load_file (missing, &error));
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  rm_rf (dir);
}

static void
test_write_atomic (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autoptr (KtstrSidecar) sc = full_sidecar ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = ktstr_sidecar_write_atomic (sc, dir, &error);
  g_assert_no_error (error);
  g_autofree char *name = ktstr_sidecar_filename (sc);
  g_autofree char *expected = g_build_filename (dir, name, NULL);
  g_assert_cmpstr (path, ==, expected);
  /* Exactly one file: no temporary left behind. */
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (d), ==, name);
  g_assert_null (g_dir_read_name (d));
  g_autoptr (KtstrSidecar) back = ktstr_sidecar_load_file (path, &error);
  g_assert_no_error (error);
  assert_sidecar_equal (sc, back);
  /* Rewriting replaces in place. */
  g_autofree char *again = ktstr_sidecar_write_atomic (sc, dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, path);

  g_autofree char *nodir = g_build_filename (dir, "missing", NULL);
  g_assert_null (ktstr_sidecar_write_atomic (sc, nodir, &error));
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_IO);
  rm_rf (dir);
}

static void
test_collect_one_level (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *sub_b = g_build_filename (dir, "job-b", NULL);
  g_autofree char *sub_a = g_build_filename (dir, "job-a", NULL);
  g_autofree char *deep = g_build_filename (sub_a, "deeper", NULL);
  g_autofree char *dot = g_build_filename (dir, ".locks", NULL);
  g_autoptr (GError) error = NULL;
  const char *subs[] = { sub_a, sub_b, deep, dot };
  for (gsize i = 0; i < G_N_ELEMENTS (subs); i++)
    g_assert_cmpint (g_mkdir_with_parents (subs[i], 0755), ==, 0);

  const struct
  {
    const char *dir;
    const char *test;
  } placed[] = { { dir, "top_z" },   { dir, "top_a" },     { sub_b, "in_b" }, { sub_a, "in_a2" },
                 { sub_a, "in_a1" }, { deep, "too_deep" }, { dot, "dotted" } };
  for (gsize i = 0; i < G_N_ELEMENTS (placed); i++)
    {
      g_autoptr (KtstrSidecar) sc = minimal_sidecar (placed[i].test);
      g_autofree char *p = ktstr_sidecar_write_atomic (sc, placed[i].dir, &error);
      g_assert_no_error (error);
    }
  write_file (dir, "notes.json", "{}");
  write_file (dir, "README.md", "hi");

  g_autoptr (GPtrArray) sidecars = NULL;
  g_autoptr (GPtrArray) errors = NULL;
  g_assert_true (ktstr_sidecar_collect_dir (dir, &sidecars, &errors, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (errors->len, ==, 0);
  /* Top level first, then subdirectories by name; files by name. */
  static const char *const order[] = { "top_a", "top_z", "in_a1", "in_a2", "in_b" };
  g_assert_cmpuint (sidecars->len, ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < sidecars->len; i++)
    {
      KtstrSidecar *sc = g_ptr_array_index (sidecars, i);
      g_assert_cmpstr (sc->test_name, ==, order[i]);
      g_assert_true (g_str_has_prefix (sc->path, dir));
    }

  g_autofree char *absent = g_build_filename (dir, "absent", NULL);
  g_autoptr (GPtrArray) none = NULL;
  g_assert_false (ktstr_sidecar_collect_dir (absent, &none, NULL, &error));
  g_assert_error (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_IO);
  g_assert_nonnull (strstr (error->message, absent));
  rm_rf (dir);
}

static void
test_collect_corrupt_reported (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autoptr (GError) error = NULL;
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("good%d", i);
      g_autoptr (KtstrSidecar) sc = minimal_sidecar (name);
      g_autofree char *p = ktstr_sidecar_write_atomic (sc, dir, &error);
      g_assert_no_error (error);
    }
  write_file (dir, "broken-0000000000000000.ktstr.json", "not json");
  write_file (dir, "incomplete-0000000000000000.ktstr.json", "{\"test_name\": \"x\"}");

  g_autoptr (GPtrArray) sidecars = NULL;
  g_autoptr (GPtrArray) errors = NULL;
  g_assert_true (ktstr_sidecar_collect_dir (dir, &sidecars, &errors, &error));
  g_assert_cmpuint (sidecars->len, ==, 3);
  g_assert_cmpuint (errors->len, ==, 2);
  KtstrSidecarLoadError *e0 = g_ptr_array_index (errors, 0);
  KtstrSidecarLoadError *e1 = g_ptr_array_index (errors, 1);
  g_assert_true (g_str_has_suffix (e0->path, "/broken-0000000000000000.ktstr.json"));
  g_assert_nonnull (strstr (e0->message, e0->path));
  g_assert_true (g_str_has_suffix (e1->path, "/incomplete-0000000000000000.ktstr.json"));
  g_assert_nonnull (strstr (e1->message, "key 'topology' is missing"));
  rm_rf (dir);
}

static void
test_collect_many (void)
{
  const guint n = 10000;
  g_autofree char *dir = make_tmpdir ();
  g_autoptr (KtstrSidecar) sc = full_sidecar ();
  g_autofree char *text = ktstr_sidecar_to_data (sc, NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%05u-0000000000000000.ktstr.json", i);
      write_file (dir, name, text);
    }
  g_autoptr (GTimer) timer = g_timer_new ();
  g_autoptr (GPtrArray) sidecars = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_sidecar_collect_dir (dir, &sidecars, NULL, &error));
  double secs = g_timer_elapsed (timer, NULL);
  g_assert_cmpuint (sidecars->len, ==, n);
  /* The time is a figure for the log, not a pass condition: speed is
   * measured by bench/stats-bench.sh, never asserted in tests. */
  g_test_message ("collected %u sidecars in %.3f s", n, secs);
  rm_rf (dir);
}

/* --- Stamps ------------------------------------------------------------------------ */

static void
test_stamps (void)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (2025, 1, 5, 7, 8, 9);
  g_autofree char *ts = ktstr_sidecar_format_timestamp (dt);
  g_assert_cmpstr (ts, ==, "2025-01-05T07:08:09Z");
  g_autoptr (GTimeZone) tz = g_time_zone_new_offset (3600);
  g_autoptr (GDateTime) local = g_date_time_new (tz, 2025, 1, 5, 8, 8, 9);
  g_autofree char *ts2 = ktstr_sidecar_format_timestamp (local);
  g_assert_cmpstr (ts2, ==, "2025-01-05T07:08:09Z");
  g_autofree char *now = ktstr_sidecar_format_timestamp (NULL);
  g_assert_cmpuint (strlen (now), ==, 20);

  g_autofree char *a = ktstr_sidecar_next_run_id ();
  g_autofree char *b = ktstr_sidecar_next_run_id ();
  g_autoptr (GRegex) re = g_regex_new ("^[0-9]{8}T[0-9]{6}Z-[0-9]+$", 0, 0, NULL);
  g_assert_true (g_regex_match (re, a, 0, NULL));
  const char *da = strrchr (a, '-'), *db = strrchr (b, '-');
  g_assert_cmpint (da - a, ==, db - b);
  g_assert_true (strncmp (a, b, (gsize)(da - a)) == 0);
  g_assert_cmpint (atoi (db + 1), ==, atoi (da + 1) + 1);

  g_setenv ("KTSTR_CI", "", TRUE);
  g_assert_cmpstr (ktstr_sidecar_run_source_from_env (), ==, "local");
  g_setenv ("KTSTR_CI", "1", TRUE);
  g_assert_cmpstr (ktstr_sidecar_run_source_from_env (), ==, "ci");
  g_autoptr (KtstrSidecar) sc = ktstr_sidecar_new ();
  ktstr_sidecar_stamp (sc);
  g_assert_cmpstr (sc->run_source, ==, "ci");
  g_assert_nonnull (sc->timestamp);
  g_assert_nonnull (sc->run_id);
  g_unsetenv ("KTSTR_CI");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/siphash/2-4/reference-vectors", test_siphash24_vectors);
  g_test_add_func ("/siphash/1-3/streaming", test_siphash13_streaming);
  g_test_add_func ("/sidecar/variant-hash/rust-pinned", test_variant_hash_rust_pinned);
  g_test_add_func ("/sidecar/variant-hash/excludes-identity", test_variant_hash_excludes_identity);
  g_test_add_func ("/sidecar/filename/format", test_filename_format);
  g_test_add_func ("/sidecar/filename/is-sidecar-name", test_is_sidecar_name);
  g_test_add_func ("/sidecar/json/round-trip-full", test_json_round_trip_full);
  g_test_add_func ("/sidecar/json/schema-order-and-nulls", test_json_schema_order_and_nulls);
  g_test_add_func ("/sidecar/json/doubles-valid", test_json_doubles_valid);
  g_test_add_func ("/sidecar/json/rust-fixture", test_json_rust_fixture);
  g_test_add_func ("/sidecar/json/rust-minimal", test_json_rust_minimal);
  g_test_add_func ("/sidecar/json/missing-required", test_json_missing_required);
  g_test_add_func ("/sidecar/json/trial", test_trial);
  g_test_add_func ("/sidecar/json/wall-ms", test_wall_ms);
  g_test_add_func ("/sidecar/json/invalid-fields", test_json_invalid_fields);
  g_test_add_func ("/sidecar/json/unknown-polarity", test_json_unknown_polarity);
  g_test_add_func ("/sidecar/load/corrupt-names-path", test_load_corrupt_names_path);
  g_test_add_func ("/sidecar/write/atomic", test_write_atomic);
  g_test_add_func ("/sidecar/collect/one-level", test_collect_one_level);
  g_test_add_func ("/sidecar/collect/corrupt-reported", test_collect_corrupt_reported);
  g_test_add_func ("/sidecar/collect/many", test_collect_many);
  g_test_add_func ("/sidecar/stamp/formats", test_stamps);
  return g_test_run ();
}
