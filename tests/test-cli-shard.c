/* `ktstr test --shard`, `--list-variants` and `--json` end to end where
 * no VM boots (the kernel is tests/data/boot/fake-bzImage, a complete
 * boot header with nothing to boot, so a test that did boot would fail): bad I/N refused naming the
 * value, the listing's partition covering the run once and unchanged by the order of the arguments,
 * a shard running only its part, and the JSON documents scripts read. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tests/cli-run.h"
#include "tests/vm-run.h"

/* Runs `ktstr test --kernel=FAKE-BZIMAGE ARGS…` in CWD. */
static void
cli_run (KtstrCliRun *r, const char *cwd, const char *const *args)
{
  g_autofree char *fake = g_test_build_filename (G_TEST_DIST, "data", "boot", "fake-bzImage", NULL);
  g_autofree char *kernel = g_strconcat ("--kernel=", fake, NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *)"test");
  g_ptr_array_add (argv, kernel);
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (char *)*a);
  g_ptr_array_add (argv, NULL);
  ktstr_cli_run (r, cwd, (const char *const *)argv->pdata, NULL);
}

static void
test_shard_invalid (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli-shard");
  static const char *const bad[] = { "0/2", "3/2", "2", "a/b", "1/0", "1/4097", "" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *arg = g_strconcat ("--shard=", bad[i], NULL);
      g_auto (KtstrCliRun) r = { 0 };
      cli_run (&r, cwd, (const char *[]){ arg, "steady", NULL });
      g_assert_cmpint (r.status, ==, 2);
      g_autofree char *want = g_strdup_printf ("ktstr test: --shard '%s': give I/N", bad[i]);
      g_assert_nonnull (strstr (r.err, want));
    }
  /* Options that do not go together, refused by name. */
  const struct
  {
    const char *args[4];
    const char *message;
  } cases[] = {
    { { "--json", "--tap", "steady", NULL }, "--json and --tap both print on stdout" },
    { { "--list-variants", "--tap", "steady", NULL }, "--list-variants boots nothing; drop --tap" },
    { { "--list-variants", "--repeat=2", "steady", NULL },
      "--list-variants boots nothing; drop --repeat" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (KtstrCliRun) r = { 0 };
      cli_run (&r, cwd, cases[i].args);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_nonnull (strstr (r.err, cases[i].message));
    }
  g_autoptr (GPtrArray) scs = ktstr_vm_test_load_sidecars (cwd);
  g_assert_cmpuint (scs->len, ==, 0);
  ktstr_vm_test_remove_tree (cwd);
}

static const char *const tests_fwd[]
    = { "steady", "steady_llc", "affinity_llc", "basic_bursty", "pipe_io", NULL };

/* `--list-variants --json --shard I/N` over TESTS (in order, or reversed):
 * name -> shard, added to MAP; asserts every listed variant is in I. */
static void
list_shard (const char *cwd, guint index, guint n, gboolean reversed, GHashTable *map)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (args, g_strdup ("--list-variants"));
  g_ptr_array_add (args, g_strdup ("--json"));
  g_ptr_array_add (args, g_strdup_printf ("--shard=%u/%u", index, n));
  guint n_tests = g_strv_length ((char **)tests_fwd);
  for (guint i = 0; i < n_tests; i++)
    g_ptr_array_add (args, g_strdup (tests_fwd[reversed ? n_tests - 1 - i : i]));
  g_ptr_array_add (args, NULL);
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd, (const char *const *)args->pdata);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonNode) root = ktstr_cli_parse_json (r.out);
  JsonObject *doc = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (doc, "shards"), ==, n);
  JsonArray *variants = json_object_get_array_member (doc, "variants");
  for (guint i = 0; i < json_array_get_length (variants); i++)
    {
      JsonObject *v = json_array_get_object_element (variants, i);
      g_assert_cmpint (json_object_get_int_member (v, "shard"), ==, index);
      g_assert_true (json_object_get_double_member (v, "cost_s") > 0);
      g_assert_nonnull (json_object_get_string_member (v, "test"));
      g_assert_true (json_object_get_null_member (v, "preset"));
      const char *name = json_object_get_string_member (v, "name");
      g_assert_false (g_hash_table_contains (map, name));
      g_hash_table_insert (map, g_strdup (name), GUINT_TO_POINTER (index));
    }
}

