/* The guest-side monitor sampler (guest-init/gmon.c) and the host commands
 * that start it or ask for a SysRq (guest-init/hostcmd.c), without a VM:
 * the parsers on hand-written sched/debug and /proc/schedstat text in the
 * kernel's formats, and the sampler thread and the command handler on a
 * made-up /sys and /proc in a temp folder, writing to a control channel
 * on a file. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "guest-init/gmon.h"
#include "guest-init/hostcmd.h"

/* The parts of a 6.12 sched/debug the parser must tell apart: the global
 * sysctl block (indented ".sysctl_sched_*" lines), each "cpu#N" block
 * (.nr_running, .clock, and .clock_task which is not .clock), and the
 * per-class blocks after it whose own .nr_running must not count. */
static const char sched_debug[]
    = "Sched Debug Version: v0.11, 6.12.117 #1\n"
      "ktime                                   : 5246.014388\n"
      "jiffies                                 : 4294672542\n"
      "\n"
      "sysctl_sched\n"
      "  .sysctl_sched_base_slice                 : 3.000000\n"
      "  .sysctl_sched_features                   : 6237751\n"
      "\n"
      "cpu#0, 2793.437 MHz\n"
      "  .nr_running                    : 3\n"
      "  .nr_switches                   : 1519\n"
      "  .clock                         : 5253.440416\n"
      "  .clock_task                    : 9999.000000\n"
      "\n"
      "cfs_rq[0]:/\n"
      "  .nr_running                    : 7\n"
      "\n"
      "rt_rq[0]:\n"
      "  .rt_nr_running                 : 0\n"
      "\n"
      "runnable tasks:\n"
      " S            task   PID         tree-key  switches  prio     wait-time\n"
      "\n"
      "cpu#1, 2793.437 MHz\n"
      "  .nr_running                    : 0\n"
      "  .clock                         : 5253.5\n"
      "\n"
      "cfs_rq[1]:/\n"
      "  .nr_running                    : 9\n"
      "\n"
      "cpu#2, 2793.437 MHz\n"
      "  .nr_running                    : 1\n"
      "  .clock                         : 1.000001\n";

/* version 15: cpuN yld_count 0 sched_count sched_goidle ttwu_count
 * ttwu_local rq_cpu_time run_delay pcount, then the domain lines. */
static const char schedstat[] = "version 15\n"
                                "timestamp 4294672542\n"
                                "cpu0 1 0 1519 634 813 597 2345678 1234567 885\n"
                                "domain0 00000003 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                                "cpu1 2 0 20 10 30 40 50 60 70\n"
                                "cpu7 9 0 9 9 9 9 9 9 9\n";

static void
test_parse_sched_debug (void)
{
  KtstrGmonCpu cpus[2] = { 0 };
  /* cpu#2 is beyond the 2 CPUs asked for: skipped, not written. */
  g_assert_cmpint (ktstr_gmon_parse_sched_debug (sched_debug, cpus, 2), ==, 2);
  g_assert_true (cpus[0].has_debug);
  g_assert_cmpuint (cpus[0].nr_running, ==, 3);
  g_assert_cmpuint (cpus[0].clock_ns, ==, 5253440416ull);
  g_assert_true (cpus[1].has_debug);
  g_assert_cmpuint (cpus[1].nr_running, ==, 0);
  g_assert_cmpuint (cpus[1].clock_ns, ==, 5253500000ull);

  KtstrGmonCpu three[3] = { 0 };
  g_assert_cmpint (ktstr_gmon_parse_sched_debug (sched_debug, three, 3), ==, 3);
  g_assert_cmpuint (three[2].nr_running, ==, 1);
  g_assert_cmpuint (three[2].clock_ns, ==, 1000001ull);

  KtstrGmonCpu none[1] = { 0 };
  g_assert_cmpint (ktstr_gmon_parse_sched_debug ("version 15\n", none, 1), ==, -1);
  g_assert_false (none[0].has_debug);
}

