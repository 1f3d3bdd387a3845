/* Time budgets (run/budget.h): costs measured by earlier sidecars (the
 * median, per test, topology and flags) or else estimated; a selection
 * that spends the budget on breadth first (every test and topology before
 * their combinations), never goes over it, keeps skips for free, keeps the
 * list order, counts trials, and says what it dropped with the budget
 * left at the time; the SECONDS grammar and its refusals. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "record/sidecar.h"
#include "run/budget.h"
#include "run/shard.h"

/* Three tests of 1, 2 and 3 s, no settle. */
static KtstrTestDef defs[3];
static const char *const topologies[] = { "1n1l2c1t", "1n2l2c1t" };

static void
make_defs (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    {
      g_free (defs[i].name);
      defs[i].name = g_strdup_printf ("t%u", i);
      defs[i].duration_ms = 1000 * (i + 1);
    }
}

/* Every test at every topology, test by test. */
static GPtrArray *
make_list (void)
{
  make_defs ();
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    for (guint t = 0; t < G_N_ELEMENTS (topologies); t++)
      {
        g_autofree char *name = g_strdup_printf ("t%u/%s", i, topologies[t]);
        g_ptr_array_add (list, ktstr_variant_new (name, &defs[i], topologies[t]));
      }
  return list;
}

static char *
names (GPtrArray *variants)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < variants->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", ((KtstrVariant *)variants->pdata[i])->name);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_costs (void)
{
  g_autoptr (GPtrArray) list = make_list ();
  g_autoptr (KtstrBudgetCosts) costs = ktstr_budget_costs_new ();
  const KtstrVariant *v = list->pdata[0];
  gboolean is_measured = TRUE;
  g_assert_cmpuint (ktstr_budget_variant_cost_ms (costs, v, &is_measured), ==,
                    ktstr_variant_cost_ms (v));
  g_assert_false (is_measured);
  /* The median of what was measured: one slow run does not count. */
  ktstr_budget_costs_add (costs, "t0", "1n1l2c1t", NULL, 4000);
  ktstr_budget_costs_add (costs, "t0", "1n1l2c1t", NULL, 90000);
  ktstr_budget_costs_add (costs, "t0", "1n1l2c1t", NULL, 5000);
  g_assert_cmpuint (ktstr_budget_variant_cost_ms (costs, v, &is_measured), ==, 5000);
  g_assert_true (is_measured);
  /* Another topology, other flags: not the same measurement. */
  ktstr_budget_costs_add (costs, "t1", "1n2l2c1t", (const char *[]){ "llc", NULL }, 1);
  const KtstrVariant *other = list->pdata[3];
  g_assert_cmpstr (other->name, ==, "t1/1n2l2c1t");
  ktstr_budget_variant_cost_ms (costs, other, &is_measured);
  g_assert_false (is_measured);
  /* A skip boots nothing. */
  KtstrVariant *skip = list->pdata[1];
  skip->skip_reason = g_strdup ("does not fit");
  g_assert_cmpuint (ktstr_budget_variant_cost_ms (costs, skip, &is_measured), ==, 0);
}

/* Costs read back from sidecars under a runs root (one level down). */
static void
test_costs_load (void)
{
  g_autofree char *root = g_dir_make_tmp ("ktstr-test-budget-XXXXXX", NULL);
  g_autofree char *run = g_build_filename (root, "6.12-abcdef0", NULL);
  g_assert_cmpint (g_mkdir (run, 0755), ==, 0);
  static const struct
  {
    const char *topology;
    guint64 wall_ms;
    gboolean has_wall, skipped;
  } files[] = {
    { "1n1l2c1t", 7000, TRUE, FALSE },
    { "1n2l2c1t", 0, FALSE, FALSE }, /* not measured (an older sidecar) */
    { "1n2l4c1t", 100, TRUE, TRUE }, /* a skip: no VM, no cost */
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (KtstrSidecar) sc = ktstr_sidecar_new ();
      sc->test_name = g_strdup ("t0");
      sc->topology = g_strdup (files[i].topology);
      sc->scheduler = g_strdup ("eevdf");
      sc->work_type = g_strdup ("CpuSpin");
      sc->passed = TRUE;
      sc->skipped = files[i].skipped;
      sc->has_wall_ms = files[i].has_wall;
      sc->wall_ms = files[i].wall_ms;
      ktstr_sidecar_stamp (sc);
      g_autoptr (GError) error = NULL;
      g_autofree char *path = ktstr_sidecar_write_atomic (sc, run, &error);
      g_assert_no_error (error);
    }
  g_autofree char *missing = g_build_filename (root, "missing", NULL);
  const char *dirs[] = { missing, root, NULL };
  g_autoptr (KtstrBudgetCosts) costs = ktstr_budget_costs_load (dirs);
  make_defs ();
  gboolean is_measured = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (KtstrVariant) v = ktstr_variant_new ("t0", &defs[0], files[i].topology);
      guint64 cost = ktstr_budget_variant_cost_ms (costs, v, &is_measured);
      g_assert_true (is_measured == (files[i].has_wall && !files[i].skipped));
      if (is_measured)
        g_assert_cmpuint (cost, ==, files[i].wall_ms);
    }
  g_autoptr (GDir) d = g_dir_open (run, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (run, name, NULL);
      g_unlink (path);
    }
  g_rmdir (run);
  g_rmdir (root);
}

