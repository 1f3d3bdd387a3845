/* One run's monitor without a VM (src/monitor/monitor.h, judge.h,
 * watchdog.h): the guest-sampler path fed with "mon" messages, the
 * SysRq-D request, the summary, the verdict's reasons and timeline events,
 * the raw series file; and the watchdog override on synthetic guest
 * memory. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "kernel/kernel-cache.h"
#include "monitor/judge.h"
#include "monitor/monitor.h"
#include "monitor/watchdog.h"

static void
record_line (const char *line, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

static JsonObject *
parse_object (const char *text, JsonParser *parser)
{
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return json_node_get_object (json_parser_get_root (parser));
}

/* A "mon" message: two CPUs, NR0 and NR1 runnable, clocks moving. */
static void
feed (KtstrMonitor *m, guint64 ms, gboolean scx, guint nr0, guint nr1)
{
  g_autofree char *text = g_strdup_printf (
      "{\"t\":\"mon\",\"elapsed_ms\":%" G_GUINT64_FORMAT ",\"scx\":%s,\"nr\":[%u,%u],"
      "\"clock\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "],"
      "\"schedstat\":[[10,1,0,%" G_GUINT64_FORMAT ",0,0,0],[20,2,0,%" G_GUINT64_FORMAT ",0,0,0]]}",
      ms, scx ? "true" : "false", nr0, nr1, 1000000 + ms * 1000000, 2000000 + ms * 1000000, ms, ms);
  g_autoptr (JsonParser) p = json_parser_new ();
  ktstr_monitor_feed_guest (m, parse_object (text, p));
}

static KtstrMonitor *
guest_monitor (void)
{
  KtstrMonitorOptions o = {
    .thresholds = ktstr_monitor_thresholds_default (),
    .n_cpus = 2,
    .hz = 1000,
  };
  o.thresholds.preemption_threshold_ns = ktstr_monitor_preemption_threshold_ns (1000);
  return ktstr_monitor_new (&o);
}

