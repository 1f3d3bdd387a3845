/* The guest agent's JSON writer (guest-init/json.c) and the messages built
 * with it (guest-init/report.c): escaping, framing, and the exact field set
 * common/proto.h promises the host. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "guest-init/json.h"
#include "guest-init/report.h"

static char *
escaped (const char *s)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_append_escaped (&j, s);
  g_assert_false (j.failed);
  char *r = g_strdup (j.buf);
  ktstr_json_clear (&j);
  return r;
}

/* Parses one framed line and returns its object (owned by the parser). */
static JsonObject *
parse_line (JsonParser *parser, const char *line)
{
  g_autoptr (GError) error = NULL;
  /* Framing: exactly one newline, at the end. */
  const char *nl = strchr (line, '\n');
  g_assert_nonnull (nl);
  g_assert_cmpint (nl[1], ==, '\0');
  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  JsonNode *root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
}

static void
test_escape (void)
{
  static const char *const cases[][2] = {
    { "plain", "\"plain\"" },
    { "say \"hi\"", "\"say \\\"hi\\\"\"" },
    { "C:\\path", "\"C:\\\\path\"" },
    { "a\nb\tc\rd", "\"a\\nb\\tc\\rd\"" },
    { "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
    { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
    { "bad\xff", "\"bad\\ufffd\"" },
    { "overlong\xc0\xaf", "\"overlong\\ufffd\\ufffd\"" },
    { "surrogate\xed\xa0\x80", "\"surrogate\\ufffd\\ufffd\\ufffd\"" },
    { "cut\xe2\x82", "\"cut\\ufffd\\ufffd\"" },
    { "big\xf4\x90\x80\x80", "\"big\\ufffd\\ufffd\\ufffd\\ufffd\"" },
    { "", "\"\"" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = escaped (cases[i][0]);
      g_assert_cmpstr (got, ==, cases[i][1]);
    }
}

static void
test_escape_round_trip (void)
{
  /* Every byte value, through the writer, is valid JSON that json-glib reads
   * back; valid text comes back unchanged. */
  char all[256];
  for (int i = 1; i < 256; i++)
    all[i - 1] = (char)i;
  all[255] = '\0';
  const char *texts[] = { all, "tab\there \"quoted\" back\\slash \xe2\x82\xac" };
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      KtstrJson j;
      ktstr_json_init (&j);
      ktstr_json_begin (&j, "log");
      ktstr_json_str (&j, "msg", texts[i]);
      ktstr_json_end (&j);
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *o = parse_line (parser, j.buf);
      const char *msg = json_object_get_string_member (o, "msg");
      g_assert_true (g_utf8_validate (msg, -1, NULL));
      if (i == 1)
        g_assert_cmpstr (msg, ==, texts[i]);
      else
        g_assert_cmpuint (g_utf8_strlen (msg, -1), ==, 127 + 128); /* 128 bytes -> U+FFFD each */
      ktstr_json_clear (&j);
    }
}

static void
test_values (void)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "topo");
  ktstr_json_u64 (&j, "big", G_MAXUINT64);
  ktstr_json_i64 (&j, "neg", -5);
  ktstr_json_bool (&j, "yes", TRUE);
  ktstr_json_null (&j, "none");
  ktstr_json_str (&j, "nil", NULL);
  ktstr_json_array_open (&j, "nested");
  ktstr_json_array_open (&j, NULL);
  ktstr_json_u64 (&j, NULL, 0);
  ktstr_json_u64 (&j, NULL, 1);
  ktstr_json_array_close (&j);
  ktstr_json_array_open (&j, NULL);
  ktstr_json_array_close (&j);
  ktstr_json_array_close (&j);
  ktstr_json_end (&j);
  g_assert_false (j.failed);
  g_assert_cmpstr (j.buf, ==,
                   "{\"t\":\"topo\",\"big\":18446744073709551615,\"neg\":-5,\"yes\":true,"
                   "\"none\":null,\"nil\":null,\"nested\":[[0,1],[]]}\n");

  /* The builder is reusable: begin starts a fresh line. */
  ktstr_json_begin (&j, "done");
  ktstr_json_u64 (&j, "elapsed_ms", 7);
  ktstr_json_end (&j);
  g_assert_cmpstr (j.buf, ==, "{\"t\":\"done\",\"elapsed_ms\":7}\n");

  /* An array left open is a bug: the line is marked unusable. */
  ktstr_json_begin (&j, "x");
  ktstr_json_array_open (&j, "a");
  ktstr_json_end (&j);
  g_assert_true (j.failed);
  ktstr_json_clear (&j);
}

