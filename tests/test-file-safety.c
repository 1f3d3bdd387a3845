/* Files ktstr writes and files others hand it: atomic replacement
 * (common/atomic-file.h, util/fsutil.h) with every failure named and
 * nothing torn or left behind, reading only regular files of bounded size
 * (a FIFO, a directory, an 8 GB sparse file), JSON nesting checked before
 * json-glib recurses (util/json-guard.h), and the private, evicting cache
 * of base images (image/initramfs-cache.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic-file.h"
#include "image/initramfs-cache.h"
#include "util/fsutil.h"
#include "util/json-guard.h"
#include "util/json-util.h"

static char *
make_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("ktstr-files-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *dir)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* Names in DIR that look like an atomic writer's temporary file. */
static guint
count_temps (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    n += ktstr_atomic_file_is_temp (name);
  return n;
}

static void
test_replace (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "x.ktstr.json", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_file_replace (path, "old", 3, 0640, &error));
  g_assert_true (ktstr_file_replace (path, "new!", 4, 0640, &error));
  g_assert_no_error (error);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "new!");
  struct stat st;
  g_assert_cmpint (stat (path, &st), ==, 0);
  mode_t mask = umask (0);
  umask (mask);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640 & ~mask);
  g_assert_cmpuint (count_temps (dir), ==, 0);
  remove_tree (dir);
}

static void
test_missing_directory (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *gone = g_build_filename (dir, "gone", NULL);
  g_autofree char *path = g_build_filename (gone, "x.ktstr.json", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (ktstr_file_replace (path, "x", 1, 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "does not exist"));
  remove_tree (dir);
}

static void
test_directory_is_a_file (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "run", NULL);
  g_assert_true (g_file_set_contents (file, "not a directory", -1, NULL));
  g_autofree char *path = g_build_filename (file, "x.ktstr.json", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (ktstr_file_replace (path, "x", 1, 0644, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
  g_assert_nonnull (strstr (error->message, "is not a directory"));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "not a directory");
  remove_tree (dir);
}

/* A write that fails half way (here RLIMIT_FSIZE, which fails like a full
 * disk does: the file stops growing) keeps the old file and leaves no
 * temporary file. */
static void
test_write_fails (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "x.ktstr.json", NULL);
  g_assert_true (g_file_set_contents (path, "{\"old\": true}", -1, NULL));
  struct rlimit old, small;
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old), ==, 0);
  small = old;
  small.rlim_cur = 4096;
  void (*prev) (int) = signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  g_autofree char *big = g_strnfill (65536, 'x');
  g_autoptr (GError) error = NULL;
  gboolean ok = ktstr_file_replace (path, big, 65536, 0644, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old), ==, 0);
  signal (SIGXFSZ, prev);
  g_assert_false (ok);
  g_assert_true (error != NULL && error->domain == G_FILE_ERROR);
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "while writing it"));
  g_assert_nonnull (strstr (error->message, "was not changed"));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "{\"old\": true}");
  g_assert_cmpuint (count_temps (dir), ==, 0);
  remove_tree (dir);
}

static void
test_temp_names (void)
{
  g_assert_true (ktstr_atomic_file_is_temp (".x.ktstr.json.tmp-Ab3xYz"));
  g_assert_false (ktstr_atomic_file_is_temp ("x.ktstr.json"));
  g_assert_false (ktstr_atomic_file_is_temp (".x.ktstr.json"));
  g_assert_false (ktstr_atomic_file_is_temp (".x.tmp-toolong1"));
  g_assert_false (ktstr_atomic_file_is_temp ("x.tmp-Ab3xYz"));
}

/* A FIFO (open would block for ever), a directory and a socket-less
 * device are each refused at once, naming what they are. */
static void
test_read_not_regular (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *fifo = g_build_filename (dir, "x.ktstr.json", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  g_assert_false (ktstr_read_regular_file (fifo, 1024, &data, &len, &error));
  g_assert_error (error, KTSTR_FILE_ERROR, KTSTR_FILE_ERROR_NOT_REGULAR);
  g_assert_nonnull (strstr (error->message, "is a FIFO"));
  g_clear_error (&error);
  g_assert_false (ktstr_read_regular_file (dir, 1024, &data, &len, &error));
  g_assert_error (error, KTSTR_FILE_ERROR, KTSTR_FILE_ERROR_NOT_REGULAR);
  g_assert_nonnull (strstr (error->message, "is a directory"));
  g_clear_error (&error);
  g_assert_false (ktstr_read_regular_file ("/dev/zero", 1024, &data, &len, &error));
  g_assert_error (error, KTSTR_FILE_ERROR, KTSTR_FILE_ERROR_NOT_REGULAR);
  g_assert_nonnull (strstr (error->message, "character device"));
  remove_tree (dir);
}

/* An 8 GB sparse file is refused from its size alone, before a byte is
 * read. */
static void
test_read_too_large (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "huge.ktstr.json", NULL);
  int fd = open (path, O_CREAT | O_WRONLY, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t)8 << 30), ==, 0);
  close (fd);
  char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_assert_false (ktstr_read_regular_file (path, 16 << 20, &data, &len, &error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_error (error, KTSTR_FILE_ERROR, KTSTR_FILE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "8589934592 bytes"));
  g_assert_nonnull (strstr (error->message, "16777216"));
  remove_tree (dir);
}

