/* QMP client: against recorded transcripts replayed by a fake server
 * thread over a socketpair, and against a real qemu-system-x86_64. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backends/qemu/qmp.h"

/* ---------- fake QMP server ---------- */

typedef struct
{
  int fd;
  char **lines;      /* "<- json", "-> json", or "hold" (read until EOF) */
  gsize chunk;       /* write server lines in pieces of this size (0: whole) */
  GString *problems; /* what the client sent that the transcript did not expect */
} FakeServer;

static char *
read_line_fd (int fd)
{
  g_autoptr (GString) line = g_string_new (NULL);
  char c;
  for (;;)
    {
      ssize_t n = read (fd, &c, 1);
      if (n <= 0)
        return line->len > 0 ? g_string_free (g_steal_pointer (&line), FALSE) : NULL;
      if (c == '\n')
        return g_string_free (g_steal_pointer (&line), FALSE);
      g_string_append_c (line, c);
    }
}

static void
write_line_fd (int fd, const char *text, gsize chunk)
{
  g_autofree char *line = g_strconcat (text, "\r\n", NULL);
  gsize len = strlen (line), off = 0;
  while (off < len)
    {
      gsize piece = chunk > 0 ? MIN (chunk, len - off) : len - off;
      ssize_t n = write (fd, line + off, piece);
      if (n <= 0)
        return;
      off += (gsize)n;
      if (chunk > 0)
        g_usleep (200); /* let the client see a partial line */
    }
}

static gboolean
json_text_equal (const char *a, const char *b)
{
  g_autoptr (JsonParser) pa = json_parser_new ();
  g_autoptr (JsonParser) pb = json_parser_new ();
  if (!json_parser_load_from_data (pa, a, -1, NULL)
      || !json_parser_load_from_data (pb, b, -1, NULL))
    return FALSE;
  return json_node_equal (json_parser_get_root (pa), json_parser_get_root (pb));
}

static gpointer
fake_server_run (gpointer data)
{
  FakeServer *server = data;
  for (gsize i = 0; server->lines[i] != NULL; i++)
    {
      const char *line = server->lines[i];
      if (g_str_has_prefix (line, "<- "))
        write_line_fd (server->fd, line + 3, server->chunk);
      else if (g_str_has_prefix (line, "-> "))
        {
          g_autofree char *got = read_line_fd (server->fd);
          if (got == NULL || !json_text_equal (got, line + 3))
            g_string_append_printf (server->problems, "expected %s, got %s\n", line + 3,
                                    got ? got : "EOF");
        }
      else if (g_str_equal (line, "hold"))
        {
          g_autofree char *rest = NULL;
          while ((rest = read_line_fd (server->fd)) != NULL)
            g_clear_pointer (&rest, g_free);
        }
    }
  close (server->fd);
  return NULL;
}

typedef struct
{
  FakeServer server;
  GThread *thread;
  KtstrQmp *qmp;
  GPtrArray *log; /* "event:NAME[ reason]" and "reply:CMD", in order */
  gint64 panicked_timestamp_us;
} Fixture;

static char **
transcript_lines (const char *text)
{
  g_auto (GStrv) raw = g_strsplit (text, "\n", -1);
  g_autoptr (GPtrArray) lines = g_ptr_array_new ();
  for (gsize i = 0; raw[i] != NULL; i++)
    if (g_str_has_prefix (raw[i], "<- ") || g_str_has_prefix (raw[i], "-> ")
        || g_str_equal (raw[i], "hold"))
      g_ptr_array_add (lines, g_strdup (raw[i]));
  g_ptr_array_add (lines, NULL);
  return (char **)g_ptr_array_free (g_steal_pointer (&lines), FALSE);
}

static void
on_event (KtstrQmp *qmp, const char *event, JsonObject *data, gint64 timestamp_us,
          gpointer user_data)
{
  Fixture *f = user_data;
  const char *reason
      = data != NULL ? json_object_get_string_member_with_default (data, "reason", NULL) : NULL;
  g_ptr_array_add (f->log, reason ? g_strdup_printf ("event:%s %s", event, reason)
                                  : g_strdup_printf ("event:%s", event));
  if (g_str_equal (event, "GUEST_PANICKED"))
    f->panicked_timestamp_us = timestamp_us;
}

static void
fixture_start (Fixture *f, const char *transcript, gsize chunk)
{
  int fds[2];
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketConnection) conn = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  f->server.fd = fds[1];
  f->server.lines = transcript_lines (transcript);
  f->server.chunk = chunk;
  f->server.problems = g_string_new (NULL);
  f->thread = g_thread_new ("fake-qmp", fake_server_run, &f->server);
  socket = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  conn = g_socket_connection_factory_create_connection (socket);
  f->qmp = ktstr_qmp_new (G_IO_STREAM (conn));
  f->log = g_ptr_array_new_with_free_func (g_free);
  ktstr_qmp_set_event_func (f->qmp, on_event, f);
}

