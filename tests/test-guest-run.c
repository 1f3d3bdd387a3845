/* ktstr-init as an ordinary process (`--run-plan`): a whole scenario with
 * real workers, their measurements and the message sequence, plus the
 * failure paths (bad plan, dead worker, hung worker, guard timer). */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct
{
  char *dir;
  char *plan;
  char *out;
  GPtrArray *msgs; /* JsonNode*, one per line */
  int exit_code;
  char *err;
} Run;

static void
run_free (Run *r)
{
  g_unlink (r->plan);
  g_unlink (r->out);
  g_rmdir (r->dir);
  g_free (r->dir);
  g_free (r->plan);
  g_free (r->out);
  g_free (r->err);
  if (r->msgs != NULL)
    g_ptr_array_unref (r->msgs);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static char *
agent_path (void)
{
  const char *top = g_getenv ("KTSTR_TOP_BUILDDIR");
  if (top == NULL)
    top = ".";
  return g_build_filename (top, "guest-init", "ktstr-init", NULL);
}

static Run *
run_new (const char *plan_text)
{
  g_autoptr (GError) error = NULL;
  Run *r = g_new0 (Run, 1);
  r->dir = g_dir_make_tmp ("test-guest-run-XXXXXX", &error);
  g_assert_no_error (error);
  r->plan = g_build_filename (r->dir, "plan", NULL);
  r->out = g_build_filename (r->dir, "out.jsonl", NULL);
  g_file_set_contents (r->plan, plan_text, -1, &error);
  g_assert_no_error (error);
  return r;
}

/* Starts the agent on the fake 4-CPU tree, without cgroups (unless EXTRA
 * says otherwise); IoSync files go to TMPDIR, by default the run's dir. */
static GSubprocess *
run_start_in (Run *r, const char *extra, const char *tmpdir)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *agent = agent_path ();
  g_autofree char *sysfs
      = g_test_build_filename (G_TEST_DIST, "data", "guest", "sysfs-1n2l2c1t", NULL);
  GSubprocessLauncher *l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* IoSync writes its files to $TMPDIR: keep them in our temp dir. */
  g_subprocess_launcher_setenv (l, "TMPDIR", tmpdir != NULL ? tmpdir : r->dir, TRUE);
  GSubprocess *p = g_subprocess_launcher_spawn (l, &error, agent, "--run-plan", r->plan, "--out",
                                                r->out, "--sysfs-root", sysfs,
                                                extra != NULL ? extra : "--no-cgroups", NULL);
  g_object_unref (l);
  g_assert_no_error (error);
  return p;
}

static GSubprocess *
run_start (Run *r, const char *extra)
{
  return run_start_in (r, extra, NULL);
}

static void
run_finish (Run *r, GSubprocess *p)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &r->err, &error);
  g_assert_no_error (error);
  r->exit_code = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  g_file_get_contents (r->out, &text, NULL, &error);
  g_assert_no_error (error);
  r->msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      if (**l == '\0')
        continue;
      g_autoptr (JsonParser) parser = json_parser_new ();
      json_parser_load_from_data (parser, *l, -1, &error);
      if (error != NULL)
        g_error ("line is not JSON: %s: %s", *l, error->message);
      g_ptr_array_add (r->msgs, json_node_copy (json_parser_get_root (parser)));
    }
}

static Run *
run_plan (const char *plan_text, const char *extra)
{
  Run *r = run_new (plan_text);
  g_autoptr (GSubprocess) p = run_start (r, extra);
  run_finish (r, p);
  return r;
}

static JsonObject *
msg (Run *r, guint i)
{
  g_assert_cmpuint (i, <, r->msgs->len);
  return json_node_get_object (r->msgs->pdata[i]);
}

static const char *
type_of (Run *r, guint i)
{
  return json_object_get_string_member (msg (r, i), "t");
}

static GPtrArray *
of_type (Run *r, const char *t)
{
  GPtrArray *a = g_ptr_array_new ();
  for (guint i = 0; i < r->msgs->len; i++)
    if (g_str_equal (type_of (r, i), t))
      g_ptr_array_add (a, msg (r, i));
  return a;
}

static gint64
num (JsonObject *o, const char *key)
{
  g_assert_true (json_object_has_member (o, key));
  return json_object_get_int_member (o, key);
}

