/* Sidecars: the records' lifetimes, file naming (the variant hash) and
 * identity stamps; JSON is sidecar-json.c, reading, writing and collecting
 * files sidecar-file.c.  Field names and order: doc/sidecar-schema.md. */
#include "config.h"

#include <string.h>

#include "record/sidecar.h"
#include "record/siphash.h"

GQuark
ktstr_sidecar_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-sidecar-error-quark");
}

/* --- Lifetime ---------------------------------------------------------------- */

static void
payload_metric_free (KtstrPayloadMetric *m)
{
  if (m == NULL)
    return;
  g_free (m->name);
  g_free (m->unit);
  g_free (m);
}

KtstrPayloadMetrics *
ktstr_payload_metrics_new (guint64 payload_index, gint32 exit_code)
{
  KtstrPayloadMetrics *pm = g_new0 (KtstrPayloadMetrics, 1);
  pm->payload_index = payload_index;
  pm->exit_code = exit_code;
  pm->metrics = g_ptr_array_new_with_free_func ((GDestroyNotify)payload_metric_free);
  return pm;
}

void
ktstr_payload_metrics_free (KtstrPayloadMetrics *pm)
{
  if (pm == NULL)
    return;
  g_clear_pointer (&pm->metrics, g_ptr_array_unref);
  g_free (pm);
}

KtstrPayloadMetric *
ktstr_payload_metrics_add (KtstrPayloadMetrics *pm, const char *name, double value,
                           KtstrPayloadPolarity polarity, double target_value, const char *unit,
                           KtstrPayloadSource source, KtstrPayloadStream stream)
{
  KtstrPayloadMetric *m = g_new0 (KtstrPayloadMetric, 1);
  m->name = g_strdup (name);
  m->value = value;
  m->polarity = polarity;
  m->target_value = target_value;
  m->unit = g_strdup (unit != NULL ? unit : "");
  m->source = source;
  m->stream = stream;
  g_ptr_array_add (pm->metrics, m);
  return m;
}

KtstrMonitorSummary *
ktstr_monitor_summary_new (void)
{
  return g_new0 (KtstrMonitorSummary, 1);
}

void
ktstr_monitor_summary_free (KtstrMonitorSummary *mon)
{
  if (mon == NULL)
    return;
  g_clear_pointer (&mon->event_deltas, json_node_unref);
  g_clear_pointer (&mon->schedstat_deltas, json_node_unref);
  g_clear_pointer (&mon->prog_stats_deltas, json_node_unref);
  g_clear_pointer (&mon->watchdog_timeout, json_node_unref);
  g_free (mon->sampler);
  g_free (mon);
}

KtstrStimulusEvent *
ktstr_stimulus_event_new (guint64 elapsed_ms, const char *label)
{
  KtstrStimulusEvent *ev = g_new0 (KtstrStimulusEvent, 1);
  ev->elapsed_ms = elapsed_ms;
  ev->label = g_strdup (label);
  return ev;
}

void
ktstr_stimulus_event_free (KtstrStimulusEvent *ev)
{
  if (ev == NULL)
    return;
  g_free (ev->label);
  g_free (ev->op_kind);
  g_free (ev->detail);
  g_free (ev);
}

KtstrVerifierStat *
ktstr_verifier_stat_new (const char *name, guint32 verified_insns)
{
  KtstrVerifierStat *vs = g_new0 (KtstrVerifierStat, 1);
  vs->name = g_strdup (name);
  vs->verified_insns = verified_insns;
  return vs;
}

void
ktstr_verifier_stat_free (KtstrVerifierStat *vs)
{
  if (vs == NULL)
    return;
  g_free (vs->name);
  g_free (vs);
}

KtstrKvmStats *
ktstr_kvm_stats_new (void)
{
  KtstrKvmStats *kvm = g_new0 (KtstrKvmStats, 1);
  kvm->per_vcpu = g_ptr_array_new_with_free_func ((GDestroyNotify)g_hash_table_unref);
  return kvm;
}

void
ktstr_kvm_stats_free (KtstrKvmStats *kvm)
{
  if (kvm == NULL)
    return;
  g_clear_pointer (&kvm->per_vcpu, g_ptr_array_unref);
  g_free (kvm);
}