/* Every variant in exactly one shard, the same shards whatever the order
 * of the arguments, and nothing run or recorded. */
static void
test_list_variants (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli-shard");
  for (guint n = 1; n <= 3; n++)
    {
      g_autoptr (GHashTable) fwd = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr (GHashTable) rev = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 1; i <= n; i++)
        {
          list_shard (cwd, i, n, FALSE, fwd);
          list_shard (cwd, i, n, TRUE, rev);
        }
      g_assert_cmpuint (g_hash_table_size (fwd), ==, g_strv_length ((char **)tests_fwd));
      GHashTableIter it;
      gpointer key, value;
      g_hash_table_iter_init (&it, fwd);
      while (g_hash_table_iter_next (&it, &key, &value))
        g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (rev, key)), ==,
                          GPOINTER_TO_UINT (value));
    }

  /* The table: a header, one row per variant, a total. */
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd,
           (const char *[]){ "--list-variants", "--shard=1/2", "steady", "pipe_io", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "SHARD  COST  NAME"));
  g_assert_nonnull (strstr (r.out, "1 variant in shard 1/2, expected cost "));
  g_autoptr (GPtrArray) scs = ktstr_vm_test_load_sidecars (cwd);
  g_assert_cmpuint (scs->len, ==, 0);
  /* No empty run directory left behind for `ktstr-stats` to pick. */
  g_autofree char *runs = g_build_filename (cwd, "target", "ktstr", NULL);
  g_autoptr (GDir) d = g_dir_open (runs, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_assert_true (name[0] == '.');
  ktstr_vm_test_remove_tree (cwd);
}

/* Two tests 1n1l2c1t rules out are recorded skips (no boot): each shard
 * of two records one of them, and --json reports the run. */
static void
test_shard_run_json (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli-shard");
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 1; i <= 2; i++)
    {
      g_autofree char *shard = g_strdup_printf ("--shard=%u/2", i);
      g_autofree char *want_shard = g_strdup_printf ("%u/2", i);
      g_auto (KtstrCliRun) r = { 0 };
      cli_run (&r, cwd,
               (const char *[]){ "--topology=1n1l2c1t", "--json", shard, "steady_llc",
                                 "affinity_llc", NULL });
      g_assert_cmpint (r.status, ==, 0);
      /* Human output on stderr, the document alone on stdout. */
      g_autofree char *header
          = g_strdup_printf ("ktstr: shard %s: 1 of the run's 2 variants", want_shard);
      g_assert_nonnull (strstr (r.err, header));
      g_assert_nonnull (strstr (r.err, "0 passed, 0 failed, 1 skipped"));
      g_autoptr (JsonNode) root = ktstr_cli_parse_json (r.out);
      JsonObject *doc = json_node_get_object (root);
      g_assert_cmpstr (json_object_get_string_member (doc, "shard"), ==, want_shard);
      g_assert_cmpint (json_object_get_int_member (doc, "skipped"), ==, 1);
      g_assert_cmpint (json_object_get_int_member (doc, "failed"), ==, 0);
      g_assert_false (json_object_get_boolean_member (doc, "interrupted"));
      g_assert_nonnull (json_object_get_string_member (doc, "run_directory"));
      JsonArray *results = json_object_get_array_member (doc, "results");
      g_assert_cmpuint (json_array_get_length (results), ==, 1);
      JsonObject *res = json_array_get_object_element (results, 0);
      g_assert_cmpstr (json_object_get_string_member (res, "outcome"), ==, "skip");
      g_assert_cmpstr (json_object_get_string_member (res, "topology"), ==, "1n1l2c1t");
      g_assert_nonnull (strstr (json_object_get_string_member (res, "verdict"), "needs 2 to 64"));
      const char *sidecar = json_object_get_string_member (res, "sidecar");
      g_assert_true (g_file_test (sidecar, G_FILE_TEST_IS_REGULAR));
      g_assert_false (json_object_get_boolean_member (res, "harness_error"));
      const char *name = json_object_get_string_member (res, "name");
      g_assert_false (g_hash_table_contains (seen, name));
      g_hash_table_add (seen, g_strdup (name));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2);
  ktstr_vm_test_remove_tree (cwd);
}