/* Every variant measured at 10 s: a 30 s budget takes three, one per test,
 * both topologies among them; the rest are dropped with what was left. */
static void
test_breadth_first (void)
{
  g_autoptr (GPtrArray) list = make_list ();
  g_autoptr (KtstrBudgetCosts) costs = ktstr_budget_costs_new ();
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    for (guint t = 0; t < G_N_ELEMENTS (topologies); t++)
      ktstr_budget_costs_add (costs, defs[i].name, topologies[t], NULL, 10000);
  g_autoptr (KtstrBudgetSelection) s = ktstr_budget_select (list, 30000, 1, costs);
  g_assert_cmpuint (s->kept->len, ==, 3);
  g_assert_cmpuint (s->used_ms, ==, 30000);
  g_assert_cmpuint (s->n_tests_kept, ==, 3);
  g_assert_cmpuint (s->n_tests, ==, 3);
  g_assert_cmpuint (s->n_topologies_kept, ==, 2);
  g_assert_cmpuint (s->n_measured, ==, 3);
  g_assert_cmpuint (s->n_estimated, ==, 0);
  g_assert_cmpuint (s->n_flags, ==, 0);
  /* In list order, each test once. */
  g_autofree char *kept = names (s->kept);
  g_assert_true (g_str_has_prefix (kept, "t0/"));
  g_assert_nonnull (strstr (kept, " t1/"));
  g_assert_nonnull (strstr (kept, " t2/"));
  g_assert_cmpuint (s->dropped->len, ==, 3);
  for (guint i = 0; i < s->dropped->len; i++)
    {
      const KtstrBudgetDrop *d = s->dropped->pdata[i];
      g_assert_cmpuint (d->cost_ms, ==, 10000);
      g_assert_true (d->is_measured);
      g_assert_cmpuint (d->left_ms, ==, 0);
    }

  /* Enough for all: everything, in list order, nothing dropped. */
  g_autoptr (KtstrBudgetSelection) all = ktstr_budget_select (list, 60000, 1, costs);
  g_autofree char *all_names = names (all->kept);
  g_autofree char *list_names = names (list);
  g_assert_cmpstr (all_names, ==, list_names);
  g_assert_cmpuint (all->dropped->len, ==, 0);

  /* Three trials each: a third as much fits. */
  g_autoptr (KtstrBudgetSelection) trials = ktstr_budget_select (list, 30000, 3, costs);
  g_assert_cmpuint (trials->kept->len, ==, 1);
  g_assert_cmpuint (trials->used_ms, ==, 30000);
}

/* Cheap variants that cover as much go first: with t2 at 1 s and the
 * others at 20 s, 22 s takes both t2 variants (both topologies) and one
 * more test, not two expensive ones. */