static void
test_all_types (void)
{
  g_autoptr (Run) r = run_plan ("ktstr-plan 1\n"
                                "test all_types\n"
                                "topology 1n2l2c1t\n"
                                "duration_ms 300\n"
                                "settle_ms 0\n"
                                "workers 1\n"
                                "cgroup spin cpuset=disjoint:0/2\n"
                                "cgroup other cpuset=llc:1\n"
                                "cgroup rest cpuset=exact:0,3\n"
                                "work spin CpuSpin workers=2\n"
                                "work other YieldHeavy\n"
                                "work other Mixed\n"
                                "work rest IoSync\n"
                                "work rest Bursty burst_ms=20 sleep_ms=10\n",
                                NULL);
  g_assert_cmpint (r->exit_code, ==, 0);

  /* The sequence of common/proto.h. */
  g_assert_cmpstr (type_of (r, 0), ==, "hello");
  g_assert_cmpint (num (msg (r, 0), "proto"), ==, 1);
  g_assert_cmpstr (type_of (r, 1), ==, "topo");
  g_assert_cmpint (num (msg (r, 1), "cpus"), ==, 4);
  guint i = 2;
  static const char *const cgroups[][2]
      = { { "spin", "0" }, { "other", "2-3" }, { "rest", "0,3" } };
  for (gsize c = 0; c < G_N_ELEMENTS (cgroups); c++, i++)
    {
      g_assert_cmpstr (type_of (r, i), ==, "cgroup");
      g_assert_cmpstr (json_object_get_string_member (msg (r, i), "name"), ==, cgroups[c][0]);
      g_assert_cmpstr (json_object_get_string_member (msg (r, i), "cpuset"), ==, cgroups[c][1]);
    }
  g_assert_cmpstr (type_of (r, i), ==, "stim");
  g_assert_cmpstr (json_object_get_string_member (msg (r, i), "label"), ==, "ScenarioStart");
  g_assert_cmpint (num (msg (r, i), "elapsed_ms"), ==, 0);
  i++;
  g_assert_cmpstr (type_of (r, i), ==, "stim");
  g_assert_cmpstr (json_object_get_string_member (msg (r, i), "label"), ==, "ScenarioEnd");
  g_assert_cmpint (num (msg (r, i), "elapsed_ms"), >=, 300);
  g_assert_cmpint (num (msg (r, i), "total_iterations"), >, 0);
  i++;
  static const char *const types[]
      = { "CpuSpin", "CpuSpin", "YieldHeavy", "Mixed", "IoSync", "Bursty" };
  static const int indexes[] = { 0, 1, 0, 1, 0, 1 };
  for (gsize w = 0; w < G_N_ELEMENTS (types); w++, i++)
    {
      JsonObject *o = msg (r, i);
      g_test_message ("worker %s", types[w]);
      g_assert_cmpstr (type_of (r, i), ==, "worker");
      g_assert_cmpstr (json_object_get_string_member (o, "work_type"), ==, types[w]);
      g_assert_cmpint (num (o, "index"), ==, indexes[w]);
      g_assert_cmpint (num (o, "pid"), >, 0);
      g_assert_true (json_object_get_boolean_member (o, "completed"));
      g_assert_cmpstr (json_object_get_string_member (o, "exit"), ==, "ok");
      g_assert_cmpint (num (o, "work_units"), >, 0);
      g_assert_cmpint (num (o, "iterations"), >, 0);
      gint64 wall = num (o, "wall_time_ns"), cpu = num (o, "cpu_time_ns");
      /* It starts a little after ScenarioStart and stops at ScenarioEnd. */
      g_assert_cmpint (wall, >=, 100 * G_GINT64_CONSTANT (1000000));
      g_assert_cmpint (wall, >=, cpu);
      g_assert_cmpint (num (o, "off_cpu_ns"), ==, wall - cpu);
      g_assert_cmpint (num (o, "max_gap_ms"), >=, 0);
      g_assert_cmpint (num (o, "max_gap_at_ms"), <=, wall / 1000000);
      JsonArray *used = json_object_get_array_member (o, "cpus_used");
      g_assert_cmpuint (json_array_get_length (used), >=, 1);
      g_assert_cmpint (num (o, "migration_count"), >=, json_array_get_length (used) - 1);
      /* The max-gap CPU is one the worker ran on. */
      gboolean found = FALSE;
      for (guint k = 0; k < json_array_get_length (used); k++)
        found |= json_array_get_int_element (used, k) == num (o, "max_gap_cpu");
      g_assert_true (found);
      /* NUMA: every process has pages (its stack, the agent's text). */
      if (g_file_test ("/proc/self/numa_maps", G_FILE_TEST_EXISTS))
        {
          g_assert_true (json_object_has_member (o, "numa_pages"));
          JsonObject *pages = json_object_get_object_member (o, "numa_pages");
          g_autoptr (GList) nodes = json_object_get_values (pages);
          gint64 total = 0;
          for (GList *l = nodes; l != NULL; l = l->next)
            total += json_node_get_int (l->data);
          g_assert_cmpint (total, >, 0);
        }
      JsonArray *lat = json_object_get_array_member (o, "lat_ns");
      gboolean sleeps = g_str_equal (types[w], "IoSync") || g_str_equal (types[w], "Bursty");
      if (sleeps)
        {
          g_assert_cmpuint (json_array_get_length (lat), >, 0);
          g_assert_cmpint (num (o, "wake_sample_total"), >=, json_array_get_length (lat));
          /* A sample spans the intended sleep. */
          gint64 floor = g_str_equal (types[w], "IoSync") ? 100000 : 10000000;
          for (guint k = 0; k < json_array_get_length (lat); k++)
            g_assert_cmpint (json_array_get_int_element (lat, k), >=, floor);
        }
      else
        {
          g_assert_cmpuint (json_array_get_length (lat), ==, 0);
          g_assert_cmpint (num (o, "wake_sample_total"), ==, 0);
        }
    }
  g_assert_cmpstr (type_of (r, i), ==, "done");
  g_assert_cmpint (num (msg (r, i), "elapsed_ms"), >=, 300);
  /* The agent's own overhead over the run: the span is the scenario's,
   * and the agent, asleep while its workers run, uses far less CPU than
   * the span (the workers' CPU is not its own). */
  gint64 span_ms = num (msg (r, i), "agent_span_ms");
  gint64 agent_ns = num (msg (r, i), "agent_cpu_ns");
  g_assert_cmpint (span_ms, >=, 300);
  g_assert_cmpint (span_ms, <=, num (msg (r, i), "elapsed_ms"));
  g_assert_cmpint (agent_ns, >, 0);
  g_assert_cmpint (agent_ns, <, span_ms * 1000000 / 2);
  g_assert_cmpuint (r->msgs->len, ==, i + 1);

  /* IoSync cleaned up after itself. */
  g_autoptr (GDir) d = g_dir_open (r->dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_assert_false (g_str_has_prefix (name, "ktstr_io_"));
}

static void
test_bad_plan (void)
{
  g_autoptr (Run) r = run_plan ("ktstr-plan 1\ncgroup a\nwork a CpuSpin workers=0\n", NULL);
  g_assert_cmpint (r->exit_code, ==, 1);
  g_assert_cmpuint (r->msgs->len, ==, 2);
  g_assert_cmpstr (type_of (r, 0), ==, "hello");
  g_assert_cmpstr (type_of (r, 1), ==, "error");
  g_autofree char *want = g_strdup_printf (
      "plan '%s': plan line 3: workers=0: a work line needs at least 1 worker", r->plan);
  g_assert_cmpstr (json_object_get_string_member (msg (r, 1), "msg"), ==, want);
  g_assert_nonnull (strstr (r->err, want));
}

static void
test_bad_cpuset_for_topology (void)
{
  /* Valid syntax, but the fake guest has only 2 LLCs. */
  g_autoptr (Run) r = run_plan ("ktstr-plan 1\ncgroup a cpuset=llc:2\nwork a CpuSpin\n", NULL);
  g_assert_cmpint (r->exit_code, ==, 1);
  g_autoptr (GPtrArray) errors = of_type (r, "error");
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (errors->pdata[0], "msg"), ==,
                   "cgroup 'a' (plan line 2): cpuset 'llc:2': the guest has 2 LLCs (llc:0 to "
                   "llc:1)");
  g_autoptr (GPtrArray) workers = of_type (r, "worker");
  g_assert_cmpuint (workers->len, ==, 0);
}

