/* Several kernels in one `ktstr test`, where no VM boots: every --kernel
 * value resolved before anything runs (a bad one exits 2 naming it, with
 * no run directory made), two kernels that would share a run directory
 * refused, a START..END range over a fake kernel cache selecting the
 * kernels it should (also through `ktstr kernel list --range`), and the
 * variants named TEST@VERSION, one list per kernel.  The cache's images
 * are complete boot headers with nothing to boot; the selection is also
 * checked directly on cache entries (ktstr_kernel_range_select). */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "kernel/kconfig.h"
#include "kernel/kernel-cache.h"
#include "kernel/kernel-range.h"
#include "tests/cli-run.h"
#include "tests/vm-run.h"

typedef struct
{
  char *tmp;   /* the test's directory: a git repository, the cwd of runs */
  char *cache; /* KTSTR_CACHE_DIR of the runs */
  char *kc;    /* the current ktstr.kconfig's hash */
} Fixture;

/* Runs `ktstr ARGS…` in F's directory with F's cache, no kernel named by
 * the environment. */
static void
cli_run (Fixture *f, KtstrCliRun *r, const char *const *args)
{
  g_autofree char *cache = g_strconcat ("KTSTR_CACHE_DIR=", f->cache, NULL);
  const char *const env[] = { "KTSTR_KERNEL", "KTSTR_TEST_KERNEL", cache, NULL };
  ktstr_cli_run (r, f->tmp, args, env);
}

/* A cache entry KEY of VERSION built at BUILT_AT with the fragment KC, its
 * image a boot header with nothing to boot. */
static void
store_entry (Fixture *f, const char *key, const char *version, const char *kc, gint64 built_at)
{
  g_autofree char *img = g_build_filename (f->tmp, "img", NULL);
  g_autofree char *fake = g_test_build_filename (G_TEST_DIST, "data", "boot", "fake-bzImage", NULL);
  g_autofree char *head = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (fake, &head, &len, NULL));
  g_assert_true (g_file_set_contents (img, head, (gssize)len, NULL));
  g_autoptr (KtstrCacheEntry) e = g_new0 (KtstrCacheEntry, 1);
  e->key = g_strdup (key);
  e->version = g_strdup (version);
  e->source_type = g_strdup ("tarball");
  e->kconfig_hash = g_strdup (kc);
  e->built_at = built_at;
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_cache_store (f->cache, e, img, img, NULL, &error));
  g_assert_no_error (error);
}

