/* CPU lists: the one parser of the kernel's list syntax (common/cpulist.h)
 * and the host's arrays built on it (util/cpulist.h).  The guest's
 * bitmaps on the same parser are tested in test-guest-topo. */
#include "config.h"

#include <glib.h>

#include "common/cpulist.h"
#include "util/cpulist.h"

static void
test_host_parse (void)
{
  static const struct
  {
    const char *text;
    const char *canonical;
    guint count;
  } ok[] = {
    { "", "", 0 },
    { "3", "3", 1 },
    { "0-3", "0-3", 4 },
    { "0-1,4,6-7", "0-1,4,6-7", 5 },
    { "7,0-1,1", "0-1,7", 3 },
    { "2,3,4", "2-4", 3 },
    { " 0-3\n", "0-3", 4 }, /* as read from sysfs */
    { "65535", "65535", 1 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) cpus = ktstr_cpulist_parse (ok[i].text, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (cpus->len, ==, ok[i].count);
      g_autofree char *back = ktstr_cpulist_format ((guint *)cpus->data, cpus->len);
      g_assert_cmpstr (back, ==, ok[i].canonical);
    }

  static const char *bad[]
      = { "-1", "1-", "3-1", "1,", ",1", "a", "1 2", "0-70000", "65536", "1;2", "1,,2" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) cpus = ktstr_cpulist_parse (bad[i], &error);
      g_assert_null (cpus);
      g_assert_error (error, KTSTR_CPULIST_ERROR, KTSTR_CPULIST_ERROR_INVALID);
      g_autofree char *quoted = g_strdup_printf ("'%s'", bad[i]);
      g_assert_nonnull (g_strstr_len (error->message, -1, quoted));
    }
}

static int
record_range (unsigned lo, unsigned hi, void *data)
{
  g_string_append_printf (data, "[%u,%u]", lo, hi);
  return hi >= 100 ? 42 : 0;
}

/* The ranges come out as written, the limit is exclusive, and the
 * callback can stop the parse. */
static void
test_ranges (void)
{
  g_autoptr (GString) seen = g_string_new (NULL);
  g_assert_cmpint (ktstr_cpulist_parse_ranges ("5,0-2,3", 8, record_range, seen), ==, 0);
  g_assert_cmpstr (seen->str, ==, "[5,5][0,2][3,3]");

  g_string_truncate (seen, 0);
  g_assert_cmpint (ktstr_cpulist_parse_ranges ("0-7", 8, record_range, seen), ==, 0);
  g_assert_cmpint (ktstr_cpulist_parse_ranges ("0-8", 8, record_range, seen), ==, -1);

  g_string_truncate (seen, 0);
  g_assert_cmpint (ktstr_cpulist_parse_ranges ("1,100-101,3", 1000, record_range, seen), ==, 42);
  g_assert_cmpstr (seen->str, ==, "[1,1][100,101]");
}

static void
test_format_unsorted (void)
{
  const guint cpus[] = { 9, 3, 4, 3, 0, 5 };
  g_autofree char *s = ktstr_cpulist_format (cpus, G_N_ELEMENTS (cpus));
  g_assert_cmpstr (s, ==, "0,3-5,9");
  g_autofree char *empty = ktstr_cpulist_format (NULL, 0);
  g_assert_cmpstr (empty, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cpulist/host/parse", test_host_parse);
  g_test_add_func ("/cpulist/ranges", test_ranges);
  g_test_add_func ("/cpulist/host/format", test_format_unsorted);
  return g_test_run ();
}