/* Nested cgroups: "cgroup" messages and worker reports carry the full
 * path, parents come before their children, a child without a cpuset
 * inherits its parent's, and tasks move between leaves of different
 * parents. */
static void
test_nested (void)
{
  /* A child before its parent is refused before anything runs. */
  g_autoptr (Run) early = run_plan ("ktstr-plan 1\ncgroup q\ncgroup q/c/d\ncgroup q/c\n", NULL);
  g_assert_cmpint (early->exit_code, ==, 1);

  g_autoptr (Run) r = run_plan ("ktstr-plan 1\nsettle_ms 0\n"
                                "cgroup p cpuset=llc:0\n"
                                "cgroup p/a cpuset=range:0-0.5\n"
                                "cgroup p/b\n"
                                "cgroup q\n"
                                "cgroup q/c\n"
                                "work p/a CpuSpin workers=1\n"
                                "work p/b CpuSpin workers=1\n"
                                "work q/c YieldHeavy workers=1\n"
                                "step fixed:100\n"
                                "op MoveAllTasks p/a q/c\n",
                                NULL);
  g_assert_cmpint (r->exit_code, ==, 0);
  g_autoptr (GPtrArray) cgroups = of_type (r, "cgroup");
  static const char *const names[][2]
      = { { "p", "0-1" }, { "p/a", "0" }, { "p/b", "" }, { "q", "" }, { "q/c", "" } };
  g_assert_cmpuint (cgroups->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < cgroups->len; i++)
    {
      g_assert_cmpstr (json_object_get_string_member (cgroups->pdata[i], "name"), ==, names[i][0]);
      g_assert_cmpstr (json_object_get_string_member (cgroups->pdata[i], "cpuset"), ==,
                       names[i][1]);
    }
  g_autoptr (GPtrArray) workers = of_type (r, "worker");
  g_assert_cmpuint (workers->len, ==, 3);
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();
  for (guint i = 0; i < workers->len; i++)
    g_ptr_array_add (seen, (char *)json_object_get_string_member (workers->pdata[i], "cgroup"));
  for (const char *const *n = (const char *const[]){ "p/a", "p/b", "q/c", NULL }; *n; n++)
    g_assert_true (g_ptr_array_find_with_equal_func (seen, *n, g_str_equal, NULL));
  g_autoptr (GPtrArray) stims = of_type (r, "stim");
  gboolean has_move = FALSE;
  for (guint i = 0; i < stims->len; i++)
    has_move
        |= g_strcmp0 (json_object_get_string_member (stims->pdata[i], "op_kind"), "MoveAllTasks")
               == 0
           && g_str_has_prefix (json_object_get_string_member (stims->pdata[i], "detail"),
                                "from=p/a to=q/c ");
  g_assert_true (has_move);
}