/* The cache every test starts from: 6.9.9, 6.10.3, two builds of 6.12.1
 * (the newer one counts), 6.13.0, and a 6.11.2 built with another
 * fragment, which a range leaves out. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void)data;
  f->tmp = ktstr_vm_test_make_repo ("ktstr-cli-kernels");
  f->cache = g_build_filename (f->tmp, "cache", NULL);
  g_autofree char *frag = ktstr_kconfig_fragment_path ();
  g_autofree char *text = ktstr_kconfig_fragment_load (frag, &f->kc, NULL);
  g_assert_nonnull (f->kc);
  store_entry (f, "6.9.9-tarball", "6.9.9", f->kc, 100);
  store_entry (f, "6.10.3-tarball", "6.10.3", f->kc, 200);
  store_entry (f, "6.12.1-old", "6.12.1", f->kc, 300);
  store_entry (f, "6.12.1-tarball", "6.12.1", f->kc, 400);
  store_entry (f, "6.13.0-tarball", "6.13.0", f->kc, 500);
  store_entry (f, "6.11.2-stale", "6.11.2", "deadbeef", 600);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void)data;
  ktstr_vm_test_remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->cache);
  g_free (f->kc);
}

/* The entries' keys, in order, joined by spaces. */
static char *
keys_of (GPtrArray *entries)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < entries->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", ((KtstrCacheEntry *)entries->pdata[i])->key);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_range_select (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = ktstr_cache_list (f->cache, &error);
  g_assert_no_error (error);
  static const struct
  {
    const char *range, *keys;
    guint stale;
  } cases[] = {
    { "6.10..6.12", "6.10.3-tarball 6.12.1-tarball", 1 },
    { "6.9..6.13", "6.9.9-tarball 6.10.3-tarball 6.12.1-tarball 6.13.0-tarball", 1 },
    { "6.12..6.12", "6.12.1-tarball", 0 },
    { "6.10.3..6.12.0", "6.10.3-tarball", 1 },
    { "6.9.10..6.10", "6.10.3-tarball", 0 },
    { "5.0..7-rc1", "6.9.9-tarball 6.10.3-tarball 6.12.1-tarball 6.13.0-tarball", 1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint stale = 99;
      g_autoptr (GPtrArray) got
          = ktstr_kernel_range_select (all, cases[i].range, f->kc, &stale, &error);
      g_assert_no_error (error);
      g_autofree char *keys = keys_of (got);
      g_assert_cmpstr (keys, ==, cases[i].keys);
      g_assert_cmpuint (stale, ==, cases[i].stale);
    }
  /* Without a current fragment every valid entry counts. */
  g_autoptr (GPtrArray) any = ktstr_kernel_range_select (all, "6.11..6.11", NULL, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *any_keys = keys_of (any);
  g_assert_cmpstr (any_keys, ==, "6.11.2-stale");

  /* Nothing in it: the error names the range and what the cache has. */
  g_assert_null (ktstr_kernel_range_select (all, "6.14..6.20", f->kc, NULL, &error));
  g_assert_error (error, KTSTR_KERNEL_RANGE_ERROR, KTSTR_KERNEL_RANGE_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "6.14..6.20"));
  g_assert_nonnull (strstr (error->message, "6.13.0, 6.12.1, 6.10.3, 6.9.9"));
  g_clear_error (&error);
  g_assert_null (ktstr_kernel_range_select (all, "6.12..6.10", f->kc, NULL, &error));
  g_assert_error (error, KTSTR_KERNEL_RANGE_ERROR, KTSTR_KERNEL_RANGE_ERROR_INVERTED);
  g_assert_nonnull (strstr (error->message, "swap the endpoints (6.10..6.12)"));
  g_clear_error (&error);
  g_assert_null (ktstr_kernel_range_select (all, "6.10..", f->kc, NULL, &error));
  g_assert_error (error, KTSTR_KERNEL_RANGE_ERROR, KTSTR_KERNEL_RANGE_ERROR_INVALID);
}

