/* The monitor of one VM run: see monitor.h. */
#include "config.h"

#include "monitor/monitor.h"

#include <gio/gio.h>
#include <string.h>
#include <time.h>

#include "monitor/guest-mem.h"
#include "monitor/host-sampler.h"
#include "monitor/summary.h"
#include "monitor/watchdog.h"
#include "util/json-util.h"

struct _KtstrMonitor
{
  KtstrMonitorOptions o;
  KtstrMonitorSendFunc send;
  gpointer send_data;
  gint64 begin_us;          /* host monotonic time of begin, 0 before */
  gint64 scenario_start_us; /* 0: unknown */

  GMutex lock; /* everything below */
  KtstrMonitorSamplerKind sampler;
  char *note;
  GArray *samples;
  KtstrMonitorWatch *watch;
  gboolean has_dump_trigger;
  KtstrMonitorViolation dump_trigger;
  GPtrArray *prog_first, *prog_last; /* KtstrMonitorProgStat* */
  gboolean is_stopped;
  gboolean has_guest_origin;
  gint64 guest_origin_ms; /* monitor time minus guest time, from the first "mon" */
  GArray *regions;        /* KtstrGuestRamRegion */
  int pid;
  GArray *vcpu_tids; /* int */

  /* The host sampler thread. */
  GThread *thread;
  gint should_stop; /* atomic */
  GMutex stop_lock;
  GCond stop_cond;
  KtstrGuestMem *mem;
  KtstrHostSampler *host;
  KtstrWatchdogOverride watchdog;
  gint64 host_cpu_ns; /* the sampler thread's own CPU time, once it ended */
};

static const char *
sampler_to_string (KtstrMonitorSamplerKind kind)
{
  switch (kind)
    {
    case KTSTR_MONITOR_SAMPLER_HOST:
      return "host-memory";
    case KTSTR_MONITOR_SAMPLER_GUEST:
      return "guest";
    case KTSTR_MONITOR_SAMPLER_NONE:
      break;
    }
  return "none";
}

gboolean
ktstr_monitor_mode_parse (const char *text, KtstrMonitorMode *mode)
{
  static const char *const names[] = { "auto", "host", "guest", "off" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *mode = (KtstrMonitorMode)i;
        return TRUE;
      }
  return FALSE;
}

KtstrMonitorThresholds
ktstr_monitor_thresholds_from_checks (const KtstrChecks *c, guint hz)
{
  KtstrMonitorThresholds t = ktstr_monitor_thresholds_default ();
  if (c->max_imbalance_ratio.is_set)
    t.max_imbalance_ratio = c->max_imbalance_ratio.value;
  if (c->max_local_dsq_depth.is_set)
    t.max_local_dsq_depth = (guint32)MIN (c->max_local_dsq_depth.value, G_MAXUINT32);
  if (c->fail_on_stall.is_set)
    t.fail_on_stall = c->fail_on_stall.value;
  if (c->sustained_samples.is_set)
    t.sustained_samples = (guint)CLAMP (c->sustained_samples.value, 1, G_MAXUINT);
  if (c->max_fallback_rate.is_set)
    t.max_fallback_rate = c->max_fallback_rate.value;
  if (c->max_keep_last_rate.is_set)
    t.max_keep_last_rate = c->max_keep_last_rate.value;
  t.preemption_threshold_ns = ktstr_monitor_preemption_threshold_ns (hz);
  return t;
}

KtstrMonitor *
ktstr_monitor_new (const KtstrMonitorOptions *options)
{
  KtstrMonitor *m = g_new0 (KtstrMonitor, 1);
  m->o = *options;
  if (m->o.interval_ms == 0)
    m->o.interval_ms = KTSTR_MONITOR_INTERVAL_MS;
  g_mutex_init (&m->lock);
  g_mutex_init (&m->stop_lock);
  g_cond_init (&m->stop_cond);
  m->samples = ktstr_monitor_samples_new ();
  m->watch = ktstr_monitor_watch_new (&m->o.thresholds);
  m->prog_first = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_monitor_prog_stat_free);
  m->prog_last = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_monitor_prog_stat_free);
  ktstr_watchdog_override_init (&m->watchdog, m->o.watchdog_timeout_ms, m->o.hz);
  return m;
}