/* A topology-relative child cpuset that resolves outside its parent's
 * fails before anything runs, naming both. */
static void
test_nested_cpuset_outside_parent (void)
{
  g_autoptr (Run) r = run_plan ("ktstr-plan 1\ncgroup p cpuset=llc:0\ncgroup p/a cpuset=llc:1\n"
                                "work p/a CpuSpin\n",
                                NULL);
  g_assert_cmpint (r->exit_code, ==, 1);
  g_autoptr (GPtrArray) errors = of_type (r, "error");
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (errors->pdata[0], "msg"), ==,
                   "cgroup 'p/a' (plan line 3): cpuset llc:1 (CPUs 2-3) is not within its "
                   "parent 'p' (cpuset llc:0, CPUs 0-1); a child's CPUs must be a subset of its "
                   "parent's");
  g_autoptr (GPtrArray) workers = of_type (r, "worker");
  g_assert_cmpuint (workers->len, ==, 0);
}

static void
test_cgroups_unavailable (void)
{
  /* Without --no-cgroups, on a cgroup root that is not cgroup2 (a temp dir),
   * the agent says so and runs without cgroups. */
  g_autofree char *root = g_build_filename (g_get_tmp_dir (), "not-a-cgroup", "ktstr", NULL);
  g_autofree char *opt = g_strdup_printf ("--cgroup-root=%s", root);
  g_autoptr (Run) r = run_plan ("ktstr-plan 1\nduration_ms 50\nsettle_ms 0\ncgroup a\n"
                                "work a CpuSpin workers=1\n",
                                opt);
  g_assert_cmpint (r->exit_code, ==, 0);
  g_autoptr (GPtrArray) logs = of_type (r, "log");
  g_assert_cmpuint (logs->len, >=, 1);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (logs->pdata[0], "msg"),
                                   "cgroup v2 not available"));
  g_autoptr (GPtrArray) done = of_type (r, "done");
  g_assert_cmpuint (done->len, ==, 1);
}

