/* The guest side of shared boots (guest-init/shared.c): the session file,
 * the host's commands as the main loop takes them, the reset between
 * tests (a left process killed, left cgroups removed, both reported; a
 * clean state reported "ok"), and the test_begin/test_end messages. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proto.h"
#include "guest-init/report.h"
#include "guest-init/shared.h"

static char *
tmp_file (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
remove_tree (const char *dir)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_load (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-shared-XXXXXX", NULL);
  unsigned n = 0;
  KtstrError err = { "" };
  g_autofree char *good = tmp_file (dir, "good", KTSTR_SESSION_MAGIC "\nplans 3\n");
  g_assert_cmpint (ktstr_shared_load (good, &n, &err), ==, 0);
  g_assert_cmpuint (n, ==, 3);
  static const char *const bad[] = {
    "ktstr-session 2\nplans 3\n",         KTSTR_SESSION_MAGIC "\nplans 0\n",
    KTSTR_SESSION_MAGIC "\nplans 1025\n", KTSTR_SESSION_MAGIC "\nplans 3 x\n",
    KTSTR_SESSION_MAGIC "plans 3\n",      "",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = tmp_file (dir, "bad", bad[i]);
      err.msg[0] = '\0';
      g_assert_cmpint (ktstr_shared_load (path, &n, &err), ==, -1);
      g_assert_nonnull (strstr (err.msg, "expected '" KTSTR_SESSION_MAGIC "'"));
    }
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_assert_cmpint (ktstr_shared_load (missing, &n, &err), ==, -1);
  g_assert_nonnull (strstr (err.msg, "cannot read the session file"));
  g_assert_true (g_str_has_suffix (err.msg, strerror (ENOENT)));
  remove_tree (dir);
}

/* Commands come out in order; an index past the plans, or "end", ends
 * the session; what is not a session command is refused. */
static void
test_commands (void)
{
  g_assert_cmpint (ktstr_shared_post ("session run 1"), ==, 0);
  g_assert_cmpint (ktstr_shared_post ("session run 0"), ==, 0);
  g_assert_cmpint (ktstr_shared_post ("session run 7"), ==, 0);
  g_assert_cmpint (ktstr_shared_post ("session end"), ==, 0);
  g_assert_cmpint (ktstr_shared_post ("session run"), ==, -1);
  g_assert_cmpint (ktstr_shared_post ("session run 1 2"), ==, -1);
  g_assert_cmpint (ktstr_shared_post ("session run 99999"), ==, -1);
  g_assert_cmpint (ktstr_shared_post ("session stop"), ==, -1);
  g_assert_cmpint (ktstr_shared_wait (3), ==, 1);
  g_assert_cmpint (ktstr_shared_wait (3), ==, 0);
  g_assert_cmpint (ktstr_shared_wait (3), ==, -1);
  g_assert_cmpint (ktstr_shared_wait (3), ==, -1);
}

static void
write_stat (const char *proc, long pid, const char *comm, long ppid)
{
  g_autofree char *dir = g_strdup_printf ("%s/%ld", proc, pid);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_autofree char *text = g_strdup_printf ("%ld (%s) S %ld 0 0\n", pid, comm, ppid);
  g_autofree char *stat = tmp_file (dir, "stat", text);
}

/* A /proc with PID 1, kthreadd and a kernel thread (all kept) and one
 * real child of this test left running: the reset kills the child and
 * says so, removes the cgroups left below the root and names how many;
 * the next reset finds nothing. */
static void
test_reset (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-shared-XXXXXX", NULL);
  g_autofree char *proc = g_build_filename (dir, "proc", NULL);
  g_autofree char *cg = g_build_filename (dir, "cgroup", NULL);
  g_autofree char *leaf = g_build_filename (cg, "outer", "inner", NULL);
  g_assert_cmpint (g_mkdir_with_parents (leaf, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (proc, 0755), ==, 0);
  pid_t child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      pause ();
      _exit (0);
    }
  write_stat (proc, 1, "ktstr-init", 0);
  write_stat (proc, 2, "kthreadd", 0);
  write_stat (proc, 50, "kworker/0:1", 2);
  write_stat (proc, child, "left (behind)", 1);
  char buf[512];
  g_assert_cmpint (ktstr_shared_reset (proc, cg, buf, sizeof buf), ==, -1);
  g_autofree char *want
      = g_strdup_printf ("process left (behind) (pid %d) was left running", child);
  g_assert_nonnull (strstr (buf, want));
  g_assert_nonnull (strstr (buf, "2 cgroups were left below"));
  /* The child is gone (reaped by the reset) and so are the cgroups. */
  g_assert_cmpint (kill (child, 0), ==, -1);
  g_assert_false (g_file_test (leaf, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (cg, G_FILE_TEST_IS_DIR));
  g_autofree char *child_dir = g_strdup_printf ("%s/%d", proc, child);
  g_autofree char *child_stat = g_build_filename (child_dir, "stat", NULL);
  g_assert_cmpint (g_unlink (child_stat), ==, 0);
  g_assert_cmpint (g_rmdir (child_dir), ==, 0);
  g_assert_cmpint (ktstr_shared_reset (proc, cg, buf, sizeof buf), ==, 0);
  g_assert_cmpstr (buf, ==, "ok");
  remove_tree (dir);
}

static JsonObject *
parse (JsonParser *p, const char *line)
{
  g_assert_true (json_parser_load_from_data (p, line, -1, NULL));
  return json_node_get_object (json_parser_get_root (p));
}

static void
test_messages (void)
{
  int fds[2];
  g_assert_cmpint (pipe (fds), ==, 0);
  KtstrCtrl c;
  ktstr_ctrl_init_fd (&c, fds[1], "pipe");
  g_assert_cmpint (ktstr_report_test_begin (&c, 4), ==, 0);
  g_assert_cmpint (ktstr_report_test_end (&c, 4, 1, "ok"), ==, 0);
  close (fds[1]);
  char buf[512] = "";
  ssize_t n = read (fds[0], buf, sizeof buf - 1);
  close (fds[0]);
  g_assert_cmpint (n, >, 0);
  g_auto (GStrv) lines = g_strsplit (buf, "\n", -1);
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *o = parse (p, lines[0]);
  g_assert_cmpstr (json_object_get_string_member (o, "t"), ==, "test_begin");
  g_assert_cmpint (json_object_get_int_member (o, "index"), ==, 4);
  o = parse (p, lines[1]);
  g_assert_cmpstr (json_object_get_string_member (o, "t"), ==, "test_end");
  g_assert_cmpint (json_object_get_int_member (o, "rc"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "reset"), ==, "ok");
  g_assert_true (g_str_has_prefix (lines[1], "{\"t\":\"test_end\""));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest/shared/load", test_load);
  g_test_add_func ("/guest/shared/commands", test_commands);
  g_test_add_func ("/guest/shared/reset", test_reset);
  g_test_add_func ("/guest/shared/messages", test_messages);
  return g_test_run ();
}