void
ktstr_monitor_free (KtstrMonitor *m)
{
  if (m == NULL)
    return;
  ktstr_monitor_stop (m);
  g_clear_pointer (&m->host, ktstr_host_sampler_free);
  g_clear_pointer (&m->mem, ktstr_guest_mem_free);
  g_clear_pointer (&m->regions, g_array_unref);
  g_clear_pointer (&m->vcpu_tids, g_array_unref);
  ktstr_watchdog_override_clear (&m->watchdog);
  g_clear_pointer (&m->samples, g_array_unref);
  g_clear_pointer (&m->watch, ktstr_monitor_watch_free);
  g_clear_pointer (&m->prog_first, g_ptr_array_unref);
  g_clear_pointer (&m->prog_last, g_ptr_array_unref);
  g_free (m->note);
  g_mutex_clear (&m->lock);
  g_mutex_clear (&m->stop_lock);
  g_cond_clear (&m->stop_cond);
  g_free (m);
}

static guint64
now_ms (const KtstrMonitor *m)
{
  return (guint64)((g_get_monotonic_time () - m->begin_us) / 1000);
}

/* Records SAMPLE (taken over, lock held) and runs the watch on it;
 * returns TRUE when the dump should be asked for now. */
static gboolean
add_sample_locked (KtstrMonitor *m, KtstrMonitorSample *sample)
{
  g_array_append_val (m->samples, *sample);
  const KtstrMonitorSample *s
      = &g_array_index (m->samples, KtstrMonitorSample, m->samples->len - 1);
  memset (sample, 0, sizeof *sample);
  if (m->has_dump_trigger || !ktstr_monitor_watch_feed (m->watch, s, &m->dump_trigger))
    return FALSE;
  m->has_dump_trigger = TRUE;
  return TRUE;
}

static void
request_dump (KtstrMonitor *m)
{
  if (m->send != NULL)
    m->send (KTSTR_MONITOR_CMD_SYSRQ_DUMP, m->send_data);
}

static void
add_vcpu_times (const KtstrMonitor *m, KtstrMonitorSample *s)
{
  const GArray *tids = m->vcpu_tids;
  for (guint i = 0; tids != NULL && i < s->n_cpus && i < tids->len; i++)
    {
      int tid = g_array_index (tids, int, i);
      if (tid > 0)
        s->cpus[i].has_vcpu_time
            = ktstr_host_thread_cpu_ns ("/proc", m->pid, tid, &s->cpus[i].vcpu_time_ns);
    }
}

static gpointer
host_thread (gpointer data)
{
  KtstrMonitor *m = data;
  g_autofree guint64 *rq = g_new0 (guint64, MAX (m->o.n_cpus, 1u));
  for (guint i = 0; i < m->o.n_cpus; i++)
    rq[i] = ktstr_host_sampler_rq (m->host, i);
  gint64 next = g_get_monotonic_time ();
  while (!g_atomic_int_get (&m->should_stop))
    {
      KtstrMonitorSample s;
      if (ktstr_host_sampler_sample (m->host, &s))
        {
          s.elapsed_ms = now_ms (m);
          ktstr_watchdog_override_step (&m->watchdog, m->mem, ktstr_host_sampler_get_map (m->host),
                                        m->o.layout, rq, s.n_cpus, s.is_scx_enabled);
          g_mutex_lock (&m->lock);
          gboolean dump = add_sample_locked (m, &s);
          g_mutex_unlock (&m->lock);
          if (dump)
            request_dump (m);
        }
      next += (gint64)m->o.interval_ms * 1000;
      gint64 now = g_get_monotonic_time ();
      if (next < now)
        next = now; /* late (a loaded host): do not try to catch up */
      g_mutex_lock (&m->stop_lock);
      while (!g_atomic_int_get (&m->should_stop) && g_get_monotonic_time () < next)
        g_cond_wait_until (&m->stop_cond, &m->stop_lock, next);
      g_mutex_unlock (&m->stop_lock);
    }
  /* What watching cost the host, for the observer-effect figures. */
  struct timespec ts;
  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
    m->host_cpu_ns = (gint64)ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
  return NULL;
}

/* Builds the guest memory view and attaches the host sampler; FALSE with
 * ERROR when it cannot. */
static gboolean
attach_host (KtstrMonitor *m, GError **error)
{
  if (m->regions == NULL || m->regions->len == 0)
    {
      g_set_error (error, KTSTR_MONITOR_ERROR, KTSTR_MONITOR_ERROR_UNAVAILABLE,
                   "the VM backend does not share the guest's RAM");
      return FALSE;
    }
  m->mem = ktstr_guest_mem_new ();
  for (guint i = 0; i < m->regions->len; i++)
    {
      const KtstrGuestRamRegion *r = &g_array_index (m->regions, KtstrGuestRamRegion, i);
      ktstr_guest_mem_add (m->mem, r->gpa, r->size, r->hva);
    }
  g_autofree int *tids = NULL;
  if (m->vcpu_tids != NULL && m->vcpu_tids->len >= m->o.n_cpus)
    tids = g_memdup2 (m->vcpu_tids->data, sizeof (int) * m->o.n_cpus);
  m->host = ktstr_host_sampler_new (m->o.layout, m->mem, m->o.n_cpus, m->pid, tids);
  if (!ktstr_host_sampler_attach (m->host, error))
    {
      g_clear_pointer (&m->host, ktstr_host_sampler_free);
      return FALSE;
    }
  return TRUE;
}

