/* Auto-repro's host side without a VM (run/auto-repro.h): whether a run
 * calls for a second boot, the call chain read from a console, the
 * tracer's plan line, and reading, rendering and recording its output. */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "common/plan.h"
#include "run/auto-repro.h"
#include "util/json-util.h"

/* What the 6.12 fixture kernel printed when the fixture scheduler's
 * error knob fired in ops.dispatch. */
static const char sched_error_console[]
    = "[    3.731131] sched_ext: BPF scheduler \"ktstr\" enabled\n"
      "[    4.891087] sched_ext: BPF scheduler \"ktstr\" disabled (scx_bpf_error)\n"
      "[    4.893803] sched_ext: ktstr: error knob fired after 1 s\n"
      "[    4.894137]    scx_bpf_error_bstr+0x66/0x80\n"
      "[    4.894730]    bpf_prog_6c29c8f8649ed490_ktstr_dispatch+0x90/0xa3\n"
      "[    4.894966]    bpf__sched_ext_ops_dispatch+0x4b/0xa7\n"
      "[    4.895399]    balance_one+0x13a/0x320\n"
      "[    4.895567]    balance_scx+0x35/0x170\n"
      "[    4.895725]    prev_balance+0x49/0xb0\n"
      "[    4.895879]    __pick_next_task+0x6b/0x190\n"
      "[    4.896040]    __schedule+0x1a9/0x1210\n"
      "[    4.896376]    schedule+0x27/0xc0\n"
      "[    4.897100]    do_syscall_64+0x9e/0x1c0\n"
      "[    4.897356]    entry_SYSCALL_64_after_hwframe+0x77/0x7f\n"
      "[    4.923819] scx_ktstr (63) used greatest stack depth: 13408 bytes left\n";

static void
test_call_chain_sched_error (void)
{
  g_auto (GStrv) funcs = NULL;
  g_auto (GStrv) progs = NULL;
  g_assert_true (ktstr_auto_repro_call_chain (sched_error_console, &funcs, &progs));
  /* Innermost first, the trampoline and the syscall entry left out, at
   * most KTSTR_AUTO_REPRO_MAX_KPROBES. */
  const char *const want[] = { "scx_bpf_error_bstr", "balance_one", "balance_scx", "prev_balance",
                               "__pick_next_task",   "__schedule",  NULL };
  g_assert_cmpuint (KTSTR_AUTO_REPRO_MAX_KPROBES, ==, 6);
  g_assert_true (g_strv_equal ((const char *const *)funcs, want));
  const char *const want_progs[] = { "ktstr_dispatch", NULL };
  g_assert_true (g_strv_equal ((const char *const *)progs, want_progs));
}

/* An oops: "Call Trace:", <TASK> markers, unreliable "? " frames and a
 * module's name after a frame; the frames end at the first other line. */
static void
test_call_chain_oops (void)
{
  static const char console[] = "[    9.1] BUG: kernel NULL pointer dereference, address: 0\n"
                                "[    9.2] Call Trace:\n"
                                "[    9.2]  <TASK>\n"
                                "[    9.2]  ? __die+0x20/0x70\n"
                                "[    9.2]  my_func.constprop.0+0x12/0x40 [my_mod]\n"
                                "[    9.2]  caller+0x1/0x2\n"
                                "[    9.2]  </TASK>\n"
                                "[    9.3] Modules linked in: my_mod\n"
                                "[    9.3]  not_a_frame+0x1/0x2\n";
  g_auto (GStrv) funcs = NULL;
  g_auto (GStrv) progs = NULL;
  g_assert_true (ktstr_auto_repro_call_chain (console, &funcs, &progs));
  const char *const want[] = { "my_func.constprop.0", "caller", NULL };
  g_assert_true (g_strv_equal ((const char *const *)funcs, want));
  g_assert_cmpuint (g_strv_length (progs), ==, 0);
}