static void
fixture_start_file (Fixture *f, const char *name, gsize chunk)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "qmp", name, NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  fixture_start (f, text, chunk);
}

static void
wait_closed (Fixture *f)
{
  gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!ktstr_qmp_is_closed (f->qmp) && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (ktstr_qmp_is_closed (f->qmp));
}

/* Closes our end, joins the server and checks it saw what it expected. */
static void
fixture_finish (Fixture *f)
{
  g_clear_pointer (&f->qmp, ktstr_qmp_unref);
  g_thread_join (f->thread);
  g_assert_cmpstr (f->server.problems->str, ==, "");
  g_string_free (f->server.problems, TRUE);
  g_strfreev (f->server.lines);
  g_ptr_array_unref (f->log);
}

static JsonNode *
execute_logged (Fixture *f, const char *cmd, JsonObject *args, GError **error)
{
  JsonNode *reply = ktstr_qmp_execute (f->qmp, cmd, args, 5000, error);
  g_ptr_array_add (f->log, g_strdup_printf ("reply:%s", cmd));
  return reply;
}

static void
assert_log (Fixture *f, const char *const *expected)
{
  g_autofree char *got = NULL;
  g_autofree char *want = g_strjoinv ("\n", (char **)expected);
  g_ptr_array_add (f->log, NULL);
  got = g_strjoinv ("\n", (char **)f->log->pdata);
  g_ptr_array_remove_index (f->log, f->log->len - 1);
  g_assert_cmpstr (got, ==, want);
}

/* ---------- transcripts ---------- */

static void
test_greeting (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) version = NULL;
  g_autoptr (JsonNode) quit = NULL;
  JsonObject *qemu;

  fixture_start_file (&f, "greeting.txt", 0);
  g_assert_null (ktstr_qmp_get_qemu_version (f.qmp));
  g_assert_true (ktstr_qmp_negotiate (f.qmp, 5000, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ktstr_qmp_get_qemu_version (f.qmp), ==, "7.2.22");

  version = ktstr_qmp_execute (f.qmp, "query-version", NULL, 5000, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (version));
  qemu = json_object_get_object_member (json_node_get_object (version), "qemu");
  g_assert_cmpint (json_object_get_int_member (qemu, "major"), ==, 7);

  quit = execute_logged (&f, "quit", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (quit);
  wait_closed (&f);
  assert_log (&f, (const char *const[]){ "event:SHUTDOWN host-qmp-quit", "reply:quit", NULL });
  fixture_finish (&f);
}

static void
test_error_replies (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (JsonObject) args = json_object_new ();

  fixture_start_file (&f, "error.txt", 0);
  /* Before negotiation QEMU accepts nothing but qmp_capabilities. */
  reply = ktstr_qmp_execute (f.qmp, "query-version", NULL, 5000, &error);
  g_assert_null (reply);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_COMMAND_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "Expecting capabilities negotiation"));
  g_clear_error (&error);

  g_assert_true (ktstr_qmp_negotiate (f.qmp, 5000, &error));
  g_assert_no_error (error);

  reply = ktstr_qmp_execute (f.qmp, "no-such-command", NULL, 5000, &error);
  g_assert_null (reply);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_COMMAND_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "QMP command 'no-such-command' failed: The command no-such-command has not "
                   "been found (CommandNotFound)");
  g_clear_error (&error);

  json_object_set_int_member (args, "bogus", 1);
  reply = ktstr_qmp_execute (f.qmp, "query-version", args, 5000, &error);
  g_assert_null (reply);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_GENERIC);
  g_assert_nonnull (strstr (error->message, "Parameter 'bogus' is unexpected (GenericError)"));
  g_assert_cmpstr (ktstr_qmp_error_class_name (error->code), ==, "GenericError");
  g_clear_error (&error);

  reply = ktstr_qmp_execute (f.qmp, "quit", NULL, 5000, &error);
  g_assert_no_error (error);
  wait_closed (&f);
  fixture_finish (&f);
}

