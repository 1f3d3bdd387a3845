#include "config.h"

#include "run/verdict.h"

#include <string.h>

#include "common/proto.h"
#include "eval/aggregate.h"
#include "eval/checks.h"
#include "eval/eval-format.h"
#include "monitor/judge.h"
#include "run/console-scan.h"
#include "run/payload-metrics.h"
#include "sched/sched-verdict.h"
#include "testdef/expect-err.h"
#include "record/sidecar.h"

#define CONSOLE_TAIL_LINES 20

void
ktstr_verdict_free (KtstrVerdict *v)
{
  if (v == NULL)
    return;
  g_free (v->summary);
  g_free (v->report);
  g_clear_pointer (&v->stats, ktstr_scenario_stats_free);
  g_clear_pointer (&v->payload_metrics, g_ptr_array_unref);
  g_clear_pointer (&v->monitor_events, g_ptr_array_unref);
  g_clear_pointer (&v->scheduler_exit, json_node_unref);
  g_free (v);
}

/* The last N lines of TEXT (all of it when shorter), each indented. */
static char *
tail_lines (const char *text, guint n)
{
  if (text == NULL)
    return g_strdup ("");
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint len = g_strv_length (lines);
  while (len > 0 && lines[len - 1][0] == '\0')
    len--;
  guint first = len > n ? len - n : 0;
  GString *s = g_string_new (NULL);
  for (guint i = first; i < len; i++)
    {
      g_strchomp (lines[i]);
      g_string_append_printf (s, "  %s\n", lines[i]);
    }
  return g_string_free (s, FALSE);
}

static gboolean
console_has_panic (const char *text, char **panic_line)
{
  if (text == NULL)
    return FALSE;
  *panic_line = ktstr_console_line_with (text, KTSTR_CONSOLE_PANIC_MARK);
  return *panic_line != NULL;
}

static const char *
init_stage (const KtstrSession *s)
{
  if (!s->has_hello)
    return "the guest agent never started (no hello on the control port)";
  if (s->topo == NULL)
    return "the agent started but did not report the topology";
  if (s->is_done)
    return "the scenario finished";
  if (s->workers->len > 0)
    return "workers reported, but the agent did not finish";
  return "the agent started but the scenario produced no result";
}

/* Every reason has a kind (expect-err.h), KINDS[i] for REASONS[i]: the
 * reasons added since the last call are of kind KIND. */
static void
tag (GPtrArray *kinds, const GPtrArray *reasons, const char *kind)
{
  while (kinds->len < reasons->len)
    g_ptr_array_add (kinds, (gpointer)kind);
}

static const char *
detail_kind_name (KtstrDetailKind kind)
{
  switch (kind)
    {
    case KTSTR_DETAIL_STARVED:
      return "starved";
    case KTSTR_DETAIL_STUCK:
      return "stuck";
    case KTSTR_DETAIL_UNFAIR:
      return "unfair";
    case KTSTR_DETAIL_ISOLATION:
      return "isolation";
    case KTSTR_DETAIL_BENCHMARK:
      return "benchmark";
    case KTSTR_DETAIL_MIGRATION:
      return "migration";
    case KTSTR_DETAIL_PAGE_LOCALITY:
      return "page_locality";
    case KTSTR_DETAIL_CROSS_NODE_MIGRATION:
      return "cross_node_migration";
    case KTSTR_DETAIL_SLOW_TIER:
      return "slow_tier";
    case KTSTR_DETAIL_MONITOR:
      return "monitor";
    case KTSTR_DETAIL_SCHEDULER_DIED:
      return "scheduler_died";
    case KTSTR_DETAIL_SKIP:
    case KTSTR_DETAIL_OTHER:
    default:
      return "other";
    }
}

/* The kind of a reason about the scheduler once it was ready. */
static const char *
sched_run_kind (const char *reason)
{
  return g_str_has_prefix (reason, "scheduler did not detach") ? "scheduler_not_detached"
                                                               : "scheduler_died";
}

/* The kind of an agent error: a kernel-built-in scheduler's enable or
 * disable action that failed (the agent's "built-in scheduler enable: "
 * and "... disable: ") is the scheduler's failure, anything else the
 * scenario's. */
static const char *
builtin_error_kind (const char *error)
{
  if (g_str_has_prefix (error, "built-in scheduler enable"))
    return "scheduler_start";
  if (g_str_has_prefix (error, "built-in scheduler disable"))
    return "scheduler_not_detached";
  return "scenario_error";
}