static GArray *
copy_array (const GArray *a, gsize element_size)
{
  GArray *c = g_array_new (FALSE, FALSE, (guint)element_size);
  if (a != NULL)
    g_array_append_vals (c, a->data, a->len);
  return c;
}

void
ktstr_monitor_begin (KtstrMonitor *m, const KtstrMonitorGuest *guest, KtstrMonitorSendFunc send,
                     gpointer send_data)
{
  if (m->begin_us != 0)
    return;
  m->begin_us = g_get_monotonic_time ();
  m->send = send;
  m->send_data = send_data;
  m->regions = copy_array (guest->regions, sizeof (KtstrGuestRamRegion));
  m->vcpu_tids = copy_array (guest->vcpu_tids, sizeof (int));
  m->pid = guest->pid;
  g_autoptr (GError) error = NULL;
  if (m->o.layout != NULL && attach_host (m, &error))
    {
      m->sampler = KTSTR_MONITOR_SAMPLER_HOST;
      m->thread = g_thread_new ("ktstr-monitor", host_thread, m);
      return;
    }
  m->note = m->o.layout != NULL
                ? g_strdup_printf ("host sampler not used: %s; the guest samples", error->message)
                : g_strdup ("no vmlinux for this kernel: the guest samples");
  if (send != NULL)
    {
      g_autofree char *cmd
          = g_strdup_printf ("%s %u", KTSTR_MONITOR_CMD_GUEST_START, m->o.interval_ms);
      send (cmd, send_data);
    }
}

void
ktstr_monitor_mark_scenario_start (KtstrMonitor *m)
{
  if (m->scenario_start_us == 0)
    m->scenario_start_us = g_get_monotonic_time ();
}

void
ktstr_monitor_feed_guest (KtstrMonitor *m, JsonObject *message)
{
  KtstrMonitorSample s;
  g_autoptr (GError) error = NULL;
  if (m->begin_us == 0 || m->sampler == KTSTR_MONITOR_SAMPLER_HOST)
    return;
  if (!ktstr_monitor_sample_from_guest (message, &s, &error))
    {
      g_debug ("monitor: %s", error->message);
      return;
    }
  g_mutex_lock (&m->lock);
  if (m->is_stopped)
    {
      g_mutex_unlock (&m->lock);
      ktstr_monitor_sample_clear (&s);
      return;
    }
  m->sampler = KTSTR_MONITOR_SAMPLER_GUEST;
  /* The guest's own clock spaces the samples; the first one's arrival
   * places them on the monitor's time line. */
  if (!m->has_guest_origin)
    {
      m->guest_origin_ms = (gint64)now_ms (m) - (gint64)s.elapsed_ms;
      m->has_guest_origin = TRUE;
    }
  s.elapsed_ms = (guint64)MAX ((gint64)s.elapsed_ms + m->guest_origin_ms, 0);
  add_vcpu_times (m, &s);
  gboolean dump = add_sample_locked (m, &s);
  g_mutex_unlock (&m->lock);
  if (dump)
    request_dump (m);
}

void
ktstr_monitor_feed_prog_stat (KtstrMonitor *m, JsonObject *message)
{
  const char *name = json_object_get_string_member_with_default (message, "prog", NULL);
  const char *when = json_object_get_string_member_with_default (message, "when", "");
  if (name == NULL)
    return;
  KtstrMonitorProgStat *p = ktstr_monitor_prog_stat_new (
      name, (guint64)json_object_get_int_member_with_default (message, "run_cnt", 0),
      (guint64)json_object_get_int_member_with_default (message, "run_time_ns", 0));
  g_mutex_lock (&m->lock);
  g_ptr_array_add (g_str_equal (when, "ready") ? m->prog_first : m->prog_last, p);
  g_mutex_unlock (&m->lock);
}

void
ktstr_monitor_stop (KtstrMonitor *m)
{
  g_mutex_lock (&m->lock);
  m->is_stopped = TRUE;
  g_mutex_unlock (&m->lock);
  if (m->thread == NULL)
    return;
  g_mutex_lock (&m->stop_lock);
  g_atomic_int_set (&m->should_stop, 1);
  g_cond_broadcast (&m->stop_cond);
  g_mutex_unlock (&m->stop_lock);
  g_thread_join (m->thread);
  m->thread = NULL;
}