static void
test_guest_sampler_run (void)
{
  g_autoptr (KtstrMonitor) m = guest_monitor ();
  g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);
  KtstrMonitorGuest guest = { NULL, 0, NULL };
  /* Samples before begin are ignored. */
  feed (m, 0, TRUE, 9, 0);
  ktstr_monitor_begin (m, &guest, record_line, sent);
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpstr (sent->pdata[0], ==, "monitor start 100");
  ktstr_monitor_mark_scenario_start (m);
  /* 10 samples without a scheduler, then 30 with one whose last 8 are
   * imbalanced 6:1. */
  for (guint i = 0; i < 40; i++)
    feed (m, i * 100, i >= 10, i >= 32 ? 6 : 1, 1);
  g_autoptr (JsonParser) p = json_parser_new ();
  ktstr_monitor_feed_prog_stat (
      m, parse_object ("{\"t\":\"progstat\",\"prog\":\"x_enqueue\",\"when\":\"ready\","
                       "\"run_cnt\":10,\"run_time_ns\":100}",
                       p));
  ktstr_monitor_feed_prog_stat (
      m, parse_object ("{\"t\":\"progstat\",\"prog\":\"x_enqueue\",\"when\":\"stop\","
                       "\"run_cnt\":30,\"run_time_ns\":900}",
                       p));
  ktstr_monitor_stop (m);
  feed (m, 9000, TRUE, 1, 1); /* after stop: ignored */

  /* The dump was asked for once, on the fifth imbalanced sample after the
   * 20 warm-up samples with a scheduler. */
  g_assert_cmpuint (sent->len, ==, 2);
  g_assert_cmpstr (sent->pdata[1], ==, "sysrq D");
  const KtstrMonitorViolation *trigger = ktstr_monitor_get_dump_trigger (m);
  g_assert_nonnull (trigger);
  g_assert_cmpint (trigger->kind, ==, KTSTR_MONITOR_VIOLATION_IMBALANCE);
  g_assert_cmpuint (trigger->run, ==, 5);

  g_assert_cmpint (ktstr_monitor_get_sampler (m), ==, KTSTR_MONITOR_SAMPLER_GUEST);
  g_assert_cmpstr (ktstr_monitor_get_note (m), ==, "no vmlinux for this kernel: the guest samples");
  g_assert_cmpuint (ktstr_monitor_get_samples (m)->len, ==, 40);
  g_autoptr (KtstrMonitorSummary) s = ktstr_monitor_summarize_run (m);
  g_assert_cmpstr (s->sampler, ==, "guest");
  g_assert_cmpuint (s->total_samples, ==, 40);
  g_assert_cmpfloat (s->max_imbalance_ratio, ==, 6.0);
  g_assert_null (s->watchdog_timeout); /* none asked for */
  g_assert_nonnull (s->schedstat_deltas);
  JsonObject *prog = json_array_get_object_element (json_node_get_array (s->prog_stats_deltas), 0);
  g_assert_cmpint (json_object_get_int_member (prog, "cnt"), ==, 20);

  g_autoptr (KtstrMonitorJudgement) j = ktstr_monitor_judge (m);
  g_assert_cmpint (j->eval->outcome, ==, KTSTR_MONITOR_EVAL_FAIL);
  g_assert_cmpuint (j->reasons->len, ==, 1);
  g_assert_true (g_str_has_prefix (j->reasons->pdata[0], "monitor: imbalance ratio 6.0 above 4.0"));
  g_assert_cmpuint (j->events->len, ==, 2);
  const KtstrStimulusEvent *v = j->events->pdata[0];
  const KtstrStimulusEvent *d = j->events->pdata[1];
  g_assert_cmpstr (v->label, ==, "MonitorViolation");
  g_assert_cmpstr (v->op_kind, ==, "imbalance");
  g_assert_cmpstr (d->label, ==, "MonitorDump");
  g_assert_cmpuint (d->elapsed_ms, >=, v->elapsed_ms);
  g_assert_nonnull (strstr (d->detail, "SysRq-D"));

  g_autofree char *section = ktstr_monitor_format_section (m, j->eval);
  g_assert_true (g_str_has_prefix (section, "--- monitor ---\n  sampler: guest"));
  g_assert_nonnull (strstr (section, "samples=40 max_imbalance=6.00"));
  g_assert_nonnull (strstr (section, "bpf: x_enqueue cnt=20 40ns/call"));
  g_assert_nonnull (strstr (section, "sched_ext dump asked for at +"));
  g_assert_nonnull (strstr (section, "verdict: FAILED, 1 violation(s)"));

  g_autofree char *dir = g_dir_make_tmp ("ktstr-monitor-run-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t-0.monitor.jsonl", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_monitor_write_series (m, path, &error));
  g_assert_no_error (error);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 42); /* header, 40, final "" */
  g_assert_true (
      g_str_has_prefix (lines[0], "{\"monitor\":\"ktstr\",\"version\":1,\"sampler\":\"guest\""));
  g_assert_true (g_str_has_prefix (lines[1], "{\"elapsed_ms\":"));
  g_assert_cmpstr (lines[41], ==, "");
  /* An unwritable place is an error naming it. */
  g_autofree char *bad = g_build_filename (dir, "no-such-dir", "x.jsonl", NULL);
  g_assert_false (ktstr_monitor_write_series (m, bad, &error));
  g_assert_nonnull (error);
  ktstr_rm_rf (dir, NULL);
}

