/* One program instead of a plan (ktstr run / ktstr shell in the guest):
 * the exec spec and its errors, and ktstr-init --exec-spec as an ordinary
 * process running real programs of this host (sh, true, sleep): their
 * output frames, byte for byte, their exit statuses, a program that is
 * not there, a background child that keeps the pipes open, the guard. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "common/proto.h"
#include "guest-init/exec.h"
#include "run/command.h"

static KtstrExecSpec spec;

static int
parse (const char *text, KtstrError *err)
{
  g_strlcpy (spec.text, text, sizeof spec.text);
  return ktstr_exec_spec_parse (&spec, err);
}

static void
test_spec_parse (void)
{
  KtstrError err = { "" };
  g_assert_cmpint (parse (KTSTR_EXEC_MAGIC "\nmode shell\n# a comment\nguard_ms 5000\n"
                                           "tty /dev/hvc0\nwinsize 40 120\nenv TERM=xterm\n"
                                           "env LD_LIBRARY_PATH=/lib/x\narg /bin/sh\narg -c\n"
                                           "arg echo a  b\n",
                          &err),
                   ==, 0);
  g_assert_cmpint (spec.mode, ==, KTSTR_EXEC_MODE_SHELL);
  g_assert_cmpuint (spec.guard_ms, ==, 5000);
  g_assert_cmpstr (spec.tty, ==, "/dev/hvc0");
  g_assert_cmpuint (spec.rows, ==, 40);
  g_assert_cmpuint (spec.cols, ==, 120);
  g_assert_cmpstrv (spec.argv, ((const char *[]){ "/bin/sh", "-c", "echo a  b", NULL }));
  g_assert_cmpstrv (spec.env, ((const char *[]){ "TERM=xterm", "LD_LIBRARY_PATH=/lib/x", NULL }));

  /* Defaults: the console, no guard, no size. */
  g_assert_cmpint (parse (KTSTR_EXEC_MAGIC "\nmode run\narg /bin/true\n", &err), ==, 0);
  g_assert_cmpint (spec.mode, ==, KTSTR_EXEC_MODE_RUN);
  g_assert_cmpuint (spec.guard_ms, ==, 0);
  g_assert_cmpstr (spec.tty, ==, "/dev/ttyS0");
  g_assert_cmpuint (spec.rows, ==, 0);
}

static void
test_spec_errors (void)
{
  static const char *const cases[][2] = {
    { "ktstr-exec 2\nmode run\narg /bin/true\n", "first line is not 'ktstr-exec 1'" },
    { KTSTR_EXEC_MAGIC "\nmode daemon\narg /bin/true\n", "mode 'daemon' is not run or shell" },
    { KTSTR_EXEC_MAGIC "\nmode run\n", "at least one arg line" },
    { KTSTR_EXEC_MAGIC "\narg /bin/true\n", "a mode line" },
    { KTSTR_EXEC_MAGIC "\nmode run\narg /bin/true\nnice 5\n", "unknown directive 'nice'" },
    { KTSTR_EXEC_MAGIC "\nmode run\narg /bin/true\nenv NOEQUALS\n", "bad or too many env" },
    { KTSTR_EXEC_MAGIC "\nmode run\narg /bin/true\nwinsize 40\n", "winsize needs ROWS COLS" },
    { KTSTR_EXEC_MAGIC "\nmode run\narg /bin/true\ntty ttyS0\n", "is not a device path" },
    { KTSTR_EXEC_MAGIC "\nmode run\narg /bin/true\nguard_ms soon\n", "bad guard_ms 'soon'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      KtstrError err = { "" };
      g_assert_cmpint (parse (cases[i][0], &err), ==, -1);
      if (strstr (err.msg, cases[i][1]) == NULL)
        g_error ("spec %" G_GSIZE_FORMAT ": '%s' does not say '%s'", i, err.msg, cases[i][1]);
    }
  /* Too many arguments. */
  g_autoptr (GString) many = g_string_new (KTSTR_EXEC_MAGIC "\nmode run\n");
  for (int i = 0; i <= KTSTR_EXEC_MAX_ARGS; i++)
    g_string_append (many, "arg x\n");
  KtstrError err = { "" };
  g_assert_cmpint (parse (many->str, &err), ==, -1);
  g_assert_nonnull (strstr (err.msg, "more than 256 arguments"));
  g_assert_cmpint (ktstr_exec_spec_load ("/nonexistent/exec", &spec, &err), ==, -1);
  g_assert_nonnull (strstr (err.msg, "cannot open exec spec /nonexistent/exec"));
}

static void
test_status_code (void)
{
  g_assert_cmpint (ktstr_exec_status_code (3 << 8), ==, 3);
  g_assert_cmpint (ktstr_exec_status_code (SIGKILL), ==, 128 + SIGKILL);
}

static void
test_decode_hex (void)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  g_assert_true (ktstr_command_decode_hex ("00ff0a41", &data, &len));
  g_assert_cmpmem (data, len, "\0\377\nA", 4);
  g_autofree guint8 *empty = NULL;
  g_assert_true (ktstr_command_decode_hex ("", &empty, &len));
  g_assert_cmpuint (len, ==, 0);
  guint8 *bad = NULL;
  g_assert_false (ktstr_command_decode_hex ("abc", &bad, &len));
  g_assert_false (ktstr_command_decode_hex ("zz", &bad, &len));
  g_assert_null (bad);
}

