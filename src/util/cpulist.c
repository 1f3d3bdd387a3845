/* Host CPU lists: see util/cpulist.h. */
#include "config.h"

#include "util/cpulist.h"

#include "common/cpulist.h"

GQuark
ktstr_cpulist_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-cpulist-error-quark");
}

static int
cmp_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *)a, y = *(const guint *)b;
  return (x > y) - (x < y);
}

void
ktstr_cpulist_sort_unique (GArray *cpus)
{
  g_array_sort (cpus, cmp_uint);
  guint w = 0;
  for (guint r = 0; r < cpus->len; r++)
    if (w == 0 || g_array_index (cpus, guint, r) != g_array_index (cpus, guint, w - 1))
      g_array_index (cpus, guint, w++) = g_array_index (cpus, guint, r);
  g_array_set_size (cpus, w);
}

static int
append_range (unsigned lo, unsigned hi, void *data)
{
  for (guint c = lo; c <= hi; c++)
    g_array_append_val ((GArray *)data, c);
  return 0;
}

GArray *
ktstr_cpulist_parse (const char *text, GError **error)
{
  g_autoptr (GArray) cpus = g_array_new (FALSE, FALSE, sizeof (guint));
  if (ktstr_cpulist_parse_ranges (text, KTSTR_CPULIST_MAX_CPU + 1, append_range, cpus) != 0)
    {
      g_set_error (error, KTSTR_CPULIST_ERROR, KTSTR_CPULIST_ERROR_INVALID,
                   "invalid CPU list '%s' (expected e.g. 0-3,6 with CPUs up to %d)", text,
                   KTSTR_CPULIST_MAX_CPU);
      return NULL;
    }
  ktstr_cpulist_sort_unique (cpus);
  return g_steal_pointer (&cpus);
}

char *
ktstr_cpulist_format (const guint *cpus, guint n)
{
  g_autoptr (GArray) sorted = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  g_array_append_vals (sorted, cpus, n);
  ktstr_cpulist_sort_unique (sorted);

  GString *s = g_string_new (NULL);
  for (guint i = 0; i < sorted->len;)
    {
      guint lo = g_array_index (sorted, guint, i), hi = lo;
      while (++i < sorted->len && g_array_index (sorted, guint, i) == hi + 1)
        hi++;
      if (s->len > 0)
        g_string_append_c (s, ',');
      if (hi == lo)
        g_string_append_printf (s, "%u", lo);
      else
        g_string_append_printf (s, "%u-%u", lo, hi);
    }
  return g_string_free (s, FALSE);
}
