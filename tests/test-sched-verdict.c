/* Host side of the scheduler under test: the guest's messages fed into a
 * session, the verdicts decided from them, the exit kinds, and the
 * verifier-log cycle collapse. */
#include "config.h"

#include <string.h>

#include "sched/sched-verdict.h"
#include "run/session.h"
#include "sched/verifier-log.h"

static KtstrSession *
session_from (const char *const *lines)
{
  KtstrSession *s = ktstr_session_new ();
  for (const char *const *l = lines; *l; l++)
    ktstr_session_feed (s, *l);
  return s;
}

static void
test_collapse (void)
{
  const char *lines[] = { "0: (b7) r0 = 0",
                          "1: (07) r1 += 1 ; R1_w=1",
                          "2: (05) goto pc-2",
                          "1: (07) r1 += 1 ; R1_w=2",
                          "2: (05) goto pc-2",
                          "1: (07) r1 += 1 ; R1_w=3",
                          "2: (05) goto pc-2",
                          "1: (07) r1 += 1 ; R1_w=4",
                          "2: (05) goto pc-2",
                          "infinite loop detected at insn 1",
                          NULL };
  g_autofree char *out = ktstr_verifier_log_collapse (lines);
  g_assert_cmpstr (out, ==,
                   "0: (b7) r0 = 0\n"
                   "1: (07) r1 += 1 ; R1_w=1\n"
                   "2: (05) goto pc-2\n"
                   "... the 2 lines above repeated 3 more times ...\n"
                   "infinite loop detected at insn 1\n");
  const char *plain[] = { "a", "b", "c", NULL };
  g_autofree char *same = ktstr_verifier_log_collapse (plain);
  g_assert_cmpstr (same, ==, "a\nb\nc\n");
}

static void
test_extract (void)
{
  g_autoptr (GPtrArray) log = g_ptr_array_new ();
  g_ptr_array_add (log, "starting");
  g_ptr_array_add (log, "libbpf: prog 'x_dispatch': BPF program load failed: Permission denied");
  g_ptr_array_add (log, "libbpf: prog 'x_dispatch': -- BEGIN PROG LOAD LOG --");
  g_ptr_array_add (log, "0: R1=ctx() R10=fp0");
  g_ptr_array_add (log, "R1 invalid mem access 'scalar'");
  g_ptr_array_add (log, "libbpf: prog 'x_dispatch': -- END PROG LOAD LOG --");
  g_assert_true (ktstr_verifier_log_has_load_failure (log));
  g_autofree char *v = ktstr_verifier_log_extract (log);
  g_assert_cmpstr (v, ==, "0: R1=ctx() R10=fp0\nR1 invalid mem access 'scalar'\n");
  g_autoptr (GPtrArray) fine = g_ptr_array_new ();
  g_ptr_array_add (fine, "local=2 global=4");
  g_assert_null (ktstr_verifier_log_extract (fine));
}

static void
test_exit_kinds (void)
{
  g_assert_cmpint (ktstr_sched_exit_kind ("runnable task stall"), ==, 1026);
  g_assert_cmpint (ktstr_sched_exit_kind ("scx_bpf_error"), ==, 1025);
  g_assert_cmpint (ktstr_sched_exit_kind ("unregistered from user space"), ==, 64);
  g_assert_cmpint (ktstr_sched_exit_kind ("something new"), ==, -1);
}

