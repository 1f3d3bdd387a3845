/* The host's side of the control channel (run/session.h): lines that
 * break the protocol are kept with the reason, in the words of the typed
 * JSON getters (util/json-util.h); and a hostile guest (floods, over-long
 * lines, invalid UTF-8) meets the bounds of common/proto.h, with a
 * verdict that says what happened. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "common/proto.h"
#include "run/payload-metrics.h"
#include "run/session.h"
#include "run/verdict.h"

static void
test_payload_lines (void)
{
  g_autoptr (KtstrSession) s = ktstr_session_new ();
  ktstr_session_feed (s, "{\"t\":\"payload\",\"name\":\"fio\",\"exit_code\":3,\"elapsed_ms\":12,"
                         "\"killed\":true,\"stdout\":\"o\",\"stderr\":\"e\"}");
  g_assert_cmpuint (s->payloads->len, ==, 1);
  KtstrPayloadResult *r = s->payloads->pdata[0];
  g_assert_cmpstr (r->name, ==, "fio");
  g_assert_cmpint (r->exit_code, ==, 3);
  g_assert_cmpuint (r->elapsed_ms, ==, 12);
  g_assert_true (r->is_killed);
  g_assert_cmpstr (r->out, ==, "o");
  g_assert_cmpstr (r->err, ==, "e");
  g_assert_cmpuint (s->bad_lines->len, ==, 0);

  static const char *const bad[][2] = {
    { "{\"t\":\"payload\",\"exit_code\":0}", "payload message: key 'name' is missing: " },
    { "{\"t\":\"payload\",\"name\":\"x\"}", "payload message: key 'exit_code' is missing: " },
    { "{\"t\":\"payload\",\"name\":\"x\",\"exit_code\":\"0\"}",
      "payload message: key 'exit_code' must be an integer, got a string: " },
    { "{\"t\":\"payload\",\"name\":7,\"exit_code\":0}",
      "payload message: key 'name' must be a string, got an integer: " },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      ktstr_session_feed (s, bad[i][0]);
      g_assert_cmpuint (s->bad_lines->len, ==, i + 1);
      g_autofree char *want = g_strconcat (bad[i][1], bad[i][0], NULL);
      g_assert_cmpstr (s->bad_lines->pdata[i], ==, want);
    }
  g_assert_cmpuint (s->payloads->len, ==, 1);
}

static void
test_bad_lines_bounded (void)
{
  g_autoptr (KtstrSession) s = ktstr_session_new ();
  for (guint i = 0; i < KTSTR_SESSION_KEEP_MAX + 50; i++)
    {
      ktstr_session_feed (s, "garbage");
      ktstr_session_feed (s, "{\"t\":\"log\",\"src\":\"a\",\"msg\":\"m\"}");
      ktstr_session_feed (s, "{\"t\":\"error\",\"msg\":\"e\"}");
    }
  g_assert_cmpuint (s->bad_lines->len, ==, KTSTR_SESSION_KEEP_MAX);
  g_assert_cmpuint (s->bad_lines_dropped, ==, 50);
  g_assert_cmpuint (s->logs->len, ==, KTSTR_SESSION_KEEP_MAX);
  g_assert_cmpuint (s->logs_dropped, ==, 50);
  g_assert_cmpuint (s->errors->len, ==, KTSTR_SESSION_KEEP_MAX);
  g_assert_cmpuint (s->errors_dropped, ==, 50);
  g_assert_false (s->is_flooded);
}

static void
test_invalid_utf8 (void)
{
  g_autoptr (KtstrSession) s = ktstr_session_new ();
  ktstr_session_feed (s, "{\"t\":\"log\",\"src\":\"a\",\"msg\":\"\xff\xfe\"}");
  g_assert_cmpuint (s->logs->len, ==, 0);
  g_assert_cmpuint (s->bad_lines->len, ==, 1);
  const char *bad = s->bad_lines->pdata[0];
  g_assert_true (g_str_has_prefix (bad, "not UTF-8: {\"t\":\"log\""));
  g_assert_true (g_utf8_validate (bad, -1, NULL));

  /* A kept line is cut at 200 bytes, never inside a character. */
  g_autoptr (GString) line = g_string_new ("x");
  for (guint i = 0; i < 150; i++)
    g_string_append (line, "\xc3\xa9"); /* é */
  ktstr_session_feed (s, line->str);
  bad = s->bad_lines->pdata[1];
  g_assert_true (g_str_has_prefix (bad, "not JSON: x"));
  g_assert_true (g_utf8_validate (bad, -1, NULL));
}