/* Runs FN against a control channel on a temp file and returns the lines. */
static char **
capture (void (*fn) (KtstrCtrl *c, gpointer data), gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("test-guest-json-XXXXXX", &path, &error);
  g_assert_no_error (error);
  KtstrCtrl c;
  ktstr_ctrl_init_fd (&c, fd, path);
  fn (&c, data);
  ktstr_ctrl_flush (&c);
  close (fd);
  g_autofree char *text = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_unlink (path);
  g_assert_true (g_str_has_suffix (text, "\n"));
  text[strlen (text) - 1] = '\0';
  return g_strsplit (text, "\n", -1);
}

static void
send_simple (KtstrCtrl *c, gpointer data)
{
  ktstr_report_hello (c, 1234, "6.12.0-\"odd\"");
  ktstr_report_log (c, "init", "value %d", 42);
  ktstr_report_cgroup (c, "cg_0", "0-1");
  ktstr_report_stim (c, 0, "ScenarioStart", 0);
  ktstr_report_error (c, "writing '+cpuset' to /sys/fs/cgroup/x failed: Device or resource busy");
  ktstr_report_done (c, 2031, 12345678, 2000);
}

static void
test_messages (void)
{
  g_auto (GStrv) lines = capture (send_simple, NULL);
  static const char *const want[] = {
    "{\"t\":\"hello\",\"proto\":1,\"uptime_ms\":1234,\"kernel\":\"6.12.0-\\\"odd\\\"\"}",
    "{\"t\":\"log\",\"src\":\"init\",\"msg\":\"value 42\"}",
    "{\"t\":\"cgroup\",\"name\":\"cg_0\",\"cpuset\":\"0-1\"}",
    "{\"t\":\"stim\",\"elapsed_ms\":0,\"label\":\"ScenarioStart\",\"op_kind\":null,\"detail\":null,"
    "\"total_iterations\":0}",
    "{\"t\":\"error\",\"msg\":\"writing '+cpuset' to /sys/fs/cgroup/x failed: Device or resource "
    "busy\"}",
    "{\"t\":\"done\",\"elapsed_ms\":2031,\"agent_cpu_ns\":12345678,\"agent_span_ms\":2000}",
  };
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (want));
  for (gsize i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpstr (lines[i], ==, want[i]);
}

static void
send_topo (KtstrCtrl *c, gpointer data)
{
  ktstr_report_topo (c, data);
}

static void
test_topo_message (void)
{
  KtstrTopo t;
  memset (&t, 0, sizeof t);
  ktstr_cpuset_parse ("0-3", &t.online, NULL);
  t.n_cpus = 4;
  t.n_llcs = 2;
  ktstr_cpuset_parse ("0-1", &t.llcs[0], NULL);
  ktstr_cpuset_parse ("2-3", &t.llcs[1], NULL);
  t.n_nodes = 1;
  t.nodes[0] = t.online;
  t.smt = 1;
  g_auto (GStrv) lines = capture (send_topo, &t);
  g_assert_cmpstr (lines[0], ==,
                   "{\"t\":\"topo\",\"cpus\":4,\"llcs\":[[0,1],[2,3]],\"numa\":[[0,1,2,3]],"
                   "\"smt\":1}");
}

