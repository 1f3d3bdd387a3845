/* Nothing ktstr starts outlives it (common/parent-death.h,
 * util/owned-tmpdir.h): a helper and a QEMU paused in its -S prelaunch
 * window die when the ktstr that started them is killed with SIGKILL,
 * the parent-died-before-prctl race ends the child at once, and the work
 * directories of a killed ktstr are swept by the next one, but only those
 * certainly its own.
 *
 * The test makes itself a child subreaper, so the orphans of a killed
 * middle process come to it and their end (signal and all) can be seen. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/backend.h"
#include "common/parent-death.h"
#include "util/owned-tmpdir.h"

static char *tmp; /* $TMPDIR of this test */

/* Waits up to 10 s for PID (our child or an orphan we adopted) to end;
 * TRUE when it ended by SIGKILL.  A PID still alive is killed (so no
 * test leaves one behind) and FALSE returned. */
static gboolean
ended_by_sigkill (pid_t pid)
{
  int status = 0;
  for (guint i = 0; i < 1000; i++)
    {
      pid_t got = waitpid (pid, &status, WNOHANG);
      g_assert_cmpint (got, >=, 0);
      if (got == pid)
        return WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL;
      g_usleep (10000);
    }
  g_test_message ("pid %d is still alive 10 s after its parent was killed", (int)pid);
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  return FALSE;
}

static void
test_race_check (void)
{
  /* The parent ended before the request: the child ends itself. */
  pid_t child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      ktstr_die_with_parent (getppid () + 1);
      _exit (0);
    }
  g_assert_true (ended_by_sigkill (child));

  /* The parent is there: the child goes on. */
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    _exit (ktstr_die_with_parent (getppid ()) == 0 ? 7 : 1);
  int status;
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 7);
}

/* Forks a middle process that runs START (which must leave the pid of the
 * process it started in FILE, then block), waits for FILE, kills the
 * middle with SIGKILL and returns the pid from FILE. */
static pid_t
kill_middle_after (void (*start) (const char *file), const char *file)
{
  g_unlink (file);
  pid_t middle = fork ();
  g_assert_cmpint (middle, >=, 0);
  if (middle == 0)
    {
      start (file);
      _exit (1);
    }
  g_autofree char *text = NULL;
  guint64 pid = 0;
  for (guint i = 0; i < 1000 && pid == 0; i++)
    {
      g_usleep (10000);
      g_clear_pointer (&text, g_free);
      if (g_file_get_contents (file, &text, NULL, NULL) && g_str_has_suffix (text, "\n"))
        g_assert_true (g_ascii_string_to_unsigned (g_strstrip (text), 10, 1, G_MAXINT, &pid, NULL));
    }
  g_assert_cmpuint (pid, >, 0);
  kill (middle, SIGKILL);
  int status;
  g_assert_cmpint (waitpid (middle, &status, 0), ==, middle);
  return (pid_t)pid;
}

static void
start_helper (const char *file)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (l, ktstr_spawn_die_with_parent,
                                         GINT_TO_POINTER ((int)getpid ()), NULL);
  const char *argv[] = { "sleep", "600", NULL };
  g_autoptr (GSubprocess) p = g_subprocess_launcher_spawnv (l, argv, NULL);
  g_assert_nonnull (p);
  g_autofree char *text = g_strdup_printf ("%s\n", g_subprocess_get_identifier (p));
  g_assert_true (g_file_set_contents (file, text, -1, NULL));
  for (;;)
    pause ();
}

static void
test_helper_dies_with_parent (void)
{
  g_autofree char *file = g_build_filename (tmp, "helper.pid", NULL);
  pid_t helper = kill_middle_after (start_helper, file);
  g_assert_true (ended_by_sigkill (helper));
}

/* A QEMU that never opens its QMP socket: ktstr waits in the prelaunch
 * window, where a real QEMU sits paused by -S. */
static const char fake_qemu[] = "#!/bin/sh\n"
                                "if [ \"$1\" = --version ]; then\n"
                                "  echo 'QEMU emulator version 7.2.0'; exit 0\n"
                                "fi\n"
                                "echo $$ > \"$KTSTR_TEST_QEMU_PID\".tmp\n"
                                "mv \"$KTSTR_TEST_QEMU_PID\".tmp \"$KTSTR_TEST_QEMU_PID\"\n"
                                "exec sleep 600\n";

static void
start_qemu (const char *file)
{
  g_autoptr (GError) error = NULL;
  g_setenv ("KTSTR_TEST_QEMU_PID", file, TRUE);
  const KtstrBackend *backend = ktstr_backend_lookup ("qemu", &error);
  g_assert_no_error (error);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", &error); /* any ELF passes */
  g_assert_no_error (error);
  g_autofree char *workdir = g_build_filename (tmp, "vm", NULL);
  g_assert_cmpint (g_mkdir_with_parents (workdir, 0700), ==, 0);
  g_autofree char *console = g_build_filename (workdir, "console.log", NULL);
  KtstrVmConfig config = { 0 };
  config.kernel_path = self;
  config.cmdline = "console=ttyS0";
  g_assert_cmpint (ktstr_topology_parse ("1n1l1c1t", &config.topology, NULL, 0), ==, 0);
  config.memory_mb = 128;
  config.workdir = workdir;
  config.console_path = console;
  config.accel = KTSTR_ACCEL_TCG;
  config.timeout_s = 60;
  KtstrVm *vm = backend->prepare (&config, &error);
  g_assert_no_error (error);
  backend->launch (vm, NULL); /* killed while it waits for QMP */
}