/* Runs the checks cgroup by cgroup and folds the stats. */
static void
evaluate_checks (const KtstrTestDef *def, const KtstrSession *s, KtstrScenarioStats *stats,
                 GPtrArray *details, GPtrArray *reasons, GPtrArray *kinds)
{
  KtstrChecks checks;
  g_autoptr (GError) error = NULL;
  if (!ktstr_checks_resolve (s->sched->checks, def->path, def->keyfile, &checks, NULL, &error))
    {
      g_ptr_array_add (reasons, g_strdup (error->message));
      tag (kinds, reasons, "other");
      return;
    }

  /* Every cgroup whose workers report: the file's, those of AddCgroup
   * ops and "_host" of SpawnHost, each with its works and Spawn ops. */
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) counts = g_array_new (FALSE, FALSE, sizeof (guint));
  ktstr_testdef_expected_workers (def, names, counts);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autoptr (GPtrArray) reports = g_ptr_array_new ();
      guint expected = g_array_index (counts, guint, i);
      for (guint j = 0; j < s->workers->len; j++)
        {
          KtstrWorkerReport *w = s->workers->pdata[j];
          if (g_str_equal (w->cgroup, name))
            g_ptr_array_add (reports, w);
        }
      if (reports->len != expected)
        g_ptr_array_add (reasons, g_strdup_printf ("cgroup %s: %u of %u workers reported", name,
                                                   reports->len, expected));
      tag (kinds, reasons, "workers_missing");
      if (reports->len == 0)
        continue;
      KtstrCgroupStats *cs = ktstr_aggregate_cgroup (name, reports);
      const char *cpuset = ktstr_session_cgroup_cpuset (s, name);
      g_autoptr (GArray) nodes = ktstr_cpuset_numa_nodes (s->topo, cpuset);
      ktstr_aggregate_page_locality (cs, reports, nodes);
      ktstr_checks_evaluate (&checks, name, cpuset, reports, cs, details);
      ktstr_scenario_stats_add_cgroup (stats, cs);
    }
}

/* Metrics and checks of every payload run the guest reported, and a
 * reason for each RunPayload whose payload never reported. */
static void
evaluate_payloads (const KtstrTestDef *def, const KtstrSession *s, GPtrArray *metrics,
                   GPtrArray *reasons)
{
  for (guint i = 0; i < s->payloads->len; i++)
    {
      const KtstrPayloadResult *r = s->payloads->pdata[i];
      const KtstrPayloadDef *pd = ktstr_testdef_find_payload (def, r->name);
      if (pd == NULL)
        {
          g_ptr_array_add (reasons, g_strdup_printf ("payload %s: not in the test file", r->name));
          continue;
        }
      g_ptr_array_add (metrics, ktstr_payload_evaluate (pd, r, i, reasons));
    }
}

static void
append_diagnostics (GString *out, const KtstrSession *s, const KtstrVmResult *vm,
                    const char *console_text, const char *backend_error)
{
  g_string_append (out, "--- diagnostics ---\n");
  g_string_append_printf (out, "  init stage: %s\n", init_stage (s));
  g_string_append_printf (out, "  vm end: %s%s%s\n", ktstr_vm_end_to_string (vm->end),
                          vm->end_detail ? " — " : "", vm->end_detail ? vm->end_detail : "");
  if (backend_error != NULL)
    g_string_append_printf (out, "  backend: %s\n", backend_error);
  if (vm->accel != NULL)
    g_string_append_printf (out, "  accelerator: %s\n", vm->accel);
  for (guint i = 0; i < s->bad_lines->len; i++)
    g_string_append_printf (out, "  protocol: %s\n", (char *)s->bad_lines->pdata[i]);
  if (s->bad_lines_dropped > 0)
    g_string_append_printf (out, "  protocol: %" G_GUINT64_FORMAT " more bad lines, not kept\n",
                            s->bad_lines_dropped);
  for (guint i = 0; i < s->logs->len; i++)
    g_string_append_printf (out, "  agent log: %s\n", (char *)s->logs->pdata[i]);
  if (s->logs_dropped > 0)
    g_string_append_printf (out, "  agent log: %" G_GUINT64_FORMAT " more lines, not kept\n",
                            s->logs_dropped);
  if (s->errors_dropped > 0)
    g_string_append_printf (out, "  agent errors: %" G_GUINT64_FORMAT " more, not kept\n",
                            s->errors_dropped);
  if (vm->command_line != NULL)
    g_string_append_printf (out, "  reproduce: %s\n", vm->command_line);
  g_autofree char *tail = tail_lines (console_text, CONSOLE_TAIL_LINES);
  g_string_append_printf (out, "  last console lines:\n%s", *tail ? tail : "  (console empty)\n");
}