/* What ktstr-init --exec-spec said: the stdout and stderr of the program
 * (decoded from the frames), its exit message, other lines. */
typedef struct
{
  GString *out, *err;
  gint64 exit_code; /* -1: no exit message */
  GPtrArray *errors;
  int agent_status;
  double seconds;
} ExecRun;

static void
exec_run_free (ExecRun *r)
{
  g_string_free (r->out, TRUE);
  g_string_free (r->err, TRUE);
  g_ptr_array_unref (r->errors);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExecRun, exec_run_free)

static ExecRun *
exec_run (const char *spec_text)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-guest-exec-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *spec_path = g_build_filename (dir, "exec", NULL);
  g_autofree char *out_path = g_build_filename (dir, "out.jsonl", NULL);
  g_assert_true (g_file_set_contents (spec_path, spec_text, -1, NULL));
  g_autofree char *agent
      = g_build_filename (g_getenv ("KTSTR_TOP_BUILDDIR") ?: ".", "guest-init", "ktstr-init", NULL);
  g_autofree char *sysfs
      = g_test_build_filename (G_TEST_DIST, "data", "guest", "sysfs-1n2l2c1t", NULL);
  const char *argv[] = { agent,          "--exec-spec", spec_path,      "--out", out_path,
                         "--sysfs-root", sysfs,         "--no-cgroups", NULL };
  ExecRun *r = g_new0 (ExecRun, 1);
  r->out = g_string_new (NULL);
  r->err = g_string_new (NULL);
  r->errors = g_ptr_array_new_with_free_func (g_free);
  r->exit_code = -1;
  gint64 start = g_get_monotonic_time ();
  int status = 0;
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  r->seconds = (g_get_monotonic_time () - start) / 1e6;
  r->agent_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (out_path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      if (**l == '\0')
        continue;
      g_autoptr (JsonParser) p = json_parser_new ();
      g_assert_true (json_parser_load_from_data (p, *l, -1, NULL));
      JsonObject *o = json_node_get_object (json_parser_get_root (p));
      const char *t = json_object_get_string_member (o, "t");
      if (g_str_equal (t, "out"))
        {
          g_autofree guint8 *data = NULL;
          gsize len = 0;
          g_assert_true (
              ktstr_command_decode_hex (json_object_get_string_member (o, "hex"), &data, &len));
          g_string_append_len (json_object_get_int_member (o, "fd") == 2 ? r->err : r->out,
                               (const char *)data, (gssize)len);
        }
      else if (g_str_equal (t, "exit"))
        r->exit_code = json_object_get_int_member (o, "exit_code");
      else if (g_str_equal (t, "error"))
        g_ptr_array_add (r->errors, g_strdup (json_object_get_string_member (o, "msg")));
    }
  g_unlink (spec_path);
  g_unlink (out_path);
  g_rmdir (dir);
  return r;
}

static void
test_run_output (void)
{
  /* Bytes that are no text (NUL, 0xff) and both streams arrive unchanged;
   * the status is the program's. */
  g_autoptr (ExecRun) r
      = exec_run (KTSTR_EXEC_MAGIC "\nmode run\narg /bin/sh\narg -c\n"
                                   "arg printf 'a\\000b\\377'; echo to-err >&2; "
                                   "echo \"$KTSTR_X\"; exit 7\nenv KTSTR_X=set\n");
  g_assert_cmpint (r->agent_status, ==, 0);
  g_assert_cmpint (r->exit_code, ==, 7);
  g_assert_cmpmem (r->out->str, r->out->len, "a\0b\377set\n", 8);
  g_assert_cmpstr (r->err->str, ==, "to-err\n");

  /* A big output comes through whole, in frames. */
  g_autoptr (ExecRun) big
      = exec_run (KTSTR_EXEC_MAGIC "\nmode run\narg /bin/sh\narg -c\narg seq 1 20000\n");
  g_assert_cmpint (big->exit_code, ==, 0);
  g_assert_true (g_str_has_prefix (big->out->str, "1\n2\n3\n"));
  g_assert_true (g_str_has_suffix (big->out->str, "\n19999\n20000\n"));

  /* The default environment: PATH covers /include-files. */
  g_autoptr (ExecRun) env
      = exec_run (KTSTR_EXEC_MAGIC "\nmode run\narg /bin/sh\narg -c\narg echo \"$PATH\"\n");
  g_assert_nonnull (strstr (env->out->str, ":/include-files"));
}

