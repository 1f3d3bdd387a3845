/* Host CPU reservations (record/cpulock.h) and lock holders
 * (record/lock-holders.h): exclusive against everything, shared with
 * shared, all or nothing, held per open file (two reservations of one
 * process exclude each other), released when the holder dies, and
 * contention reported with the holders. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/cpulock.h"
#include "record/lock-holders.h"
#include "tests/lock-holder.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  (void)data;
  f->dir = g_dir_make_tmp ("ktstr-cpulock-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static KtstrCpuLockSet *
take (const char *dir, KtstrCpuLockKind kind, guint index, gboolean is_exclusive, GError **error)
{
  KtstrCpuLockWant w = { kind, index, is_exclusive };
  return ktstr_cpulock_try (dir, &w, 1, NULL, NULL, error);
}

static void
test_names (void)
{
  g_autofree char *p = ktstr_cpulock_path ("/x", KTSTR_CPULOCK_CPU, 7);
  g_assert_cmpstr (p, ==, "/x/cpu-7.lock");
  g_autofree char *q = ktstr_cpulock_path ("/x", KTSTR_CPULOCK_LLC, 12);
  g_assert_cmpstr (q, ==, "/x/llc-12.lock");
  KtstrCpuLockKind kind;
  guint index;
  g_assert_true (ktstr_cpulock_parse_name ("cpu-3.lock", &kind, &index));
  g_assert_cmpint (kind, ==, KTSTR_CPULOCK_CPU);
  g_assert_cmpuint (index, ==, 3);
  g_assert_true (ktstr_cpulock_parse_name ("llc-0.lock", &kind, &index));
  g_assert_cmpint (kind, ==, KTSTR_CPULOCK_LLC);
  g_assert_cmpuint (index, ==, 0);
  const char *bad[] = { "cpu-.lock",  "cpu-3.lockx",          "cpu-3", "cpu--1.lock", "llc-x.lock",
                        "foo-1.lock", "cpu-99999999999.lock", NULL };
  for (guint i = 0; bad[i] != NULL; i++)
    g_assert_false (ktstr_cpulock_parse_name (bad[i], &kind, &index));
}

static void
test_dir_env (void)
{
  g_setenv ("KTSTR_LOCK_DIR", "/some/where", TRUE);
  g_autofree char *a = ktstr_cpulock_dir ();
  g_assert_cmpstr (a, ==, "/some/where");
  g_unsetenv ("KTSTR_LOCK_DIR");
  g_autofree char *b = ktstr_cpulock_dir ();
  g_assert_cmpstr (b, ==, "/tmp/ktstr-locks");
}

static void
test_exclusive (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuLockSet) first = take (f->dir, KTSTR_CPULOCK_CPU, 1, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ktstr_cpulock_set_count (first), ==, 1);

  /* A second reservation of this same process is refused, and knows the
   * holder is this process. */
  KtstrCpuLockWant w[] = { { KTSTR_CPULOCK_CPU, 0, TRUE }, { KTSTR_CPULOCK_CPU, 1, FALSE } };
  KtstrCpuLockWant held = { 0 };
  gboolean is_ours = FALSE;
  g_autoptr (KtstrCpuLockSet) second = ktstr_cpulock_try (f->dir, w, 2, &held, &is_ours, &error);
  g_assert_null (second);
  g_assert_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_BUSY);
  g_assert_cmpint (held.kind, ==, KTSTR_CPULOCK_CPU);
  g_assert_cmpuint (held.index, ==, 1);
  g_assert_true (is_ours);
  g_autofree char *pid = g_strdup_printf ("pid=%d ", (int)getpid ());
  g_assert_nonnull (strstr (error->message, "cpu-1.lock"));
  g_assert_nonnull (strstr (error->message, pid));
  g_clear_error (&error);

  /* All or nothing: CPU 0, taken before CPU 1 failed, was given back. */
  g_autoptr (KtstrCpuLockSet) zero = take (f->dir, KTSTR_CPULOCK_CPU, 0, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (zero);

  /* Released with the set. */
  g_clear_pointer (&first, ktstr_cpulock_set_free);
  g_autoptr (KtstrCpuLockSet) again = take (f->dir, KTSTR_CPULOCK_CPU, 1, TRUE, &error);
  g_assert_no_error (error);
}

static void
test_shared (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuLockSet) a = take (f->dir, KTSTR_CPULOCK_LLC, 0, FALSE, &error);
  g_assert_no_error (error);
  g_autoptr (KtstrCpuLockSet) b = take (f->dir, KTSTR_CPULOCK_LLC, 0, FALSE, &error);
  g_assert_no_error (error);
  g_autoptr (KtstrCpuLockSet) x = take (f->dir, KTSTR_CPULOCK_LLC, 0, TRUE, &error);
  g_assert_null (x);
  g_assert_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "llc-0.lock"));
  g_clear_error (&error);
  g_clear_pointer (&a, ktstr_cpulock_set_free);
  x = take (f->dir, KTSTR_CPULOCK_LLC, 0, TRUE, &error);
  g_assert_null (x); /* b still holds it */
  g_clear_error (&error);
  g_clear_pointer (&b, ktstr_cpulock_set_free);
  x = take (f->dir, KTSTR_CPULOCK_LLC, 0, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (x);
}

