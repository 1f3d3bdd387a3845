/* The guest side of the scheduler under test, without a VM: ktstr-init
 * --run-plan with a plan naming a scheduler on a fake sysfs, where a shell script
 * plays the scheduler by writing /sys/kernel/sched_ext/{state,root/ops,
 * enable_seq}.  Covers readiness, live log streaming, death during the run,
 * not ready, no sched_ext, and the clean stop with the detach check. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "guest-init/scheduler.h"

typedef struct
{
  char *dir;
  char *sysfs;
  int status;
  GPtrArray *lines; /* JsonObject* */
} Run;

static void
run_free (Run *r)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", r->dir);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_free (r->dir);
  g_free (r->sysfs);
  g_ptr_array_unref (r->lines);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
write_file (const char *dir, const char *name, const char *text, int mode)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (p, text, -1, &error);
  g_assert_no_error (error);
  g_chmod (p, mode);
}

/* Runs a DURATION_MS scenario with SCRIPT as the scheduler and TRACER
 * (NULL: none) as its scheduler_tracer; SCHED_OPTS are more words of its
 * scheduler line (e.g. "ready_ms=300"). */
static Run *
run_traced_for (guint duration_ms, const char *script, const char *tracer, const char *sched_opts,
                gboolean has_sched_ext)
{
  Run *r = g_new0 (Run, 1);
  r->lines = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  r->dir = g_dir_make_tmp ("test-guest-sched-XXXXXX", NULL);
  r->sysfs = g_build_filename (r->dir, "sys", NULL);
  g_autofree char *src
      = g_test_build_filename (G_TEST_DIST, "data", "guest", "sysfs-1n2l2c1t", NULL);
  g_autofree char *cp = g_strdup_printf ("cp -r '%s' '%s'", src, r->sysfs);
  g_assert_true (g_spawn_command_line_sync (cp, NULL, NULL, NULL, NULL));
  if (has_sched_ext)
    {
      g_autofree char *ext = g_build_filename (r->sysfs, "kernel", "sched_ext", "root", NULL);
      g_assert_cmpint (g_mkdir_with_parents (ext, 0755), ==, 0);
      g_autofree char *d = g_path_get_dirname (ext);
      write_file (d, "state", "disabled\n", 0644);
      write_file (d, "enable_seq", "0\n", 0644);
      write_file (ext, "ops", "", 0644);
    }
  write_file (r->dir, "sched.sh", script, 0755);
  g_autofree char *tracer_line = NULL;
  if (tracer != NULL)
    {
      write_file (r->dir, "tracer.sh", tracer, 0755);
      tracer_line = g_strdup_printf ("scheduler_tracer %s/tracer.sh one two\n", r->dir);
    }
  g_autofree char *plan_text = g_strdup_printf (
      "ktstr-plan 1\nduration_ms %u\nsettle_ms 0\ncgroup a\n"
      "work a CpuSpin workers=1\n"
      "scheduler %s/sched.sh %s\nscheduler_arg first arg\n"
      "scheduler_env EXT=%s/kernel/sched_ext\n%s",
      duration_ms, r->dir, sched_opts ? sched_opts : "", r->sysfs, tracer_line ? tracer_line : "");
  write_file (r->dir, "plan", plan_text, 0644);

  g_autofree char *agent
      = g_build_filename (g_getenv ("KTSTR_TOP_BUILDDIR") ?: ".", "guest-init", "ktstr-init", NULL);
  g_autofree char *plan = g_build_filename (r->dir, "plan", NULL);
  g_autofree char *out = g_build_filename (r->dir, "out.jsonl", NULL);
  const char *argv[]
      = { agent, "--run-plan", plan, "--out", out, "--sysfs-root", r->sysfs, "--no-cgroups", NULL };
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &r->status, &error));
  g_assert_no_error (error);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      if (**l == '\0')
        continue;
      g_autoptr (JsonParser) p = json_parser_new ();
      g_assert_true (json_parser_load_from_data (p, *l, -1, NULL));
      g_ptr_array_add (r->lines, json_object_ref (json_node_get_object (json_parser_get_root (p))));
    }
  return r;
}

static Run *
run_sched_for (guint duration_ms, const char *script, const char *sched_opts,
               gboolean has_sched_ext)
{
  return run_traced_for (duration_ms, script, NULL, sched_opts, has_sched_ext);
}

static Run *
run_sched (const char *script, const char *sched_opts, gboolean has_sched_ext)
{
  return run_sched_for (300, script, sched_opts, has_sched_ext);
}

/* The first "sched" message with ev EV, or NULL. */
static JsonObject *
find_ev (Run *r, const char *ev)
{
  for (guint i = 0; i < r->lines->len; i++)
    {
      JsonObject *o = r->lines->pdata[i];
      if (g_str_equal (json_object_get_string_member (o, "t"), "sched")
          && g_str_equal (json_object_get_string_member (o, "ev"), ev))
        return o;
    }
  return NULL;
}

static gint
index_of (Run *r, const char *type)
{
  for (guint i = 0; i < r->lines->len; i++)
    if (g_str_equal (json_object_get_string_member (r->lines->pdata[i], "t"), type))
      return (gint)i;
  return -1;
}