static void
test_eevdf_not_judged (void)
{
  g_autoptr (KtstrMonitor) m = guest_monitor ();
  g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);
  KtstrMonitorGuest guest = { NULL, 0, NULL };
  ktstr_monitor_begin (m, &guest, record_line, sent);
  for (guint i = 0; i < 40; i++)
    feed (m, i * 100, FALSE, 9, 1);
  ktstr_monitor_stop (m);
  g_assert_cmpuint (sent->len, ==, 1); /* no dump without a scheduler */
  g_autoptr (KtstrMonitorJudgement) j = ktstr_monitor_judge (m);
  g_assert_cmpint (j->eval->outcome, ==, KTSTR_MONITOR_EVAL_NOT_APPLICABLE);
  g_assert_cmpuint (j->reasons->len, ==, 0);
  g_autoptr (KtstrMonitorSummary) s = ktstr_monitor_summarize_run (m);
  g_assert_cmpfloat (s->max_imbalance_ratio, ==, 9.0); /* recorded all the same */
}

static void
test_no_samples (void)
{
  g_autoptr (KtstrMonitor) m = guest_monitor ();
  ktstr_monitor_stop (m);
  g_assert_null (ktstr_monitor_summarize_run (m));
  g_autofree char *section = ktstr_monitor_format_section (m, NULL);
  g_assert_nonnull (strstr (section, "no samples"));
}

static void
test_modes_and_thresholds (void)
{
  KtstrMonitorMode mode;
  g_assert_true (ktstr_monitor_mode_parse ("guest", &mode));
  g_assert_cmpint (mode, ==, KTSTR_MONITOR_MODE_GUEST);
  g_assert_true (ktstr_monitor_mode_parse ("off", &mode));
  g_assert_cmpint (mode, ==, KTSTR_MONITOR_MODE_OFF);
  g_assert_false (ktstr_monitor_mode_parse ("hosts", &mode));
  g_assert_false (ktstr_monitor_mode_parse (NULL, &mode));

  KtstrChecks c = ktstr_checks_default ();
  KtstrMonitorThresholds t = ktstr_monitor_thresholds_from_checks (&c, 0);
  KtstrMonitorThresholds d = ktstr_monitor_thresholds_default ();
  g_assert_cmpfloat (t.max_imbalance_ratio, ==, d.max_imbalance_ratio);
  g_assert_cmpuint (t.max_local_dsq_depth, ==, d.max_local_dsq_depth);
  g_assert_cmpint (t.fail_on_stall, ==, d.fail_on_stall);
  g_assert_cmpuint (t.sustained_samples, ==, d.sustained_samples);
  g_assert_cmpfloat (t.max_fallback_rate, ==, d.max_fallback_rate);
  g_assert_cmpfloat (t.max_keep_last_rate, ==, d.max_keep_last_rate);
  g_assert_cmpuint (t.preemption_threshold_ns, ==, d.preemption_threshold_ns);
  g_assert_true (ktstr_checks_set (&c, "max_imbalance_ratio", "2.5", NULL));
  g_assert_true (ktstr_checks_set (&c, "sustained_samples", "0", NULL));
  g_assert_true (ktstr_checks_set (&c, "fail_on_stall", "false", NULL));
  t = ktstr_monitor_thresholds_from_checks (&c, 100);
  g_assert_cmpfloat (t.max_imbalance_ratio, ==, 2.5);
  g_assert_cmpuint (t.sustained_samples, ==, 1); /* at least one sample */
  g_assert_false (t.fail_on_stall);
  g_assert_cmpuint (t.preemption_threshold_ns, ==, 100000000);
}

/* ---- the watchdog override ---- */

#define KMAP 0xffffffff80000000ull
#define WD_TIMEOUT (KMAP + 0x1000)
#define WD_STAMP (KMAP + 0x1008)
#define JIFFIES (KMAP + 0x1010)
#define RQ (KMAP + 0x2000)   /* one runqueue */
#define TASK (KMAP + 0x3000) /* one task */
#define LIST_OFF 0x40        /* rq->scx.runnable_list */
#define NODE_OFF 0x80        /* task->scx.runnable_node */
#define AT_OFF 0x90          /* task->scx.runnable_at */

typedef struct
{
  guint8 ram[0x4000];
  KtstrGuestMem *mem;
  KtstrKvaMap map;
  KtstrKernelLayout l;
} Wd;

