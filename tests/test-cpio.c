/* The newc writer and the initramfs cache, checked with the real cpio(1). */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/proto.h"
#include "image/cpio.h"
#include "image/initramfs.h"

static char *
run_cpio_list (const char *archive)
{
  g_autofree char *cmd = g_strdup_printf ("cpio -itv --quiet -F '%s'", archive);
  char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  g_assert_true (g_spawn_command_line_sync (cmd, &out, &err, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  return out;
}

static void
test_cpio_listing (void)
{
  g_autofree char *cpio_tool = g_find_program_in_path ("cpio");
  if (cpio_tool == NULL)
    {
      g_test_skip ("cpio(1) not installed (Debian package cpio)");
      return;
    }
  g_autoptr (KtstrCpio) cpio = ktstr_cpio_new ();
  ktstr_cpio_add_dir (cpio, "dev", 0755);
  ktstr_cpio_add_chardev (cpio, "dev/console", 0600, 5, 1);
  ktstr_cpio_add_parents (cpio, "usr/lib/x/libfoo.so");
  ktstr_cpio_add_file (cpio, "usr/lib/x/libfoo.so", 0755, "abc", 3);
  ktstr_cpio_add_symlink (cpio, "lib", "usr/lib");
  g_autoptr (GBytes) bytes = ktstr_cpio_finish (cpio);
  g_assert_cmpuint (g_bytes_get_size (bytes) % 4, ==, 0);

  g_autofree char *dir = g_dir_make_tmp ("ktstr-cpio-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "a.cpio", NULL);
  g_assert_true (
      g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  g_autofree char *listing = run_cpio_list (path);
  g_assert_nonnull (strstr (listing, "drwxr-xr-x"));
  g_assert_nonnull (strstr (listing, "crw-------"));
  g_assert_nonnull (strstr (listing, "dev/console"));
  g_assert_nonnull (strstr (listing, "-rwxr-xr-x"));
  g_assert_nonnull (strstr (listing, "usr/lib/x/libfoo.so"));
  g_assert_nonnull (strstr (listing, "lrwxrwxrwx"));
  g_assert_nonnull (strstr (listing, "lib -> usr/lib"));
  /* Parents come before their children and only once. */
  const char *usr = strstr (listing, " usr\n");
  const char *lib = strstr (listing, " usr/lib\n");
  g_assert_nonnull (usr);
  g_assert_nonnull (lib);
  g_assert_true (usr < lib);
  g_assert_null (strstr (usr + 1, " usr\n"));

  /* Extraction gives back the same bytes. */
  g_autofree char *cmd
      = g_strdup_printf ("sh -c 'cd %s && cpio -id --quiet --no-absolute-filenames "
                         "-F a.cpio usr/lib/x/libfoo.so'",
                         dir);
  int status = 0;
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  g_autofree char *lib_path = g_build_filename (dir, "usr/lib/x/libfoo.so", NULL);
  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (lib_path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "abc");
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
}

static GBytes *
build_small_archive (void)
{
  g_autoptr (KtstrCpio) cpio = ktstr_cpio_new ();
  ktstr_cpio_add_file (cpio, "init", 0755, "x", 1);
  return ktstr_cpio_finish (cpio);
}

static void
test_cpio_deterministic (void)
{
  g_autoptr (GBytes) a = build_small_archive ();
  g_autoptr (GBytes) b = build_small_archive ();
  g_assert_true (g_bytes_equal (a, b));
}

static void
test_initramfs_cache (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-initramfs-XXXXXX", NULL);
  g_autofree char *agent = g_build_filename (dir, "agent", NULL);
  g_autofree char *lib = g_build_filename (dir, "libx.so", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_assert_true (g_file_set_contents (agent, "agent-v1", -1, NULL));
  g_assert_true (g_file_set_contents (lib, "lib", -1, NULL));
  g_chmod (agent, 0755);

  g_autoptr (KtstrInitramfsSpec) spec = ktstr_initramfs_spec_new (agent);
  ktstr_initramfs_spec_add (spec, "/usr/lib/libx.so", lib);
  KtstrInitramfsInfo info1 = { 0 }, info2 = { 0 }, info3 = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *p1 = ktstr_initramfs_get_base (spec, cache, &info1, &error);
  g_assert_no_error (error);
  g_assert_false (info1.was_cached);
  g_autofree char *p2 = ktstr_initramfs_get_base (spec, cache, &info2, &error);
  g_assert_no_error (error);
  g_assert_true (info2.was_cached);
  g_assert_cmpstr (p1, ==, p2);

  /* A changed input is a different image. */
  g_assert_true (g_file_set_contents (agent, "agent-v2", -1, NULL));
  g_autofree char *p3 = ktstr_initramfs_get_base (spec, cache, &info3, &error);
  g_assert_no_error (error);
  g_assert_false (info3.was_cached);
  g_assert_cmpstr (p1, !=, p3);

  /* base + plan: the plan lands at its path after the base's trailer. */
  g_autofree char *out = g_build_filename (dir, "full.cpio", NULL);
  g_assert_true (ktstr_initramfs_compose_files (p3, "ktstr-plan 1\ntest x\n", NULL, out, &error));
  g_assert_no_error (error);
  g_autofree char *cpio_tool = g_find_program_in_path ("cpio");
  if (cpio_tool != NULL)
    {
      /* cpio reads only the first archive; the second starts right after
       * the base image, 4-byte aligned as the kernel expects. */
      g_autofree char *base_data = NULL, *full_data = NULL;
      gsize base_len, full_len;
      g_assert_true (g_file_get_contents (p3, &base_data, &base_len, NULL));
      g_assert_true (g_file_get_contents (out, &full_data, &full_len, NULL));
      g_assert_cmpmem (base_data, base_len, full_data, base_len);
      g_assert_cmpuint (base_len % 4, ==, 0);
      g_autofree char *second = g_build_filename (dir, "second.cpio", NULL);
      g_assert_true (g_file_set_contents (second, full_data + base_len, full_len - base_len, NULL));
      g_autofree char *listing = run_cpio_list (second);
      /* cpio lists the plan without the leading '/'. */
      g_assert_nonnull (strstr (listing, &KTSTR_PLAN_PATH[1]));
      g_autofree char *first = run_cpio_list (p3);
      g_assert_nonnull (strstr (first, " init\n"));
      g_assert_nonnull (strstr (first, "usr/lib/libx.so"));
      g_assert_nonnull (strstr (first, "dev/console"));
    }

  /* A missing input names itself. */
  g_autoptr (KtstrInitramfsSpec) bad = ktstr_initramfs_spec_new ("/nonexistent/agent");
  g_autofree char *none = ktstr_initramfs_get_base (bad, cache, NULL, &error);
  g_assert_null (none);
  g_assert_nonnull (strstr (error->message, "/nonexistent/agent"));
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cpio/listing", test_cpio_listing);
  g_test_add_func ("/cpio/deterministic", test_cpio_deterministic);
  g_test_add_func ("/initramfs/cache", test_initramfs_cache);
  return g_test_run ();
}