static void
test_parse_schedstat (void)
{
  KtstrGmonCpu cpus[2] = { 0 };
  g_assert_cmpint (ktstr_gmon_parse_schedstat (schedstat, cpus, 2), ==, 2);
  g_assert_true (cpus[0].has_schedstat);
  /* run_delay, pcount, yld, sched_count, goidle, ttwu, ttwu_local */
  const guint64 want0[7] = { 1234567, 885, 1, 1519, 634, 813, 597 };
  const guint64 want1[7] = { 60, 70, 2, 20, 10, 30, 40 };
  for (int k = 0; k < 7; k++)
    {
      g_assert_cmpuint (cpus[0].schedstat[k], ==, want0[k]);
      g_assert_cmpuint (cpus[1].schedstat[k], ==, want1[k]);
    }
  KtstrGmonCpu old[1] = { 0 };
  g_assert_cmpint (ktstr_gmon_parse_schedstat ("version 14\ncpu0 1 2 3 4 5 6 7 8 9\n", old, 1), ==,
                   -1);
  g_assert_false (old[0].has_schedstat);
}

typedef struct
{
  char *dir, *sys, *proc, *out_path;
  int out_fd;
  KtstrCtrl ctrl;
} Fake;

static void
put (const char *root, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* A temp folder with sys/ and proc/, and a control channel on a file.
 * WITH_DEBUG: whether sys/kernel/debug/sched/debug exists. */
static void
fake_init (Fake *f, gboolean with_debug)
{
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("test-guest-gmon-XXXXXX", &error);
  g_assert_no_error (error);
  f->sys = g_build_filename (f->dir, "sys", NULL);
  f->proc = g_build_filename (f->dir, "proc", NULL);
  if (with_debug)
    put (f->sys, "kernel/debug/sched/debug", sched_debug);
  put (f->sys, "kernel/sched_ext/state", "enabled\n");
  put (f->sys, "kernel/sched_ext/root/events",
       "SCX_EV_SELECT_CPU_FALLBACK 12\nSCX_EV_DISPATCH_KEEP_LAST 3\n");
  put (f->proc, "schedstat", schedstat);
  put (f->proc, "sysrq-trigger", "");
  f->out_fd = g_file_open_tmp ("test-guest-gmon-out-XXXXXX", &f->out_path, &error);
  g_assert_no_error (error);
  ktstr_ctrl_init_fd (&f->ctrl, f->out_fd, f->out_path);
}

/* The lines written to the channel so far. */
static char **
fake_lines (Fake *f)
{
  ktstr_ctrl_flush (&f->ctrl);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (f->out_path, &text, NULL, NULL));
  return g_strsplit (g_strchomp (text), "\n", -1);
}

static void
fake_clear (Fake *f)
{
  close (f->out_fd);
  g_unlink (f->out_path);
  const char *files[]
      = { "sys/kernel/debug/sched/debug", "sys/kernel/sched_ext/state",
          "sys/kernel/sched_ext/root/events", "proc/schedstat", "proc/sysrq-trigger" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *p = g_build_filename (f->dir, files[i], NULL);
      g_unlink (p);
    }
  const char *dirs[] = { "sys/kernel/debug/sched",
                         "sys/kernel/debug",
                         "sys/kernel/sched_ext/root",
                         "sys/kernel/sched_ext",
                         "sys/kernel",
                         "sys",
                         "proc" };
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *p = g_build_filename (f->dir, dirs[i], NULL);
      g_rmdir (p);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->dir);
  g_free (f->sys);
  g_free (f->proc);
  g_free (f->out_path);
}

static JsonObject *
parse (JsonParser *p, const char *line)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (p, line, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (p));
}

/* "monitor start 20" on the made-up tree: "mon" lines with the parsed
 * figures, the events lowercased, and an acknowledging "log" line first;
 * stop ends the thread, and a second start works. */