static void
send_workers (KtstrCtrl *c, gpointer data)
{
  KtstrWorkerProc *procs = data;
  ktstr_report_worker (c, "cg_0", "IoSync", &procs[0]);
  ktstr_report_worker (c, "cg_0", "CpuSpin", &procs[1]);
}

/* The worker line carries exactly the fields of common/proto.h, in order. */
static const char *const worker_fields[] = {
  "t",
  "cgroup",
  "index",
  "work_type",
  "pid",
  "work_units",
  "iterations",
  "cpu_time_ns",
  "wall_time_ns",
  "off_cpu_ns",
  "migration_count",
  "cpus_used",
  "max_gap_ms",
  "max_gap_cpu",
  "max_gap_at_ms",
  "run_delay_ns",
  "run_count",
  "schedstat_cpu_ns",
  "wake_sample_total",
  "minor_faults",
  "lat_ns",
  "completed",
  "exit",
};

static void
test_worker_message (void)
{
  KtstrWorkerReport *reports = g_new0 (KtstrWorkerReport, 2);
  KtstrWorkerProc procs[2];
  memset (procs, 0, sizeof procs);

  /* A worker that finished. */
  reports[0].is_done = 1;
  reports[0].work_units = 160;
  reports[0].iterations = 10;
  reports[0].cpu_time_ns = 300;
  reports[0].wall_time_ns = 1000;
  reports[0].off_cpu_ns = 700;
  reports[0].migration_count = 1;
  ktstr_cpuset_parse ("0,2", &reports[0].cpus_used, NULL);
  reports[0].max_gap_ms = 12;
  reports[0].max_gap_cpu = 2;
  reports[0].max_gap_at_ms = 40;
  reports[0].run_delay_ns = 5;
  reports[0].run_count = 6;
  reports[0].schedstat_cpu_ns = 301;
  reports[0].wake_sample_total = 10;
  reports[0].n_lat = 3;
  reports[0].lat_ns[0] = 100100;
  reports[0].lat_ns[1] = 100200;
  reports[0].lat_ns[2] = 150000;
  procs[0].pid = 81;
  procs[0].index = 0;
  procs[0].report = &reports[0];
  procs[0].is_reaped = TRUE;
  procs[0].status = 0;

  /* A worker killed before it reported: zero work, its exit info. */
  reports[1].work_units = 999; /* partial data must not leak out */
  reports[1].n_lat = 2;
  procs[1].pid = 82;
  procs[1].index = 1;
  procs[1].report = &reports[1];
  procs[1].is_reaped = TRUE;
  procs[1].status = 9; /* killed by SIGKILL */

  g_auto (GStrv) lines = capture (send_workers, procs);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (lines[0], ==,
                   "{\"t\":\"worker\",\"cgroup\":\"cg_0\",\"index\":0,\"work_type\":\"IoSync\","
                   "\"pid\":81,\"work_units\":160,\"iterations\":10,\"cpu_time_ns\":300,"
                   "\"wall_time_ns\":1000,\"off_cpu_ns\":700,\"migration_count\":1,"
                   "\"cpus_used\":[0,2],\"max_gap_ms\":12,\"max_gap_cpu\":2,\"max_gap_at_ms\":40,"
                   "\"run_delay_ns\":5,\"run_count\":6,\"schedstat_cpu_ns\":301,"
                   "\"wake_sample_total\":10,\"minor_faults\":0,"
                   "\"lat_ns\":[100100,100200,150000],"
                   "\"completed\":true,\"exit\":\"ok\"}");

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *line1 = g_strconcat (lines[1], "\n", NULL);
  JsonObject *o = parse_line (parser, line1);
  g_autoptr (GList) members = json_object_get_members (o);
  g_assert_cmpuint (g_list_length (members), ==, G_N_ELEMENTS (worker_fields));
  gsize i = 0;
  for (GList *l = members; l != NULL; l = l->next, i++)
    g_assert_cmpstr (l->data, ==, worker_fields[i]);
  g_assert_cmpint (json_object_get_int_member (o, "pid"), ==, 82);
  g_assert_cmpint (json_object_get_int_member (o, "index"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "work_units"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "lat_ns")), ==, 0);
  g_assert_false (json_object_get_boolean_member (o, "completed"));
  g_assert_cmpstr (json_object_get_string_member (o, "exit"), ==, "signaled:9");
  g_free (reports);
}