/* The agent's events with the monitor's (EXTRA, in time order) among them. */
static void
append_timeline (GString *out, const KtstrSession *s, const GPtrArray *extra)
{
  if (s->stimuli->len + extra->len == 0)
    return;
  g_string_append (out, "--- timeline ---\n");
  guint next_extra = 0;
  for (guint i = 0; i <= s->stimuli->len; i++)
    {
      const KtstrStimulusEvent *agent = i < s->stimuli->len ? s->stimuli->pdata[i] : NULL;
      for (; next_extra < extra->len; next_extra++)
        {
          const KtstrStimulusEvent *m = extra->pdata[next_extra];
          if (agent != NULL && m->elapsed_ms >= agent->elapsed_ms)
            break;
          g_string_append_printf (out, "  +%" G_GUINT64_FORMAT "ms %s %s (%s)\n", m->elapsed_ms,
                                  m->label, m->op_kind, m->detail);
        }
      if (agent == NULL)
        break;
      const KtstrStimulusEvent *ev = agent;
      g_string_append_printf (out, "  +%" G_GUINT64_FORMAT "ms %s", ev->elapsed_ms, ev->label);
      if (ev->op_kind)
        g_string_append_printf (out, " %s", ev->op_kind);
      if (ev->detail)
        g_string_append_printf (out, " (%s)", ev->detail);
      if (ev->has_total_iterations)
        g_string_append_printf (out, " iterations=%" G_GUINT64_FORMAT, ev->total_iterations);
      g_string_append_c (out, '\n');
    }
}

/* When the host deadline passed because the boot left too little of it
 * for the scenario (a short --timeout, a slow boot), that, not a hang, is
 * what happened: the reason, else NULL. */
static char *
deadline_too_short (const KtstrTestDef *def, const KtstrSession *s, const KtstrVmResult *vm)
{
  if (!s->has_hello || s->hello_us <= vm->launch_us || vm->launch_us <= 0
      || vm->end_us < s->hello_us)
    return NULL;
  gint64 scenario_ms = (gint64)def->settle_ms + (gint64)ktstr_testdef_run_ms (def);
  gint64 left_ms = (vm->end_us - s->hello_us) / 1000;
  if (left_ms >= scenario_ms)
    return NULL;
  return g_strdup_printf ("deadline too short: the boot took %.1f s of the %.1f s host deadline, "
                          "leaving %.1f s for a scenario of %.1f s; give a longer --timeout (or "
                          "leave it out)",
                          (s->hello_us - vm->launch_us) / 1e6, (vm->end_us - vm->launch_us) / 1e6,
                          left_ms / 1e3, scenario_ms / 1e3);
}