static void
test_call_chain_none (void)
{
  g_auto (GStrv) funcs = NULL;
  g_auto (GStrv) progs = NULL;
  g_assert_false (ktstr_auto_repro_call_chain ("[ 1.0] booting\n", &funcs, &progs));
  g_assert_cmpuint (g_strv_length (funcs), ==, 0);
  g_auto (GStrv) funcs2 = NULL;
  g_auto (GStrv) progs2 = NULL;
  /* A mark with no frames after it. */
  g_assert_false (ktstr_auto_repro_call_chain (
      "sched_ext: BPF scheduler \"x\" disabled (unregistered from user space)\n", &funcs2,
      &progs2));
  g_auto (GStrv) funcs3 = NULL;
  g_auto (GStrv) progs3 = NULL;
  g_assert_false (ktstr_auto_repro_call_chain (NULL, &funcs3, &progs3));
}

/* The plan line names the trigger once, joins the kprobes into one word,
 * and is a line the guest's plan grammar takes. */
static void
test_plan_line (void)
{
  char *const funcs[]
      = { "scx_bpf_error_bstr", (char *)KTSTR_AUTO_REPRO_TRIGGER, "balance_one", NULL };
  g_autofree char *line = ktstr_auto_repro_plan_line ("/ktstr/bin/t", funcs);
  g_assert_cmpstr (line, ==,
                   "scheduler_tracer /ktstr/bin/t --trigger=scx_ops_exit_kind "
                   "--kprobes=scx_bpf_error_bstr,balance_one\n");
  g_autofree char *bare = ktstr_auto_repro_plan_line ("/t", NULL);
  g_assert_cmpstr (bare, ==, "scheduler_tracer /t --trigger=scx_ops_exit_kind\n");

  g_autofree char *plan_text = g_strconcat ("ktstr-plan 1\nscheduler /s\n", line, NULL);
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError err;
  g_assert_cmpint (ktstr_plan_parse (plan_text, plan, &err), ==, 0);
  g_assert_true (plan->scheduler.has_tracer);
  g_assert_cmpuint (plan->scheduler.n_tracer_args, ==, 2);
}

/* What the tracer printed in a run that reproduced the error. */
static GPtrArray *
reproduced_lines (void)
{
  static const char *const lines[] = {
    "probe ok kprobe scx_bpf_error_bstr",
    "note libbpf: prog 'on_kprobe': failed to create kprobe '__schedule+0x0' perf event",
    "probe fail kprobe __schedule Invalid argument",
    "probe ok kprobe scx_ops_exit_kind",
    "probe ok entry ktstr_dispatch",
    "probe ok exit ktstr_dispatch",
    "ready 4",
    "trigger 4586152157 62 scx_ktstr 1025",
    "task 4585075459 62 1 entry ktstr_dispatch 0 scx_ktstr",
    "task 4585105685 62 1 kprobe scx_bpf_error_bstr 18446612682160808000 scx_ktstr",
    "task 4586152157 62 1 kprobe scx_ops_exit_kind 1025 scx_ktstr",
    "task 4588352523 62 1 exit ktstr_dispatch 0 scx_ktstr",
    "all 4588352523 62 1 exit ktstr_dispatch 0 scx_ktstr",
    "end triggered 53649 0",
  };
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    g_ptr_array_add (a, g_strdup (lines[i]));
  return a;
}

