/* Kernel resolution: images, build trees, the discovery chain, errors. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/kernel.h"

static char *tmp;

static void
write_bzimage (const char *path, const char *version, gsize size)
{
  g_autofree guint8 *buf = g_malloc0 (MAX (size, 0x600));
  memcpy (buf + 0x202, "HdrS", 4);
  /* A complete header: the boot flag, one setup sector and a
   * protected-mode part filling the rest of SIZE. */
  buf[0x1fe] = 0x55;
  buf[0x1ff] = 0xaa;
  buf[0x1f1] = 1;
  guint32 paras = GUINT32_TO_LE (size > 0x400 ? (guint32)((size - 0x400) / 16) : 0);
  memcpy (buf + 0x1f4, &paras, 4);
  buf[0x206] = 0x0f; /* protocol 2.15 */
  buf[0x207] = 0x02;
  /* version string at 0x200 + 0x300 */
  buf[0x20e] = 0x00;
  buf[0x20f] = 0x03;
  if (version != NULL)
    strcpy ((char *)buf + 0x500, version);
  g_autofree char *dir = g_path_get_dirname (path);
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (g_file_set_contents (path, (char *)buf, size, NULL));
}

/* The fixture bzImage, $KTSTR_TEST_KERNEL as the test started (the
 * discovery tests unset the variable); NULL without one. */
static char *fixture;

static char *
path_in (const char *rel)
{
  return g_build_filename (tmp, rel, NULL);
}

static void
setup (void)
{
  tmp = g_dir_make_tmp ("ktstr-kernel-XXXXXX", NULL);
  g_unsetenv ("KTSTR_TEST_KERNEL");
  g_unsetenv ("KTSTR_KERNEL");
  /* An empty kernel cache: the user's own must not take part in the chain. */
  g_autofree char *cache = g_build_filename (tmp, "no-cache", NULL);
  g_setenv ("KTSTR_CACHE_DIR", cache, TRUE);
  g_assert_cmpint (chdir (tmp), ==, 0);
}

static void
teardown (void)
{
  g_assert_cmpint (chdir ("/"), ==, 0);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_clear_pointer (&tmp, g_free);
}

static void
test_image_header_version (void)
{
  setup ();
  g_autofree char *img = path_in ("img/bzImage");
  write_bzimage (img, "6.12.9-test (gcc) #1 SMP", 0x600);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve (img, "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_cmpint (k->format, ==, KTSTR_KERNEL_FORMAT_BZIMAGE);
  g_assert_cmpstr (k->version, ==, "6.12.9-test");
  g_assert_null (k->tree);
  g_assert_cmpstr (k->source, ==, "--kernel");

  /* kernel.release beside the image wins over the header (fixture layout). */
  g_autofree char *rel = path_in ("img/kernel.release");
  g_assert_true (g_file_set_contents (rel, "6.12.117\n", -1, NULL));
  g_autoptr (KtstrKernel) k2 = ktstr_kernel_resolve (img, "/nonexistent", &error);
  g_assert_cmpstr (k2->version, ==, "6.12.117");
  teardown ();
}

static void
test_build_tree (void)
{
  setup ();
  g_autofree char *bz = path_in ("linux/arch/x86/boot/bzImage");
  write_bzimage (bz, "6.13.0 x", 0x600);
  g_autofree char *rel = path_in ("linux/include/config/kernel.release");
  g_autofree char *reldir = g_path_get_dirname (rel);
  g_mkdir_with_parents (reldir, 0755);
  g_assert_true (g_file_set_contents (rel, "6.13.0-rc1\n", -1, NULL));
  g_autofree char *tree = path_in ("linux");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve (tree, "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (k->version, ==, "6.13.0-rc1");
  g_assert_cmpstr (k->tree, ==, tree);
  g_assert_cmpstr (k->image, ==, bz);

  /* metadata.json "version" wins over kernel.release. */
  g_autofree char *meta = path_in ("linux/metadata.json");
  g_assert_true (g_file_set_contents (meta, "{\"version\": \"6.13.0-meta\"}", -1, NULL));
  g_autoptr (KtstrKernel) k2 = ktstr_kernel_resolve (tree, "/nonexistent", &error);
  g_assert_cmpstr (k2->version, ==, "6.13.0-meta");

  /* With no --kernel, ./linux is found from the cwd. */
  g_autoptr (KtstrKernel) k3 = ktstr_kernel_resolve (NULL, "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (k3->source, ==, "./linux");

  /* A tree without a bzImage says how to build one. */
  g_autofree char *empty = path_in ("empty-tree");
  g_mkdir (empty, 0755);
  g_autoptr (KtstrKernel) none = ktstr_kernel_resolve (empty, "/nonexistent", &error);
  g_assert_null (none);
  g_assert_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "bzImage"));
  teardown ();
}

static void
test_env_chain (void)
{
  setup ();
  g_autofree char *a = path_in ("a/bzImage");
  g_autofree char *b = path_in ("b/bzImage");
  write_bzimage (a, "1.0.0-a x", 0x600);
  write_bzimage (b, "1.0.0-b x", 0x600);
  g_setenv ("KTSTR_KERNEL", b, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve (NULL, "/nonexistent", &error);
  g_assert_cmpstr (k->source, ==, "KTSTR_KERNEL");
  g_assert_cmpstr (k->image, ==, b);
  g_setenv ("KTSTR_TEST_KERNEL", a, TRUE);
  g_autoptr (KtstrKernel) k2 = ktstr_kernel_resolve (NULL, "/nonexistent", &error);
  g_assert_cmpstr (k2->source, ==, "KTSTR_TEST_KERNEL");
  g_assert_cmpstr (k2->image, ==, a);
  /* --kernel beats both. */
  g_autoptr (KtstrKernel) k3 = ktstr_kernel_resolve (b, "/nonexistent", &error);
  g_assert_cmpstr (k3->source, ==, "--kernel");
  teardown ();
}

static void
test_boot_newest (void)
{
  setup ();
  g_autofree char *boot = path_in ("boot");
  g_autofree char *v1 = path_in ("boot/vmlinuz-6.9.0-amd64");
  g_autofree char *v2 = path_in ("boot/vmlinuz-6.12.10-amd64");
  write_bzimage (v1, "6.9.0-amd64 x", 0x600);
  write_bzimage (v2, "6.12.10-amd64 x", 0x600);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve (NULL, boot, &error);
  g_assert_no_error (error);
  /* Version order, not string order: 6.12 is newer than 6.9. */
  g_assert_cmpstr (k->image, ==, v2);
  g_assert_cmpstr (k->version, ==, "6.12.10-amd64");
  teardown ();
}

static void
test_not_found_lists_tried (void)
{
  setup ();
  g_autofree char *boot = path_in ("boot-empty");
  g_mkdir (boot, 0755);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve (NULL, boot, &error);
  g_assert_null (k);
  g_assert_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "KTSTR_TEST_KERNEL"));
  g_assert_nonnull (strstr (error->message, "../linux/arch/x86/boot/bzImage"));
  g_assert_nonnull (strstr (error->message, "vmlinuz-*"));
  g_assert_nonnull (strstr (error->message, "--kernel"));
  teardown ();
}

