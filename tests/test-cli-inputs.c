/* `ktstr test` handed hostile or broken inputs, end to end, with no VM:
 * a kernel whose version would escape the runs root, programs, truncated
 * images and FIFOs given as the kernel, kernel arguments hiding a
 * reserved one, and a test directory holding a FIFO and a directory named
 * like tests.  Each is exit 2 with a message naming the input, before any
 * run directory is created or pre-cleared, or (the test directory) the
 * good tests still run. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/vm-run.h"

static char *fake_kernel;

static char *
make_tree (const char *release_file, const char *release_text)
{
  g_autoptr (GError) error = NULL;
  char *tree = g_dir_make_tmp ("ktstr-inputs-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *boot = g_build_filename (tree, "arch", "x86", "boot", NULL);
  g_assert_cmpint (g_mkdir_with_parents (boot, 0755), ==, 0);
  g_autofree char *image = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (fake_kernel, &image, &len, NULL));
  g_autofree char *bz = g_build_filename (boot, "bzImage", NULL);
  g_assert_true (g_file_set_contents (bz, image, (gssize)len, NULL));
  g_autofree char *rel = g_build_filename (tree, release_file, NULL);
  g_autofree char *rel_dir = g_path_get_dirname (rel);
  g_assert_cmpint (g_mkdir_with_parents (rel_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (rel, release_text, -1, NULL));
  return tree;
}

/* Runs `ktstr test --kernel=KERNEL ARGS steady_llc` in a fresh repository
 * and asserts exit 2 with WANT on stderr and no run directory made. */
static void
assert_refused (const char *kernel, const char *const *args, const char *want)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  for (const char *const *a = args; a != NULL && *a; a++)
    g_ptr_array_add (argv, (char *)*a);
  g_ptr_array_add (argv, "--topology=1n1l1c1t");
  g_ptr_array_add (argv, "steady_llc");
  g_ptr_array_add (argv, NULL);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, kernel, (const char *const *)argv->pdata, NULL);
  g_autofree char *target = g_build_filename (r.cwd, "target", NULL);
  if (ktstr_vm_run_exit_code (&r) != 2 || strstr (r.err, want) == NULL)
    g_error ("--kernel=%s: exit %d, expected 2 and '%s' on stderr:\n%s", kernel,
             ktstr_vm_run_exit_code (&r), want, r.err);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  ktstr_vm_run_clear (&r);
}

/* A kernel.release of "../../../../escaped" once put a sidecar in
 * /tmp/escaped-<commit>/ and a lock file at the filesystem root. */
static void
test_version_escape (void)
{
  g_autofree char *tree
      = make_tree ("include/config/kernel.release", "../../../../escaped-ktstr-test\n");
  assert_refused (tree, NULL, "include/config/kernel.release cannot name a run directory");
  assert_refused (tree, NULL, "it contains '/'");
  g_assert_false (g_file_test ("/escaped-ktstr-test-unknown.lock", G_FILE_TEST_EXISTS));
  g_autoptr (GDir) d = g_dir_open (g_get_tmp_dir (), 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_assert_false (g_str_has_prefix (name, "escaped-ktstr-test"));
  ktstr_vm_test_remove_tree (tree);

  g_autofree char *ctl = make_tree ("metadata.json", "{\"version\": \"6.12\\n-evil\"}");
  assert_refused (ctl, NULL, "control character");
  ktstr_vm_test_remove_tree (ctl);

  g_autofree char *long_version = g_strnfill (300, 'x');
  g_autofree char *meta = g_strdup_printf ("{\"version\": \"%s\"}", long_version);
  g_autofree char *lng = make_tree ("metadata.json", meta);
  assert_refused (lng, NULL, "too long");
  ktstr_vm_test_remove_tree (lng);

  g_autofree char *dot = make_tree ("include/config/kernel.release", "..\n");
  assert_refused (dot, NULL, "starts with '.'");
  ktstr_vm_test_remove_tree (dot);
}

/* Programs, a truncated bzImage and a FIFO are refused before anything
 * boots or any run directory is touched; the FIFO does not block. */
static void
test_not_a_kernel (void)
{
  assert_refused ("/bin/ls", NULL, "without a PVH entry note");
  g_autofree char *dir = g_dir_make_tmp ("ktstr-inputs-XXXXXX", NULL);
  g_autofree char *image = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (fake_kernel, &image, &len, NULL));
  g_autofree char *trunc = g_build_filename (dir, "bzImage", NULL);
  g_assert_true (g_file_set_contents (trunc, image, (gssize)len - 100, NULL));
  assert_refused (trunc, NULL, "truncated bzImage: its header says 2048 bytes, the file has 1948");
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_refused (fifo, NULL, "is not a regular file");
  assert_refused ("/dev/null", NULL, "is not a regular file");
  ktstr_vm_test_remove_tree (dir);
}

/* "quiet rdinit=/nope" holds a reserved word; the kernel would see it. */
static void
test_karg_split (void)
{
  assert_refused (fake_kernel, (const char *const[]){ "--karg=quiet rdinit=/nope", NULL },
                  "ktstr sets rdinit=");
  assert_refused (fake_kernel, (const char *const[]){ "--karg=a \"b c\" -- x", NULL }, "'--'");
  assert_refused (fake_kernel, (const char *const[]){ "--karg=a=\"b", NULL },
                  "unbalanced double quote");
}

/* A FIFO and a directory named like tests do not stop the directory's
 * real test from running (here: skipped for its topology). */
static void
test_test_directory (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-inputs-XXXXXX", NULL);
  const char *src = g_getenv ("KTSTR_TOP_SRCDIR");
  g_autofree char *orig
      = g_build_filename (src ? src : ".", "data", "tests", "steady_llc.ktstr", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (orig, &text, NULL, NULL));
  g_autofree char *copy = g_build_filename (dir, "steady_llc.ktstr", NULL);
  g_assert_true (g_file_set_contents (copy, text, -1, NULL));
  g_autofree char *fifo = g_build_filename (dir, "fifo.ktstr", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_autofree char *sub = g_build_filename (dir, "sub.ktstr", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, fake_kernel, (const char *const[]){ "--topology=1n1l1c1t", dir, NULL }, NULL);
  if (ktstr_vm_run_exit_code (&r) != 0)
    g_error ("exit %d:\n%s", ktstr_vm_run_exit_code (&r), r.err);
  g_assert_nonnull (strstr (r.out, "0 passed, 0 failed, 1 skipped"));
  g_assert_nonnull (strstr (r.err, "fifo.ktstr: it is a FIFO, not a test file"));
  g_assert_null (strstr (r.err, "sub.ktstr"));
  ktstr_vm_run_clear (&r);
  ktstr_vm_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  fake_kernel = g_test_build_filename (G_TEST_DIST, "data", "boot", "fake-bzImage", NULL);
  g_test_add_func ("/cli-inputs/kernel-version-escape", test_version_escape);
  g_test_add_func ("/cli-inputs/not-a-kernel", test_not_a_kernel);
  g_test_add_func ("/cli-inputs/karg-split", test_karg_split);
  g_test_add_func ("/cli-inputs/test-directory", test_test_directory);
  int rc = g_test_run ();
  g_free (fake_kernel);
  return rc;
}