static gboolean
has_log (Run *r, const char *src, const char *msg)
{
  for (guint i = 0; i < r->lines->len; i++)
    {
      JsonObject *o = r->lines->pdata[i];
      if (g_str_equal (json_object_get_string_member (o, "t"), "log")
          && g_str_equal (json_object_get_string_member (o, "src"), src)
          && g_str_equal (json_object_get_string_member (o, "msg"), msg))
        return TRUE;
    }
  return FALSE;
}

#define GOOD_SCHED                                                                                 \
  "#!/bin/sh\n"                                                                                    \
  "echo \"fake: args $# [$1]\"\n"                                                                  \
  "echo 1 > $EXT/enable_seq; echo fake > $EXT/root/ops; echo enabled > $EXT/state\n"               \
  "trap 'echo fake: stopping; echo disabled > $EXT/state; : > $EXT/root/ops; exit 0' INT\n"        \
  "while :; do sleep 0.05; done\n"

static void
test_ready_and_stop (void)
{
  g_autoptr (Run) r = run_sched (GOOD_SCHED, NULL, TRUE);
  g_assert_true (g_spawn_check_wait_status (r->status, NULL));
  JsonObject *ready = find_ev (r, "ready");
  g_assert_nonnull (ready);
  g_assert_cmpstr (json_object_get_string_member (ready, "ops"), ==, "fake");
  g_assert_cmpstr (json_object_get_string_member (ready, "state"), ==, "enabled");
  /* One argument with a space in it, streamed as a log line. */
  g_assert_true (has_log (r, "scheduler", "fake: args 1 [first arg]"));
  g_assert_true (has_log (r, "scheduler", "fake: stopping"));
  /* Ready before the scenario started; stopped after it was done. */
  g_assert_cmpint (index_of (r, "stim"), >, (gint)0);
  JsonObject *stopped = find_ev (r, "stopped");
  g_assert_nonnull (stopped);
  g_assert_cmpstr (json_object_get_string_member (stopped, "exit"), ==, "exited:0");
  g_assert_cmpstr (json_object_get_string_member (stopped, "by"), ==, "ktstr");
  g_assert_true (json_object_get_boolean_member (stopped, "detached"));
  g_assert_null (find_ev (r, "exit"));
  g_assert_null (find_ev (r, "state"));
  g_assert_cmpint (index_of (r, "done"), >=, 0);
}

/* The index of the first "log" line from SRC saying MSG, or -1. */
static gint
index_of_log (Run *r, const char *src, const char *msg)
{
  for (guint i = 0; i < r->lines->len; i++)
    {
      JsonObject *o = r->lines->pdata[i];
      if (g_str_equal (json_object_get_string_member (o, "t"), "log")
          && g_str_equal (json_object_get_string_member (o, "src"), src)
          && g_str_equal (json_object_get_string_member (o, "msg"), msg))
        return (gint)i;
    }
  return -1;
}

/* The scheduler_tracer: started after the scheduler is ready, with its
 * arguments and the scheduler's environment, ready before the scenario;
 * stopped (SIGINT) before the scheduler, what it prints then forwarded. */
static void
test_tracer (void)
{
  g_autoptr (Run) r = run_traced_for (300, GOOD_SCHED,
                                      "#!/bin/sh\n"
                                      "echo \"probe ok entry $1 $2 ${EXT##*/}\"\n"
                                      "trap 'echo end stopped 0 0; exit 0' INT\n"
                                      "echo ready 1\n"
                                      "while :; do sleep 0.05; done\n",
                                      NULL, TRUE);
  g_assert_true (g_spawn_check_wait_status (r->status, NULL));
  gint ready = index_of_log (r, "tracer", "ready 1");
  g_assert_cmpint (index_of_log (r, "tracer", "probe ok entry one two sched_ext"), >=, 0);
  g_assert_cmpint (ready, >, index_of_log (r, "scheduler", "fake: args 1 [first arg]"));
  g_assert_cmpint (ready, <, index_of (r, "stim"));
  gint end = index_of_log (r, "tracer", "end stopped 0 0");
  g_assert_cmpint (end, >, ready);
  /* Stopped before the scheduler. */
  g_assert_cmpint (end, <, index_of_log (r, "scheduler", "fake: stopping"));
  g_assert_nonnull (find_ev (r, "stopped"));

  /* One that never says ready: logged, and the run goes on without it. */
  g_autoptr (Run) slow = run_traced_for (
      300, GOOD_SCHED, "#!/bin/sh\nwhile :; do sleep 0.05; done\n", "ready_ms=300", TRUE);
  g_assert_true (g_spawn_check_wait_status (slow->status, NULL));
  g_autofree char *why = g_strdup_printf ("tracer %s/tracer.sh not ready after 300 ms", slow->dir);
  g_assert_true (has_log (slow, "init", why));
  g_assert_cmpint (index_of (slow, "done"), >=, 0);
}

