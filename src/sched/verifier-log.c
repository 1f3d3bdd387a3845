#include "config.h"

#include "sched/verifier-log.h"

#include <string.h>

#define BEGIN_MARK "-- BEGIN PROG LOAD LOG --"
#define END_MARK "-- END PROG LOAD LOG --"

static const char *const failure_marks[] = {
  BEGIN_MARK,
  "BPF program load failed",
  "failed to load object",
  "failed to load BPF skeleton",
  "Failed to load",
  "failed to load",
  NULL,
};

gboolean
ktstr_verifier_log_has_load_failure (GPtrArray *lines)
{
  for (guint i = 0; i < lines->len; i++)
    for (const char *const *m = failure_marks; *m; m++)
      if (strstr (lines->pdata[i], *m) != NULL)
        return TRUE;
  return FALSE;
}

/* A line without its register-state annotation. */
static char *
normalize (const char *line)
{
  const char *semi = strstr (line, " ; ");
  g_autofree char *s = semi ? g_strndup (line, semi - line) : g_strdup (line);
  return g_strdup (g_strchomp (s));
}

static gboolean
block_equal (char **keys, guint a, guint b, guint p)
{
  for (guint k = 0; k < p; k++)
    if (strcmp (keys[a + k], keys[b + k]) != 0)
      return FALSE;
  return TRUE;
}

char *
ktstr_verifier_log_collapse (const char *const *lines)
{
  guint n = g_strv_length ((char **)lines);
  GString *out = g_string_new (NULL);
  guint dropped = 0;
  if (n > KTSTR_VERIFIER_MAX_LINES)
    {
      /* Keep the head and the tail: the error is at the end. */
      dropped = n - KTSTR_VERIFIER_MAX_LINES;
    }
  g_autoptr (GPtrArray) keep = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    if (dropped == 0 || i < KTSTR_VERIFIER_MAX_LINES / 4
        || i >= KTSTR_VERIFIER_MAX_LINES / 4 + dropped)
      g_ptr_array_add (keep, (gpointer)lines[i]);
  guint m = keep->len;
  char **keys = g_new0 (char *, m + 1);
  for (guint i = 0; i < m; i++)
    keys[i] = normalize (keep->pdata[i]);

  guint i = 0;
  while (i < m)
    {
      if (dropped > 0 && i == KTSTR_VERIFIER_MAX_LINES / 4)
        g_string_append_printf (out, "... (%u lines of the verifier log left out) ...\n", dropped);
      guint best_p = 0, best_k = 1;
      for (guint p = 1; p <= KTSTR_VERIFIER_MAX_PERIOD && i + 2 * p <= m; p++)
        {
          guint k = 1;
          while (i + (k + 1) * p <= m && block_equal (keys, i, i + k * p, p))
            k++;
          if (k >= 2 && k * p > best_k * MAX (best_p, 1))
            {
              best_p = p;
              best_k = k;
            }
        }
      if (best_p == 0)
        {
          g_string_append_printf (out, "%s\n", (char *)keep->pdata[i]);
          i++;
          continue;
        }
      for (guint k = 0; k < best_p; k++)
        g_string_append_printf (out, "%s\n", (char *)keep->pdata[i + k]);
      g_string_append_printf (out, "... the %u line%s above repeated %u more time%s ...\n", best_p,
                              best_p == 1 ? "" : "s", best_k - 1, best_k - 1 == 1 ? "" : "s");
      i += best_k * best_p;
    }
  g_strfreev (keys);
  return g_string_free (out, FALSE);
}

char *
ktstr_verifier_log_extract (GPtrArray *lines)
{
  return ktstr_verifier_log_extract_full (lines, TRUE);
}

char *
ktstr_verifier_log_extract_full (GPtrArray *lines, gboolean is_collapsed)
{
  if (!ktstr_verifier_log_has_load_failure (lines))
    return NULL;
  g_autoptr (GPtrArray) log = g_ptr_array_new ();
  gboolean inside = FALSE, has_block = FALSE;
  for (guint i = 0; i < lines->len; i++)
    {
      const char *l = lines->pdata[i];
      if (strstr (l, BEGIN_MARK) != NULL)
        {
          inside = has_block = TRUE;
          continue;
        }
      if (strstr (l, END_MARK) != NULL)
        {
          inside = FALSE;
          continue;
        }
      if (inside)
        g_ptr_array_add (log, (gpointer)l);
    }
  if (!has_block)
    {
      /* No log block (e.g. a struct_ops attach failure): the lines naming
       * the failure are the evidence. */
      for (guint i = 0; i < lines->len; i++)
        for (const char *const *m = failure_marks; *m; m++)
          if (strstr (lines->pdata[i], *m) != NULL)
            {
              g_ptr_array_add (log, lines->pdata[i]);
              break;
            }
    }
  g_ptr_array_add (log, NULL);
  if (is_collapsed)
    return ktstr_verifier_log_collapse ((const char *const *)log->pdata);
  g_autofree char *joined = g_strjoinv ("\n", (char **)log->pdata);
  return log->len > 1 ? g_strconcat (joined, "\n", NULL) : g_strdup ("");
}
