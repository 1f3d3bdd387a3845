/* ELF dependency closure and packaging: against the fixture schedulers
 * (dynamically linked: libelf, libz, libc and the loader) and synthetic
 * copies of them with a DT_NEEDED name patched to something missing. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "image/elfdeps.h"
#include "image/initramfs.h"
#include "image/package.h"
#include "util/datapath.h"

static char *
fixture (const char *name)
{
  const char *dir = g_getenv ("KTSTR_TEST_SCHEDULERS");
  if (dir == NULL || *dir == '\0')
    return NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_steal_pointer (&path);
}

static const KtstrElfLib *
find_lib (const KtstrElfDeps *d, const char *name)
{
  for (guint i = 0; i < d->libs->len; i++)
    {
      const KtstrElfLib *l = d->libs->pdata[i];
      if (g_str_equal (l->name, name))
        return l;
    }
  g_error ("library %s not in the closure of %s", name, d->binary);
}

/* A copy of PATH in a fresh temp dir with every FROM replaced by TO (same length). */
static char *
patched_copy (const char *path, const char *from, const char *to, char **dir_out)
{
  g_assert_cmpuint (strlen (from), ==, strlen (to));
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  guint hits = 0;
  for (gsize i = 0; i + strlen (from) <= len; i++)
    if (memcmp (data + i, from, strlen (from)) == 0)
      {
        memcpy (data + i, to, strlen (to));
        hits++;
      }
  g_assert_cmpuint (hits, >, 0);
  *dir_out = g_dir_make_tmp ("ktstr-elfdeps-XXXXXX", NULL);
  g_autofree char *base = g_path_get_basename (path);
  char *out = g_build_filename (*dir_out, base, NULL);
  g_assert_true (g_file_set_contents (out, data, len, NULL));
  g_chmod (out, 0755);
  return out;
}

static void
rm_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, n, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static void
test_fixture_closure (gconstpointer data)
{
  g_autofree char *bin = fixture (data);
  if (bin == NULL)
    {
      g_test_skip ("fixture schedulers not found (set KTSTR_TEST_SCHEDULERS)");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrElfDeps) d = ktstr_elfdeps_resolve (bin, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (d->interp, ==, "/lib64/ld-linux-x86-64.so.2");
  const char *want[] = { "libelf.so.1", "libz.so.1", "libc.so.6" };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      const KtstrElfLib *l = find_lib (d, want[i]);
      g_assert_true (g_str_has_suffix (l->path, want[i]));
      g_assert_true (g_file_test (l->path, G_FILE_TEST_IS_REGULAR));
    }
  /* Each library once, though libelf needs libz and libc too. */
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < d->libs->len; i++)
    {
      const KtstrElfLib *l = d->libs->pdata[i];
      g_assert_false (g_hash_table_contains (names, l->name));
      g_hash_table_add (names, l->name);
    }
  g_assert_cmpstr (find_lib (d, "libelf.so.1")->needed_by, ==, bin);
}

static void
test_missing_library (void)
{
  g_autofree char *bin = fixture ("scx_simple");
  if (bin == NULL)
    {
      g_test_skip ("fixture schedulers not found (set KTSTR_TEST_SCHEDULERS)");
      return;
    }
  g_autofree char *dir = NULL;
  g_autofree char *copy = patched_copy (bin, "libz.so.1", "libQ.so.9", &dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrElfDeps) d = ktstr_elfdeps_resolve (copy, NULL, &error);
  g_assert_null (d);
  g_assert_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_MISSING_LIBRARY);
  g_assert_nonnull (strstr (error->message, "libQ.so.9"));
  g_assert_nonnull (strstr (error->message, copy));
  g_assert_nonnull (strstr (error->message, "LD_LIBRARY_PATH"));

  /* The packaging layer reports it the same way, naming the role. */
  g_autoptr (KtstrInitramfsSpec) spec = ktstr_initramfs_spec_new ("/bin/true");
  g_autoptr (KtstrPackage) pkg = ktstr_package_new ();
  g_clear_error (&error);
  g_assert_false (ktstr_package_add (pkg, spec, "scheduler", copy, "ktstr/bin/x", &error));
  g_assert_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_MISSING_LIBRARY);
  g_assert_nonnull (strstr (error->message, "cannot package scheduler"));
  g_assert_nonnull (strstr (error->message, "libQ.so.9"));
  rm_dir (dir);
}