static void
test_worker_init_failure (void)
{
  /* IoSync cannot create its file: the worker exits before its loop, the
   * reason arrives as a log line, and its report is a zero-work one. */
  g_autoptr (Run) r = run_new ("ktstr-plan 1\nduration_ms 100\nsettle_ms 0\ncgroup a\n"
                               "work a IoSync workers=1\nwork a CpuSpin workers=1\n");
  g_autoptr (GSubprocess) p = run_start_in (r, NULL, "/nonexistent-ktstr-tmp");
  run_finish (r, p);
  g_assert_cmpint (r->exit_code, ==, 0);
  g_autoptr (GPtrArray) logs = of_type (r, "log");
  g_assert_cmpuint (logs->len, ==, 1);
  const char *text = json_object_get_string_member (logs->pdata[0], "msg");
  g_assert_true (g_str_has_prefix (text, "worker 0 of cgroup 'a': IoSync: cannot create "
                                         "'/nonexistent-ktstr-tmp/ktstr_io_"));
  g_assert_true (g_str_has_suffix (text, "': No such file or directory"));
  g_autoptr (GPtrArray) workers = of_type (r, "worker");
  g_assert_cmpuint (workers->len, ==, 2);
  JsonObject *io = workers->pdata[0];
  g_assert_cmpstr (json_object_get_string_member (io, "work_type"), ==, "IoSync");
  g_assert_cmpstr (json_object_get_string_member (io, "exit"), ==, "exited:3");
  g_assert_false (json_object_get_boolean_member (io, "completed"));
  g_assert_cmpint (num (io, "work_units"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (workers->pdata[1], "exit"), ==, "ok");
}

static void
test_no_workers (void)
{
  g_autoptr (Run) r = run_plan ("ktstr-plan 1\nduration_ms 50\nsettle_ms 0\ncgroup a\n", NULL);
  g_assert_cmpint (r->exit_code, ==, 0);
  g_autoptr (GPtrArray) workers = of_type (r, "worker");
  g_assert_cmpuint (workers->len, ==, 0);
  g_assert_cmpstr (type_of (r, r->msgs->len - 1), ==, "done");
  g_autoptr (GPtrArray) stims = of_type (r, "stim");
  g_assert_cmpuint (stims->len, ==, 2);
  g_assert_cmpint (num (stims->pdata[1], "total_iterations"), ==, 0);
}

/* The worker processes of agent PID (its children), once all N exist. */
static GArray *
wait_for_workers (GPid agent, guint n)
{
  for (int attempt = 0; attempt < 500; attempt++)
    {
      GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
      g_autoptr (GDir) d = g_dir_open ("/proc", 0, NULL);
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
          g_autofree char *stat = NULL;
          if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL))
            continue;
          /* pid (comm) state ppid ...: comm may hold spaces, so parse after ')'. */
          const char *rp = strrchr (stat, ')');
          char state;
          int ppid;
          if (rp != NULL && sscanf (rp + 1, " %c %d", &state, &ppid) == 2 && ppid == agent)
            {
              GPid pid = atoi (name);
              g_array_append_val (pids, pid);
            }
        }
      if (pids->len == n)
        return pids;
      g_array_unref (pids);
      g_usleep (10000);
    }
  g_error ("the agent never had %u workers", n);
}

static GPid
subprocess_pid (GSubprocess *p)
{
  return atoi (g_subprocess_get_identifier (p));
}

static void
test_dead_worker (void)
{
  g_autoptr (Run) r = run_new ("ktstr-plan 1\nduration_ms 600\nsettle_ms 0\ncgroup a\n"
                               "work a CpuSpin workers=2\n");
  g_autoptr (GSubprocess) p = run_start (r, NULL);
  g_autoptr (GArray) pids = wait_for_workers (subprocess_pid (p), 2);
  GPid victim = g_array_index (pids, GPid, 0);
  g_assert_cmpint (kill (victim, SIGKILL), ==, 0);
  run_finish (r, p);
  g_assert_cmpint (r->exit_code, ==, 0);

  g_autoptr (GPtrArray) workers = of_type (r, "worker");
  g_assert_cmpuint (workers->len, ==, 2);
  guint dead = 0;
  for (guint i = 0; i < workers->len; i++)
    {
      JsonObject *o = workers->pdata[i];
      if (num (o, "pid") != victim)
        {
          g_assert_cmpstr (json_object_get_string_member (o, "exit"), ==, "ok");
          g_assert_cmpint (num (o, "work_units"), >, 0);
          continue;
        }
      dead++;
      g_assert_cmpstr (json_object_get_string_member (o, "exit"), ==, "signaled:9");
      g_assert_false (json_object_get_boolean_member (o, "completed"));
      g_assert_cmpint (num (o, "work_units"), ==, 0);
      g_assert_cmpint (num (o, "wall_time_ns"), ==, 0);
    }
  g_assert_cmpuint (dead, ==, 1);
}