GHashTable *
ktstr_kvm_stats_add_vcpu (KtstrKvmStats *kvm)
{
  GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_ptr_array_add (kvm->per_vcpu, t);
  return t;
}

void
ktstr_kvm_stats_vcpu_set (GHashTable *vcpu, const char *name, guint64 value)
{
  g_hash_table_insert (vcpu, g_strdup (name), g_memdup2 (&value, sizeof value));
}

gboolean
ktstr_kvm_stats_vcpu_get (const KtstrKvmStats *kvm, guint vcpu, const char *name,
                          guint64 *out_value)
{
  if (kvm == NULL || vcpu >= kvm->per_vcpu->len)
    return FALSE;
  const guint64 *v = g_hash_table_lookup (g_ptr_array_index (kvm->per_vcpu, vcpu), name);
  if (v == NULL)
    return FALSE;
  if (out_value != NULL)
    *out_value = *v;
  return TRUE;
}

KtstrSidecar *
ktstr_sidecar_new (void)
{
  KtstrSidecar *sc = g_new0 (KtstrSidecar, 1);
  sc->metrics = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_payload_metrics_free);
  sc->stats = ktstr_scenario_stats_new ();
  sc->stimulus_events = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stimulus_event_free);
  sc->active_flags = g_ptr_array_new_with_free_func (g_free);
  sc->verifier_stats = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_verifier_stat_free);
  sc->sysctls = g_ptr_array_new_with_free_func (g_free);
  sc->kargs = g_ptr_array_new_with_free_func (g_free);
  return sc;
}

void
ktstr_sidecar_free (KtstrSidecar *sc)
{
  if (sc == NULL)
    return;
  g_free (sc->test_name);
  g_free (sc->topology);
  g_free (sc->scheduler);
  g_free (sc->scheduler_commit);
  g_free (sc->project_commit);
  g_free (sc->payload);
  g_clear_pointer (&sc->metrics, g_ptr_array_unref);
  g_clear_pointer (&sc->stats, ktstr_scenario_stats_free);
  g_clear_pointer (&sc->monitor, ktstr_monitor_summary_free);
  g_clear_pointer (&sc->stimulus_events, g_ptr_array_unref);
  g_free (sc->work_type);
  g_clear_pointer (&sc->active_flags, g_ptr_array_unref);
  g_clear_pointer (&sc->verifier_stats, g_ptr_array_unref);
  g_clear_pointer (&sc->kvm_stats, ktstr_kvm_stats_free);
  g_clear_pointer (&sc->sysctls, g_ptr_array_unref);
  g_clear_pointer (&sc->kargs, g_ptr_array_unref);
  g_free (sc->kernel_version);
  g_free (sc->kernel_commit);
  g_free (sc->timestamp);
  g_free (sc->run_id);
  g_clear_pointer (&sc->host, ktstr_host_context_free);
  g_free (sc->run_source);
  g_free (sc->accel);
  g_free (sc->boot);
  g_free (sc->shared_boot_id);
  g_free (sc->verdict_summary);
  g_free (sc->verdict_report);
  g_clear_pointer (&sc->scheduler_exit, json_node_unref);
  g_clear_pointer (&sc->auto_repro, json_node_unref);
  g_free (sc->path);
  g_free (sc);
}

void
ktstr_sidecar_load_error_free (KtstrSidecarLoadError *err)
{
  if (err == NULL)
    return;
  g_free (err->path);
  g_free (err->message);
  g_free (err);
}

/* --- Files ---------------------------------------------------------------------- */

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

gboolean
ktstr_sidecar_is_sidecar_name (const char *basename)
{
  return basename != NULL && g_str_has_suffix (basename, ".json")
         && strstr (basename, ".ktstr.") != NULL;
}