static void
test_died_during_run (void)
{
  const char *lines[] = {
    "{\"t\":\"hello\",\"proto\":1,\"uptime_ms\":1,\"kernel\":\"6.12\"}",
    "{\"t\":\"sched\",\"ev\":\"started\",\"elapsed_ms\":0,\"state\":\"disabled\",\"ops\":\"\"}",
    "{\"t\":\"sched\",\"ev\":\"ready\",\"elapsed_ms\":300,\"state\":\"enabled\",\"ops\":\"qmap\","
    "\"attached\":true}",
    "{\"t\":\"verifier\",\"prog\":\"qmap_enqueue\",\"id\":7,\"verified_insns\":1234}",
    "{\"t\":\"log\",\"src\":\"kernel\",\"msg\":\"sched_ext: BPF scheduler \\\"qmap\\\" disabled "
    "(runnable task stall)\"}",
    "{\"t\":\"log\",\"src\":\"kernel\",\"msg\":\"sched_ext: qmap: init[1] failed to run for "
    "5.1s\"}",
    "{\"t\":\"log\",\"src\":\"scheduler\",\"msg\":\"EXIT: runnable task stall\"}",
    "{\"t\":\"log\",\"src\":\"init\",\"msg\":\"not the scheduler's\"}",
    "{\"t\":\"sched\",\"ev\":\"exit\",\"elapsed_ms\":8000,\"exit\":\"exited:0\",\"state\":"
    "\"disabled\",\"ops\":\"\"}",
    NULL
  };
  g_autoptr (KtstrSession) s = session_from (lines);
  KtstrSchedRecord *rec = s->sched;
  g_assert_true (rec->is_expected && rec->is_ready && rec->has_exited);
  g_assert_cmpuint (rec->verifier->len, ==, 1);
  g_assert_cmpuint (rec->kernel->len, ==, 2);
  g_assert_cmpuint (rec->log->len, ==, 1);
  g_assert_cmpuint (s->logs->len, ==, 1); /* the init line stays with the agent's */
  g_assert_null (ktstr_sched_verdict_start (rec, NULL));
  g_autofree char *run = ktstr_sched_verdict_run (rec, NULL);
  g_assert_nonnull (run);
  g_assert_true (g_str_has_prefix (run, "scheduler died during the run"));
  g_assert_nonnull (strstr (run, "exited:0"));
  g_assert_nonnull (strstr (run, "runnable task stall (kind 1026): init[1] failed to run"));
  g_autofree char *name = ktstr_sched_record_name (rec, NULL, "/x/scx_qmap");
  g_assert_cmpstr (name, ==, "qmap");
  g_autofree char *def = ktstr_sched_record_name (rec, "mydef", "/x/scx_qmap");
  g_assert_cmpstr (def, ==, "mydef");

  GString *report = g_string_new (NULL);
  ktstr_sched_report_append (report, rec, NULL);
  g_assert_nonnull (strstr (report->str, "--- scheduler log ---"));
  g_assert_nonnull (strstr (report->str, "--- sched_ext dump ---"));
  g_assert_nonnull (strstr (report->str, "--- console ---"));
  g_string_free (report, TRUE);
}

/* The agent starved by the stall could not report the scheduler's end; the
 * kernel log alone shows an error exit.  An unregister is a normal end. */
static void
test_died_seen_only_in_kernel_log (void)
{
  const char *lines[] = {
    "{\"t\":\"hello\",\"proto\":1,\"uptime_ms\":1,\"kernel\":\"6.12\"}",
    "{\"t\":\"sched\",\"ev\":\"ready\",\"elapsed_ms\":300,\"state\":\"enabled\",\"ops\":\"qmap\","
    "\"attached\":true}",
    "{\"t\":\"error\",\"msg\":\"moving worker 1 (pid 72) into cgroup 'cg_1': timed out\"}", NULL
  };
  g_autoptr (KtstrSession) s = session_from (lines);
  const char *stall = "[ 10.4] sched_ext: BPF scheduler \"qmap\" disabled (runnable task stall)\n"
                      "[ 10.4] sched_ext: qmap: init[1] failed to run for 6.909s\n";
  g_autofree char *run = ktstr_sched_verdict_run (s->sched, stall);
  g_assert_nonnull (run);
  g_assert_true (g_str_has_prefix (run, "scheduler died during the run: the kernel disabled it"));
  g_assert_nonnull (strstr (run, "runnable task stall (kind 1026): init[1] failed to run"));

  const char *unreg
      = "[ 9.0] sched_ext: BPF scheduler \"qmap\" disabled (unregistered from user space)\n";
  g_assert_null (ktstr_sched_verdict_run (s->sched, unreg));
  g_assert_null (ktstr_sched_verdict_run (s->sched, NULL));
}