static void
run_events (gsize chunk)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  static const char *const cmds[] = { "cont", "stop", "system_reset", "query-status", "quit" };

  fixture_start_file (&f, "events.txt", chunk);
  g_assert_true (ktstr_qmp_negotiate (f.qmp, 5000, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      g_autoptr (JsonNode) reply = execute_logged (&f, cmds[i], NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (reply);
      if (g_str_equal (cmds[i], "query-status"))
        g_assert_cmpstr (json_object_get_string_member (json_node_get_object (reply), "status"), ==,
                         "prelaunch");
    }
  wait_closed (&f);
  /* Each event reaches the callback before the reply it preceded on the wire. */
  assert_log (&f, (const char *const[]){ "event:RESUME", "reply:cont", "event:STOP", "reply:stop",
                                         "event:RESET host-qmp-system-reset", "reply:system_reset",
                                         "reply:query-status", "event:SHUTDOWN host-qmp-quit",
                                         "reply:quit", NULL });
  fixture_finish (&f);
}

static void
test_events_interleaved (void)
{
  run_events (0);
}

static void
test_events_split_writes (void)
{
  run_events (3);
}

static void
test_panic_events (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = NULL;

  fixture_start_file (&f, "panic.txt", 0);
  g_assert_true (ktstr_qmp_negotiate (f.qmp, 5000, &error));
  reply = execute_logged (&f, "cont", NULL, &error);
  g_assert_no_error (error);
  wait_closed (&f);
  assert_log (&f, (const char *const[]){ "event:RESUME", "reply:cont", "event:GUEST_PANICKED",
                                         "event:SHUTDOWN guest-reset", NULL });
  g_assert_cmpint (f.panicked_timestamp_us, ==, G_GINT64_CONSTANT (1795752238042903));
  fixture_finish (&f);
}

/* ---------- synthetic transcripts: failures ---------- */

#define GREETING                                                                                   \
  "<- {\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, "            \
  "\"capabilities\": []}}\n"

static void
test_malformed_reply (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = NULL;

  fixture_start (&f,
                 GREETING "-> {\"execute\":\"query-status\",\"id\":\"ktstr-1\"}\n"
                          "<- this is not json\n",
                 0);
  reply = ktstr_qmp_execute (f.qmp, "query-status", NULL, 5000, &error);
  g_assert_null (reply);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "this is not json"));
  fixture_finish (&f);
}

static void
test_closed_before_reply (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = NULL;

  fixture_start (&f, GREETING "-> {\"execute\":\"query-status\",\"id\":\"ktstr-1\"}\n", 0);
  reply = ktstr_qmp_execute (f.qmp, "query-status", NULL, 5000, &error);
  g_assert_null (reply);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CLOSED);
  g_assert_true (ktstr_qmp_is_closed (f.qmp));
  g_clear_error (&error);

  /* Once closed, a command fails at once. */
  reply = ktstr_qmp_execute (f.qmp, "query-status", NULL, 5000, &error);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CLOSED);
  fixture_finish (&f);
}

static void
test_reply_timeout (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = NULL;

  fixture_start (&f, GREETING "-> {\"execute\":\"query-status\",\"id\":\"ktstr-1\"}\nhold\n", 0);
  reply = ktstr_qmp_execute (f.qmp, "query-status", NULL, 200, &error);
  g_assert_null (reply);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_TIMEOUT);
  fixture_finish (&f); /* unref closes our end; the server sees EOF */
}

static void
test_no_greeting (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;

  fixture_start (&f, "hold\n", 0);
  g_assert_false (ktstr_qmp_negotiate (f.qmp, 200, &error));
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_TIMEOUT);
  fixture_finish (&f);
}

static void
test_closed_before_greeting (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;

  fixture_start (&f, "", 0);
  g_assert_false (ktstr_qmp_negotiate (f.qmp, 5000, &error));
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CLOSED);
  fixture_finish (&f);
}

static void
test_reply_id_matching (void)
{
  Fixture f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (JsonNode) second = NULL;

  /* A reply for an id we never sent is ignored; a reply without an id
   * (QEMU could not parse the command) goes to the oldest pending command. */
  fixture_start (&f,
                 GREETING "-> {\"execute\":\"query-status\",\"id\":\"ktstr-1\"}\n"
                          "<- {\"return\": {\"status\": \"stale\"}, \"id\": \"someone-else\"}\n"
                          "<- {\"return\": {\"status\": \"running\"}, \"id\": \"ktstr-1\"}\n"
                          "-> {\"execute\":\"query-status\",\"id\":\"ktstr-2\"}\n"
                          "<- {\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse "
                          "error\"}}\n",
                 0);
  reply = ktstr_qmp_execute (f.qmp, "query-status", NULL, 5000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (reply), "status"), ==,
                   "running");
  second = ktstr_qmp_execute (f.qmp, "query-status", NULL, 5000, &error);
  g_assert_null (second);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_GENERIC);
  fixture_finish (&f);
}

