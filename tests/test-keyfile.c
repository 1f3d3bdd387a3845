/* What the key-file loaders share (util/keyfile.h): finding the line of a
 * group or key, the error format, the unknown-key check and deprecated
 * key spellings. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "util/keyfile.h"

#define TEST_ERROR (g_quark_from_static_string ("test-keyfile-error"))

static char *dir;

static char *
write_file (const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static GKeyFile *
load (const char *path)
{
  GKeyFile *kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  return kf;
}

static const char text[] = "# a comment\n"    /* 1 */
                           "[a]\n"            /* 2 */
                           "x=1\n"            /* 3 */
                           "  spaced  =  2\n" /* 4 */
                           "\n"               /* 5 */
                           "[b c]\n"          /* 6 */
                           "x=3\n"            /* 7 */
                           "#x=commented\n"   /* 8 */
                           "[a]\n"            /* 9 */
                           "x=4\n"            /* 10 */
                           "xy=5\n"           /* 11 */
                           "old-key=6\n";     /* 12 */

static void
test_find_line (void)
{
  g_autofree char *path = write_file ("lines.ini", text);
  g_assert_cmpuint (ktstr_keyfile_find_line (path, "a", NULL), ==, 2);
  g_assert_cmpuint (ktstr_keyfile_find_line (path, "b c", NULL), ==, 6);
  /* GKeyFile merges a repeated group and keeps a key's last value. */
  g_assert_cmpuint (ktstr_keyfile_find_line (path, "a", "x"), ==, 10);
  g_assert_cmpuint (ktstr_keyfile_find_line (path, "b c", "x"), ==, 7);
  g_assert_cmpuint (ktstr_keyfile_find_line (path, "a", "spaced"), ==, 4);
  g_assert_cmpuint (ktstr_keyfile_find_line (path, "a", "xy"), ==, 11);
  g_assert_cmpuint (ktstr_keyfile_find_line (path, "a", "nope"), ==, 0);
  g_assert_cmpuint (ktstr_keyfile_find_line (path, "b", NULL), ==, 0);
  g_assert_cmpuint (ktstr_keyfile_find_line (NULL, "a", "x"), ==, 0);
  g_assert_cmpuint (ktstr_keyfile_find_line ("/nonexistent/x.ini", "a", "x"), ==, 0);
  g_unlink (path);
}

static void
test_fail_format (void)
{
  g_autofree char *path = write_file ("fail.ini", text);
  g_autoptr (GError) error = NULL;
  g_assert_false (ktstr_keyfile_fail (&error, TEST_ERROR, 3, path, "a", "xy", "bad %d", 7));
  g_assert_error (error, TEST_ERROR, 3);
  g_autofree char *want = g_strdup_printf ("%s:11: [a] xy: bad 7", path);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);

  /* The group alone; a key not written (a default) is at its group. */
  ktstr_keyfile_fail (&error, TEST_ERROR, 1, path, "b c", NULL, "whole");
  g_autofree char *group = g_strdup_printf ("%s:6: [b c]: whole", path);
  g_assert_cmpstr (error->message, ==, group);
  g_clear_error (&error);
  ktstr_keyfile_fail (&error, TEST_ERROR, 1, path, "b c", "unwritten", "m");
  g_autofree char *unwritten = g_strdup_printf ("%s:6: [b c] unwritten: m", path);
  g_assert_cmpstr (error->message, ==, unwritten);
  g_clear_error (&error);

  /* A snake_case key read from its old kebab-case spelling is there. */
  ktstr_keyfile_fail (&error, TEST_ERROR, 1, path, "a", "old_key", "m");
  g_autofree char *kebab = g_strdup_printf ("%s:12: [a] old_key: m", path);
  g_assert_cmpstr (error->message, ==, kebab);
  g_clear_error (&error);

  /* No line when nothing matches, no path when there is none. */
  ktstr_keyfile_fail (&error, TEST_ERROR, 1, path, "zz", "k", "m");
  g_autofree char *noline = g_strdup_printf ("%s: [zz] k: m", path);
  g_assert_cmpstr (error->message, ==, noline);
  g_clear_error (&error);
  ktstr_keyfile_fail_literal (&error, TEST_ERROR, 1, NULL, "a", "x", "50% done");
  g_assert_cmpstr (error->message, ==, "[a] x: 50% done");
  g_unlink (path);
}