KtstrMonitorSamplerKind
ktstr_monitor_get_sampler (KtstrMonitor *m)
{
  return m->sampler;
}

const char *
ktstr_monitor_get_note (KtstrMonitor *m)
{
  return m->note;
}

const GArray *
ktstr_monitor_get_samples (KtstrMonitor *m)
{
  return m->samples;
}

const KtstrMonitorViolation *
ktstr_monitor_get_dump_trigger (KtstrMonitor *m)
{
  return m->has_dump_trigger ? &m->dump_trigger : NULL;
}

static JsonNode *
watchdog_record (const KtstrMonitor *m)
{
  const KtstrWatchdogOverride *w = &m->watchdog;
  if (m->o.watchdog_timeout_ms == 0)
    return NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "requested_ms");
  json_builder_add_int_value (b, (gint64)m->o.watchdog_timeout_ms);
  json_builder_set_member_name (b, "requested_jiffies");
  if (w->requested_jiffies > 0)
    json_builder_add_int_value (b, (gint64)w->requested_jiffies);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "read_back_jiffies");
  if (w->has_read_back)
    json_builder_add_int_value (b, (gint64)w->read_back_jiffies);
  else
    json_builder_add_null_value (b);
  const char *note = w->note;
  if (note == NULL && m->sampler != KTSTR_MONITOR_SAMPLER_HOST)
    note = "only the host-memory sampler can set the watchdog";
  else if (note == NULL && !w->has_read_back)
    note = "no sched_ext scheduler was enabled while the monitor ran";
  json_builder_set_member_name (b, "note");
  json_builder_add_string_value (b, note);
  json_builder_end_object (b);
  JsonNode *n = json_builder_get_root (b);
  /* A null note is dropped: the object then says all. */
  if (note == NULL)
    json_object_remove_member (json_node_get_object (n), "note");
  return n;
}

KtstrMonitorSummary *
ktstr_monitor_summarize_run (KtstrMonitor *m)
{
  KtstrMonitorSummary *sum = ktstr_monitor_summarize (
      m->samples, m->o.thresholds.preemption_threshold_ns, m->prog_first, m->prog_last);
  if (sum == NULL)
    return NULL;
  sum->sampler = g_strdup (sampler_to_string (m->sampler));
  sum->watchdog_timeout = watchdog_record (m);
  return sum;
}

KtstrMonitorEval *
ktstr_monitor_evaluate_run (KtstrMonitor *m)
{
  return ktstr_monitor_evaluate (m->samples, &m->o.thresholds);
}

gint64
ktstr_monitor_to_scenario_ms (KtstrMonitor *m, guint64 ms)
{
  if (m->scenario_start_us == 0 || m->begin_us == 0)
    return (gint64)ms;
  return (gint64)ms - (m->scenario_start_us - m->begin_us) / 1000;
}

char *
ktstr_monitor_describe (KtstrMonitor *m, const KtstrMonitorViolation *v)
{
  KtstrMonitorViolation s = *v;
  s.start_ms = (guint64)MAX (ktstr_monitor_to_scenario_ms (m, v->start_ms), 0);
  s.end_ms = (guint64)MAX (ktstr_monitor_to_scenario_ms (m, v->end_ms), 0);
  return ktstr_monitor_violation_describe (&s);
}

