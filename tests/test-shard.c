/* Shards of a variant list (run/shard.h): the I/N grammar and its
 * refusals, the cost model, and the partition's promises: every variant
 * in exactly one shard, the same partition whatever the order of the
 * list, and shards balanced by expected cost rather than by count. */
#include "config.h"

#include <string.h>

#include "run/shard.h"

static void
test_parse (void)
{
  KtstrShard s = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_shard_parse ("2/4", &s, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (s.index, ==, 2);
  g_assert_cmpuint (s.count, ==, 4);
  g_assert_true (ktstr_shard_parse ("1/1", &s, NULL));
  g_assert_true (ktstr_shard_parse ("4096/4096", &s, NULL));
  g_assert_cmpuint (s.index, ==, 4096);

  const char *bad[] = { "0/3",   "4/3",  "3",    "x/3",  "1/x",    "1/0", "/3",  "1/",
                        "1/3/5", " 1/3", "1/3 ", "-1/3", "1/4097", "",    "+1/3" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_false (ktstr_shard_parse (bad[i], &s, &e));
      g_assert_error (e, KTSTR_SHARD_ERROR, KTSTR_SHARD_ERROR_INVALID);
      /* The message names the value given and what to give. */
      g_autofree char *quoted = g_strdup_printf ("--shard '%s'", bad[i]);
      g_assert_nonnull (strstr (e->message, quoted));
      g_assert_nonnull (strstr (e->message, "1 <= I <= N"));
    }
}

/* Tests of 1 to 12 s, at 2 to 16 CPUs. */
static KtstrTestDef defs[12];

static void
make_defs (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    {
      g_free (defs[i].name);
      defs[i].name = g_strdup_printf ("t%02u", i);
      defs[i].duration_ms = 1000 * (i + 1);
      defs[i].settle_ms = i % 3 == 0 ? 500 : 0;
    }
}

static const char *const topologies[] = { "1n1l2c1t", "1n2l2c1t", "1n2l4c2t" };

/* Every test at every topology; one in seven a recorded skip. */
static GPtrArray *
make_list (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  guint n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    for (guint t = 0; t < G_N_ELEMENTS (topologies); t++)
      {
        g_autofree char *name = g_strdup_printf ("%s/%s", defs[i].name, topologies[t]);
        KtstrVariant *v = ktstr_variant_new (name, &defs[i], topologies[t]);
        if (++n % 7 == 0)
          {
            v->skip_reason = g_strdup ("does not fit");
            v->is_skip_recorded = TRUE;
          }
        g_ptr_array_add (list, v);
      }
  return list;
}

static void
test_cost (void)
{
  make_defs ();
  KtstrVariant *v = ktstr_variant_new ("t03", &defs[3], "1n2l4c2t");
  /* Boot, 16 vCPUs, settle 500 ms, run 4 s. */
  g_assert_cmpuint (ktstr_variant_cost_ms (v), ==,
                    KTSTR_SHARD_BOOT_MS + 16 * KTSTR_SHARD_VCPU_BOOT_MS + 500 + 4000);
  /* Ruled out everywhere: no VM, a token cost. */
  v->skip_reason = g_strdup ("does not fit");
  g_assert_cmpuint (ktstr_variant_cost_ms (v), ==, KTSTR_SHARD_SKIP_MS);
  /* Ruled out by this host only: another machine runs it. */
  v->is_host_skip = TRUE;
  g_assert_cmpuint (ktstr_variant_cost_ms (v), ==,
                    KTSTR_SHARD_BOOT_MS + 16 * KTSTR_SHARD_VCPU_BOOT_MS + 500 + 4000);
  ktstr_variant_free (v);
}

/* NAME -> shard under N_SHARDS. */
static GHashTable *
shard_map (GPtrArray *list, guint n_shards)
{
  g_autoptr (GArray) shard_of = ktstr_shards_assign (list, n_shards);
  g_assert_cmpuint (shard_of->len, ==, list->len);
  GHashTable *map = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < list->len; i++)
    {
      guint s = g_array_index (shard_of, guint, i);
      g_assert_cmpuint (s, >=, 1);
      g_assert_cmpuint (s, <=, n_shards);
      g_hash_table_insert (map, ((KtstrVariant *)list->pdata[i])->name, GUINT_TO_POINTER (s));
    }
  return map;
}

/* The shards' selections are disjoint, cover the list, and keep its
 * order. */