static void
test_parse_reproduced (void)
{
  g_autoptr (GPtrArray) lines = reproduced_lines ();
  g_autoptr (KtstrAutoRepro) ar = ktstr_auto_repro_parse (lines);
  g_assert_true (ar->has_output);
  g_assert_true (ar->is_ready);
  g_assert_true (ar->has_end);
  g_assert_true (ar->reproduced);
  g_assert_cmpuint (ar->trigger_tid, ==, 62);
  g_assert_cmpstr (ar->trigger_comm, ==, "scx_ktstr");
  g_assert_cmpuint (ar->trigger_arg, ==, 1025);
  g_assert_cmpuint (ar->probes->len, ==, 4);
  g_assert_cmpuint (ar->failed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (ar->failed, 0), ==, "kprobe __schedule: Invalid argument");
  g_assert_cmpuint (ar->events->len, ==, 4);
  const KtstrReproEvent *last = g_ptr_array_index (ar->events, 3);
  g_assert_cmpstr (last->kind, ==, "exit");
  g_assert_cmpstr (last->fn, ==, "ktstr_dispatch");
  g_assert_cmpuint (ar->events_seen, ==, 53649);
  g_assert_cmpuint (ar->bad_lines->len, ==, 0);

  g_autofree char *text = ktstr_auto_repro_render (ar, "the scheduler ended on its own", NULL);
  g_assert_true (g_str_has_prefix (text, "--- auto-repro ---\n"));
  g_assert_nonnull (strstr (text, "second run: reproduced\n"));
  g_assert_nonnull (strstr (text, "not attached: kprobe __schedule: Invalid argument"));
  g_assert_nonnull (strstr (text, "trigger: scx_ops_exit_kind (exit kind 1025) in scx_ktstr[62]"));
  g_assert_nonnull (strstr (text, "(us from the trigger; 53649 events seen, 0 dropped)"));
  g_assert_nonnull (strstr (text, "      +0.0 cpu1   kprobe scx_ops_exit_kind (arg0 0x401)\n"));
  g_assert_nonnull (strstr (text, "   -1076.7 cpu1   entry  ktstr_dispatch\n"));
  /* Oldest first: the callback's entry before the error, its exit last. */
  const char *entry = strstr (text, "entry  ktstr_dispatch");
  const char *error = strstr (text, "kprobe scx_bpf_error_bstr (arg0 0x");
  const char *exit = strstr (text, "exit   ktstr_dispatch");
  g_assert_nonnull (entry);
  g_assert_nonnull (error);
  g_assert_nonnull (exit);
  g_assert_true (entry < error && error < exit);

  g_autoptr (JsonNode) node = ktstr_auto_repro_to_json (ar, "why", NULL);
  JsonObject *o = json_node_get_object (node);
  g_assert_true (json_object_get_boolean_member (o, "ran"));
  g_assert_true (json_object_get_boolean_member (o, "reproduced"));
  JsonObject *trigger = json_object_get_object_member (o, "trigger");
  g_assert_cmpint (json_object_get_int_member (trigger, "exit_kind"), ==, 1025);
  JsonArray *events = json_object_get_array_member (o, "events");
  g_assert_cmpuint (json_array_get_length (events), ==, 4);
  JsonObject *e1 = json_array_get_object_element (events, 1);
  g_assert_cmpstr (json_object_get_string_member (e1, "function"), ==, "scx_bpf_error_bstr");
  g_assert_cmpstr (json_object_get_string_member (e1, "arg"), ==, "0xffff888005692040");
  JsonObject *e3 = json_array_get_object_element (events, 3);
  g_assert_true (json_object_get_null_member (e3, "arg"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "all_events")), ==, 1);
}

/* A second run that did not hit the error, one whose tracer attached
 * nothing, one that printed nothing, and lines it cannot read. */
static void
test_parse_other_outcomes (void)
{
  g_autoptr (GPtrArray) quiet = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (quiet, g_strdup ("probe ok entry ktstr_dispatch"));
  g_ptr_array_add (quiet, g_strdup ("ready 1"));
  g_ptr_array_add (quiet, g_strdup ("all 5 1 0 entry ktstr_dispatch 0 x"));
  g_ptr_array_add (quiet, g_strdup ("end stopped 10 0"));
  g_ptr_array_add (quiet, g_strdup ("task 1 2"));
  g_ptr_array_add (quiet, g_strdup ("hello"));
  g_autoptr (KtstrAutoRepro) ar = ktstr_auto_repro_parse (quiet);
  g_assert_false (ar->reproduced);
  g_assert_true (ar->has_end);
  g_assert_cmpuint (ar->bad_lines->len, ==, 2);
  g_assert_cmpuint (ar->all_events->len, ==, 1);
  g_autofree char *text = ktstr_auto_repro_render (ar, "why", NULL);
  g_assert_nonnull (strstr (text, "second run: did not reproduce"));
  /* No task events: everyone's, each with its task. */
  g_assert_nonnull (strstr (text, "last 1 events of all tasks, oldest first (us from the last "
                                  "event; 10 events seen, 0 dropped):\n"
                                  "          +0.0 cpu0   entry  ktstr_dispatch in x[1]\n"));
  g_assert_nonnull (strstr (text, "2 tracer lines could not be read, the first: task 1 2"));

  g_autoptr (GPtrArray) none = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (none,
                   g_strdup ("missing btf: no /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)"));
  g_ptr_array_add (none, g_strdup ("end stopped 0 0"));
  g_autoptr (KtstrAutoRepro) bare = ktstr_auto_repro_parse (none);
  g_autofree char *bare_text = ktstr_auto_repro_render (bare, "why", NULL);
  g_assert_nonnull (strstr (bare_text, "second run: the tracer attached no probe"));
  g_assert_nonnull (strstr (bare_text, "missing: btf: no /sys/kernel/btf/vmlinux"));

  g_autoptr (KtstrAutoRepro) empty = ktstr_auto_repro_parse (NULL);
  g_autofree char *empty_text = ktstr_auto_repro_render (empty, "why", NULL);
  g_assert_nonnull (strstr (empty_text, "the tracer printed nothing"));

  /* No second run at all. */
  g_autofree char *not_run = ktstr_auto_repro_render (NULL, "why", "the guest agent never started");
  g_assert_nonnull (strstr (not_run, "second run: the guest agent never started"));
  g_autoptr (JsonNode) node = ktstr_auto_repro_to_json (NULL, "why", "no boot");
  JsonObject *o = json_node_get_object (node);
  g_assert_false (json_object_get_boolean_member (o, "ran"));
  g_assert_cmpstr (json_object_get_string_member (o, "not_run_reason"), ==, "no boot");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "events")), ==, 0);
}