static guint64
get (Wd *w, guint64 kva)
{
  guint64 v;
  memcpy (&v, w->ram + (kva - KMAP), 8);
  return v;
}

static void
put (Wd *w, guint64 kva, guint64 v)
{
  memcpy (w->ram + (kva - KMAP), &v, 8);
}

static void
wd_init (Wd *w)
{
  memset (w, 0, sizeof *w);
  w->mem = ktstr_guest_mem_new ();
  ktstr_guest_mem_add (w->mem, 0, sizeof w->ram, w->ram);
  w->l.has_watchdog = TRUE;
  w->l.has_jiffies = TRUE;
  w->l.scx_watchdog_timeout = WD_TIMEOUT;
  w->l.scx_watchdog_timestamp = WD_STAMP;
  w->l.jiffies = JIFFIES;
  w->l.rq_scx_runnable_list = (KtstrKField){ TRUE, LIST_OFF, 8 };
  w->l.task_scx_runnable_node = (KtstrKField){ TRUE, NODE_OFF, 8 };
  w->l.task_scx_runnable_at = (KtstrKField){ TRUE, AT_OFF, 8 };
  /* The scheduler's own 30 s at HZ 1000, enabled at jiffy 5000. */
  put (w, WD_TIMEOUT, 30000);
  put (w, WD_STAMP, 5000);
  put (w, JIFFIES, 5000);
  put (w, RQ + LIST_OFF, RQ + LIST_OFF); /* empty list */
}

static void
wd_clear (Wd *w)
{
  ktstr_guest_mem_free (w->mem);
}

static void
step (Wd *w, KtstrWatchdogOverride *o, gboolean enabled)
{
  guint64 rq = RQ;
  ktstr_watchdog_override_step (o, w->mem, &w->map, &w->l, &rq, 1, enabled);
}

static void
test_watchdog_healthy (void)
{
  Wd w;
  wd_init (&w);
  KtstrWatchdogOverride o;
  ktstr_watchdog_override_init (&o, 3000, 1000);
  g_assert_cmpuint (o.requested_jiffies, ==, 3000);
  step (&w, &o, FALSE);
  g_assert_cmpuint (get (&w, WD_TIMEOUT), ==, 30000); /* no scheduler: untouched */
  step (&w, &o, TRUE);
  g_assert_cmpuint (get (&w, WD_TIMEOUT), ==, 3000);
  g_assert_true (o.has_read_back);
  g_assert_cmpuint (o.read_back_jiffies, ==, 3000);
  /* Until the kernel's work re-arms at the new period, the check-in
   * time follows jiffies, so the tick does not eject a healthy scheduler. */
  for (guint64 j = 5100; j <= 20000; j += 100)
    {
      put (&w, JIFFIES, j);
      step (&w, &o, TRUE);
      g_assert_cmpuint (get (&w, WD_STAMP), ==, j);
    }
  /* The kernel's work ran (it wrote the check-in time itself): hands off. */
  put (&w, WD_STAMP, 20050);
  put (&w, JIFFIES, 20100);
  step (&w, &o, TRUE);
  g_assert_true (o.is_handed_over);
  put (&w, JIFFIES, 25000);
  step (&w, &o, TRUE);
  g_assert_cmpuint (get (&w, WD_STAMP), ==, 20050);
  /* A reload puts the scheduler's own timeout back: written again. */
  put (&w, WD_TIMEOUT, 30000);
  step (&w, &o, TRUE);
  g_assert_cmpuint (get (&w, WD_TIMEOUT), ==, 3000);
  ktstr_watchdog_override_clear (&o);
  wd_clear (&w);
}