static void
send_one_worker (KtstrCtrl *c, gpointer data)
{
  ktstr_report_worker (c, "cg_0", "PageFaultChurn", data);
}

/* The optional NUMA keys: an object of the nodes with pages, then the
 * migration delta, between minor_faults and lat_ns. */
static void
test_worker_numa (void)
{
  KtstrWorkerReport *report = g_new0 (KtstrWorkerReport, 1);
  KtstrWorkerProc proc;
  memset (&proc, 0, sizeof proc);
  report->is_done = 1;
  report->has_numa_pages = 1;
  report->numa_pages[0] = 5;
  report->numa_pages[3] = 2;
  report->has_numa_migrated = 1;
  report->numa_pages_migrated = 4;
  proc.pid = 90;
  proc.report = report;
  proc.is_reaped = TRUE;

  g_auto (GStrv) lines = capture (send_one_worker, &proc);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_nonnull (strstr (lines[0], "\"minor_faults\":0,\"numa_pages\":{\"0\":5,\"3\":2},"
                                      "\"vmstat_numa_pages_migrated\":4,\"lat_ns\":[]"));
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *line = g_strconcat (lines[0], "\n", NULL);
  JsonObject *o = parse_line (parser, line);
  JsonObject *pages = json_object_get_object_member (o, "numa_pages");
  g_assert_cmpint (json_object_get_int_member (pages, "3"), ==, 2);

  /* Measured but empty: {} (not absent). */
  memset (report->numa_pages, 0, sizeof report->numa_pages);
  report->has_numa_migrated = 0;
  g_auto (GStrv) lines2 = capture (send_one_worker, &proc);
  g_assert_nonnull (strstr (lines2[0], "\"numa_pages\":{},\"lat_ns\""));
  g_assert_null (strstr (lines2[0], "vmstat_numa_pages_migrated"));
  g_free (report);
}

static void
test_exit_text (void)
{
  KtstrWorkerProc p;
  char buf[32];
  memset (&p, 0, sizeof p);
  g_assert_cmpstr (ktstr_worker_proc_exit_text (&p, buf, sizeof buf), ==, "timeout");
  p.is_reaped = TRUE;
  p.status = 0;
  g_assert_cmpstr (ktstr_worker_proc_exit_text (&p, buf, sizeof buf), ==, "ok");
  p.status = 3 << 8;
  g_assert_cmpstr (ktstr_worker_proc_exit_text (&p, buf, sizeof buf), ==, "exited:3");
  p.status = 11;
  g_assert_cmpstr (ktstr_worker_proc_exit_text (&p, buf, sizeof buf), ==, "signaled:11");
  p.is_timed_out = TRUE;
  g_assert_cmpstr (ktstr_worker_proc_exit_text (&p, buf, sizeof buf), ==, "timeout");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest/json/escape", test_escape);
  g_test_add_func ("/guest/json/escape-round-trip", test_escape_round_trip);
  g_test_add_func ("/guest/json/values", test_values);
  g_test_add_func ("/guest/json/messages", test_messages);
  g_test_add_func ("/guest/json/topo", test_topo_message);
  g_test_add_func ("/guest/json/worker", test_worker_message);
  g_test_add_func ("/guest/json/worker-numa", test_worker_numa);
  g_test_add_func ("/guest/json/exit-text", test_exit_text);
  return g_test_run ();
}
