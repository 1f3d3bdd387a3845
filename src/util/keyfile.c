#include "config.h"

#include "util/keyfile.h"

#include <stdarg.h>
#include <string.h>

guint
ktstr_keyfile_find_line (const char *path, const char *group, const char *key)
{
  g_autofree char *text = NULL;
  if (path == NULL || group == NULL || !g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* As GKeyFile reads lines: leading blanks skipped, '#' comments, groups
   * "[NAME]", keys before '=' with blanks around them dropped. */
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean in_group = FALSE;
  guint found = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *l = lines[i];
      while (g_ascii_isspace (*l))
        l++;
      if (*l == '#' || *l == '\0')
        continue;
      if (*l == '[')
        {
          const char *end = strrchr (l, ']');
          in_group = end != NULL && strlen (group) == (gsize)(end - l - 1)
                     && strncmp (l + 1, group, (gsize)(end - l - 1)) == 0;
          if (in_group && key == NULL && found == 0)
            found = i + 1;
          continue;
        }
      const char *eq = strchr (l, '=');
      if (!in_group || key == NULL || eq == NULL)
        continue;
      const char *k_end = eq;
      while (k_end > l && g_ascii_isspace (k_end[-1]))
        k_end--;
      if ((gsize)(k_end - l) == strlen (key) && strncmp (l, key, (gsize)(k_end - l)) == 0)
        found = i + 1;
    }
  return found;
}

gboolean
ktstr_keyfile_fail_literal (GError **error, GQuark domain, int code, const char *path,
                            const char *group, const char *key, const char *message)
{
  g_autoptr (GString) s = g_string_new (NULL);
  if (path != NULL)
    {
      guint line = ktstr_keyfile_find_line (path, group, key);
      if (line == 0 && key != NULL && strchr (key, '_') != NULL)
        {
          /* A key read under its deprecated kebab-case spelling is on
           * that spelling's line. */
          g_autofree char *kebab = g_strdelimit (g_strdup (key), "_", '-');
          line = ktstr_keyfile_find_line (path, group, kebab);
        }
      if (line == 0 && key != NULL)
        line = ktstr_keyfile_find_line (path, group, NULL);
      g_string_append (s, path);
      if (line > 0)
        g_string_append_printf (s, ":%u", line);
      g_string_append (s, ": ");
    }
  g_string_append_printf (s, "[%s]", group);
  if (key != NULL)
    g_string_append_printf (s, " %s", key);
  g_string_append_printf (s, ": %s", message);
  g_set_error_literal (error, domain, code, s->str);
  return FALSE;
}

gboolean
ktstr_keyfile_fail (GError **error, GQuark domain, int code, const char *path, const char *group,
                    const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return ktstr_keyfile_fail_literal (error, domain, code, path, group, key, msg);
}

static gboolean
has_known_prefix (const char *key, const char *const *prefixes)
{
  for (const char *const *p = prefixes; p != NULL && *p != NULL; p++)
    if (g_str_has_prefix (key, *p) && strlen (key) > strlen (*p))
      return TRUE;
  return FALSE;
}

gboolean
ktstr_keyfile_check_keys (GKeyFile *kf, const char *path, const char *group,
                          const char *const *allowed, const char *const *prefixes,
                          const char *placeholder, GQuark domain, int code, GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (char **k = keys; k != NULL && *k != NULL; k++)
    {
      if (g_strv_contains (allowed, *k) || has_known_prefix (*k, prefixes))
        continue;
      g_autoptr (GString) valid = g_string_new (NULL);
      for (const char *const *a = allowed; *a != NULL; a++)
        g_string_append_printf (valid, "%s%s", valid->len ? ", " : "", *a);
      for (const char *const *p = prefixes; p != NULL && *p != NULL; p++)
        g_string_append_printf (valid, "%s%s%s", valid->len ? ", " : "", *p,
                                placeholder ? placeholder : "");
      return ktstr_keyfile_fail (error, domain, code, path, group, *k,
                                 "unknown key (valid keys: %s)", valid->str);
    }
  return TRUE;
}

/* Deprecation warnings: where they go, and which were given already. */
G_LOCK_DEFINE_STATIC (warn);
static KtstrKeyfileWarnFunc warn_func;
static gpointer warn_data;
static GHashTable *warned; /* "PATH\nKEY" */

void
ktstr_keyfile_set_warn_func (KtstrKeyfileWarnFunc func, gpointer user_data)
{
  G_LOCK (warn);
  warn_func = func;
  warn_data = user_data;
  G_UNLOCK (warn);
}

static void
warn_once (const char *path, const char *group, const char *old_key, const char *new_key)
{
  g_autofree char *id = g_strdup_printf ("%s\n[%s] %s", path, group, old_key);
  G_LOCK (warn);
  if (warned == NULL)
    warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean is_new = g_hash_table_add (warned, g_steal_pointer (&id));
  KtstrKeyfileWarnFunc func = warn_func;
  gpointer data = warn_data;
  G_UNLOCK (warn);
  if (!is_new)
    return;
  guint line = ktstr_keyfile_find_line (path, group, old_key);
  g_autofree char *where = line ? g_strdup_printf ("%s:%u", path, line) : g_strdup (path);
  g_autofree char *msg = g_strdup_printf ("%s: [%s] %s is deprecated; write %s (the old "
                                          "spelling is still read, for now)",
                                          where, group, old_key, new_key);
  if (func != NULL)
    func (msg, data);
  else
    g_printerr ("%s: warning: %s\n", g_get_prgname () ? g_get_prgname () : "ktstr", msg);
}

gboolean
ktstr_keyfile_rename_deprecated (GKeyFile *kf, const char *path, const KtstrKeyRename *renames,
                                 GQuark domain, int code, GError **error)
{
  for (const KtstrKeyRename *r = renames; r->group != NULL; r++)
    {
      if (!g_key_file_has_key (kf, r->group, r->old_key, NULL))
        continue;
      if (g_key_file_has_key (kf, r->group, r->new_key, NULL))
        return ktstr_keyfile_fail (error, domain, code, path, r->group, r->old_key,
                                   "given as %s too; keep only %s (%s is the old spelling)",
                                   r->new_key, r->new_key, r->old_key);
      g_autofree char *value = g_key_file_get_value (kf, r->group, r->old_key, NULL);
      g_key_file_set_value (kf, r->group, r->new_key, value);
      g_key_file_remove_key (kf, r->group, r->old_key, NULL);
      warn_once (path, r->group, r->old_key, r->new_key);
    }
  return TRUE;
}