static void
test_watchdog_stall (void)
{
  Wd w;
  wd_init (&w);
  KtstrWatchdogOverride o;
  ktstr_watchdog_override_init (&o, 3000, 1000);
  step (&w, &o, TRUE);
  /* A task runnable since jiffy 6000 never runs again. */
  put (&w, RQ + LIST_OFF, TASK + NODE_OFF);
  put (&w, TASK + AT_OFF, 6000);
  guint64 j = 5000;
  for (; j <= 9000; j += 100) /* waited 3000 jiffies: not yet stale */
    {
      put (&w, JIFFIES, j);
      step (&w, &o, TRUE);
      g_assert_cmpuint (get (&w, WD_STAMP), ==, j);
    }
  /* First stale reading: one torn read must not end the scheduler. */
  put (&w, JIFFIES, 9100);
  step (&w, &o, TRUE);
  g_assert_cmpuint (get (&w, WD_STAMP), ==, 9100);
  g_assert_false (o.is_stall_confirmed);
  /* Second: the override lets the check-in time age; the kernel's tick
   * ejects the scheduler a timeout later. */
  put (&w, JIFFIES, 9200);
  step (&w, &o, TRUE);
  g_assert_true (o.is_stall_confirmed);
  g_assert_cmpuint (get (&w, WD_STAMP), ==, 9100);
  put (&w, JIFFIES, 9300);
  step (&w, &o, TRUE);
  g_assert_cmpuint (get (&w, WD_STAMP), ==, 9100);
  /* The scheduler went away; the next one starts afresh. */
  step (&w, &o, FALSE);
  g_assert_false (o.is_stall_confirmed);
  ktstr_watchdog_override_clear (&o);
  wd_clear (&w);
}

static void
test_watchdog_stale_task_changes (void)
{
  Wd w;
  wd_init (&w);
  KtstrWatchdogOverride o;
  ktstr_watchdog_override_init (&o, 3000, 1000);
  put (&w, RQ + LIST_OFF, TASK + NODE_OFF);
  put (&w, TASK + AT_OFF, 1000);
  put (&w, JIFFIES, 5000);
  step (&w, &o, TRUE);
  /* The oldest task changed between readings: still refreshing. */
  put (&w, TASK + AT_OFF, 1500);
  put (&w, JIFFIES, 5100);
  step (&w, &o, TRUE);
  g_assert_false (o.is_stall_confirmed);
  g_assert_cmpuint (get (&w, WD_STAMP), ==, 5100);
  ktstr_watchdog_override_clear (&o);
  wd_clear (&w);
}

static void
test_watchdog_cannot (void)
{
  KtstrWatchdogOverride o;
  ktstr_watchdog_override_init (&o, 0, 1000);
  g_assert_cmpuint (o.requested_jiffies, ==, 0);
  g_assert_null (o.note);
  ktstr_watchdog_override_clear (&o);
  ktstr_watchdog_override_init (&o, 3000, 0);
  g_assert_nonnull (strstr (o.note, "HZ is unknown"));
  ktstr_watchdog_override_clear (&o);

  Wd w;
  wd_init (&w);
  w.l.has_watchdog = FALSE; /* a kernel that keeps it in scx_sched */
  ktstr_watchdog_override_init (&o, 3000, 1000);
  step (&w, &o, TRUE);
  g_assert_cmpuint (get (&w, WD_TIMEOUT), ==, 30000);
  g_assert_nonnull (strstr (o.note, "cannot set it"));
  g_assert_false (o.has_read_back);
  ktstr_watchdog_override_clear (&o);
  wd_clear (&w);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/monitor/run/guest-sampler", test_guest_sampler_run);
  g_test_add_func ("/monitor/run/eevdf-not-judged", test_eevdf_not_judged);
  g_test_add_func ("/monitor/run/no-samples", test_no_samples);
  g_test_add_func ("/monitor/run/modes-and-thresholds", test_modes_and_thresholds);
  g_test_add_func ("/monitor/watchdog/healthy", test_watchdog_healthy);
  g_test_add_func ("/monitor/watchdog/stall", test_watchdog_stall);
  g_test_add_func ("/monitor/watchdog/stale-task-changes", test_watchdog_stale_task_changes);
  g_test_add_func ("/monitor/watchdog/cannot", test_watchdog_cannot);
  return g_test_run ();
}