static void
test_paused_qemu_dies_with_parent (void)
{
  g_autofree char *qemu = g_build_filename (tmp, "fake-qemu", NULL);
  g_assert_true (g_file_set_contents (qemu, fake_qemu, -1, NULL));
  g_assert_cmpint (g_chmod (qemu, 0755), ==, 0);
  g_setenv ("KTSTR_QEMU", qemu, TRUE);
  g_setenv ("KTSTR_ACCEL", "tcg", TRUE);
  g_autofree char *file = g_build_filename (tmp, "qemu.pid", NULL);
  pid_t pid = kill_middle_after (start_qemu, file);
  g_assert_true (ended_by_sigkill (pid));
  g_unsetenv ("KTSTR_QEMU");
  g_unsetenv ("KTSTR_ACCEL");
}

/* ---------- work directories ---------- */

static char *
dir_of_dead_owner (void)
{
  int fds[2];
  g_assert_cmpint (pipe (fds), ==, 0);
  pid_t child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      char *dir = ktstr_owned_tmpdir_new ("ktstr-vm", NULL);
      _exit (dir != NULL && write (fds[1], dir, strlen (dir)) == (ssize_t)strlen (dir) ? 0 : 1);
    }
  close (fds[1]);
  char buf[4096] = { 0 };
  g_assert_cmpint (read (fds[0], buf, sizeof buf - 1), >, 0);
  close (fds[0]);
  int status;
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return g_strdup (buf);
}

static char *
make_dir (const char *name, const char *stamp)
{
  char *dir = g_build_filename (tmp, name, NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  if (stamp != NULL)
    {
      g_autofree char *path = g_build_filename (dir, KTSTR_OWNER_STAMP, NULL);
      g_assert_true (g_file_set_contents (path, stamp, -1, NULL));
    }
  return dir;
}

static void
test_sweep (void)
{
  g_autoptr (GError) error = NULL;
  /* Ours, from a process that ended: swept, with what is in it. */
  g_autofree char *dead = dir_of_dead_owner ();
  g_autofree char *inside = g_build_filename (dead, "console.log", NULL);
  g_assert_true (g_file_set_contents (inside, "x", -1, NULL));
  g_autofree char *stamp = g_build_filename (dead, KTSTR_OWNER_STAMP, NULL);
  g_autofree char *stamp_text = NULL;
  g_assert_true (g_file_get_contents (stamp, &stamp_text, NULL, NULL));

  /* Ours, alive: kept, and its mode is private. */
  g_autofree char *live = ktstr_owned_tmpdir_new ("ktstr-vm", &error);
  g_assert_no_error (error);
  struct stat st;
  g_assert_cmpint (stat (live, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* Our pid, but started at another time: the pid was reused, swept. */
  g_autofree char *live_stamp_path = g_build_filename (live, KTSTR_OWNER_STAMP, NULL);
  g_autofree char *live_stamp = NULL;
  g_assert_true (g_file_get_contents (live_stamp_path, &live_stamp, NULL, NULL));
  guint64 pid = 0, start = 0;
  g_assert_cmpint (sscanf (live_stamp, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &pid, &start),
                   ==, 2);
  g_assert_cmpuint (pid, ==, (guint64)getpid ());
  g_assert_cmpuint (start, >, 0);
  g_autofree char *reused_stamp
      = g_strdup_printf ("%d %" G_GUINT64_FORMAT "\n", (int)getpid (), start + 1);
  g_autofree char *reused = make_dir ("ktstr-vm-reused", reused_stamp);

  /* Not certainly ours: kept. */
  g_autofree char *bare = make_dir ("ktstr-vm-nostamp", NULL);
  g_autofree char *garbage = make_dir ("ktstr-vm-garbage", "12 x\n");
  g_autofree char *other = make_dir ("ktstr-other-dead", stamp_text);
  g_autofree char *target = make_dir ("target-dead", stamp_text);
  g_autofree char *link = g_build_filename (tmp, "ktstr-vm-link", NULL);
  g_assert_cmpint (symlink (target, link), ==, 0);

  g_assert_cmpuint (ktstr_owned_tmpdir_sweep ("ktstr-vm"), ==, 2);
  g_assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (reused, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (bare, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (garbage, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (other, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (target, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
}

int
main (int argc, char **argv)
{
  /* Before anything asks GLib for the temporary directory (it keeps the
   * first answer). */
  const char *outer = getenv ("TMPDIR");
  tmp = g_strconcat (outer != NULL && *outer != '\0' ? outer : "/tmp", "/ktstr-no-orphans-XXXXXX",
                     NULL);
  g_assert_nonnull (mkdtemp (tmp));
  g_setenv ("TMPDIR", tmp, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpstr (g_get_tmp_dir (), ==, tmp);
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), ==, 0);
  g_test_add_func ("/no-orphans/race-check", test_race_check);
  g_test_add_func ("/no-orphans/helper-dies-with-parent", test_helper_dies_with_parent);
  g_test_add_func ("/no-orphans/paused-qemu-dies-with-parent", test_paused_qemu_dies_with_parent);
  g_test_add_func ("/no-orphans/sweep", test_sweep);
  int rc = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  if (system (cmd) != 0)
    rc = 1;
  return rc;
}