static void
test_hung_worker (void)
{
  /* A stopped worker ignores SIGUSR1: after the shared 5 s deadline it is
   * killed and reported as a timeout, and the others still report. */
  g_autoptr (Run) r = run_new ("ktstr-plan 1\nduration_ms 200\nsettle_ms 0\ncgroup a\n"
                               "work a YieldHeavy workers=2\n");
  g_autoptr (GSubprocess) p = run_start (r, NULL);
  g_autoptr (GArray) pids = wait_for_workers (subprocess_pid (p), 2);
  GPid victim = g_array_index (pids, GPid, 1);
  g_assert_cmpint (kill (victim, SIGSTOP), ==, 0);
  gint64 t0 = g_get_monotonic_time ();
  run_finish (r, p);
  gint64 took_ms = (g_get_monotonic_time () - t0) / 1000;
  g_assert_cmpint (r->exit_code, ==, 0);
  g_assert_cmpint (took_ms, >=, 5000);
  g_assert_cmpint (took_ms, <, 9000);

  g_autoptr (GPtrArray) workers = of_type (r, "worker");
  g_assert_cmpuint (workers->len, ==, 2);
  for (guint i = 0; i < workers->len; i++)
    {
      JsonObject *o = workers->pdata[i];
      gboolean is_victim = num (o, "pid") == victim;
      g_assert_cmpstr (json_object_get_string_member (o, "exit"), ==, is_victim ? "timeout" : "ok");
      g_assert_true (json_object_get_boolean_member (o, "completed") == !is_victim);
    }
  g_assert_cmpint (kill (victim, 0), ==, -1); /* killed and reaped */
}

static void
test_guard (void)
{
  /* The guard fires while collection waits on a stopped worker: an error
   * line naming it, exit status 3, and no worker left behind. */
  g_autoptr (Run) r = run_new ("ktstr-plan 1\nduration_ms 100\nsettle_ms 0\nguard_ms 400\n"
                               "cgroup a\nwork a CpuSpin workers=1\n");
  g_autoptr (GSubprocess) p = run_start (r, NULL);
  g_autoptr (GArray) pids = wait_for_workers (subprocess_pid (p), 1);
  GPid victim = g_array_index (pids, GPid, 0);
  g_assert_cmpint (kill (victim, SIGSTOP), ==, 0);
  run_finish (r, p);
  g_assert_cmpint (r->exit_code, ==, 3);
  g_autoptr (GPtrArray) errors = of_type (r, "error");
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (errors->pdata[0], "msg"), ==,
                   "guard timer (400 ms) expired while collecting worker reports; powering off");
  g_autoptr (GPtrArray) done = of_type (r, "done");
  g_assert_cmpuint (done->len, ==, 0);
  /* PR_SET_PDEATHSIG took the worker down with the agent (SIGKILL works on
   * a stopped process). */
  for (int i = 0; i < 200 && kill (victim, 0) == 0; i++)
    g_usleep (10000);
  g_assert_cmpint (kill (victim, 0), ==, -1);
}

static void
test_usage (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *agent = agent_path ();
  g_autofree char *out = NULL, *err = NULL;
  int status;
  const char *argv[] = { agent, NULL };
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_nonnull (strstr (err, "not PID 1, and no --run-plan FILE or --exec-spec FILE given"));

  const char *help[] = { agent, "--help", NULL };
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_spawn_sync (NULL, (char **)help, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_nonnull (strstr (out, "--run-plan FILE"));
  g_assert_nonnull (strstr (out, "--sysfs-root DIR"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest/run/all-types", test_all_types);
  g_test_add_func ("/guest/run/bad-plan", test_bad_plan);
  g_test_add_func ("/guest/run/bad-cpuset-for-topology", test_bad_cpuset_for_topology);
  g_test_add_func ("/guest/run/nested", test_nested);
  g_test_add_func ("/guest/run/nested-cpuset-outside-parent", test_nested_cpuset_outside_parent);
  g_test_add_func ("/guest/run/cgroups-unavailable", test_cgroups_unavailable);
  g_test_add_func ("/guest/run/worker-init-failure", test_worker_init_failure);
  g_test_add_func ("/guest/run/no-workers", test_no_workers);
  g_test_add_func ("/guest/run/dead-worker", test_dead_worker);
  g_test_add_func ("/guest/run/hung-worker", test_hung_worker);
  g_test_add_func ("/guest/run/guard", test_guard);
  g_test_add_func ("/guest/run/usage", test_usage);
  return g_test_run ();
}