static void
test_refuses_non_kernels (void)
{
  setup ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = path_in ("notes.txt");
  g_assert_true (g_file_set_contents (text, "hello world, not a kernel", -1, NULL));
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve (text, "/nonexistent", &error);
  g_assert_null (k);
  g_assert_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL);
  g_assert_nonnull (strstr (error->message, text));
  g_clear_error (&error);

  /* Truncated before the boot header. */
  g_autofree char *trunc = path_in ("trunc/bzImage");
  write_bzimage (trunc, NULL, 0x100);
  g_autoptr (KtstrKernel) k2 = ktstr_kernel_resolve (trunc, "/nonexistent", &error);
  g_assert_null (k2);
  g_assert_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL);
  g_clear_error (&error);

  g_autofree char *missing = path_in ("nope/bzImage");
  g_autoptr (KtstrKernel) k3 = ktstr_kernel_resolve (missing, "/nonexistent", &error);
  g_assert_null (k3);
  g_assert_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  if (getuid () != 0)
    {
      g_autofree char *unreadable = path_in ("secret/bzImage");
      write_bzimage (unreadable, "1 x", 0x600);
      g_chmod (unreadable, 0);
      g_autoptr (KtstrKernel) k4 = ktstr_kernel_resolve (unreadable, "/nonexistent", &error);
      g_assert_null (k4);
      g_assert_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_UNREADABLE);
    }
  teardown ();
}

static void
test_fixture_kernel (void)
{
  if (fixture == NULL || !g_file_test (fixture, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no fixture kernel: set KTSTR_TEST_KERNEL to a bzImage");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernel) k = ktstr_kernel_resolve (fixture, "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_cmpint (k->format, ==, KTSTR_KERNEL_FORMAT_BZIMAGE);
  g_assert_true (g_str_has_prefix (k->version, "6.12"));
  g_autofree char *header = ktstr_kernel_image_version (fixture);
  g_assert_true (g_str_has_prefix (header, "6.12"));
}

/* Debian's kernels keep the version string past the first 16 KiB. */
static void
test_boot_kernels_have_versions (void)
{
  g_autoptr (GDir) d = g_dir_open ("/boot", 0, NULL);
  const char *name;
  guint seen = 0;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_prefix (name, "vmlinuz-"))
        continue;
      g_autofree char *path = g_build_filename ("/boot", name, NULL);
      if (access (path, R_OK) != 0)
        continue;
      g_autofree char *v = ktstr_kernel_image_version (path);
      g_assert_cmpstr (v, ==, name + strlen ("vmlinuz-"));
      seen++;
    }
  if (seen == 0)
    g_test_skip ("no readable /boot/vmlinuz-* on this machine");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Read before the discovery tests clear it. */
  fixture = g_strdup (g_getenv ("KTSTR_TEST_KERNEL"));
  g_test_add_func ("/kernel/image/header-version", test_image_header_version);
  g_test_add_func ("/kernel/tree", test_build_tree);
  g_test_add_func ("/kernel/chain/env", test_env_chain);
  g_test_add_func ("/kernel/chain/boot-newest", test_boot_newest);
  g_test_add_func ("/kernel/chain/not-found", test_not_found_lists_tried);
  g_test_add_func ("/kernel/image/refused", test_refuses_non_kernels);
  g_test_add_func ("/kernel/image/fixture", test_fixture_kernel);
  g_test_add_func ("/kernel/image/boot-versions", test_boot_kernels_have_versions);
  return g_test_run ();
}