static void
test_check_keys (void)
{
  g_autofree char *path
      = write_file ("keys.ini", "[g]\nname=x\nmin.lat=1\n[h]\nname=y\nmin.=2\n[i]\nsize=1\n");
  g_autoptr (GKeyFile) kf = load (path);
  static const char *const allowed[] = { "name", "size", NULL };
  static const char *const prefixes[] = { "min.", "max.", NULL };
  g_autoptr (GError) error = NULL;
  g_assert_true (
      ktstr_keyfile_check_keys (kf, path, "g", allowed, prefixes, "METRIC", TEST_ERROR, 5, &error));
  g_assert_true (
      ktstr_keyfile_check_keys (kf, path, "i", allowed, NULL, NULL, TEST_ERROR, 5, &error));
  g_assert_true (
      ktstr_keyfile_check_keys (kf, path, "missing", allowed, NULL, NULL, TEST_ERROR, 5, &error));
  g_assert_no_error (error);
  /* A prefix needs more after it. */
  g_assert_false (
      ktstr_keyfile_check_keys (kf, path, "h", allowed, prefixes, "METRIC", TEST_ERROR, 5, &error));
  g_assert_error (error, TEST_ERROR, 5);
  g_autofree char *want = g_strdup_printf ("%s:6: [h] min.: unknown key (valid keys: name, size, "
                                           "min.METRIC, max.METRIC)",
                                           path);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);
  g_assert_false (
      ktstr_keyfile_check_keys (kf, path, "g", allowed, NULL, NULL, TEST_ERROR, 5, &error));
  g_autofree char *plain
      = g_strdup_printf ("%s:3: [g] min.lat: unknown key (valid keys: name, size)", path);
  g_assert_cmpstr (error->message, ==, plain);
  g_unlink (path);
}

static GPtrArray *warnings;

static void
collect (const char *message, gpointer user_data)
{
  g_assert_true (user_data == &warnings);
  g_ptr_array_add (warnings, g_strdup (message));
}

static const KtstrKeyRename renames[] = {
  { "s", "ready-ms", "ready_ms" },
  { "c", "min-cpus", "min_cpus" },
  { NULL, NULL, NULL },
};

static void
test_rename_deprecated (void)
{
  warnings = g_ptr_array_new_with_free_func (g_free);
  ktstr_keyfile_set_warn_func (collect, &warnings);
  g_autofree char *path = write_file ("old.ini", "[s]\nready-ms=5\n[c]\nmax-cpus=1\n");
  g_autoptr (GKeyFile) kf = load (path);
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_keyfile_rename_deprecated (kf, path, renames, TEST_ERROR, 9, &error));
  g_assert_no_error (error);
  /* The value is read under the new name; the old one is gone. */
  g_autofree char *v = g_key_file_get_value (kf, "s", "ready_ms", NULL);
  g_assert_cmpstr (v, ==, "5");
  g_assert_false (g_key_file_has_key (kf, "s", "ready-ms", NULL));
  /* Not in the table: left for the unknown-key check. */
  g_assert_true (g_key_file_has_key (kf, "c", "max-cpus", NULL));
  g_assert_cmpuint (warnings->len, ==, 1);
  g_autofree char *want = g_strdup_printf ("%s:2: [s] ready-ms is deprecated; write ready_ms "
                                           "(the old spelling is still read, for now)",
                                           path);
  g_assert_cmpstr (warnings->pdata[0], ==, want);

  /* Once per file and key. */
  g_autoptr (GKeyFile) again = load (path);
  g_assert_true (ktstr_keyfile_rename_deprecated (again, path, renames, TEST_ERROR, 9, &error));
  g_assert_cmpuint (warnings->len, ==, 1);
  g_autofree char *other = write_file ("other.ini", "[s]\nready-ms=7\n");
  g_autoptr (GKeyFile) okf = load (other);
  g_assert_true (ktstr_keyfile_rename_deprecated (okf, other, renames, TEST_ERROR, 9, &error));
  g_assert_cmpuint (warnings->len, ==, 2);

  /* Both spellings: which one is meant is unclear. */
  g_autofree char *both = write_file ("both.ini", "[s]\nready_ms=1\nready-ms=2\n");
  g_autoptr (GKeyFile) bkf = load (both);
  g_assert_false (ktstr_keyfile_rename_deprecated (bkf, both, renames, TEST_ERROR, 9, &error));
  g_assert_error (error, TEST_ERROR, 9);
  g_autofree char *bwant = g_strdup_printf ("%s:3: [s] ready-ms: given as ready_ms too; keep only "
                                            "ready_ms (ready-ms is the old spelling)",
                                            both);
  g_assert_cmpstr (error->message, ==, bwant);

  ktstr_keyfile_set_warn_func (NULL, NULL);
  g_clear_pointer (&warnings, g_ptr_array_unref);
  g_unlink (path);
  g_unlink (other);
  g_unlink (both);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  dir = g_dir_make_tmp ("test-keyfile-XXXXXX", NULL);
  g_test_add_func ("/keyfile/find-line", test_find_line);
  g_test_add_func ("/keyfile/fail-format", test_fail_format);
  g_test_add_func ("/keyfile/check-keys", test_check_keys);
  g_test_add_func ("/keyfile/rename-deprecated", test_rename_deprecated);
  int rc = g_test_run ();
  g_rmdir (dir);
  g_free (dir);
  return rc;
}
