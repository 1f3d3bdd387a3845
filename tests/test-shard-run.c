/* Shards run for real on fake guests (run/shard.h): the union of N
 * shards' sidecars is the unsharded run's set, each variant once, even
 * when every shard got the tests in another order; and `ktstr-stats
 * compare` over shards placed one level below a run directory (as a CI
 * job's artifacts are merged) gives the verdicts it gives over the
 * unsharded runs. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "run/executor.h"
#include "run/plan.h"
#include "run/shard.h"
#include "tests/fake-guest.h"
#include "tests/test-stats-util.h"

#define N_SHARDS 3

typedef struct
{
  FakeGuestFixture fake;
  GPtrArray *tests; /* KtstrTestDef* */
  char *no_args[1];
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  fake_guest_fixture_set_up (&f->fake, data);
  f->tests = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  /* Tests of different lengths, and one that 1n1l2c1t rules out (a
   * recorded skip, which a shard writes too). */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i);
      g_autofree char *file = g_strdup_printf ("%s/%s.ktstr", f->fake.dir, name);
      g_autofree char *text = g_strdup_printf (
          "[test]\nname=%s\nduration_ms=%u\n%s[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n", name,
          1000 * (1 + i % 4), i == 5 ? "topology=1n2l1c1t\nmin_llcs=2\n" : "");
      g_assert_true (g_file_set_contents (file, text, -1, NULL));
      g_autoptr (GError) error = NULL;
      g_ptr_array_add (f->tests, ktstr_testdef_load (file, &error));
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->tests);
  fake_guest_fixture_tear_down (&f->fake, data);
}

/* Runs F's tests (reversed: as if given in the other order) into DIR with
 * kernel KERNEL, each guest doing GUEST, two trials each, only SHARD's
 * part (NULL: all). */
static void
run_into (Fixture *f, const char *dir, const char *kernel, guint guest, const KtstrShard *shard,
          gboolean reversed)
{
  g_setenv ("KTSTR_SIDECAR_DIR", dir, TRUE);
  g_free (f->fake.kernel.version);
  f->fake.kernel.version = g_strdup (kernel);
  fake_guest_kernel = kernel;
  g_autoptr (GPtrArray) tests = g_ptr_array_new ();
  for (guint i = 0; i < f->tests->len; i++)
    g_ptr_array_add (tests, f->tests->pdata[reversed ? f->tests->len - 1 - i : i]);
  KtstrRunRequest request = {
    .kernel = &f->fake.kernel,
    .backend = &fake_guest_backend,
    .topology = "1n1l2c1t",
    .memory_mb = guest,
    .scheduler_args = f->no_args,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new (&request, tests, &error);
  g_assert_no_error (error);
  GPtrArray *all = ktstr_run_plan_get_variants (plan);
  g_autoptr (GPtrArray) base = shard ? ktstr_shard_select (all, shard) : g_ptr_array_ref (all);
  /* As `ktstr test --shard --repeat 2` does: shard, then repeat. */
  g_autoptr (GPtrArray) variants = ktstr_variants_repeat (base, 2);
  KtstrExecutorOptions eo = { .jobs = 1 };
  g_autoptr (KtstrExecutor) ex = ktstr_executor_new (&eo);
  ktstr_executor_run (ex, variants);
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.failed, ==, 0);
  g_assert_cmpuint (s.passed + s.skipped, ==, variants->len);
}

/* The *.ktstr.json names in DIR and its direct subdirectories, each
 * counted: name -> count. */
static GHashTable *
sidecar_names (const char *dir)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (dirs, g_strdup (dir));
  for (guint d = 0; d < dirs->len; d++)
    {
      g_autoptr (GDir) it = g_dir_open (dirs->pdata[d], 0, NULL);
      g_assert_nonnull (it);
      const char *name;
      while ((name = g_dir_read_name (it)) != NULL)
        {
          g_autofree char *path = g_build_filename (dirs->pdata[d], name, NULL);
          if (d == 0 && g_file_test (path, G_FILE_TEST_IS_DIR))
            g_ptr_array_add (dirs, g_steal_pointer (&path));
          else if (g_str_has_suffix (name, ".ktstr.json"))
            {
              guint n = GPOINTER_TO_UINT (g_hash_table_lookup (names, name));
              g_hash_table_replace (names, g_strdup (name), GUINT_TO_POINTER (n + 1));
            }
        }
    }
  return names;
}

static char *
shard_dir (const char *run, guint i)
{
  g_autofree char *name = g_strdup_printf ("shard-%u", i);
  return g_build_filename (run, name, NULL);
}