guint64
ktstr_sidecar_variant_hash (const KtstrSidecar *sc)
{
  KtstrSipHash h;
  /* Borrowed pointers (g_ptr_array_copy would also copy the free func). */
  g_autoptr (GPtrArray) sysctls = g_ptr_array_sized_new (sc->sysctls->len);
  g_autoptr (GPtrArray) kargs = g_ptr_array_sized_new (sc->kargs->len);
  const char *topology = sc->topology != NULL ? sc->topology : "";
  const char *scheduler = sc->scheduler != NULL ? sc->scheduler : "";
  const char *work_type = sc->work_type != NULL ? sc->work_type : "";

  /* The byte stream of doc/sidecar-schema.md ("File name"), the Rust
   * ktstr's too, so both name a variant's file alike (doc/compatibility.md). */
  g_ptr_array_extend (sysctls, sc->sysctls, NULL, NULL);
  g_ptr_array_extend (kargs, sc->kargs, NULL, NULL);
  ktstr_siphash_init (&h, 1, 3, 0, 0);
  ktstr_siphash_write (&h, topology, strlen (topology));
  ktstr_siphash_write_byte (&h, 0);
  ktstr_siphash_write (&h, scheduler, strlen (scheduler));
  ktstr_siphash_write_byte (&h, 0);
  ktstr_siphash_write_byte (&h, 0xfc);
  if (sc->payload != NULL)
    ktstr_siphash_write (&h, sc->payload, strlen (sc->payload));
  ktstr_siphash_write_byte (&h, 0);
  ktstr_siphash_write (&h, work_type, strlen (work_type));
  ktstr_siphash_write_byte (&h, 0);
  ktstr_siphash_write_byte (&h, 0xfe);
  for (guint i = 0; i < sc->active_flags->len; i++)
    {
      const char *f = g_ptr_array_index (sc->active_flags, i);
      ktstr_siphash_write (&h, f, strlen (f) + 1);
    }
  /* Sysctls and kargs hash as sets: sorted bytewise at hash time. */
  ktstr_siphash_write_byte (&h, 0xfd);
  g_ptr_array_sort (sysctls, compare_strings);
  for (guint i = 0; i < sysctls->len; i++)
    {
      const char *s = g_ptr_array_index (sysctls, i);
      ktstr_siphash_write (&h, s, strlen (s) + 1);
    }
  ktstr_siphash_write_byte (&h, 0xff);
  g_ptr_array_sort (kargs, compare_strings);
  for (guint i = 0; i < kargs->len; i++)
    {
      const char *k = g_ptr_array_index (kargs, i);
      ktstr_siphash_write (&h, k, strlen (k) + 1);
    }
  return ktstr_siphash_finish (&h);
}

char *
ktstr_sidecar_filename (const KtstrSidecar *sc)
{
  const char *test = sc->test_name != NULL ? sc->test_name : "";
  guint64 hash = ktstr_sidecar_variant_hash (sc);
  if (sc->trial > 0)
    return g_strdup_printf ("%s-%016" G_GINT64_MODIFIER "x-trial%u.ktstr.json", test, hash,
                            sc->trial);
  return g_strdup_printf ("%s-%016" G_GINT64_MODIFIER "x.ktstr.json", test, hash);
}

/* --- Identity stamps ----------------------------------------------------------- */

char *
ktstr_sidecar_format_timestamp (GDateTime *dt)
{
  g_autoptr (GDateTime) now = dt == NULL ? g_date_time_new_now_utc () : NULL;
  g_autoptr (GDateTime) utc = g_date_time_to_utc (dt != NULL ? dt : now);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

static gpointer
compute_process_stamp (gpointer unused)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y%m%dT%H%M%SZ");
}

char *
ktstr_sidecar_next_run_id (void)
{
  static GOnce once = G_ONCE_INIT;
  static gint counter = 0;
  /* The stamp is taken at the first call, which the runner makes at
   * start-up; all runs of one process share it and differ by the counter. */
  const char *stamp = g_once (&once, compute_process_stamp, NULL);
  return g_strdup_printf ("%s-%d", stamp, g_atomic_int_add (&counter, 1));
}

const char *
ktstr_sidecar_run_source_from_env (void)
{
  const char *ci = g_getenv ("KTSTR_CI");
  return (ci != NULL && *ci != '\0') ? "ci" : "local";
}

void
ktstr_sidecar_stamp (KtstrSidecar *sc)
{
  if (sc->timestamp == NULL)
    sc->timestamp = ktstr_sidecar_format_timestamp (NULL);
  if (sc->run_id == NULL)
    sc->run_id = ktstr_sidecar_next_run_id ();
  if (sc->run_source == NULL)
    sc->run_source = g_strdup (ktstr_sidecar_run_source_from_env ());
}
