/* Output building blocks: the plain table layout and the host delta. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats/hostdelta.h"
#include "stats/stats-cli.h"
#include "util/table.h"

static KtstrTable *
sample_table (void)
{
  static const char *const headers[] = { "NAME", "VALUE", "UNIT" };
  static const KtstrAlign align[] = { KTSTR_ALIGN_LEFT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_LEFT };
  KtstrTable *t = ktstr_table_new (3, headers, align);
  ktstr_table_add_row (t, (const char *[]){ "p99", "300.00", "µs" });
  ktstr_table_add_row (t, (const char *[]){ "iterations", "12000.00", "" });
  return t;
}

static void
test_table_layout (void)
{
  g_autoptr (KtstrTable) t = sample_table ();
  GString *out = g_string_new (NULL);

  ktstr_table_render (t, out, FALSE);
  /* Right-aligned numbers, µ counted as one column, no trailing blanks. */
  g_assert_cmpstr (out->str, ==,
                   "NAME           VALUE  UNIT\n"
                   "----------  --------  ----\n"
                   "p99           300.00  µs\n"
                   "iterations  12000.00\n");
  g_assert_cmpuint (ktstr_table_n_rows (t), ==, 2);
  g_string_free (out, TRUE);
}

static void
test_table_color (void)
{
  g_autoptr (KtstrTable) t = sample_table ();
  GString *plain = g_string_new (NULL);
  GString *colored = g_string_new (NULL);

  ktstr_table_set_last_row_color (t, 0, KTSTR_COLOR_GREEN);
  ktstr_table_render (t, plain, FALSE);
  ktstr_table_render (t, colored, TRUE);
  g_assert_null (strchr (plain->str, '\033'));
  g_assert_nonnull (strstr (colored->str, "\033[32miterations\033[0m  12000.00"));
  g_string_free (plain, TRUE);
  g_string_free (colored, TRUE);
}

static void
test_color_needs_terminal_and_no_no_color (void)
{
  int master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  int slave = open (ptsname (master), O_RDWR | O_NOCTTY);
  g_assert_cmpint (slave, >=, 0);

  g_unsetenv ("NO_COLOR");
  g_assert_true (ktstr_stats_use_color (slave));
  g_setenv ("NO_COLOR", "", TRUE);
  g_assert_false (ktstr_stats_use_color (slave));
  g_unsetenv ("NO_COLOR");
  int fds[2];
  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_false (ktstr_stats_use_color (fds[1]));
  close (fds[0]);
  close (fds[1]);
  close (slave);
  close (master);
}

static KtstrHostContext *
host (const char *release, const char *cost)
{
  KtstrHostContext *h = ktstr_host_context_new ();
  h->kernel_release = g_strdup (release);
  h->arch = g_strdup ("x86_64");
  h->has_online_cpus = TRUE;
  h->online_cpus = 16;
  h->sched_tunables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (h->sched_tunables, g_strdup ("sched_migration_cost_ns"), g_strdup (cost));
  return h;
}

static void
test_host_delta (void)
{
  g_autoptr (KtstrHostContext) a = host ("6.14.2", "500000");
  g_autoptr (KtstrHostContext) b = host ("6.15.0", "100000");

  g_hash_table_insert (b->sched_tunables, g_strdup ("sched_new_knob"), g_strdup ("1"));
  ktstr_host_context_set_governor (b, 0, "performance");
  b->has_online_cpus = FALSE;
  g_autofree char *text = ktstr_stats_format_host_delta (a, b, "6.14", "6.15");
  g_assert_cmpstr (text, ==,
                   "\nhost delta ('6.14' → '6.15'):\n"
                   "  kernel_release: 6.14.2 → 6.15.0\n"
                   "  online_cpus: 16 → (unknown)\n"
                   "  cpufreq_governor.cpu0: (absent) → performance\n"
                   "  sched_tunables.sched_migration_cost_ns: 500000 → 100000\n"
                   "  sched_tunables.sched_new_knob: (absent) → 1\n");
}

static void
test_host_identical_and_one_sided (void)
{
  g_autoptr (KtstrHostContext) a = host ("6.14.2", "500000");
  g_autoptr (KtstrHostContext) b = host ("6.14.2", "500000");

  g_autofree char *same = ktstr_stats_format_host_delta (a, b, "A", "B");
  g_assert_cmpstr (same, ==, "\nhost: identical between 'A' and 'B' (arch: x86_64)\n");
  g_autofree char *left = ktstr_stats_format_host_delta (a, NULL, "A", "B");
  g_assert_cmpstr (left, ==, "\nhost: captured in 'A' only, delta unavailable\n");
  g_autofree char *right = ktstr_stats_format_host_delta (NULL, b, "A", "B");
  g_assert_cmpstr (right, ==, "\nhost: captured in 'B' only, delta unavailable\n");
  g_autofree char *none = ktstr_stats_format_host_delta (NULL, NULL, "A", "B");
  g_assert_cmpstr (none, ==, "");
  g_clear_pointer (&b->sched_tunables, g_hash_table_unref);
  g_autofree char *unknown = ktstr_stats_format_host_delta (a, b, "A", "B");
  g_assert_nonnull (strstr (unknown, "  sched_tunables: (1 entry) → (unknown)\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/output/table/layout", test_table_layout);
  g_test_add_func ("/stats/output/table/color", test_table_color);
  g_test_add_func ("/stats/output/color-decision", test_color_needs_terminal_and_no_no_color);
  g_test_add_func ("/stats/output/host-delta/differs", test_host_delta);
  g_test_add_func ("/stats/output/host-delta/other", test_host_identical_and_one_sided);
  return g_test_run ();
}