/* --budget and KTSTR_BUDGET_SECS: what fits, by estimated cost (no
 * earlier sidecars here), covering the most; the dropped said on stderr;
 * a bad value or a budget nothing fits refused before anything boots. */
static void
test_budget (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli-shard");
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd,
           (const char *[]){ "--budget", "20", "--list-variants", "--json", "steady",
                             "cpuset_split", "affinity_llc", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonNode) root = ktstr_cli_parse_json (r.out);
  JsonArray *vs = json_object_get_array_member (json_node_get_object (root), "variants");
  g_assert_cmpuint (json_array_get_length (vs), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (vs, 0), "name"),
                   ==, "steady");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (vs, 1), "name"),
                   ==, "affinity_llc");
  g_assert_nonnull (strstr (r.err, "ktstr: budget: dropped cpuset_split: expected 9.0 s "
                                   "(estimated), 2.5 s of the budget left when its turn came"));
  g_assert_nonnull (strstr (r.err, "ktstr: budget 20 s: 2 of 3 variants, 17.5 s expected (0 "
                                   "measured, 2 estimated), covering 2/3 tests, 2/2 topologies"));

  /* The environment, when --budget is not given; --budget wins. */
  g_setenv ("KTSTR_BUDGET_SECS", "10", TRUE);
  g_auto (KtstrCliRun) e = { 0 };
  cli_run (&e, cwd, (const char *[]){ "--list-variants", "steady", "affinity_llc", NULL });
  g_assert_cmpint (e.status, ==, 0);
  g_assert_nonnull (strstr (e.err, "ktstr: budget 10 s: 1 of 2 variants"));
  g_auto (KtstrCliRun) w = { 0 };
  cli_run (
      &w, cwd,
      (const char *[]){ "--budget", "100", "--list-variants", "steady", "affinity_llc", NULL });
  g_assert_nonnull (strstr (w.err, "ktstr: budget 100 s: 2 of 2 variants"));
  g_setenv ("KTSTR_BUDGET_SECS", "ten", TRUE);
  g_auto (KtstrCliRun) bad_env = { 0 };
  cli_run (&bad_env, cwd, (const char *[]){ "steady", NULL });
  g_assert_cmpint (bad_env.status, ==, 2);
  g_assert_nonnull (strstr (bad_env.err, "KTSTR_BUDGET_SECS takes a whole number of seconds"));
  g_assert_nonnull (strstr (bad_env.err, "got 'ten'"));
  g_unsetenv ("KTSTR_BUDGET_SECS");

  g_auto (KtstrCliRun) zero = { 0 };
  cli_run (&zero, cwd, (const char *[]){ "--budget", "0", "steady", NULL });
  g_assert_cmpint (zero.status, ==, 2);
  g_assert_nonnull (strstr (zero.err, "--budget takes a whole number of seconds"));
  g_auto (KtstrCliRun) small = { 0 };
  cli_run (&small, cwd, (const char *[]){ "--budget", "5", "steady", NULL });
  g_assert_cmpint (small.status, ==, 2);
  g_assert_nonnull (strstr (small.err, "--budget 5 s: no variant fits; the cheapest, steady, is "
                                       "expected to take 9.0 s (estimated)"));
  g_assert_null (strstr (small.out, "FAIL"));
  ktstr_vm_test_remove_tree (cwd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/test/shard/invalid", test_shard_invalid);
  g_test_add_func ("/cli/test/list-variants", test_list_variants);
  g_test_add_func ("/cli/test/shard/json", test_shard_run_json);
  g_test_add_func ("/cli/test/budget", test_budget);
  return g_test_run ();
}