static void
test_range_shape (void)
{
  static const char *const ranges[] = { "6.10..6.12", "6..7", "6.12-rc1..6.12", "5.4.1..6.1.0" };
  static const char *const others[]
      = { "../linux",     "6.10..",       "..6.12", "6.10...6.12", "a..b",
          "6.10..6.12/x", "6.10.-rc1..7", "6.12",   "6..7-",       "linux-6.1..6.2" };
  for (gsize i = 0; i < G_N_ELEMENTS (ranges); i++)
    g_assert_true (ktstr_kernel_range_is_range (ranges[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (others); i++)
    g_assert_false (ktstr_kernel_range_is_range (others[i]));
  /* Numbers compare as numbers, an end as a prefix. */
  g_assert_cmpint (ktstr_kernel_version_compare_bound ("6.9.1", "6.12"), <, 0);
  g_assert_cmpint (ktstr_kernel_version_compare_bound ("6.12.117", "6.12"), ==, 0);
  g_assert_cmpint (ktstr_kernel_version_compare_bound ("6.12.95+deb12-amd64", "6.12.95"), ==, 0);
  g_assert_cmpint (ktstr_kernel_version_compare_bound ("6.120", "6.12"), >, 0);
  g_assert_cmpint (ktstr_kernel_version_compare_bound ("6.12.117", "6.12.95"), >, 0);
}

/* The variants of a --list-variants --json run: "name kernel" lines. */
static char *
listed (const char *json)
{
  g_autoptr (JsonNode) root = ktstr_cli_parse_json (json);
  JsonArray *vs = json_object_get_array_member (json_node_get_object (root), "variants");
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (vs); i++)
    {
      JsonObject *v = json_array_get_object_element (vs, i);
      g_string_append_printf (s, "%s %s\n", json_object_get_string_member (v, "name"),
                              json_object_get_string_member_with_default (v, "kernel", "-"));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Every test on every kernel, one list per kernel in the order given, a
 * range's oldest first; the same kernel named twice runs once. */
static void
test_fan_out (Fixture *f, gconstpointer data)
{
  (void)data;
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (f, &r,
           (const char *[]){ "test", "--kernel", "6.13", "--kernel", "6.10..6.12", "--kernel",
                             "6.13.0-tarball", "--list-variants", "--json", "steady",
                             "cpuset_split", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *names = listed (r.out);
  g_assert_cmpstr (names, ==,
                   "steady@6.13.0 6.13.0\ncpuset_split@6.13.0 6.13.0\n"
                   "steady@6.10.3 6.10.3\ncpuset_split@6.10.3 6.10.3\n"
                   "steady@6.12.1 6.12.1\ncpuset_split@6.12.1 6.12.1\n");
  /* A listing leaves no run directory behind, for any kernel. */
  g_autofree char *runs = g_build_filename (f->tmp, "target", "ktstr", NULL);
  g_autoptr (GDir) d = g_dir_open (runs, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_assert_true (name[0] == '.');

  /* One kernel: names as they always were, no kernel. */
  g_auto (KtstrCliRun) one = { 0 };
  cli_run (
      f, &one,
      (const char *[]){ "test", "--kernel", "6.10", "--list-variants", "--json", "steady", NULL });
  g_assert_cmpint (one.status, ==, 0);
  g_autofree char *one_names = listed (one.out);
  g_assert_cmpstr (one_names, ==, "steady -\n");
}

/* A bad value anywhere in the list fails the run before anything runs,
 * naming the value; no run directory is made. */
static void
test_refused_before_boot (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *fake = g_test_build_filename (G_TEST_DIST, "data", "boot", "fake-bzImage", NULL);
  g_autofree char *copy = g_build_filename (f->tmp, "copy-bzImage", NULL);
  g_autofree char *head = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (fake, &head, &len, NULL));
  g_assert_true (g_file_set_contents (copy, head, (gssize)len, NULL));
  static const struct
  {
    const char *second, *third, *message;
  } cases[] = {
    { "6.10", "/nonexistent/bzImage", "'/nonexistent/bzImage' cannot be read" },
    { "6.10", "6.99", "--kernel '6.99' is not a file" },
    { "6.14..6.20", "6.10", "--kernel 6.14..6.20: no cached kernel lies in the range" },
    { "6.12..6.10", "6.10", "swap the endpoints (6.10..6.12)" },
    { "6.12", "6.12.1-old", "are both kernel 6.12.1" },
    /* Two images without a version would share the "unknown" directory. */
    { "6.10", "@COPY@", "are both kernel unknown" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *third = g_str_equal (cases[i].third, "@COPY@") ? copy : cases[i].third;
      g_auto (KtstrCliRun) r = { 0 };
      cli_run (f, &r,
               (const char *[]){ "test", "--kernel", fake, "--kernel", cases[i].second, "--kernel",
                                 third, "steady", NULL });
      g_assert_cmpint (r.status, ==, 2);
      g_assert_nonnull (strstr (r.err, cases[i].message));
      g_assert_null (strstr (r.out, "PASS"));
      g_assert_null (strstr (r.out, "FAIL"));
      g_autofree char *runs = g_build_filename (f->tmp, "target", "ktstr", NULL);
      g_assert_false (g_file_test (runs, G_FILE_TEST_EXISTS));
    }
}

/* KTSTR_SIDECAR_DIR names one directory; two kernels' sidecars, whose
 * names do not say the kernel, would overwrite each other there. */
static void
test_sidecar_dir_refused (Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = g_build_filename (f->tmp, "sidecars", NULL);
  g_autofree char *sidecars = g_strconcat ("KTSTR_SIDECAR_DIR=", dir, NULL);
  g_autofree char *cache = g_strconcat ("KTSTR_CACHE_DIR=", f->cache, NULL);
  const char *const env[] = { "KTSTR_KERNEL", "KTSTR_TEST_KERNEL", cache, sidecars, NULL };
  g_auto (KtstrCliRun) r = { 0 };
  ktstr_cli_run (&r, f->tmp, (const char *[]){ "test", "--kernel", "6.10..6.12", "steady", NULL },
                 env);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "kernels 6.10.3 and 6.12.1 would write their sidecars into "
                                   "one directory"));
  g_assert_nonnull (strstr (r.err, "KTSTR_SIDECAR_DIR"));
}

/* `ktstr kernel list --range` lists what the range selects, as JSON too;
 * an empty range is an empty listing with the reason on stderr; an
 * inverted one is refused. */
static void
test_list_range (Fixture *f, gconstpointer data)
{
  (void)data;
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (f, &r, (const char *[]){ "kernel", "list", "--range", "6.10..6.12", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "range 6.10..6.12: 2 kernels"));
  g_assert_nonnull (strstr (r.err, "1 more cached kernel in the range 6.10..6.12 built with "
                                   "another ktstr.kconfig"));
  const char *a = strstr (r.out, "6.10.3-tarball"), *b = strstr (r.out, "6.12.1-tarball");
  g_assert_true (a != NULL && b != NULL && a < b);
  g_assert_null (strstr (r.out, "6.12.1-old"));
  g_assert_null (strstr (r.out, "6.13.0"));
  g_assert_null (strstr (r.out, "6.9.9"));
  g_assert_null (strstr (r.out, "6.11.2"));

  g_auto (KtstrCliRun) j = { 0 };
  cli_run (f, &j, (const char *[]){ "kernel", "list", "--json", "--range", "6.13..6.13", NULL });
  g_assert_cmpint (j.status, ==, 0);
  g_autoptr (JsonNode) root = ktstr_cli_parse_json (j.out);
  JsonObject *o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "range"), ==, "6.13..6.13");
  JsonArray *es = json_object_get_array_member (o, "entries");
  g_assert_cmpuint (json_array_get_length (es), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (es, 0), "key"), ==,
                   "6.13.0-tarball");

  g_auto (KtstrCliRun) empty = { 0 };
  cli_run (f, &empty, (const char *[]){ "kernel", "list", "--range", "7.0..7.1", NULL });
  g_assert_cmpint (empty.status, ==, 0);
  g_assert_nonnull (strstr (empty.err, "range 7.0..7.1: 0 kernels"));
  g_assert_nonnull (strstr (empty.err, "no cached kernel lies in the range 7.0..7.1"));

  g_auto (KtstrCliRun) bad = { 0 };
  cli_run (f, &bad, (const char *[]){ "kernel", "list", "--range", "7.1..7.0", NULL });
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_nonnull (strstr (bad.err, "swap the endpoints"));
  g_auto (KtstrCliRun) shape = { 0 };
  cli_run (f, &shape, (const char *[]){ "kernel", "list", "--range", "linux", NULL });
  g_assert_cmpint (shape.status, ==, 2);
  g_assert_nonnull (strstr (shape.err, "'linux' is not a kernel range"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-kernels/range/shape", test_range_shape);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/cli-kernels/range/select", test_range_select);
  ADD ("/cli-kernels/test/fan-out", test_fan_out);
  ADD ("/cli-kernels/test/refused-before-boot", test_refused_before_boot);
  ADD ("/cli-kernels/test/sidecar-dir-refused", test_sidecar_dir_refused);
  ADD ("/cli-kernels/kernel-list/range", test_list_range);
#undef ADD
  return g_test_run ();
}