static void
test_connect_missing_socket (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ktstr-qmp-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "absent.sock", NULL);
  gint64 start = g_get_monotonic_time ();
  g_autoptr (KtstrQmp) qmp = ktstr_qmp_connect_unix (path, 200, NULL, &error);

  g_assert_null (qmp);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CONNECT);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_rmdir (dir);
}

/* ---------- the real QEMU ---------- */

static void
on_real_event (KtstrQmp *qmp, const char *event, JsonObject *data, gint64 timestamp_us,
               gpointer user_data)
{
  GPtrArray *events = user_data;
  g_ptr_array_add (events, g_strdup (event));
}

static void
test_real_qemu (void)
{
  const char *env = g_getenv ("KTSTR_QEMU");
  g_autofree char *qemu = g_find_program_in_path (env && *env ? env : KTSTR_DEFAULT_QEMU);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *qmp_arg = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (KtstrQmp) qmp = NULL;
  g_autoptr (JsonNode) version = NULL;
  g_autoptr (JsonNode) bad = NULL;
  g_autoptr (JsonNode) quit = NULL;
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  JsonObject *v;

  if (qemu == NULL)
    {
      g_test_skip ("qemu-system-x86_64 not found (Debian package qemu-system-x86)");
      return;
    }
  dir = g_dir_make_tmp ("ktstr-qmp-XXXXXX", &error);
  g_assert_no_error (error);
  sock = g_build_filename (dir, "qmp.sock", NULL);
  qmp_arg = g_strdup_printf ("unix:%s,server=on,wait=off", sock);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           &error, qemu, "-machine", "none", "-display", "none", "-nodefaults",
                           "-qmp", qmp_arg, NULL);
  g_assert_no_error (error);

  qmp = ktstr_qmp_connect_unix (sock, 10000, NULL, &error);
  g_assert_no_error (error);
  ktstr_qmp_set_event_func (qmp, on_real_event, events);
  g_assert_true (ktstr_qmp_negotiate (qmp, 5000, &error));
  g_assert_no_error (error);

  version = ktstr_qmp_execute (qmp, "query-version", NULL, 5000, &error);
  g_assert_no_error (error);
  v = json_object_get_object_member (json_node_get_object (version), "qemu");
  {
    g_autofree char *text = g_strdup_printf (
        "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
        json_object_get_int_member (v, "major"), json_object_get_int_member (v, "minor"),
        json_object_get_int_member (v, "micro"));
    g_assert_cmpstr (text, ==, ktstr_qmp_get_qemu_version (qmp));
  }

  bad = ktstr_qmp_execute (qmp, "ktstr-no-such-command", NULL, 5000, &error);
  g_assert_null (bad);
  g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_COMMAND_NOT_FOUND);
  g_clear_error (&error);

  /* QEMU may close the socket before or after its reply to quit. */
  quit = ktstr_qmp_execute (qmp, "quit", NULL, 5000, &error);
  if (quit == NULL)
    g_assert_error (error, KTSTR_QMP_ERROR, KTSTR_QMP_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
  g_assert_no_error (error);
  {
    gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (!ktstr_qmp_is_closed (qmp) && g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_true (ktstr_qmp_is_closed (qmp));
  g_assert_cmpuint (events->len, >=, 1);
  g_assert_cmpstr (g_ptr_array_index (events, 0), ==, "SHUTDOWN");
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS)); /* QEMU removed it */
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qmp/transcript/greeting", test_greeting);
  g_test_add_func ("/qmp/transcript/error-replies", test_error_replies);
  g_test_add_func ("/qmp/transcript/events-interleaved", test_events_interleaved);
  g_test_add_func ("/qmp/transcript/events-split-writes", test_events_split_writes);
  g_test_add_func ("/qmp/transcript/guest-panic", test_panic_events);
  g_test_add_func ("/qmp/protocol/malformed-reply", test_malformed_reply);
  g_test_add_func ("/qmp/protocol/closed-before-reply", test_closed_before_reply);
  g_test_add_func ("/qmp/protocol/reply-timeout", test_reply_timeout);
  g_test_add_func ("/qmp/protocol/no-greeting", test_no_greeting);
  g_test_add_func ("/qmp/protocol/closed-before-greeting", test_closed_before_greeting);
  g_test_add_func ("/qmp/protocol/reply-id-matching", test_reply_id_matching);
  g_test_add_func ("/qmp/connect/missing-socket", test_connect_missing_socket);
  g_test_add_func ("/qmp/real-qemu", test_real_qemu);
  return g_test_run ();
}