static void
test_other_process (Fixture *f, gconstpointer data)
{
  (void)data;
  pid_t child = ktstr_test_lock_holder_spawn (f->dir, 2);
  KtstrCpuLockWant w = { KTSTR_CPULOCK_CPU, 2, FALSE };
  gboolean is_ours = TRUE;
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuLockSet) s = ktstr_cpulock_try (f->dir, &w, 1, NULL, &is_ours, &error);
  g_assert_null (s);
  g_assert_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_BUSY);
  g_assert_false (is_ours);
  g_autofree char *pid = g_strdup_printf ("pid=%d ", (int)child);
  g_assert_nonnull (strstr (error->message, pid));
  g_clear_error (&error);

  /* The holders as `ktstr locks` reads them. */
  g_autofree char *path = ktstr_cpulock_path (f->dir, KTSTR_CPULOCK_CPU, 2);
  g_autoptr (GPtrArray) holders = ktstr_lock_holders_of (path);
  g_assert_cmpuint (holders->len, ==, 1);
  const KtstrLockHolder *h = holders->pdata[0];
  g_assert_cmpint (h->pid, ==, child);
  g_assert_true (h->is_exclusive);
  g_assert_nonnull (h->cmdline);
  g_assert_false (ktstr_lock_holders_are_only (holders, getpid ()));

  /* The kernel releases the lock of a killed holder. */
  ktstr_test_lock_holder_kill (child);
  s = ktstr_cpulock_try (f->dir, &w, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s);
}

static void
test_dir_errors (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *file = g_build_filename (f->dir, "plain", NULL);
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuLockSet) s = take (file, KTSTR_CPULOCK_CPU, 0, TRUE, &error);
  g_assert_null (s);
  g_assert_error (error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_IO);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, "KTSTR_LOCK_DIR"));
  g_clear_error (&error);

  /* The directory is made for every user, like /tmp. */
  g_autofree char *fresh = g_build_filename (f->dir, "fresh", NULL);
  s = take (fresh, KTSTR_CPULOCK_CPU, 0, TRUE, &error);
  g_assert_no_error (error);
  GStatBuf st;
  g_assert_cmpint (g_stat (fresh, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 01777);
  g_autofree char *lock = ktstr_cpulock_path (fresh, KTSTR_CPULOCK_CPU, 0);
  g_assert_cmpint (g_stat (lock, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0666);
}

static void
test_holders_parse (void)
{
  const char *text = "1: FLOCK  ADVISORY  WRITE 100 00:2a:77 0 EOF\n"
                     "2: FLOCK  ADVISORY  READ  200 fd:01:77 0 EOF\n"
                     "2: -> FLOCK  ADVISORY  WRITE 300 fd:01:77 0 EOF\n"
                     "3: POSIX  ADVISORY  WRITE 400 fd:01:77 0 EOF\n"
                     "4: FLOCK  ADVISORY  WRITE 500 fd:01:78 0 EOF\n"
                     "garbage\n";
  g_autoptr (GPtrArray) h = ktstr_lock_holders_parse (text, 77);
  g_assert_cmpuint (h->len, ==, 2);
  g_assert_cmpint (((KtstrLockHolder *)h->pdata[0])->pid, ==, 100);
  g_assert_true (((KtstrLockHolder *)h->pdata[0])->is_exclusive);
  g_assert_cmpint (((KtstrLockHolder *)h->pdata[1])->pid, ==, 200);
  g_assert_false (((KtstrLockHolder *)h->pdata[1])->is_exclusive);
  g_assert_false (ktstr_lock_holders_are_only (h, 100));
  g_autoptr (GPtrArray) none = ktstr_lock_holders_parse (text, 5);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_false (ktstr_lock_holders_are_only (none, 100));
  g_autofree char *s = ktstr_lock_holders_format (none, "  ");
  g_assert_cmpstr (s, ==, "<none recorded>");
  g_autofree char *t = ktstr_lock_holders_format (h, "> ");
  g_assert_cmpstr (t, ==, "> pid=100 cmd=(unknown)\n> pid=200 cmd=(unknown)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cpulock/names", test_names);
  g_test_add_func ("/cpulock/dir-env", test_dir_env);
  g_test_add ("/cpulock/exclusive", Fixture, NULL, fixture_setup, test_exclusive, fixture_teardown);
  g_test_add ("/cpulock/shared", Fixture, NULL, fixture_setup, test_shared, fixture_teardown);
  g_test_add ("/cpulock/other-process", Fixture, NULL, fixture_setup, test_other_process,
              fixture_teardown);
  g_test_add ("/cpulock/dir-errors", Fixture, NULL, fixture_setup, test_dir_errors,
              fixture_teardown);
  g_test_add_func ("/cpulock/holders-parse", test_holders_parse);
  return g_test_run ();
}