static void
test_coverage_per_second (void)
{
  g_autoptr (GPtrArray) list = make_list ();
  g_autoptr (KtstrBudgetCosts) costs = ktstr_budget_costs_new ();
  for (guint t = 0; t < G_N_ELEMENTS (topologies); t++)
    {
      ktstr_budget_costs_add (costs, "t0", topologies[t], NULL, 20000);
      ktstr_budget_costs_add (costs, "t1", topologies[t], NULL, 20000);
      ktstr_budget_costs_add (costs, "t2", topologies[t], NULL, 1000);
    }
  g_autoptr (KtstrBudgetSelection) s = ktstr_budget_select (list, 22000, 1, costs);
  g_autofree char *kept = names (s->kept);
  g_assert_cmpstr (kept, ==, "t0/1n1l2c1t t2/1n1l2c1t t2/1n2l2c1t");
  g_assert_cmpuint (s->used_ms, ==, 22000);
  g_assert_cmpuint (s->n_tests_kept, ==, 2);
  g_assert_cmpuint (s->n_topologies_kept, ==, 2);
}

/* Skips boot nothing: kept whatever the budget; with nothing else fitting,
 * they are all that is kept, and every other variant is dropped. */
static void
test_skips_and_too_small (void)
{
  g_autoptr (GPtrArray) list = make_list ();
  KtstrVariant *skip = list->pdata[5];
  skip->skip_reason = g_strdup ("needs 2 LLCs");
  skip->is_skip_recorded = TRUE;
  g_autoptr (KtstrBudgetSelection) s = ktstr_budget_select (list, 1000, 1, NULL);
  g_assert_cmpuint (s->kept->len, ==, 1);
  g_assert_cmpstr (((KtstrVariant *)s->kept->pdata[0])->name, ==, skip->name);
  g_assert_cmpuint (s->dropped->len, ==, 5);
  g_assert_cmpuint (s->n_measured + s->n_estimated, ==, 0);
  for (guint i = 0; i < s->dropped->len; i++)
    {
      const KtstrBudgetDrop *d = s->dropped->pdata[i];
      g_assert_false (d->is_measured);
      g_assert_cmpuint (d->left_ms, ==, 1000);
      g_assert_cmpuint (d->cost_ms, >, 1000);
    }
}

/* Several kernels: each kernel is a feature, so a budget for two variants
 * takes one per kernel rather than both topologies on one. */
static void
test_kernels_covered (void)
{
  make_defs ();
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  static const char *const kernels[] = { "6.12.1", "6.13.0" };
  for (guint k = 0; k < 2; k++)
    for (guint t = 0; t < 2; t++)
      {
        g_autofree char *name = g_strdup_printf ("t0/%s@%s", topologies[t], kernels[k]);
        KtstrVariant *v = ktstr_variant_new (name, &defs[0], topologies[t]);
        v->kernel_label = kernels[k];
        g_ptr_array_add (list, v);
      }
  g_autoptr (KtstrBudgetCosts) costs = ktstr_budget_costs_new ();
  for (guint t = 0; t < 2; t++)
    ktstr_budget_costs_add (costs, "t0", topologies[t], NULL, 5000);
  g_autoptr (KtstrBudgetSelection) s = ktstr_budget_select (list, 10000, 1, costs);
  g_autofree char *kept = names (s->kept);
  g_assert_cmpstr (kept, ==, "t0/1n1l2c1t@6.12.1 t0/1n2l2c1t@6.13.0");
}

static void
test_parse (void)
{
  guint64 ms = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_budget_parse ("300", "--budget", &ms, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ms, ==, 300000);
  static const char *const bad[] = { "0", "-5", "1.5", "5m", "", "99999999999", " 30" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_false (ktstr_budget_parse (bad[i], "KTSTR_BUDGET_SECS", &ms, &e));
      g_assert_nonnull (e);
      g_autofree char *quoted = g_strdup_printf ("got '%s'", bad[i]);
      g_assert_nonnull (strstr (e->message, "KTSTR_BUDGET_SECS"));
      g_assert_nonnull (strstr (e->message, quoted));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/budget/costs", test_costs);
  g_test_add_func ("/budget/costs/load", test_costs_load);
  g_test_add_func ("/budget/select/breadth-first", test_breadth_first);
  g_test_add_func ("/budget/select/coverage-per-second", test_coverage_per_second);
  g_test_add_func ("/budget/select/skips-and-too-small", test_skips_and_too_small);
  g_test_add_func ("/budget/select/kernels", test_kernels_covered);
  g_test_add_func ("/budget/parse", test_parse);
  int status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    g_free (defs[i].name);
  return status;
}
