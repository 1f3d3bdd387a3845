#include "config.h"

#include <string.h>

#include "stats/compare.h"
#include "stats/html.h"
#include "stats/report-labels.h"

/* The parts of a pairing key: the test, then one per dimension; a byte no
 * name contains. */
#define KEY_SEP '\x1f'

void
ktstr_report_labels_clear (KtstrReportLabels *l)
{
  for (guint i = 0; i < l->n_parts; i++)
    g_clear_pointer (&l->first[i], g_free);
}

void
ktstr_report_labels_init (KtstrReportLabels *l, const gboolean slicing[KTSTR_DIM_COUNT])
{
  memset (l, 0, sizeof *l);
  memcpy (l->slicing, slicing, sizeof l->slicing);
  l->names[l->n_parts++] = "test";
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    if (!slicing[d])
      l->names[l->n_parts++] = ktstr_stats_dim_name (d);
}

static GStrv
key_parts (const KtstrReportLabels *l, const KtstrStatsRow *row)
{
  g_autofree char *key = ktstr_stats_pairing_key (row, l->slicing, KEY_SEP);
  char sep[2] = { KEY_SEP, '\0' };
  GStrv parts = g_strsplit (key, sep, -1);
  g_assert (g_strv_length (parts) == l->n_parts);
  return parts;
}

void
ktstr_report_labels_add (KtstrReportLabels *l, const KtstrStatsRow *row)
{
  g_auto (GStrv) parts = key_parts (l, row);
  for (guint i = 0; i < l->n_parts; i++)
    {
      if (l->first[i] == NULL)
        l->first[i] = g_strdup (parts[i]);
      else if (strcmp (l->first[i], parts[i]) != 0)
        l->varies[i] = TRUE;
    }
}

char *
ktstr_report_labels_of (const KtstrReportLabels *l, const KtstrStatsRow *row)
{
  g_auto (GStrv) parts = key_parts (l, row);
  GString *s = g_string_new (parts[0]);
  for (guint i = 1; i < l->n_parts; i++)
    if (l->varies[i])
      g_string_append_printf (s, "/%s", *parts[i] ? parts[i] : "-");
  return g_string_free (s, FALSE);
}

void
ktstr_report_labels_describe (const KtstrReportLabels *l, GString *out, const char *hint)
{
  g_autoptr (GString) shared = g_string_new (NULL);
  g_autoptr (GString) varying = g_string_new ("test");
  for (guint i = 1; i < l->n_parts; i++)
    {
      if (l->varies[i])
        g_string_append_printf (varying, "/%s", l->names[i]);
      else if (l->first[i] != NULL && *l->first[i] != '\0')
        g_string_append_printf (shared, "%s%s %s", shared->len ? ", " : "", l->names[i],
                                l->first[i]);
    }
  ktstr_html_printf (out, "<p class=\"small muted\">Rows are labelled %s", varying->str);
  if (shared->len > 0)
    ktstr_html_printf (out, "; every row has %s", shared->str);
  g_string_append (out, ".");
  if (hint != NULL)
    ktstr_html_printf (out, " %s", hint);
  g_string_append (out, "</p>\n");
}