static void
test_is_wanted (void)
{
  g_autoptr (KtstrSession) s = ktstr_session_new ();
  KtstrVmResult vm = { 0 };
  const char *why = NULL;
  /* No scheduler under test, or one that never became ready: no. */
  g_assert_false (ktstr_auto_repro_is_wanted (s, &vm, NULL, &why));
  s->sched->is_expected = TRUE;
  s->sched->has_exited = TRUE;
  g_assert_false (ktstr_auto_repro_is_wanted (s, &vm, NULL, &why));
  s->sched->is_ready = TRUE;
  g_assert_true (ktstr_auto_repro_is_wanted (s, &vm, NULL, &why));
  g_assert_cmpstr (why, ==, "the scheduler ended on its own during the run");
  s->sched->has_exited = FALSE;
  g_assert_false (ktstr_auto_repro_is_wanted (s, &vm, "all fine\n", &why));
  g_assert_null (why);
  s->sched->has_left_enabled = TRUE;
  g_assert_true (ktstr_auto_repro_is_wanted (s, &vm, NULL, NULL));
  s->sched->has_left_enabled = FALSE;
  g_assert_true (
      ktstr_auto_repro_is_wanted (s, &vm, "Kernel panic - not syncing: Fatal exception\n", &why));
  g_assert_cmpstr (why, ==, "the kernel panicked while the scheduler ran");
}

static void
test_find_tracer (void)
{
  g_autoptr (GError) error = NULL;
  g_setenv ("KTSTR_TRACE", "/nonexistent/ktstr-trace", TRUE);
  g_assert_null (ktstr_auto_repro_find_tracer (&error));
  g_assert_cmpstr (error->message, ==,
                   "KTSTR_TRACE='/nonexistent/ktstr-trace' is not a file; point it at a built "
                   "ktstr-trace or unset it");
  g_unsetenv ("KTSTR_TRACE");
  g_clear_error (&error);
  g_autofree char *path = ktstr_auto_repro_find_tracer (&error);
#ifdef HAVE_BPF_TRACER
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, "guest-trace/ktstr-trace"));
#else
  g_assert_null (path);
  g_assert_nonnull (strstr (error->message, "this ktstr was built without it"));
#endif
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/auto-repro/call-chain/sched-error", test_call_chain_sched_error);
  g_test_add_func ("/auto-repro/call-chain/oops", test_call_chain_oops);
  g_test_add_func ("/auto-repro/call-chain/none", test_call_chain_none);
  g_test_add_func ("/auto-repro/plan-line", test_plan_line);
  g_test_add_func ("/auto-repro/parse/reproduced", test_parse_reproduced);
  g_test_add_func ("/auto-repro/parse/other-outcomes", test_parse_other_outcomes);
  g_test_add_func ("/auto-repro/is-wanted", test_is_wanted);
  g_test_add_func ("/auto-repro/find-tracer", test_find_tracer);
  return g_test_run ();
}
