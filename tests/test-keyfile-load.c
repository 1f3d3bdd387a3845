/* Loading key files with errors that point at the line
 * (util/keyfile-load.h), through the test and scheduler-definition
 * loaders: syntax errors carry PATH:LINE, "[]" names what is wrong,
 * groups and keys given twice are refused with both lines, a NUL byte is
 * found by offset, a lone trailing backslash is refused, no error echoes
 * a line of the file (a test naming /etc/passwd as its scheduler), and a
 * FIFO or a directory named like a test never blocks or stops a
 * directory from loading. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/scheduler-def.h"
#include "testdef/testdef.h"
#include "util/keyfile-load.h"

static char *tmp;

static char *
put (const char *name, const char *text, gssize len)
{
  char *path = g_build_filename (tmp, name, NULL);
  g_assert_true (g_file_set_contents (path, text, len, NULL));
  return path;
}

/* Loads TEXT as a key file; asserts the error is "PATH:LINE: ..." and
 * holds WANT. */
static void
assert_refused (const char *text, gssize len, guint line, const char *want)
{
  g_autofree char *path = put ("k.ini", text, len);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_assert_false (ktstr_keyfile_load_checked (kf, path, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
  g_autofree char *prefix = g_strdup_printf ("%s:%u: ", path, line);
  if (!g_str_has_prefix (error->message, prefix) || strstr (error->message, want) == NULL)
    g_error ("expected '%s...%s', got '%s'", prefix, want, error->message);
}

static void
test_syntax (void)
{
  assert_refused ("[test]\nname=x\nthis is not a key\n", -1, 3, "not KEY=VALUE");
  assert_refused ("[test]\n[]\n", -1, 2, "empty group name '[]'");
  assert_refused ("[test\nname=x\n", -1, 1, "does not end with ']'");
  assert_refused ("name=x\n[test]\n", -1, 1, "comes before any [group]");
  assert_refused ("[test]\n=x\n", -1, 2, "no key before it");
  assert_refused ("[test]\nname=x\n\n# comment\n[test]\n", -1, 5,
                  "group [test] appears a second time (first at line 1)");
  assert_refused ("[test]\nname=x\n[other]\nname=y\n[test]\n", -1, 5, "first at line 1");
  assert_refused ("[test]\nname=x\nworkers=1\nname=y\n", -1, 4,
                  "key 'name' appears a second time in [test] (first at line 2)");
  assert_refused ("[test]\nname=x\\\n", -1, 2, "ends in a lone backslash");
  assert_refused ("[test]\nname=\xff\xfe\n", -1, 2, "not valid UTF-8");
  /* A NUL byte: the byte offset and its line. */
  assert_refused ("[test]\nname=ab\0cd\n", 18, 2, "byte 14 is a NUL byte");
}

static void
test_accepted (void)
{
  g_autofree char *path
      = put ("ok.ini", "# c\n\n[test]\n  name = x\nargs=a\\\\\n[other]\nname=y\n", -1);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_keyfile_load_checked (kf, path, &error));
  g_assert_no_error (error);
  g_autofree char *name = g_key_file_get_string (kf, "test", "name", NULL);
  g_assert_cmpstr (name, ==, "x");
}

/* Neither loader echoes a line of a file that is not a key file. */
static void
test_no_echo (void)
{
  g_autofree char *secret = put ("passwd", "root:SECRET-HASH:0:0:root:/root:/bin/bash\n", -1);
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_scheduler_def_load (secret, &error));
  g_assert_nonnull (strstr (error->message, secret));
  g_assert_nonnull (strstr (error->message, ":1:"));
  g_assert_null (strstr (error->message, "SECRET"));
  g_clear_error (&error);
  g_autofree char *test = g_build_filename (tmp, "t.ktstr", NULL);
  g_autofree char *text = g_strdup_printf ("[test]\nname=t\nscheduler=%s\n", secret);
  g_assert_true (g_file_set_contents (test, text, -1, NULL));
  g_assert_null (ktstr_testdef_load (test, &error));
  g_assert_null (strstr (error->message, "SECRET"));
}

static void
test_fifo (void)
{
  g_autofree char *fifo = g_build_filename (tmp, "f.ktstr", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_testdef_load (fifo, &error));
  g_assert_nonnull (strstr (error->message, "is a FIFO"));
  g_clear_error (&error);
  g_assert_null (ktstr_scheduler_def_load (fifo, &error));
  g_assert_nonnull (strstr (error->message, "is a FIFO"));
  g_unlink (fifo);
}

/* A directory of tests with a FIFO and a directory named like tests: the
 * real test loads, the others are passed by. */
static void
test_dir (void)
{
  g_autofree char *dir = g_build_filename (tmp, "tests", NULL);
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_autofree char *good = g_build_filename (dir, "good.ktstr", NULL);
  g_assert_true (
      g_file_set_contents (good, "[test]\nname=good\n[cgroup cg_0]\nwork=CpuSpin\n", -1, NULL));
  g_autofree char *fifo = g_build_filename (dir, "fifo.ktstr", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_autofree char *sub = g_build_filename (dir, "sub.ktstr", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) defs = ktstr_testdef_load_dir (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (defs->len, ==, 1);
  g_assert_cmpstr (((KtstrTestDef *)defs->pdata[0])->name, ==, "good");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("ktstr-keyfile-XXXXXX", NULL);
  g_test_add_func ("/keyfile-load/syntax", test_syntax);
  g_test_add_func ("/keyfile-load/accepted", test_accepted);
  g_test_add_func ("/keyfile-load/no-echo", test_no_echo);
  g_test_add_func ("/keyfile-load/fifo", test_fifo);
  g_test_add_func ("/keyfile-load/directory", test_dir);
  int rc = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  if (system (cmd) != 0)
    rc = 1;
  g_free (tmp);
  return rc;
}