KtstrVerdict *
ktstr_verdict_decide (const KtstrTestDef *def, const KtstrTopology *topology, const KtstrSession *s,
                      const KtstrVmResult *vm, const char *console_text, const char *backend_error)
{
  g_autoptr (KtstrVerdict) v = g_new0 (KtstrVerdict, 1);
  g_autoptr (GPtrArray) reasons = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) details = ktstr_details_new ();
  g_autofree char *panic_line = NULL;
  g_autofree char *short_deadline = NULL;
  v->stats = ktstr_scenario_stats_new ();
  v->payload_metrics = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_payload_metrics_free);
  /* The monitor's judgement; its reasons count once the scenario ran. */
  g_autoptr (KtstrMonitorJudgement) monitor
      = s->monitor != NULL ? ktstr_monitor_judge (s->monitor) : NULL;
  v->monitor_events
      = monitor != NULL
            ? g_ptr_array_ref (monitor->events)
            : g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stimulus_event_free);

  /* The scheduler under test: start failures replace the scenario's
   * verdicts; a death during the run fails the test on top of them. */
  const KtstrSchedRecord *sched = s->sched;
  const char *sched_console = sched->is_expected ? console_text : NULL;
  g_autofree char *sched_start = ktstr_sched_verdict_start (sched, sched_console);
  v->scheduler_exit = ktstr_sched_exit_to_json (sched, sched_console);
  g_autofree char *sched_run = ktstr_sched_verdict_run (sched, sched_console);
  g_autofree char *while_sched
      = sched->is_ready
            ? g_strdup_printf (" while scheduler '%s' was running", sched->ops ? sched->ops : "?")
            : g_strdup ("");

  /* The console's panic line, when there is one, says more than pvpanic's
   * bare event, so it is looked for even when the platform reported one. */
  g_autoptr (GPtrArray) kinds = g_ptr_array_new ();
  gboolean console_panicked = console_has_panic (console_text, &panic_line);
  if (vm->end == KTSTR_VM_END_PANIC || console_panicked)
    {
      g_ptr_array_add (
          reasons,
          g_strdup_printf ("kernel panic%s: %s", while_sched,
                           panic_line ? panic_line : "reported by the platform (pvpanic)"));
      tag (kinds, reasons, "panic");
    }
  else if (backend_error != NULL && vm->end == KTSTR_VM_END_NONE)
    {
      g_ptr_array_add (reasons, g_strdup_printf ("the VM could not run: %s", backend_error));
      tag (kinds, reasons, "vm_error");
    }
  else if (!s->has_hello)
    {
      g_ptr_array_add (
          reasons, g_strdup_printf ("boot failure: the guest agent never said hello (vm end: %s)",
                                    ktstr_vm_end_to_string (vm->end)));
      tag (kinds, reasons, "boot_failure");
    }
  else if (sched_start != NULL)
    {
      g_ptr_array_add (reasons, g_steal_pointer (&sched_start));
      tag (kinds, reasons, "scheduler_start");
    }
  else if (vm->end == KTSTR_VM_END_TIMEOUT && !s->is_done
           && (short_deadline = deadline_too_short (def, s, vm)) != NULL)
    {
      g_ptr_array_add (reasons, g_steal_pointer (&short_deadline));
      tag (kinds, reasons, "deadline_too_short");
    }
  else if (vm->end == KTSTR_VM_END_TIMEOUT && !s->is_done)
    {
      g_ptr_array_add (reasons, g_strdup_printf ("hang%s: the guest did not finish before the host "
                                                 "deadline; the VM was killed",
                                                 while_sched));
      tag (kinds, reasons, "hang");
    }
  /* The guard kills every guest process as it fires, the scheduler too: a
   * scheduler still running then did not end the run, running out of time
   * did.  One that had died before it is the cause (next branch). */
  else if (s->guard_error != NULL && !s->was_sched_dead_at_guard)
    {
      g_ptr_array_add (reasons, g_strdup_printf ("hang%s: the guest did not finish in time; %s",
                                                 while_sched, s->guard_error));
      tag (kinds, reasons, "hang");
      for (guint i = 0; i < s->errors->len; i++)
        if (!g_str_equal (s->errors->pdata[i], s->guard_error))
          g_ptr_array_add (reasons,
                           g_strdup_printf ("scenario error: %s", (char *)s->errors->pdata[i]));
      tag (kinds, reasons, "scenario_error");
    }
  else if (sched_run != NULL && (s->errors->len > 0 || !s->is_done))
    {
      const char *kind = sched_run_kind (sched_run);
      g_ptr_array_add (reasons, g_steal_pointer (&sched_run));
      tag (kinds, reasons, kind);
    }
  else if (s->errors->len > 0)
    {
      for (guint i = 0; i < s->errors->len; i++)
        {
          const char *e = s->errors->pdata[i];
          g_ptr_array_add (reasons, g_strdup_printf ("scenario error: %s", e));
          tag (kinds, reasons, builtin_error_kind (e));
        }
    }
  else if (!s->is_done)
    {
      g_ptr_array_add (reasons,
                       g_strdup_printf ("incomplete%s: the VM ended (%s) before the agent said "
                                        "done",
                                        while_sched, ktstr_vm_end_to_string (vm->end)));
      tag (kinds, reasons, "incomplete");
    }
  else
    {
      g_autofree char *topo_msg = NULL;
      if (sched_run != NULL)
        {
          const char *kind = sched_run_kind (sched_run);
          g_ptr_array_add (reasons, g_steal_pointer (&sched_run));
          tag (kinds, reasons, kind);
        }
      if (s->topo == NULL)
        g_ptr_array_add (reasons, g_strdup ("the guest agent never reported its topology"));
      else if (!ktstr_topology_check (topology, s->topo, &topo_msg))
        g_ptr_array_add (reasons, g_strdup_printf ("topology mismatch: %s", topo_msg));
      tag (kinds, reasons, "topology");
      evaluate_checks (def, s, v->stats, details, reasons, kinds);
      evaluate_payloads (def, s, v->payload_metrics, reasons);
      tag (kinds, reasons, "payload");
      for (guint i = 0; monitor != NULL && i < monitor->reasons->len; i++)
        g_ptr_array_add (reasons, g_strdup (monitor->reasons->pdata[i]));
      tag (kinds, reasons, "monitor");
    }

  /* Whatever else happened, a guest that flooded the control channel did
   * not run the test as written, and the host dropped part of what it said. */
  if (s->is_flooded)
    g_ptr_array_add (reasons,
                     g_strdup_printf ("control channel flood: the guest sent more than %d MiB of "
                                      "control lines; the host kept the first %d MiB and dropped "
                                      "%" G_GUINT64_FORMAT " lines (%" G_GUINT64_FORMAT " bytes)",
                                      KTSTR_PROTO_SESSION_MAX >> 20, KTSTR_PROTO_SESSION_MAX >> 20,
                                      s->lines_dropped, s->bytes_dropped));
  tag (kinds, reasons, "flood");
  /* The teardown is measured only when the VM ended by itself (a VM the
   * deadline killed failed already). */
  if (def->cleanup_budget_ms > 0 && vm->cleanup_ms > (gint64)def->cleanup_budget_ms)
    g_ptr_array_add (
        reasons, g_strdup_printf ("cleanup over budget: tearing the VM down took %" G_GINT64_FORMAT
                                  " ms, more than cleanup_budget_ms %u",
                                  vm->cleanup_ms, def->cleanup_budget_ms));
  tag (kinds, reasons, "cleanup_budget");
  for (guint i = 0; i < details->len; i++)
    {
      const KtstrDetail *d = details->pdata[i];
      g_ptr_array_add (reasons, g_strdup (d->message));
      tag (kinds, reasons, detail_kind_name (d->kind));
    }
  if (reasons->len == 0 && def->expect_err == NULL)
    {
      v->outcome = KTSTR_OUTCOME_PASS;
      return g_steal_pointer (&v);
    }

  /* A negative test: the expected failure makes it pass, its absence
   * fails it, named first. */
  gint expected_at = -1;
  for (guint i = 0; def->expect_err != NULL && i < reasons->len && expected_at < 0; i++)
    if (ktstr_expect_err_matches (def->expect_err, kinds->pdata[i]))
      expected_at = (gint)i;
  if (def->expect_err != NULL && expected_at < 0)
    g_ptr_array_insert (
        reasons, 0,
        g_strdup_printf ("expected error %s did not happen (expect_err)", def->expect_err));

  char topo_label[64];
  v->outcome = expected_at >= 0 ? KTSTR_OUTCOME_PASS : KTSTR_OUTCOME_FAIL;
  v->summary = expected_at >= 0
                   ? g_strdup_printf ("expected error %s happened: %s", def->expect_err,
                                      (char *)reasons->pdata[expected_at])
                   : g_strdup (reasons->pdata[0]);
  GString *r = g_string_new (NULL);
  if (expected_at >= 0)
    g_string_append_printf (
        r, "ktstr test '%s' [topo=%s] passed: expected error %s happened:\n", def->name,
        ktstr_topology_format (topology, topo_label, sizeof topo_label), def->expect_err);
  else
    g_string_append_printf (r, "ktstr test '%s' [topo=%s] failed:\n", def->name,
                            ktstr_topology_format (topology, topo_label, sizeof topo_label));
  for (guint i = 0; i < reasons->len; i++)
    g_string_append_printf (r, "  %s\n", (char *)reasons->pdata[i]);
  g_autofree char *stats_block = ktstr_eval_format_stats (v->stats);
  g_string_append (r, stats_block);
  if (s->monitor != NULL)
    {
      g_autofree char *section
          = ktstr_monitor_format_section (s->monitor, monitor ? monitor->eval : NULL);
      g_string_append (r, section);
    }
  ktstr_sched_report_append (r, sched, console_text);
  append_diagnostics (r, s, vm, console_text, backend_error);
  append_timeline (r, s, v->monitor_events);
  v->report = g_string_free (r, FALSE);
  return g_steal_pointer (&v);
}