char *
ktstr_monitor_format_section (KtstrMonitor *m, const KtstrMonitorEval *eval)
{
  GString *out = g_string_new ("--- monitor ---\n");
  g_string_append_printf (out, "  sampler: %s", sampler_to_string (m->sampler));
  if (m->note != NULL)
    g_string_append_printf (out, " (%s)", m->note);
  g_string_append_c (out, '\n');
  g_autoptr (KtstrMonitorSummary) s = ktstr_monitor_summarize_run (m);
  if (s == NULL)
    {
      g_string_append (out, "  no samples\n");
      return g_string_free (out, FALSE);
    }
  g_string_append_printf (out,
                          "  samples=%" G_GUINT64_FORMAT " max_imbalance=%.2f max_dsq_depth=%u "
                          "stall=%s\n",
                          s->total_samples, s->max_imbalance_ratio, s->max_local_dsq_depth,
                          s->stall_detected ? "true" : "false");
  g_string_append_printf (out, "  avg: imbalance=%.2f nr_running/cpu=%.1f dsq/cpu=%.1f\n",
                          s->avg_imbalance_ratio, s->avg_nr_running, s->avg_local_dsq_depth);
  if (s->schedstat_deltas != NULL)
    {
      JsonObject *ss = json_node_get_object (s->schedstat_deltas);
      g_string_append_printf (out,
                              "  schedstat: csw=%" G_GINT64_FORMAT
                              " (%.0f/s) run_delay=%.0fns/s ttwu=%" G_GINT64_FORMAT
                              " goidle=%" G_GINT64_FORMAT "\n",
                              json_object_get_int_member (ss, "total_sched_count"),
                              json_object_get_double_member (ss, "sched_count_rate"),
                              json_object_get_double_member (ss, "run_delay_rate"),
                              json_object_get_int_member (ss, "total_ttwu_count"),
                              json_object_get_int_member (ss, "total_sched_goidle"));
    }
  if (s->prog_stats_deltas != NULL)
    {
      JsonArray *a = json_node_get_array (s->prog_stats_deltas);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *p = json_array_get_object_element (a, i);
          if (json_object_get_int_member (p, "cnt") > 0)
            g_string_append_printf (out, "  bpf: %s cnt=%" G_GINT64_FORMAT " %.0fns/call\n",
                                    json_object_get_string_member (p, "name"),
                                    json_object_get_int_member (p, "cnt"),
                                    json_object_get_double_member (p, "nsecs_per_call"));
        }
    }
  if (s->watchdog_timeout != NULL)
    {
      JsonObject *w = json_node_get_object (s->watchdog_timeout);
      g_string_append_printf (out, "  watchdog override: %" G_GINT64_FORMAT " ms requested",
                              json_object_get_int_member (w, "requested_ms"));
      JsonNode *rb = json_object_get_member (w, "read_back_jiffies");
      if (rb != NULL && JSON_NODE_HOLDS_VALUE (rb))
        g_string_append_printf (out, ", %" G_GINT64_FORMAT " jiffies read back",
                                json_node_get_int (rb));
      if (json_object_has_member (w, "note"))
        g_string_append_printf (out, " (%s)", json_object_get_string_member (w, "note"));
      g_string_append_c (out, '\n');
    }
  if (m->has_dump_trigger)
    {
      g_autofree char *v = ktstr_monitor_describe (m, &m->dump_trigger);
      g_string_append_printf (out,
                              "  sched_ext dump asked for at +%" G_GINT64_FORMAT " ms after %s\n",
                              ktstr_monitor_to_scenario_ms (m, m->dump_trigger.end_ms), v);
    }
  if (eval != NULL)
    {
      switch (eval->outcome)
        {
        case KTSTR_MONITOR_EVAL_PASS:
          g_string_append_printf (out, "  verdict: OK (%u samples judged, %u warm-up dropped)\n",
                                  eval->n_judged, eval->n_dropped);
          break;
        case KTSTR_MONITOR_EVAL_FAIL:
          g_string_append_printf (out, "  verdict: FAILED, %u violation(s)\n",
                                  eval->violations->len);
          break;
        case KTSTR_MONITOR_EVAL_INCONCLUSIVE:
        case KTSTR_MONITOR_EVAL_NOT_APPLICABLE:
          g_string_append_printf (out, "  verdict: not judged: %s\n", eval->reason);
          break;
        }
    }
  return g_string_free (out, FALSE);
}

gboolean
ktstr_monitor_write_series (KtstrMonitor *m, const char *path, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "monitor");
  json_builder_add_string_value (b, "ktstr");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "sampler");
  json_builder_add_string_value (b, sampler_to_string (m->sampler));
  json_builder_set_member_name (b, "interval_ms");
  json_builder_add_int_value (b, m->o.interval_ms);
  json_builder_set_member_name (b, "hz");
  json_builder_add_int_value (b, m->o.hz);
  json_builder_set_member_name (b, "host_sampler_cpu_us");
  if (m->host_cpu_ns > 0)
    json_builder_add_int_value (b, m->host_cpu_ns / 1000);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "scenario_start_ms");
  if (m->scenario_start_us != 0 && m->begin_us != 0)
    json_builder_add_int_value (b, (m->scenario_start_us - m->begin_us) / 1000);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) header = json_builder_get_root (b);
  g_autofree char *h = ktstr_json_to_line (header);
  g_string_append_printf (text, "%s\n", h);
  for (guint i = 0; i < m->samples->len; i++)
    {
      g_autoptr (JsonNode) n
          = ktstr_monitor_sample_to_json (&g_array_index (m->samples, KtstrMonitorSample, i));
      g_autofree char *line = ktstr_json_to_line (n);
      g_string_append_printf (text, "%s\n", line);
    }
  return g_file_set_contents_full (path, text->str, (gssize)text->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}