static void
test_dies_during_run (void)
{
  /* The scheduler dies 150 ms after enabling; the scenario lasts long
   * enough that a loaded host (a shell and a sleep to start) still sees
   * the death inside it. */
  g_autoptr (Run) r = run_sched_for (3000,
                                     "#!/bin/sh\n"
                                     "echo 1 > $EXT/enable_seq; echo fake > $EXT/root/ops\n"
                                     "echo enabled > $EXT/state\n"
                                     "sleep 0.15; echo disabled > $EXT/state; echo 'EXIT: boom'\n"
                                     "exit 3\n",
                                     NULL, TRUE);
  g_assert_nonnull (find_ev (r, "ready"));
  JsonObject *ex = find_ev (r, "exit");
  g_assert_nonnull (ex);
  g_assert_cmpstr (json_object_get_string_member (ex, "exit"), ==, "exited:3");
  g_assert_nonnull (find_ev (r, "state"));
  g_assert_true (has_log (r, "scheduler", "EXIT: boom"));
  JsonObject *stopped = find_ev (r, "stopped");
  g_assert_cmpstr (json_object_get_string_member (stopped, "by"), ==, "itself");
  /* The scenario still finished: the host decides the death fails it. */
  g_assert_cmpint (index_of (r, "done"), >=, 0);
}

static void
test_not_ready (void)
{
  g_autoptr (Run) r
      = run_sched ("#!/bin/sh\necho not a scheduler\nexec sleep 30\n", "ready_ms=300", TRUE);
  g_assert_false (g_spawn_check_wait_status (r->status, NULL));
  JsonObject *nr = find_ev (r, "not_ready");
  g_assert_nonnull (nr);
  g_assert_false (json_object_get_boolean_member (nr, "attached"));
  g_assert_cmpstr (json_object_get_string_member (nr, "exit"), ==, "");
  g_assert_true (has_log (r, "scheduler", "not a scheduler"));
  g_assert_cmpint (index_of (r, "stim"), ==, -1); /* no workload ran */
  g_assert_cmpint (index_of (r, "error"), >=, 0);
}

static void
test_exits_before_enable (void)
{
  g_autoptr (Run) r = run_sched ("#!/bin/sh\necho 'libbpf: prog x: BPF program load failed'\n"
                                 "exit 1\n",
                                 NULL, TRUE);
  JsonObject *nr = find_ev (r, "not_ready");
  g_assert_nonnull (nr);
  g_assert_cmpstr (json_object_get_string_member (nr, "exit"), ==, "exited:1");
  g_assert_false (json_object_get_boolean_member (nr, "attached"));
  g_assert_true (has_log (r, "scheduler", "libbpf: prog x: BPF program load failed"));
}

static void
test_unsupported (void)
{
  g_autoptr (Run) r = run_sched (GOOD_SCHED, NULL, FALSE);
  g_assert_false (g_spawn_check_wait_status (r->status, NULL));
  JsonObject *u = find_ev (r, "unsupported");
  g_assert_nonnull (u);
  g_assert_nonnull (strstr (json_object_get_string_member (u, "why"), "CONFIG_SCHED_CLASS_EXT"));
  g_assert_null (find_ev (r, "started"));
}

/* The plan's scheduler lines become what execve gets: arguments verbatim
 * (spaces kept, empty ones too), environment entries, the bounds. */
static void
test_spec_from_plan (void)
{
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError perr;
  g_assert_cmpint (ktstr_plan_parse ("ktstr-plan 1\nscheduler /b ready_ms=50\nscheduler_arg -a\n"
                                     "scheduler_arg two words\nscheduler_arg \n"
                                     "scheduler_env A=1\n",
                                     plan, &perr),
                   ==, 0);
  KtstrSchedSpec spec;
  ktstr_sched_spec_init (&spec, &plan->scheduler);
  g_assert_cmpstr (spec.argv[0], ==, "/b");
  g_assert_cmpstr (spec.argv[1], ==, "-a");
  g_assert_cmpstr (spec.argv[2], ==, "two words");
  g_assert_cmpstr (spec.argv[3], ==, "");
  g_assert_null (spec.argv[4]);
  g_assert_cmpstr (spec.env[0], ==, "A=1");
  g_assert_null (spec.env[1]);
  g_assert_cmpuint (spec.ready_ms, ==, 50);
  g_assert_cmpuint (spec.stop_ms, ==, KTSTR_PLAN_SCHED_DEFAULT_STOP_MS);

  /* No scheduler line: nothing to start. */
  g_assert_cmpint (ktstr_plan_parse ("ktstr-plan 1\n", plan, &perr), ==, 0);
  g_assert_false (plan->scheduler.is_set);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest/sched/spec-from-plan", test_spec_from_plan);
  g_test_add_func ("/guest/sched/ready-and-stop", test_ready_and_stop);
  g_test_add_func ("/guest/sched/dies-during-run", test_dies_during_run);
  g_test_add_func ("/guest/sched/tracer", test_tracer);
  g_test_add_func ("/guest/sched/not-ready", test_not_ready);
  g_test_add_func ("/guest/sched/exits-before-enable", test_exits_before_enable);
  g_test_add_func ("/guest/sched/unsupported", test_unsupported);
  return g_test_run ();
}