static void
test_exact (void)
{
  make_defs ();
  g_autoptr (GPtrArray) list = make_list ();
  for (guint n = 1; n <= 9; n++)
    {
      g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 1; i <= n; i++)
        {
          KtstrShard shard = { .index = i, .count = n };
          g_autoptr (GPtrArray) part = ktstr_shard_select (list, &shard);
          guint last = 0;
          for (guint k = 0; k < part->len; k++)
            {
              const char *name = ((KtstrVariant *)part->pdata[k])->name;
              g_assert_false (g_hash_table_contains (seen, name));
              g_hash_table_add (seen, g_strdup (name));
              guint at = 0;
              while (strcmp (((KtstrVariant *)list->pdata[at])->name, name) != 0)
                at++;
              g_assert_cmpuint (at, >=, last);
              last = at;
            }
        }
      g_assert_cmpuint (g_hash_table_size (seen), ==, list->len);
    }
}

/* The list shuffled (as arguments in another order would give it) gets
 * the same partition. */
static void
test_stable (void)
{
  make_defs ();
  g_autoptr (GPtrArray) list = make_list ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (13);
  for (guint n = 2; n <= 5; n++)
    {
      g_autoptr (GHashTable) want = shard_map (list, n);
      for (guint round = 0; round < 20; round++)
        {
          g_autoptr (GPtrArray) shuffled = g_ptr_array_new ();
          for (guint i = 0; i < list->len; i++)
            g_ptr_array_insert (shuffled, g_rand_int_range (rand, 0, shuffled->len + 1),
                                list->pdata[i]);
          g_autoptr (GHashTable) got = shard_map (shuffled, n);
          GHashTableIter it;
          gpointer key, value;
          g_hash_table_iter_init (&it, want);
          while (g_hash_table_iter_next (&it, &key, &value))
            g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (got, key)), ==,
                              GPOINTER_TO_UINT (value));
        }
    }
}

/* Expected cost of each of N shards. */
static guint64 *
loads (GPtrArray *list, guint n)
{
  g_autoptr (GArray) shard_of = ktstr_shards_assign (list, n);
  guint64 *load = g_new0 (guint64, n);
  for (guint i = 0; i < list->len; i++)
    load[g_array_index (shard_of, guint, i) - 1] += ktstr_variant_cost_ms (list->pdata[i]);
  return load;
}

/* No shard exceeds another by more than the dearest variant (what the
 * longest-processing-time rule guarantees), and a list whose costs
 * alternate, where splitting by count would put every long test in one
 * shard, is split by cost. */
static void
test_balanced (void)
{
  make_defs ();
  g_autoptr (GPtrArray) list = make_list ();
  guint64 dearest = 0;
  for (guint i = 0; i < list->len; i++)
    dearest = MAX (dearest, ktstr_variant_cost_ms (list->pdata[i]));
  for (guint n = 1; n <= 9; n++)
    {
      g_autofree guint64 *load = loads (list, n);
      guint64 lo = G_MAXUINT64, hi = 0;
      for (guint s = 0; s < n; s++)
        lo = MIN (lo, load[s]), hi = MAX (hi, load[s]);
      g_assert_cmpuint (hi - lo, <=, dearest);
    }

  /* Long (12 s) and short (1 s) tests alternating: every other entry, or
   * an even split by count of the sorted names, would give one shard all
   * the long ones. */
  g_autoptr (GPtrArray) alt = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *name = g_strdup_printf ("alt%u", i);
      g_ptr_array_add (alt, ktstr_variant_new (name, &defs[i % 2 ? 0 : 11], "1n1l2c1t"));
    }
  g_autofree guint64 *load = loads (alt, 2);
  g_assert_cmpuint (load[0], ==, load[1]);

  /* Skips cost little but still spread: no shard gets them all. */
  g_autoptr (GPtrArray) skips = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  for (guint i = 0; i < 9; i++)
    {
      g_autofree char *name = g_strdup_printf ("skip%u", i);
      KtstrVariant *v = ktstr_variant_new (name, &defs[0], "1n1l2c1t");
      v->skip_reason = g_strdup ("does not fit");
      g_ptr_array_add (skips, v);
    }
  g_autofree guint64 *skip_load = loads (skips, 3);
  for (guint s = 0; s < 3; s++)
    g_assert_cmpuint (skip_load[s], ==, 3 * KTSTR_SHARD_SKIP_MS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/shard/parse", test_parse);
  g_test_add_func ("/shard/cost", test_cost);
  g_test_add_func ("/shard/partition/exact", test_exact);
  g_test_add_func ("/shard/partition/stable", test_stable);
  g_test_add_func ("/shard/partition/balanced", test_balanced);
  int status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    g_free (defs[i].name);
  return status;
}
