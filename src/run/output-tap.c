#include "config.h"

#include "run/output-tap.h"

#include <string.h>

char *
ktstr_tap_header (guint n_tests)
{
  return g_strdup_printf ("TAP version 13\n1..%u\n", n_tests);
}

/* A YAML double-quoted scalar. */
static void
append_yaml_string (GString *s, const char *text)
{
  g_string_append_c (s, '"');
  for (const char *p = text; *p; p++)
    {
      unsigned char c = (unsigned char)*p;
      if (c == '"' || c == '\\')
        g_string_append_printf (s, "\\%c", c);
      else if (c == '\n')
        g_string_append (s, "\\n");
      else if (c == '\t')
        g_string_append (s, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (s, "\\x%02x", c);
      else
        g_string_append_c (s, (char)c);
    }
  g_string_append_c (s, '"');
}

/* A TAP description ends at '#' and at the line end. */
static char *
tap_safe (const char *text)
{
  char *s = g_strdup (text ? text : "");
  for (char *p = s; *p; p++)
    if (*p == '#' || *p == '\n' || *p == '\r')
      *p = ' ';
  return s;
}

char *
ktstr_tap_result (guint number, const KtstrTestResult *r)
{
  GString *s = g_string_new (NULL);
  g_autofree char *name = tap_safe (r->name);
  gboolean ok = r->outcome != KTSTR_OUTCOME_FAIL;
  g_string_append_printf (s, "%s %u - %s", ok ? "ok" : "not ok", number, name);
  if (r->outcome == KTSTR_OUTCOME_SKIP)
    {
      g_autofree char *why = tap_safe (r->verdict ? r->verdict : "skipped");
      g_string_append_printf (s, " # SKIP %s", why);
    }
  g_string_append (s, "\n  ---\n");
  g_string_append_printf (s, "  outcome: %s\n",
                          r->outcome == KTSTR_OUTCOME_PASS   ? "pass"
                          : r->outcome == KTSTR_OUTCOME_SKIP ? "skip"
                                                             : "fail");
  if (r->verdict != NULL)
    {
      g_string_append (s, "  message: ");
      append_yaml_string (s, r->verdict);
      g_string_append_c (s, '\n');
    }
  if (r->topology != NULL)
    g_string_append_printf (s, "  topology: %s\n", r->topology);
  g_string_append_printf (s, "  duration_s: %.1f\n", r->duration_s);
  if (r->sidecar_path != NULL)
    {
      g_string_append (s, "  sidecar: ");
      append_yaml_string (s, r->sidecar_path);
      g_string_append_c (s, '\n');
    }
  g_string_append (s, "  ...\n");
  return g_string_free (s, FALSE);
}

char *
ktstr_tap_bail_out (const char *reason)
{
  g_autofree char *why = tap_safe (reason);
  return g_strdup_printf ("Bail out! %s\n", why);
}
