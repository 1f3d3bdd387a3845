/* Row filters, slicing dimensions and side labels (doc/stats-compare.md,
 * "Match rules" and step 1). */
#include "config.h"

#include "stats/filter.h"

static KtstrStatsRow *
make_row (void)
{
  KtstrStatsRow *row = ktstr_stats_row_new ();
  row->scenario = g_strdup ("cgroup_steady");
  row->topology = g_strdup ("1n2l4c1t");
  row->scheduler = g_strdup ("scx_rusty");
  row->work_type = g_strdup ("CpuSpin");
  row->kernel_version = g_strdup ("6.14.2");
  row->project_commit = g_strdup ("abc1234");
  row->kernel_commit = g_strdup ("fff0000-dirty");
  row->run_source = g_strdup ("ci");
  g_strfreev (row->flags);
  row->flags = g_strsplit ("llc,steal", ",", -1);
  return row;
}

static void
test_empty_matches_all (void)
{
  g_autoptr (KtstrStatsFilter) f = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsRow) row = make_row ();
  g_assert_true (ktstr_stats_filter_matches (f, row));
}

static void
test_kernel_prefix (void)
{
  g_assert_true (ktstr_stats_kernel_matches ("6.14", "6.14"));
  g_assert_true (ktstr_stats_kernel_matches ("6.14", "6.14.2"));
  g_assert_false (ktstr_stats_kernel_matches ("6.14", "6.140"));
  g_assert_false (ktstr_stats_kernel_matches ("6.14", "6.14-rc1"));
  g_assert_false (ktstr_stats_kernel_matches ("6.1", "6.14.2"));
  /* Anything but MAJOR.MINOR is strict equality. */
  g_assert_true (ktstr_stats_kernel_matches ("6.14.2", "6.14.2"));
  g_assert_false (ktstr_stats_kernel_matches ("6.14.2", "6.14.20"));
  g_assert_false (ktstr_stats_kernel_matches ("6", "6.14.2"));
  g_assert_false (ktstr_stats_kernel_matches ("6.14", NULL));
}

static void
test_or_within_dimension (void)
{
  g_autoptr (KtstrStatsFilter) f = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsRow) row = make_row ();

  ktstr_stats_filter_add (f, KTSTR_DIM_SCHEDULER, "scx_lavd");
  g_assert_false (ktstr_stats_filter_matches (f, row));
  ktstr_stats_filter_add (f, KTSTR_DIM_SCHEDULER, "scx_rusty");
  g_assert_true (ktstr_stats_filter_matches (f, row));
  /* Strict equality: no substring or prefix match for schedulers. */
  g_autoptr (KtstrStatsFilter) g = ktstr_stats_filter_new ();
  ktstr_stats_filter_add (g, KTSTR_DIM_SCHEDULER, "scx_rust");
  g_assert_false (ktstr_stats_filter_matches (g, row));
}

static void
test_and_across_dimensions (void)
{
  g_autoptr (KtstrStatsFilter) f = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsRow) row = make_row ();

  ktstr_stats_filter_add (f, KTSTR_DIM_KERNEL, "6.14");
  ktstr_stats_filter_add (f, KTSTR_DIM_TOPOLOGY, "1n2l4c1t");
  g_assert_true (ktstr_stats_filter_matches (f, row));
  ktstr_stats_filter_add (f, KTSTR_DIM_WORK_TYPE, "IoSync");
  g_assert_false (ktstr_stats_filter_matches (f, row));
}

static void
test_flags_and (void)
{
  g_autoptr (KtstrStatsFilter) f = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsRow) row = make_row ();

  ktstr_stats_filter_add (f, KTSTR_DIM_FLAGS, "llc");
  g_assert_true (ktstr_stats_filter_matches (f, row));
  ktstr_stats_filter_add (f, KTSTR_DIM_FLAGS, "steal");
  g_assert_true (ktstr_stats_filter_matches (f, row));
  ktstr_stats_filter_add (f, KTSTR_DIM_FLAGS, "borrow");
  g_assert_false (ktstr_stats_filter_matches (f, row));
}

static void
test_populated_filter_never_matches_null (void)
{
  static const KtstrStatsDim nullable[] = { KTSTR_DIM_KERNEL, KTSTR_DIM_PROJECT_COMMIT,
                                            KTSTR_DIM_KERNEL_COMMIT, KTSTR_DIM_RUN_SOURCE };
  g_autoptr (KtstrStatsRow) row = make_row ();

  g_clear_pointer (&row->kernel_version, g_free);
  g_clear_pointer (&row->project_commit, g_free);
  g_clear_pointer (&row->kernel_commit, g_free);
  g_clear_pointer (&row->run_source, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (nullable); i++)
    {
      g_autoptr (KtstrStatsFilter) f = ktstr_stats_filter_new ();
      /* `unknown` is the dirname sentinel, not the JSON value. */
      ktstr_stats_filter_add (f, nullable[i], "unknown");
      g_assert_false (ktstr_stats_filter_matches (f, row));
    }
}

static void
test_commit_is_literal (void)
{
  g_autoptr (KtstrStatsFilter) f = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsRow) row = make_row ();

  /* The filter does not strip -dirty: fff0000 does not select fff0000-dirty. */
  ktstr_stats_filter_add (f, KTSTR_DIM_KERNEL_COMMIT, "fff0000");
  g_assert_false (ktstr_stats_filter_matches (f, row));
  ktstr_stats_filter_set (f, KTSTR_DIM_KERNEL_COMMIT, (const char *[]){ "fff0000-dirty", NULL });
  g_assert_true (ktstr_stats_filter_matches (f, row));
}