static void
test_ld_library_path_wins (void)
{
  g_autofree char *bin = fixture ("scx_simple");
  if (bin == NULL)
    {
      g_test_skip ("fixture schedulers not found (set KTSTR_TEST_SCHEDULERS)");
      return;
    }
  /* A patched copy needs libQ.so.9; provide it (a copy of libz) in a
   * private directory and name that directory on the search path. */
  g_autofree char *dir = NULL;
  g_autofree char *copy = patched_copy (bin, "libz.so.1", "libQ.so.9", &dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrElfDeps) sys = ktstr_elfdeps_resolve (bin, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *libz = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (find_lib (sys, "libz.so.1")->path, &libz, &len, NULL));
  g_autofree char *libq = g_build_filename (dir, "libQ.so.9", NULL);
  g_assert_true (g_file_set_contents (libq, libz, len, NULL));

  const char *llp[] = { "/nonexistent", dir, NULL };
  KtstrElfSearch search = { .ld_library_path = llp };
  g_autoptr (KtstrElfDeps) d = ktstr_elfdeps_resolve (copy, &search, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (find_lib (d, "libQ.so.9")->path, ==, libq);
  rm_dir (dir);
}

static void
test_ld_so_conf (void)
{
  g_autofree char *bin = fixture ("scx_simple");
  if (bin == NULL)
    {
      g_test_skip ("fixture schedulers not found (set KTSTR_TEST_SCHEDULERS)");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrElfDeps) sys = ktstr_elfdeps_resolve (bin, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *libdir = g_path_get_dirname (find_lib (sys, "libc.so.6")->path);

  /* No default dirs: only an included conf file can find the libraries. */
  g_autofree char *tmp = g_dir_make_tmp ("ktstr-ldconf-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename (tmp, "d", NULL);
  g_mkdir (sub, 0755);
  g_autofree char *conf = g_build_filename (tmp, "ld.so.conf", NULL);
  g_autofree char *inc = g_build_filename (sub, "a.conf", NULL);
  g_assert_true (g_file_set_contents (conf, "# comment\ninclude d/*.conf\n", -1, NULL));
  g_autofree char *line = g_strdup_printf ("/nonexistent\n%s  # multiarch\n", libdir);
  g_assert_true (g_file_set_contents (inc, line, -1, NULL));
  const char *none[] = { NULL };
  const char *empty_llp[] = { NULL };
  KtstrElfSearch search
      = { .ld_library_path = empty_llp, .ld_so_conf = conf, .default_dirs = none };
  g_autoptr (KtstrElfDeps) d = ktstr_elfdeps_resolve (bin, &search, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (find_lib (d, "libc.so.6")->path, libdir));

  /* Without the conf file nothing is found. */
  KtstrElfSearch bare = { .ld_library_path = empty_llp, .ld_so_conf = "", .default_dirs = none };
  g_autoptr (KtstrElfDeps) d2 = ktstr_elfdeps_resolve (bin, &bare, &error);
  g_assert_null (d2);
  g_assert_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_MISSING_LIBRARY);
  g_unlink (inc);
  g_rmdir (sub);
  g_unlink (conf);
  g_rmdir (tmp);
}

static void
test_not_elf (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-elfdeps-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "script", NULL);
  g_assert_true (g_file_set_contents (path, "#!/bin/sh\necho hi\n", -1, NULL));
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_elfdeps_resolve (path, NULL, &error));
  g_assert_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_NOT_ELF);
  g_assert_false (ktstr_elfdeps_is_elf (path));
  g_clear_error (&error);
  /* Truncated after the magic: unsupported/malformed, never a crash. */
  g_assert_true (g_file_set_contents (path, "\177ELF\002\001", 6, NULL));
  g_assert_null (ktstr_elfdeps_resolve (path, NULL, &error));
  g_assert_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_null (ktstr_elfdeps_resolve ("/nonexistent/x", NULL, &error));
  g_assert_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_READ);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_package_scheduler (void)
{
  g_autofree char *bin = fixture ("scx_qmap");
  if (bin == NULL)
    {
      g_test_skip ("fixture schedulers not found (set KTSTR_TEST_SCHEDULERS)");
      return;
    }
  g_autoptr (KtstrInitramfsSpec) spec = ktstr_initramfs_spec_new ("/bin/true");
  g_autoptr (KtstrPackage) pkg = ktstr_package_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_package_add (pkg, spec, "scheduler", bin, "ktstr/bin/scx_qmap", &error));
  g_assert_no_error (error);
  /* The same library twice (an --include linking libc) is packed once. */
  g_assert_true (
      ktstr_package_add (pkg, spec, "--include file", bin, "include-files/scx_qmap", &error));
  gboolean has_interp = FALSE, has_bin = FALSE, has_libc = FALSE;
  for (guint i = 0; i < spec->files->len; i++)
    {
      const KtstrInitramfsFile *f = spec->files->pdata[i];
      has_interp |= g_str_equal (f->archive_name, "lib64/ld-linux-x86-64.so.2");
      has_bin |= g_str_equal (f->archive_name, "ktstr/bin/scx_qmap");
      has_libc |= g_str_has_suffix (f->archive_name, "/libc.so.6");
    }
  g_assert_true (has_interp && has_bin && has_libc);
  g_assert_cmpuint (spec->files->len, ==, pkg->n_files);
  g_assert_cmpuint (spec->files->len, ==, 1 + 3 + 2); /* interp, 3 libs, 2 programs */
  g_autofree char *llp = ktstr_package_ld_library_path (pkg);
  g_assert_cmpstr (llp, !=, "");

  /* A missing file is an error naming it. */
  g_assert_false (
      ktstr_package_add (pkg, spec, "scheduler", "/nonexistent/scx", "ktstr/bin/scx", &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/scx"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/elfdeps/fixture/scx_simple", "scx_simple", test_fixture_closure);
  g_test_add_data_func ("/elfdeps/fixture/scx_qmap", "scx_qmap", test_fixture_closure);
  g_test_add_func ("/elfdeps/missing-library", test_missing_library);
  g_test_add_func ("/elfdeps/ld-library-path", test_ld_library_path_wins);
  g_test_add_func ("/elfdeps/ld-so-conf", test_ld_so_conf);
  g_test_add_func ("/elfdeps/not-elf", test_not_elf);
  g_test_add_func ("/package/scheduler", test_package_scheduler);
  return g_test_run ();
}