static void
test_json_depth (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *deep = g_strnfill (100000, '[');
  g_assert_false (ktstr_json_guard_load (parser, deep, strlen (deep), "sidecar d.json", &error));
  g_assert_error (error, KTSTR_JSON_GUARD_ERROR, KTSTR_JSON_GUARD_ERROR_TOO_DEEP);
  g_assert_nonnull (strstr (error->message, "sidecar d.json"));
  g_assert_nonnull (strstr (error->message, "at byte 64"));
  g_clear_error (&error);

  /* KTSTR_JSON_MAX_DEPTH levels are fine; brackets in strings do not
   * count. */
  g_autofree char *open = g_strnfill (64, '[');
  g_autofree char *close = g_strnfill (64, ']');
  g_autofree char *ok = g_strconcat (open, "\"[[[[\\\"[[\"", close, NULL);
  g_assert_true (ktstr_json_guard_load (parser, ok, strlen (ok), "x", &error));
  g_assert_no_error (error);

  /* json-glib accepts a document of only whitespace, without a root. */
  g_assert_false (ktstr_json_guard_load (parser, " \n\t", 3, "policy p.json", &error));
  g_assert_error (error, KTSTR_JSON_GUARD_ERROR, KTSTR_JSON_GUARD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "empty"));
}

/* A member of the wrong type reads as absent, without a critical (the
 * tests run with G_DEBUG=fatal-warnings), and a double out of range reads
 * without undefined behaviour. */
static void
test_json_lookups (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  const char *text
      = "{\"t\":5,\"s\":\"x\",\"a\":[1],\"b\":true,\"n\":null,\"o\":{},\"huge\":1e300}";
  g_assert_true (ktstr_json_guard_load (parser, text, strlen (text), "x", NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  g_assert_null (ktstr_json_lookup_string (o, "t"));
  g_assert_null (ktstr_json_lookup_string (o, "a"));
  g_assert_null (ktstr_json_lookup_string (o, "n"));
  g_assert_null (ktstr_json_lookup_string (o, "missing"));
  g_assert_cmpstr (ktstr_json_lookup_string (o, "s"), ==, "x");
  g_assert_cmpint (ktstr_json_lookup_int64 (o, "t", -1), ==, 5);
  g_assert_cmpuint (ktstr_json_lookup_u64 (o, "huge"), ==, G_MAXUINT64);
  g_assert_cmpint (ktstr_json_lookup_int64 (o, "s", -1), ==, -1);
  g_assert_cmpint (ktstr_json_lookup_int64 (o, "a", -1), ==, -1);
  g_assert_true (ktstr_json_lookup_bool (o, "b", FALSE));
  g_assert_false (ktstr_json_lookup_bool (o, "t", FALSE));
  g_assert_nonnull (ktstr_json_lookup_object (o, "o"));
  g_assert_null (ktstr_json_lookup_object (o, "a"));
}

static void
set_age (const char *path, gint64 age_s)
{
  struct timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = time (NULL) - age_s;
  ts[0].tv_nsec = ts[1].tv_nsec = 0;
  g_assert_cmpint (utimensat (AT_FDCWD, path, ts, 0), ==, 0);
}

static char *
put (const char *dir, const char *name, gsize size, gint64 age_s)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = g_malloc0 (size);
  g_assert_true (g_file_set_contents (path, data, (gssize)size, NULL));
  set_age (path, age_s);
  return path;
}

/* An older ktstr's world-readable cache becomes private; old images go,
 * then the least recently used beyond the size cap, never the one in use;
 * a killed writer's temporary file goes once it is stale. */
static void
test_initramfs_cache (void)
{
  g_autofree char *root = make_tmpdir ();
  g_autofree char *dir = g_build_filename (root, "initramfs", NULL);
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_autofree char *old = put (dir, "base-old.cpio", 100, 30 * 24 * 3600);
  g_autofree char *a = put (dir, "base-a.cpio", 1000, 3 * 3600);
  g_autofree char *b = put (dir, "base-b.cpio", 1000, 2 * 3600);
  g_autofree char *keep = put (dir, "base-keep.cpio", 1000, 10 * 24 * 3600);
  g_autofree char *tmp = put (dir, ".base-x.cpio.tmp-AbCdEf", 10, 2 * 3600);
  g_autofree char *fresh_tmp = put (dir, ".base-y.cpio.tmp-GhIjKl", 10, 0);
  g_autofree char *other = put (dir, "README", 10, 60 * 24 * 3600);
  g_assert_cmpint (chmod (a, 0644), ==, 0);

  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_initramfs_cache_prepare (dir, &error));
  struct stat st;
  g_assert_cmpint (stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (stat (a, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  guint removed = ktstr_initramfs_cache_evict (dir, keep, 14 * 24 * 3600, 2500);
  g_assert_cmpuint (removed, ==, 3); /* old, a (least recent above the cap), tmp */
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (a, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (b, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (keep, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (fresh_tmp, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));

  /* A use marks an image as recent. */
  ktstr_initramfs_cache_touch (b);
  g_assert_cmpint (stat (b, &st), ==, 0);
  g_assert_cmpint (time (NULL) - st.st_mtime, <, 60);
  remove_tree (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/atomic-file/replace", test_replace);
  g_test_add_func ("/atomic-file/missing-directory", test_missing_directory);
  g_test_add_func ("/atomic-file/directory-is-a-file", test_directory_is_a_file);
  g_test_add_func ("/atomic-file/write-fails", test_write_fails);
  g_test_add_func ("/atomic-file/temp-names", test_temp_names);
  g_test_add_func ("/fsutil/read/not-regular", test_read_not_regular);
  g_test_add_func ("/fsutil/read/too-large", test_read_too_large);
  g_test_add_func ("/json-guard/depth", test_json_depth);
  g_test_add_func ("/json-util/lookups", test_json_lookups);
  g_test_add_func ("/initramfs-cache/private-and-evicted", test_initramfs_cache);
  return g_test_run ();
}
