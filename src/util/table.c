#include "config.h"

#include <string.h>

#include "util/table.h"

struct _KtstrTable
{
  guint n_columns;
  KtstrAlign *align;
  GPtrArray *cells; /* char*, row-major, header row first */
  GArray *colors;   /* KtstrColor per cell, same indexing */
};

KtstrTable *
ktstr_table_new (guint n_columns, const char *const *headers, const KtstrAlign *align)
{
  KtstrTable *t = g_new0 (KtstrTable, 1);
  t->n_columns = n_columns;
  t->align = g_memdup2 (align, n_columns * sizeof (KtstrAlign));
  t->cells = g_ptr_array_new_with_free_func (g_free);
  t->colors = g_array_new (FALSE, TRUE, sizeof (KtstrColor));
  ktstr_table_add_row (t, headers);
  return t;
}

void
ktstr_table_free (KtstrTable *t)
{
  if (t == NULL)
    return;
  g_free (t->align);
  g_ptr_array_unref (t->cells);
  g_array_unref (t->colors);
  g_free (t);
}

void
ktstr_table_add_row (KtstrTable *t, const char *const *cells)
{
  for (guint c = 0; c < t->n_columns; c++)
    g_ptr_array_add (t->cells, g_strdup (cells[c] != NULL ? cells[c] : ""));
  g_array_set_size (t->colors, t->cells->len);
}

void
ktstr_table_set_last_row_color (KtstrTable *t, guint column, KtstrColor color)
{
  g_return_if_fail (column < t->n_columns);
  g_array_index (t->colors, KtstrColor, t->cells->len - t->n_columns + column) = color;
}

guint
ktstr_table_n_rows (KtstrTable *t)
{
  return t->cells->len / t->n_columns - 1;
}

static void
pad (GString *out, gsize n, char c)
{
  for (gsize i = 0; i < n; i++)
    g_string_append_c (out, c);
}

static const char *
sgr (KtstrColor color)
{
  switch (color)
    {
    case KTSTR_COLOR_RED:
      return "\033[31m";
    case KTSTR_COLOR_GREEN:
      return "\033[32m";
    case KTSTR_COLOR_NONE:
    default:
      return NULL;
    }
}

static void
render_line (KtstrTable *t, GString *out, guint row, const gsize *widths, gboolean use_color)
{
  gsize start = out->len;
  for (guint c = 0; c < t->n_columns; c++)
    {
      guint idx = row * t->n_columns + c;
      const char *text = g_ptr_array_index (t->cells, idx);
      gsize len = g_utf8_strlen (text, -1);
      gsize fill = widths[c] > len ? widths[c] - len : 0;
      gboolean last = c + 1 == t->n_columns;
      const char *color = use_color ? sgr (g_array_index (t->colors, KtstrColor, idx)) : NULL;

      if (c > 0)
        g_string_append (out, "  ");
      if (t->align[c] == KTSTR_ALIGN_RIGHT)
        pad (out, fill, ' ');
      if (color != NULL)
        g_string_append (out, color);
      g_string_append (out, text);
      if (color != NULL)
        g_string_append (out, "\033[0m");
      if (t->align[c] == KTSTR_ALIGN_LEFT && !last)
        pad (out, fill, ' ');
    }
  /* An empty last cell (a unit-less metric) must not leave trailing blanks. */
  while (out->len > start && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  g_string_append_c (out, '\n');
}

void
ktstr_table_render (KtstrTable *t, GString *out, gboolean use_color)
{
  guint n_lines = t->cells->len / t->n_columns;
  g_autofree gsize *widths = g_new0 (gsize, t->n_columns);

  for (guint i = 0; i < t->cells->len; i++)
    {
      gsize len = g_utf8_strlen (g_ptr_array_index (t->cells, i), -1);
      widths[i % t->n_columns] = MAX (widths[i % t->n_columns], len);
    }

  render_line (t, out, 0, widths, FALSE);
  for (guint c = 0; c < t->n_columns; c++)
    {
      if (c > 0)
        g_string_append (out, "  ");
      pad (out, widths[c], '-');
    }
  g_string_append_c (out, '\n');
  for (guint row = 1; row < n_lines; row++)
    render_line (t, out, row, widths, use_color);
}