static void
test_union (Fixture *f, gconstpointer data)
{
  g_autofree char *whole = g_build_filename (f->fake.dir, "whole", NULL);
  g_autofree char *sharded = g_build_filename (f->fake.dir, "sharded", NULL);
  run_into (f, whole, "6.12.0-a", FAKE_GUEST_PASS, NULL, FALSE);
  for (guint i = 1; i <= N_SHARDS; i++)
    {
      KtstrShard shard = { .index = i, .count = N_SHARDS };
      g_autofree char *dir = shard_dir (sharded, i);
      run_into (f, dir, "6.12.0-a", FAKE_GUEST_PASS, &shard, i % 2 == 0);
      /* Six tests over three shards: none is empty. */
      g_assert_cmpuint (fake_guest_count_files (dir, ".ktstr.json"), >, 0);
    }
  g_autoptr (GHashTable) want = sidecar_names (whole);
  g_autoptr (GHashTable) got = sidecar_names (sharded);
  /* Five tests x two trials, and the recorded skip once. */
  g_assert_cmpuint (g_hash_table_size (want), ==, 11);
  g_assert_cmpuint (g_hash_table_size (got), ==, g_hash_table_size (want));
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, got);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      g_assert_true (g_hash_table_contains (want, key));
      /* In exactly one shard. */
      g_assert_cmpuint (GPOINTER_TO_UINT (value), ==, 1);
    }
}

/* A `compare --json` report's judgements: "KEY METRIC" -> verdict for
 * every metric of every pairing key, "KEY" -> the key's status, and the
 * number of runs a side. */
static GHashTable *
verdicts (const char *json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  g_hash_table_insert (
      out, g_strdup ("runs_a"),
      g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (root, "runs_a")));
  g_hash_table_insert (
      out, g_strdup ("runs_b"),
      g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (root, "runs_b")));
  JsonArray *rows = json_object_get_array_member (root, "rows");
  g_assert_cmpuint (json_array_get_length (rows), >, 0);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *key = json_object_get_string_member (row, "key");
      g_hash_table_insert (out, g_strdup (key),
                           g_strdup (json_object_get_string_member (row, "status")));
      JsonArray *metrics = json_object_get_array_member (row, "metrics");
      for (guint j = 0; j < json_array_get_length (metrics); j++)
        {
          JsonObject *m = json_array_get_object_element (metrics, j);
          g_hash_table_insert (
              out, g_strdup_printf ("%s %s", key, json_object_get_string_member (m, "metric")),
              g_strdup (json_object_get_string_member (m, "verdict")));
        }
    }
  return out;
}

static void
test_compare (Fixture *f, gconstpointer data)
{
  g_autofree char *whole = g_build_filename (f->fake.dir, "whole", NULL);
  g_autofree char *sharded = g_build_filename (f->fake.dir, "sharded", NULL);
  /* Side a: 4 iterations a worker; side b: 400 or 404. */
  const struct
  {
    const char *kernel;
    guint guest;
  } sides[] = { { "6.12.0-a", FAKE_GUEST_PASS }, { "6.12.0-b", FAKE_GUEST_CALM } };
  for (guint k = 0; k < G_N_ELEMENTS (sides); k++)
    {
      g_autofree char *run = g_build_filename (whole, sides[k].kernel, NULL);
      run_into (f, run, sides[k].kernel, sides[k].guest, NULL, FALSE);
      g_autofree char *merged = g_build_filename (sharded, sides[k].kernel, NULL);
      for (guint i = 1; i <= N_SHARDS; i++)
        {
          KtstrShard shard = { .index = i, .count = N_SHARDS };
          g_autofree char *dir = shard_dir (merged, i);
          run_into (f, dir, sides[k].kernel, sides[k].guest, &shard, i == 2);
        }
    }
  g_unsetenv ("KTSTR_SIDECAR_DIR");
  g_auto (StatsTestRun) one = { 0 };
  g_auto (StatsTestRun) merged = { 0 };
  stats_test_run (&one, f->fake.dir, NULL, "compare", "--dir", whole, "--a-kernel", "6.12.0-a",
                  "--b-kernel", "6.12.0-b", "--json", NULL);
  stats_test_run (&merged, f->fake.dir, NULL, "compare", "--dir", sharded, "--a-kernel", "6.12.0-a",
                  "--b-kernel", "6.12.0-b", "--json", NULL);
  g_assert_cmpint (merged.status, ==, one.status);
  g_autoptr (GHashTable) want = verdicts (one.out);
  g_autoptr (GHashTable) got = verdicts (merged.out);
  g_assert_cmpuint (g_hash_table_size (got), ==, g_hash_table_size (want));
  guint changed = 0;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, want);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      g_assert_cmpstr (g_hash_table_lookup (got, key), ==, value);
      changed += g_str_has_prefix (value, "regress") || g_str_has_prefix (value, "improve");
    }
  g_test_message ("%u judgements agree, %u of them changes", g_hash_table_size (want), changed);
  /* The sides differ a hundredfold: the comparison has verdicts to agree
   * on, not only "unchanged". */
  g_assert_cmpuint (changed, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/shard/run/union", test_union);
  ADD ("/shard/run/compare", test_compare);
#undef ADD
  return g_test_run ();
}