static void
test_slicing (void)
{
  g_autoptr (KtstrStatsFilter) a = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsFilter) b = ktstr_stats_filter_new ();
  gboolean slicing[KTSTR_DIM_COUNT];

  g_assert_cmpuint (ktstr_stats_derive_slicing (a, b, slicing), ==, 0);
  /* Same values in another order, with a duplicate: still identical. */
  ktstr_stats_filter_add (a, KTSTR_DIM_SCHEDULER, "x");
  ktstr_stats_filter_add (a, KTSTR_DIM_SCHEDULER, "y");
  ktstr_stats_filter_add (b, KTSTR_DIM_SCHEDULER, "y");
  ktstr_stats_filter_add (b, KTSTR_DIM_SCHEDULER, "x");
  ktstr_stats_filter_add (b, KTSTR_DIM_SCHEDULER, "x");
  g_assert_cmpuint (ktstr_stats_derive_slicing (a, b, slicing), ==, 0);

  ktstr_stats_filter_add (a, KTSTR_DIM_KERNEL, "6.14");
  ktstr_stats_filter_add (b, KTSTR_DIM_KERNEL, "6.15");
  g_assert_cmpuint (ktstr_stats_derive_slicing (a, b, slicing), ==, 1);
  g_assert_true (slicing[KTSTR_DIM_KERNEL]);
  g_assert_false (slicing[KTSTR_DIM_SCHEDULER]);

  ktstr_stats_filter_add (b, KTSTR_DIM_RUN_SOURCE, "ci");
  g_assert_cmpuint (ktstr_stats_derive_slicing (a, b, slicing), ==, 2);
  g_assert_true (slicing[KTSTR_DIM_RUN_SOURCE]);
}

static void
test_side_labels (void)
{
  g_autoptr (KtstrStatsFilter) a = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsFilter) b = ktstr_stats_filter_new ();
  gboolean slicing[KTSTR_DIM_COUNT] = { FALSE };

  g_autofree char *bare = ktstr_stats_side_label (a, slicing, "A");
  g_assert_cmpstr (bare, ==, "A");

  slicing[KTSTR_DIM_KERNEL] = slicing[KTSTR_DIM_SCHEDULER] = TRUE;
  ktstr_stats_filter_add (a, KTSTR_DIM_KERNEL, "6.15");
  ktstr_stats_filter_add (a, KTSTR_DIM_KERNEL, "6.14");
  ktstr_stats_filter_add (a, KTSTR_DIM_SCHEDULER, "scx_rusty");
  g_autofree char *la = ktstr_stats_side_label (a, slicing, "A");
  g_assert_cmpstr (la, ==, "6.14|6.15:scx_rusty");

  /* No values, or more than three, fall back to the bare label. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *v = g_strdup_printf ("k%u", i);
      ktstr_stats_filter_add (b, KTSTR_DIM_KERNEL, v);
    }
  g_autofree char *lb = ktstr_stats_side_label (b, slicing, "B");
  g_assert_cmpstr (lb, ==, "B:B");
}

/* A git range stands for many commits: the label shows the range as
 * given, the values (what rows match) are its commits. */
static void
test_side_label_of_range (void)
{
  g_autoptr (KtstrStatsFilter) a = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsFilter) b = ktstr_stats_filter_new ();
  gboolean slicing[KTSTR_DIM_COUNT];
  const char *const commits[] = { "1111111", "2222222", "3333333", "4444444", NULL };
  const char *const range[] = { "main..HEAD", NULL };

  ktstr_stats_filter_add (a, KTSTR_DIM_PROJECT_COMMIT, "0000000");
  ktstr_stats_filter_set (b, KTSTR_DIM_PROJECT_COMMIT, commits);
  ktstr_stats_filter_set_labels (b, KTSTR_DIM_PROJECT_COMMIT, range);
  g_assert_cmpuint (ktstr_stats_derive_slicing (a, b, slicing), ==, 1);
  g_autofree char *lb = ktstr_stats_side_label (b, slicing, "B");
  g_assert_cmpstr (lb, ==, "main..HEAD");
  g_assert_cmpuint (b->values[KTSTR_DIM_PROJECT_COMMIT]->len, ==, 4);
  /* Without labels, four values are too many to show. */
  ktstr_stats_filter_set_labels (b, KTSTR_DIM_PROJECT_COMMIT, NULL);
  g_autofree char *bare = ktstr_stats_side_label (b, slicing, "B");
  g_assert_cmpstr (bare, ==, "B");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/filter/empty", test_empty_matches_all);
  g_test_add_func ("/stats/filter/kernel-prefix", test_kernel_prefix);
  g_test_add_func ("/stats/filter/or-within-dimension", test_or_within_dimension);
  g_test_add_func ("/stats/filter/and-across-dimensions", test_and_across_dimensions);
  g_test_add_func ("/stats/filter/flags-and", test_flags_and);
  g_test_add_func ("/stats/filter/null-never-matches", test_populated_filter_never_matches_null);
  g_test_add_func ("/stats/filter/commit-literal", test_commit_is_literal);
  g_test_add_func ("/stats/filter/slicing", test_slicing);
  g_test_add_func ("/stats/filter/side-labels", test_side_labels);
  g_test_add_func ("/stats/filter/side-label-of-range", test_side_label_of_range);
  return g_test_run ();
}