static void
test_sampler (void)
{
  Fake f;
  fake_init (&f, TRUE);
  g_assert_cmpint (ktstr_hostcmd_handle (&f.ctrl, "monitor start 20", f.proc, f.sys, 2), ==, 0);
  g_usleep (150 * 1000);
  ktstr_gmon_stop ();
  g_auto (GStrv) lines = fake_lines (&f);
  g_assert_cmpuint (g_strv_length (lines), >=, 3);
  g_autoptr (JsonParser) p = json_parser_new ();
  guint mons = 0;
  gboolean acked = FALSE;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      JsonObject *o = parse (p, lines[i]);
      const char *t = json_object_get_string_member (o, "t");
      if (g_strcmp0 (t, "log") == 0)
        {
          acked |= strstr (json_object_get_string_member (o, "msg"), "every 20 ms") != NULL;
          continue;
        }
      g_assert_cmpstr (t, ==, "mon");
      mons++;
      g_assert_true (json_object_get_boolean_member (o, "scx"));
      JsonArray *nr = json_object_get_array_member (o, "nr");
      g_assert_cmpuint (json_array_get_length (nr), ==, 2);
      g_assert_cmpint (json_array_get_int_element (nr, 0), ==, 3);
      g_assert_cmpint (json_array_get_int_element (nr, 1), ==, 0);
      JsonArray *clock = json_object_get_array_member (o, "clock");
      g_assert_cmpint (json_array_get_int_element (clock, 0), ==, 5253440416);
      JsonArray *ss = json_object_get_array_member (o, "schedstat");
      g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (ss, 0), 0), ==,
                       1234567);
      JsonObject *ev = json_object_get_object_member (o, "events");
      g_assert_cmpint (json_object_get_int_member (ev, "select_cpu_fallback"), ==, 12);
      g_assert_cmpint (json_object_get_int_member (ev, "dispatch_keep_last"), ==, 3);
    }
  g_assert_true (acked);
  g_assert_cmpuint (mons, >=, 2);

  g_assert_cmpint (ktstr_gmon_start (&f.ctrl, 20, 2, f.sys, f.proc), ==, 0);
  g_assert_cmpint (ktstr_gmon_start (&f.ctrl, 20, 2, f.sys, f.proc), ==, -1); /* once */
  ktstr_gmon_stop ();
  ktstr_gmon_stop (); /* harmless */
  fake_clear (&f);
}

/* No sched/debug (no CONFIG_SCHED_DEBUG or debugfs): the command fails
 * and says so, and nothing is sent. */
static void
test_sampler_without_debug (void)
{
  Fake f;
  fake_init (&f, FALSE);
  g_assert_cmpint (ktstr_hostcmd_handle (&f.ctrl, "monitor start 20", f.proc, f.sys, 2), ==, -1);
  g_auto (GStrv) lines = fake_lines (&f);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_nonnull (strstr (lines[0], "cannot start the guest monitor sampler"));
  fake_clear (&f);
}

/* "sysrq D" writes D to proc/sysrq-trigger; malformed and unknown
 * commands are refused with a "log" line each. */
static void
test_commands (void)
{
  Fake f;
  fake_init (&f, TRUE);
  g_assert_cmpint (ktstr_hostcmd_handle (&f.ctrl, "sysrq D", f.proc, f.sys, 2), ==, 0);
  g_autofree char *trigger = g_build_filename (f.proc, "sysrq-trigger", NULL);
  g_autofree char *written = NULL;
  g_assert_true (g_file_get_contents (trigger, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, "D");
  const char *bad[] = { "sysrq", "sysrq D x", "monitor start 0", "monitor start", "reboot" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_cmpint (ktstr_hostcmd_handle (&f.ctrl, bad[i], f.proc, f.sys, 2), ==, -1);
  g_auto (GStrv) lines = fake_lines (&f);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + G_N_ELEMENTS (bad));
  g_assert_nonnull (strstr (lines[0], "sysrq D, as the host monitor asked"));
  g_assert_nonnull (strstr (lines[5], "unknown host command 'reboot'"));

  /* A proc without the trigger: the failure is reported. */
  g_unlink (trigger);
  g_assert_cmpint (ktstr_hostcmd_handle (&f.ctrl, "sysrq D", f.proc, f.sys, 2), ==, -1);
  g_auto (GStrv) after = fake_lines (&f);
  g_assert_nonnull (strstr (after[6], "host asked for sysrq D"));
  fake_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest/gmon/parse-sched-debug", test_parse_sched_debug);
  g_test_add_func ("/guest/gmon/parse-schedstat", test_parse_schedstat);
  g_test_add_func ("/guest/gmon/sampler", test_sampler);
  g_test_add_func ("/guest/gmon/sampler-without-debug", test_sampler_without_debug);
  g_test_add_func ("/guest/gmon/commands", test_commands);
  return g_test_run ();
}