static void
test_overlong_line (void)
{
  g_autoptr (KtstrSession) s = ktstr_session_new ();
  g_autofree char *line = g_malloc (KTSTR_PROTO_LINE_MAX + 1);
  memset (line, '[', KTSTR_PROTO_LINE_MAX);
  line[KTSTR_PROTO_LINE_MAX] = '\0';
  ktstr_session_feed (s, line);
  g_assert_cmpuint (s->bad_lines->len, ==, 1);
  g_assert_true (
      g_str_has_prefix (s->bad_lines->pdata[0], "longer than the line limit (cut): [[["));
}

/* VmRSS or VmHWM of this process, in KiB. */
static guint64
status_kib (const char *field)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents ("/proc/self/status", &text, NULL, NULL));
  const char *p = strstr (text, field);
  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen (field) + 1, NULL, 10);
}

#define FLOOD_BYTES (G_GUINT64_CONSTANT (1) << 30)
#define FLOOD_LINE 65536

/* 1 GiB of control lines, as a guest that never stops talking would send
 * them: the host keeps the first KTSTR_PROTO_SESSION_MAX bytes' worth,
 * counts the rest, and the verdict fails the test saying so. */
static void
test_flood (void)
{
  g_autoptr (KtstrSession) s = ktstr_session_new ();
  const char *hello = "{\"t\":\"hello\",\"kernel\":\"6.12\"}", *done = "{\"t\":\"done\"}";
  ktstr_session_feed (s, hello);
  g_autoptr (GString) line = g_string_new ("{\"t\":\"log\",\"src\":\"flood\",\"msg\":\"");
  while (line->len < FLOOD_LINE - 3)
    g_string_append_c (line, 'A');
  g_string_append (line, "\"}");
  guint64 rss_before = status_kib ("VmRSS:");
  guint64 lines = FLOOD_BYTES / (line->len + 1);
  g_autoptr (GTimer) timer = g_timer_new ();
  for (guint64 i = 0; i < lines; i++)
    ktstr_session_feed (s, line->str);
  ktstr_session_feed (s, done);
  guint64 rss_after = status_kib ("VmRSS:");
  g_test_message ("flood: %" G_GUINT64_FORMAT " lines (%" G_GUINT64_FORMAT " MiB) in %.1f s; "
                  "RSS %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " MiB (peak %" G_GUINT64_FORMAT
                  " MiB)",
                  lines, lines * (line->len + 1) >> 20, g_timer_elapsed (timer, NULL),
                  rss_before >> 10, rss_after >> 10, status_kib ("VmHWM:") >> 10);
  g_assert_true (s->is_flooded);
  g_assert_cmpuint (s->bytes_fed, <=, KTSTR_PROTO_SESSION_MAX);
  g_assert_cmpuint (s->lines_dropped, >, 0);
  g_assert_cmpuint (s->bytes_fed + s->bytes_dropped, ==,
                    lines * (line->len + 1) + strlen (hello) + strlen (done) + 2);
  g_assert_false (s->is_done); /* "done" came after the bound: dropped too */
  g_assert_cmpuint (s->logs->len, ==, KTSTR_SESSION_KEEP_MAX);
  /* What the host holds grows with the bound, not with what was sent.
   * AddressSanitizer keeps freed memory in quarantine (256 MiB), so the
   * figure means nothing under it. */
#if !defined(__SANITIZE_ADDRESS__)
  g_assert_cmpuint (rss_after - MIN (rss_after, rss_before), <,
                    2 * (KTSTR_PROTO_SESSION_MAX >> 10));
#endif

  g_autofree char *dir = g_dir_make_tmp ("ktstr-session-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "flood.ktstr", NULL);
  g_assert_true (g_file_set_contents (
      path, "[test]\nname=flood\nduration_ms=1000\n[cgroup a]\nwork=CpuSpin\n", -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def = ktstr_testdef_load (path, &error);
  g_assert_no_error (error);
  KtstrTopology topo;
  g_assert_cmpint (ktstr_topology_parse ("1n1l1c1t", &topo, NULL, 0), ==, 0);
  KtstrVmResult vm = { 0 };
  vm.end = KTSTR_VM_END_POWEROFF;
  g_autoptr (KtstrVerdict) v = ktstr_verdict_decide (def, &topo, s, &vm, "", NULL);
  g_assert_cmpint (v->outcome, !=, KTSTR_OUTCOME_PASS);
  g_autofree char *want = g_strdup_printf (
      "control channel flood: the guest sent more than %d MiB of control lines; the host kept "
      "the first %d MiB and dropped %" G_GUINT64_FORMAT " lines",
      KTSTR_PROTO_SESSION_MAX >> 20, KTSTR_PROTO_SESSION_MAX >> 20, s->lines_dropped);
  g_assert_nonnull (strstr (v->report, want));
  /* The guest's text is cut: the report stays small. */
  g_assert_nonnull (strstr (v->report, "agent log: flood: AAAA"));
  g_assert_cmpuint (strlen (v->report), <, 2 * KTSTR_SESSION_KEEP_MAX * KTSTR_SESSION_TEXT_MAX);
  g_assert_cmpuint (s->logs_dropped, >, 0);
  g_autofree char *more
      = g_strdup_printf ("agent log: %" G_GUINT64_FORMAT " more lines, not kept", s->logs_dropped);
  g_assert_nonnull (strstr (v->report, more));
  g_unlink (path);
  g_rmdir (dir);
}

static KtstrTestDef *
load_def (const char *dir, const char *text)
{
  g_autofree char *path = g_build_filename (dir, "t.ktstr", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (GError) error = NULL;
  KtstrTestDef *def = ktstr_testdef_load (path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  return def;
}

/* A host deadline that the boot used up is said to be too short, not a
 * hang; one that passed long after the scenario should have ended is a
 * hang. */
static void
test_deadline_too_short (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-session-XXXXXX", NULL);
  g_autoptr (KtstrTestDef) def = load_def (
      dir, "[test]\nname=short\nduration_ms=3000\nsettle_ms=500\n[cgroup a]\nwork=CpuSpin\n");
  g_rmdir (dir);
  KtstrTopology topo;
  g_assert_cmpint (ktstr_topology_parse ("1n1l1c1t", &topo, NULL, 0), ==, 0);
  g_autoptr (KtstrSession) s = ktstr_session_new ();
  ktstr_session_feed (s, "{\"t\":\"hello\",\"kernel\":\"6.12\"}");
  KtstrVmResult vm = { 0 };
  vm.end = KTSTR_VM_END_TIMEOUT;
  /* --timeout 12: hello after 10.5 s, killed at 12 s. */
  vm.launch_us = s->hello_us - 10500000;
  vm.end_us = s->hello_us + 1500000;
  g_autoptr (KtstrVerdict) v = ktstr_verdict_decide (def, &topo, s, &vm, "", NULL);
  g_assert_cmpint (v->outcome, !=, KTSTR_OUTCOME_PASS);
  g_assert_nonnull (strstr (v->report, "deadline too short: the boot took 10.5 s of the 12.0 s "
                                       "host deadline, leaving 1.5 s for a scenario of 3.5 s; "
                                       "give a longer --timeout (or leave it out)"));
  g_assert_null (strstr (v->report, "hang"));

  /* Hello after 10 s, killed 60 s later: the scenario had its time. */
  vm.launch_us = s->hello_us - 10000000;
  vm.end_us = s->hello_us + 60000000;
  g_autoptr (KtstrVerdict) hang = ktstr_verdict_decide (def, &topo, s, &vm, "", NULL);
  g_assert_nonnull (
      strstr (hang->report, "hang: the guest did not finish before the host deadline"));
  g_assert_null (strstr (hang->report, "deadline too short"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/payload-lines", test_payload_lines);
  g_test_add_func ("/session/bounds/kept", test_bad_lines_bounded);
  g_test_add_func ("/session/bounds/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/session/bounds/overlong-line", test_overlong_line);
  g_test_add_func ("/session/bounds/flood", test_flood);
  g_test_add_func ("/session/verdict/deadline-too-short", test_deadline_too_short);
  return g_test_run ();
}
