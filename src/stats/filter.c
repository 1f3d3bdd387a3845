#include "config.h"

#include <string.h>

#include "stats/filter.h"

KtstrStatsFilter *
ktstr_stats_filter_new (void)
{
  KtstrStatsFilter *f = g_new0 (KtstrStatsFilter, 1);
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    f->values[d] = g_ptr_array_new_with_free_func (g_free);
  return f;
}

void
ktstr_stats_filter_free (KtstrStatsFilter *f)
{
  if (f == NULL)
    return;
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    {
      g_ptr_array_unref (f->values[d]);
      g_clear_pointer (&f->labels[d], g_ptr_array_unref);
    }
  g_free (f);
}

void
ktstr_stats_filter_add (KtstrStatsFilter *f, KtstrStatsDim dim, const char *value)
{
  g_return_if_fail (dim < KTSTR_DIM_COUNT);
  g_ptr_array_add (f->values[dim], g_strdup (value));
}

void
ktstr_stats_filter_set_labels (KtstrStatsFilter *f, KtstrStatsDim dim, const char *const *labels)
{
  g_return_if_fail (dim < KTSTR_DIM_COUNT);
  g_clear_pointer (&f->labels[dim], g_ptr_array_unref);
  if (labels == NULL)
    return;
  f->labels[dim] = g_ptr_array_new_with_free_func (g_free);
  for (; *labels != NULL; labels++)
    g_ptr_array_add (f->labels[dim], g_strdup (*labels));
}

void
ktstr_stats_filter_set (KtstrStatsFilter *f, KtstrStatsDim dim, const char *const *values)
{
  g_return_if_fail (dim < KTSTR_DIM_COUNT);
  g_ptr_array_set_size (f->values[dim], 0);
  for (; values != NULL && *values != NULL; values++)
    ktstr_stats_filter_add (f, dim, *values);
}

static gboolean
is_major_minor (const char *s)
{
  g_auto (GStrv) parts = g_strsplit (s, ".", -1);
  if (g_strv_length (parts) != 2)
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      if (parts[i][0] == '\0')
        return FALSE;
      for (const char *p = parts[i]; *p != '\0'; p++)
        if (!g_ascii_isdigit (*p))
          return FALSE;
    }
  return TRUE;
}

gboolean
ktstr_stats_kernel_matches (const char *wanted, const char *row_kernel)
{
  if (row_kernel == NULL)
    return FALSE;
  if (strcmp (wanted, row_kernel) == 0)
    return TRUE;
  if (!is_major_minor (wanted))
    return FALSE;
  gsize n = strlen (wanted);
  return strncmp (row_kernel, wanted, n) == 0 && row_kernel[n] == '.';
}

static gboolean
any_equal (GPtrArray *wanted, const char *value)
{
  if (value == NULL)
    return FALSE;
  for (guint i = 0; i < wanted->len; i++)
    if (strcmp (g_ptr_array_index (wanted, i), value) == 0)
      return TRUE;
  return FALSE;
}

gboolean
ktstr_stats_filter_matches (const KtstrStatsFilter *f, const KtstrStatsRow *row)
{
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    {
      GPtrArray *wanted = f->values[d];
      if (wanted->len == 0)
        continue;
      if (d == KTSTR_DIM_FLAGS)
        {
          for (guint i = 0; i < wanted->len; i++)
            if (!g_strv_contains ((const char *const *)row->flags, g_ptr_array_index (wanted, i)))
              return FALSE;
        }
      else if (d == KTSTR_DIM_KERNEL)
        {
          gboolean any = FALSE;
          for (guint i = 0; i < wanted->len && !any; i++)
            any = ktstr_stats_kernel_matches (g_ptr_array_index (wanted, i), row->kernel_version);
          if (!any)
            return FALSE;
        }
      else if (!any_equal (wanted, ktstr_stats_row_dim_value (row, d)))
        return FALSE;
    }
  return TRUE;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, deduplicated copy (borrowed strings). */
static GPtrArray *
sorted_dedup (GPtrArray *values)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; i < values->len; i++)
    g_ptr_array_add (out, g_ptr_array_index (values, i));
  g_ptr_array_sort (out, compare_strings);
  for (guint i = 1; i < out->len;)
    {
      if (strcmp (g_ptr_array_index (out, i - 1), g_ptr_array_index (out, i)) == 0)
        g_ptr_array_remove_index (out, i);
      else
        i++;
    }
  return out;
}

guint
ktstr_stats_derive_slicing (const KtstrStatsFilter *a, const KtstrStatsFilter *b,
                            gboolean slicing[KTSTR_DIM_COUNT])
{
  guint n = 0;
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    {
      g_autoptr (GPtrArray) sa = sorted_dedup (a->values[d]);
      g_autoptr (GPtrArray) sb = sorted_dedup (b->values[d]);
      gboolean differs = sa->len != sb->len;
      for (guint i = 0; !differs && i < sa->len; i++)
        differs = strcmp (g_ptr_array_index (sa, i), g_ptr_array_index (sb, i)) != 0;
      slicing[d] = differs;
      n += differs ? 1 : 0;
    }
  return n;
}

char *
ktstr_stats_side_label (const KtstrStatsFilter *f, const gboolean slicing[KTSTR_DIM_COUNT],
                        const char *bare)
{
  GString *label = g_string_new (NULL);
  gboolean any = FALSE;

  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    {
      if (!slicing[d])
        continue;
      if (any)
        g_string_append_c (label, ':');
      any = TRUE;
      GPtrArray *values = f->labels[d] != NULL ? f->labels[d] : f->values[d];
      if (values->len == 0 || values->len > 3)
        {
          g_string_append (label, bare);
          continue;
        }
      /* Sorted but not deduplicated, as the Rust ktstr prints side labels
       * (doc/compatibility.md). */
      g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
      for (guint i = 0; i < values->len; i++)
        g_ptr_array_add (sorted, g_ptr_array_index (values, i));
      g_ptr_array_sort (sorted, compare_strings);
      for (guint i = 0; i < sorted->len; i++)
        {
          if (i > 0)
            g_string_append_c (label, '|');
          g_string_append (label, g_ptr_array_index (sorted, i));
        }
    }
  if (!any)
    g_string_append (label, bare);
  return g_string_free (label, FALSE);
}