static void
test_start_failures (void)
{
#define NOT_READY                                                                                  \
  "{\"t\":\"sched\",\"ev\":\"not_ready\",\"elapsed_ms\":10,\"state\":\"disabled\",\"ops\":\"\","   \
  "\"why\":\"W\",\"exit\":\"%s\",\"attached\":%s}"
  struct
  {
    const char *exit, *attached, *log, *want;
  } cases[] = {
    { "exited:1", "false", "libbpf: prog 'a': BPF program load failed: Invalid argument",
      "scheduler failed to load: W" },
    { "exited:0", "false", "hello", "scheduler not ready: W" },
    { "", "false", "hello", "scheduler not ready: W" },
    { "exited:1", "true", "hello", "scheduler died while starting: W" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ev = g_strdup_printf (NOT_READY, cases[i].exit, cases[i].attached);
      g_autofree char *log
          = g_strdup_printf ("{\"t\":\"log\",\"src\":\"scheduler\",\"msg\":\"%s\"}", cases[i].log);
      const char *lines[] = { log, ev, NULL };
      g_autoptr (KtstrSession) s = session_from (lines);
      g_autofree char *v = ktstr_sched_verdict_start (s->sched, NULL);
      g_assert_nonnull (v);
      g_assert_true (g_str_has_prefix (v, cases[i].want));
      g_assert_null (ktstr_sched_verdict_run (s->sched, NULL));
    }
  const char *unsup[]
      = { "{\"t\":\"sched\",\"ev\":\"unsupported\",\"why\":\"no sched_ext\"}", NULL };
  g_autoptr (KtstrSession) s = session_from (unsup);
  g_autofree char *v = ktstr_sched_verdict_start (s->sched, NULL);
  g_assert_true (g_str_has_prefix (v, "scheduler: no sched_ext"));
}

/* scx_bpf_error() in ops.init: the loader saw "attached", then the
 * process ended before sched_ext enabled it; the kernel's log says why,
 * and that is the headline and the sidecar's scheduler_exit. */
static void
test_kernel_disabled_while_starting (void)
{
  const char *lines[] = {
    "{\"t\":\"log\",\"src\":\"scheduler\",\"msg\":\"EXIT: scx_bpf_error (init failed) [kind "
    "1025]\"}",
    "{\"t\":\"log\",\"src\":\"kernel\",\"msg\":\"sched_ext: BPF scheduler \\\"ktstr\\\" "
    "disabled (scx_bpf_error)\"}",
    "{\"t\":\"log\",\"src\":\"kernel\",\"msg\":\"sched_ext: ktstr: init failed on purpose\"}",
    "{\"t\":\"sched\",\"ev\":\"not_ready\",\"elapsed_ms\":10,\"state\":\"disabled\",\"ops\":\"\","
    "\"why\":\"the scheduler process ended (exited:1) before sched_ext enabled it\",\"exit\":"
    "\"exited:1\",\"attached\":false}",
    NULL
  };
  g_autoptr (KtstrSession) s = session_from (lines);
  s->sched->is_expected = TRUE;
  g_autofree char *v = ktstr_sched_verdict_start (s->sched, NULL);
  g_assert_cmpstr (v, ==,
                   "scheduler not ready: the kernel disabled it: scx_bpf_error (kind 1025): init "
                   "failed on purpose; the scheduler process ended (exited:1) before sched_ext "
                   "enabled it");
  g_autoptr (JsonNode) rec = ktstr_sched_exit_to_json (s->sched, NULL);
  JsonObject *o = json_node_get_object (rec);
  g_assert_cmpint (json_object_get_int_member (o, "kind"), ==, 1025);
  g_assert_cmpstr (json_object_get_string_member (o, "reason"), ==, "scx_bpf_error");
  g_assert_cmpstr (json_object_get_string_member (o, "message"), ==, "init failed on purpose");

  /* A normal unregister is no such exit. */
  const char *normal[] = { "{\"t\":\"log\",\"src\":\"kernel\",\"msg\":\"sched_ext: BPF "
                           "scheduler \\\"simple\\\" disabled (unregistered from user space)\"}",
                           NULL };
  g_autoptr (KtstrSession) n = session_from (normal);
  n->sched->is_expected = TRUE;
  g_assert_null (ktstr_sched_exit_to_json (n->sched, NULL));
}

static void
test_not_detached (void)
{
  const char *lines[]
      = { "{\"t\":\"sched\",\"ev\":\"ready\",\"ops\":\"x\",\"attached\":true}",
          "{\"t\":\"sched\",\"ev\":\"stopped\",\"exit\":\"signaled:9\",\"by\":\"ktstr\","
          "\"detached\":false}",
          NULL };
  g_autoptr (KtstrSession) s = session_from (lines);
  g_autofree char *v = ktstr_sched_verdict_run (s->sched, NULL);
  g_assert_true (g_str_has_prefix (v, "scheduler did not detach"));
  const char *ok[] = { "{\"t\":\"sched\",\"ev\":\"ready\",\"ops\":\"x\",\"attached\":true}",
                       "{\"t\":\"sched\",\"ev\":\"stopped\",\"exit\":\"exited:0\",\"by\":\"ktstr\","
                       "\"detached\":true}",
                       NULL };
  g_autoptr (KtstrSession) s2 = session_from (ok);
  g_assert_null (ktstr_sched_verdict_run (s2->sched, NULL));
}

/* "done" carries the agent's own CPU time over the scenario; an agent
 * that sends none leaves it unknown. */
static void
test_session_done_agent_cpu (void)
{
  const char *lines[]
      = { "{\"t\":\"done\",\"elapsed_ms\":2031,\"agent_cpu_ns\":4500000,\"agent_span_ms\":2000}",
          NULL };
  g_autoptr (KtstrSession) s = session_from (lines);
  g_assert_true (s->is_done);
  g_assert_true (s->has_agent_cpu);
  g_assert_cmpuint (s->agent_cpu_ns, ==, 4500000);
  g_assert_cmpuint (s->agent_span_ms, ==, 2000);
  g_assert_cmpuint (s->bad_lines->len, ==, 0);
  const char *old[] = { "{\"t\":\"done\",\"elapsed_ms\":7}", NULL };
  g_autoptr (KtstrSession) o = session_from (old);
  g_assert_true (o->is_done);
  g_assert_false (o->has_agent_cpu);
}

/* The agent's guard timer kills every guest process as it fires: its
 * "error" is remembered with whether the scheduler had died before it
 * (its own death) or after (killed by the guard). */
static void
test_session_guard (void)
{
  const char *ready = "{\"t\":\"sched\",\"ev\":\"ready\",\"ops\":\"x\",\"attached\":true}";
  const char *guard = "{\"t\":\"error\",\"msg\":\"guard timer (20000 ms) expired while running "
                      "workers; powering off\"}";
  const char *died = "{\"t\":\"sched\",\"ev\":\"exit\",\"exit\":\"signaled:9\"}";
  const char *killed[] = { ready, guard, died, NULL };
  g_autoptr (KtstrSession) s = session_from (killed);
  g_assert_cmpstr (s->guard_error, ==,
                   "guard timer (20000 ms) expired while running workers; powering off");
  g_assert_cmpuint (s->errors->len, ==, 1);
  g_assert_true (s->sched->has_exited);
  g_assert_false (s->was_sched_dead_at_guard);
  const char *before[] = { ready, died, guard, NULL };
  g_autoptr (KtstrSession) b = session_from (before);
  g_assert_nonnull (b->guard_error);
  g_assert_true (b->was_sched_dead_at_guard);
  const char *other[] = { "{\"t\":\"error\",\"msg\":\"cgroup a: mkdir failed\"}", NULL };
  g_autoptr (KtstrSession) o = session_from (other);
  g_assert_null (o->guard_error);
  g_assert_cmpuint (o->errors->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/done/agent-cpu", test_session_done_agent_cpu);
  g_test_add_func ("/sched/verifier-log/collapse", test_collapse);
  g_test_add_func ("/sched/verifier-log/extract", test_extract);
  g_test_add_func ("/sched/exit-kinds", test_exit_kinds);
  g_test_add_func ("/sched/verdict/died-during-run", test_died_during_run);
  g_test_add_func ("/sched/verdict/start-failures", test_start_failures);
  g_test_add_func ("/sched/verdict/died-in-kernel-log", test_died_seen_only_in_kernel_log);
  g_test_add_func ("/sched/verdict/not-detached", test_not_detached);
  g_test_add_func ("/sched/verdict/kernel-disabled-while-starting",
                   test_kernel_disabled_while_starting);
  g_test_add_func ("/session/guard", test_session_guard);
  return g_test_run ();
}
