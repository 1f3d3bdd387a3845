/* The host's side of the control channel (run/session.h): lines that
 * break the protocol are kept with the reason, in the words of the typed
 * JSON getters (util/json-util.h). */
#include "config.h"

#include <glib.h>

#include "run/payload-metrics.h"
#include "run/session.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/payload-lines", test_payload_lines);
  return g_test_run ();
}
