#include "config.h"

#include "run/output-junit.h"

#include <string.h>

#include "util/fsutil.h"

#include <string.h>

/* Valid UTF-8 without the characters XML 1.0 forbids, escaped. */
static char *
xml_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text ? text : "", -1);
  for (char *p = valid; *p; p++)
    {
      unsigned char c = (unsigned char)*p;
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        *p = '?';
    }
  return g_markup_escape_text (valid, -1);
}

/* "gauntlet/steady/tiny-1llc/default" -> "gauntlet.steady", "steady" ->
 * "ktstr": the class groups a test's variants. */
static char *
class_name (const char *name)
{
  g_auto (GStrv) parts = g_strsplit (name, "/", 3);
  if (parts[0] != NULL && parts[1] != NULL && g_str_equal (parts[0], "gauntlet"))
    return g_strdup_printf ("gauntlet.%s", parts[1]);
  return g_strdup ("ktstr");
}

char *
ktstr_junit_to_data (const char *suite, GPtrArray *results, double total_s)
{
  guint failures = 0, errors = 0, skipped = 0;
  for (guint i = 0; i < results->len; i++)
    {
      const KtstrTestResult *r = results->pdata[i];
      failures += r->outcome == KTSTR_OUTCOME_FAIL && !r->is_harness_error;
      errors += r->is_harness_error;
      skipped += r->outcome == KTSTR_OUTCOME_SKIP;
    }
  g_autofree char *esuite = xml_text (suite);
  GString *s = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_string_append_printf (s,
                          "<testsuites name=\"%s\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
                          "skipped=\"%u\" time=\"%.3f\">\n",
                          esuite, results->len, failures, errors, skipped, total_s);
  g_string_append_printf (s,
                          "  <testsuite name=\"%s\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
                          "skipped=\"%u\" time=\"%.3f\">\n",
                          esuite, results->len, failures, errors, skipped, total_s);
  for (guint i = 0; i < results->len; i++)
    {
      const KtstrTestResult *r = results->pdata[i];
      g_autofree char *name = xml_text (r->name);
      g_autofree char *cls_raw = class_name (r->name);
      g_autofree char *cls = xml_text (cls_raw);
      g_string_append_printf (s, "    <testcase name=\"%s\" classname=\"%s\" time=\"%.3f\"", name,
                              cls, r->duration_s);
      if (r->outcome == KTSTR_OUTCOME_PASS && r->sidecar_path == NULL)
        {
          g_string_append (s, "/>\n");
          continue;
        }
      g_string_append (s, ">\n");
      g_autofree char *verdict = xml_text (r->verdict ? r->verdict : "");
      if (r->is_harness_error)
        g_string_append_printf (s, "      <error message=\"%s\" type=\"harness\"/>\n", verdict);
      else if (r->outcome == KTSTR_OUTCOME_FAIL)
        {
          g_autofree char *report = xml_text (r->report ? r->report : r->verdict);
          g_string_append_printf (s, "      <failure message=\"%s\" type=\"fail\">%s</failure>\n",
                                  verdict, report);
        }
      else if (r->outcome == KTSTR_OUTCOME_SKIP)
        g_string_append_printf (s, "      <skipped message=\"%s\"/>\n", verdict);
      if (r->sidecar_path != NULL)
        {
          g_autofree char *topo = xml_text (r->topology ? r->topology : "");
          g_autofree char *sc = xml_text (r->sidecar_path);
          g_string_append_printf (s, "      <system-out>topology: %s\nsidecar: %s\n</system-out>\n",
                                  topo, sc);
        }
      g_string_append (s, "    </testcase>\n");
    }
  g_string_append (s, "  </testsuite>\n</testsuites>\n");
  return g_string_free (s, FALSE);
}

gboolean
ktstr_junit_write (const char *path, const char *suite, GPtrArray *results, double total_s,
                   GError **error)
{
  g_autofree char *data = ktstr_junit_to_data (suite, results, total_s);
  g_autoptr (GError) local = NULL;
  if (!ktstr_file_replace (path, data, strlen (data), 0644, &local))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "--junit %s: ", path);
      return FALSE;
    }
  return TRUE;
}