static void
test_run_statuses (void)
{
  g_autoptr (ExecRun) t = exec_run (KTSTR_EXEC_MAGIC "\nmode run\narg /bin/true\n");
  g_assert_cmpint (t->exit_code, ==, 0);
  g_autoptr (ExecRun) f = exec_run (KTSTR_EXEC_MAGIC "\nmode run\narg /bin/false\n");
  g_assert_cmpint (f->exit_code, ==, 1);
  /* Killed by a signal: 128 + N, as a shell says. */
  g_autoptr (ExecRun) k
      = exec_run (KTSTR_EXEC_MAGIC "\nmode run\narg /bin/sh\narg -c\narg kill -9 $$\n");
  g_assert_cmpint (k->exit_code, ==, 128 + 9);
  /* Not there: 127 and the reason on its stderr. */
  g_autoptr (ExecRun) n = exec_run (KTSTR_EXEC_MAGIC "\nmode run\narg /nonexistent/prog\n");
  g_assert_cmpint (n->exit_code, ==, 127);
  g_assert_nonnull (strstr (n->err->str, "cannot run /nonexistent/prog: No such file"));
  /* Stdin is empty. */
  g_autoptr (ExecRun) in
      = exec_run (KTSTR_EXEC_MAGIC "\nmode run\narg /bin/sh\narg -c\narg wc -c; exit 0\n");
  g_assert_cmpstr (g_strstrip (in->out->str), ==, "0");
}

static void
test_run_background_child (void)
{
  /* A background child keeps the pipes open; the run ends with the
   * program, not with it. */
  g_autoptr (ExecRun) r = exec_run (KTSTR_EXEC_MAGIC "\nmode run\narg /bin/sh\narg -c\n"
                                                     "arg sleep 30 & echo $!\n");
  g_assert_cmpint (r->exit_code, ==, 0);
  g_assert_cmpfloat (r->seconds, <, 20.0);
  guint64 pid = 0;
  g_assert_true (
      g_ascii_string_to_unsigned (g_strstrip (r->out->str), 10, 2, G_MAXINT, &pid, NULL));
  kill ((pid_t)pid, SIGKILL);
}

static void
test_run_guard (void)
{
  /* The guard ends a program that outlives guard_ms with its own error. */
  g_autoptr (ExecRun) r
      = exec_run (KTSTR_EXEC_MAGIC "\nmode run\nguard_ms 500\narg /bin/sleep\narg 3\n");
  g_assert_cmpint (r->exit_code, ==, -1);
  g_assert_cmpuint (r->errors->len, ==, 1);
  g_assert_true (g_str_has_prefix (r->errors->pdata[0], KTSTR_GUARD_ERROR_PREFIX));
  g_assert_nonnull (strstr (r->errors->pdata[0], "running the command"));
  g_assert_cmpint (r->agent_status, ==, 3);
}

static void
test_bad_spec_reported (void)
{
  g_autoptr (ExecRun) r = exec_run ("not a spec\n");
  g_assert_cmpint (r->agent_status, ==, 1);
  g_assert_cmpuint (r->errors->len, ==, 1);
  g_assert_nonnull (strstr (r->errors->pdata[0], "first line is not 'ktstr-exec 1'"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest/exec/spec/parse", test_spec_parse);
  g_test_add_func ("/guest/exec/spec/errors", test_spec_errors);
  g_test_add_func ("/guest/exec/status-code", test_status_code);
  g_test_add_func ("/guest/exec/decode-hex", test_decode_hex);
  g_test_add_func ("/guest/exec/run/output", test_run_output);
  g_test_add_func ("/guest/exec/run/statuses", test_run_statuses);
  g_test_add_func ("/guest/exec/run/background-child", test_run_background_child);
  g_test_add_func ("/guest/exec/run/guard", test_run_guard);
  g_test_add_func ("/guest/exec/run/bad-spec", test_bad_spec_reported);
  return g_test_run ();
}
