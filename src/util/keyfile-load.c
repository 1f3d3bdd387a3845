/* Checked key-file loading: see keyfile-load.h. */
#include "config.h"

#include "util/keyfile-load.h"

#include <string.h>

#include "util/fsutil.h"

static gboolean fail_at (GError **error, const char *path, guint line, const char *fmt, ...)
    G_GNUC_PRINTF (4, 5);

static gboolean
fail_at (GError **error, const char *path, guint line, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%u: %s", path, line, msg);
  return FALSE;
}

/* A name as it may be shown in a message: printable, at most 64 bytes. */
static char *
shown (const char *s, gsize len)
{
  g_autofree char *cut = g_strndup (s, MIN (len, 64));
  char *escaped = g_strescape (cut, NULL);
  if (len <= 64)
    return escaped;
  char *with_dots = g_strconcat (escaped, "...", NULL);
  g_free (escaped);
  return with_dots;
}

/* Where a group or key was first seen: "GROUP" or "GROUP\nKEY" -> line. */
typedef struct
{
  GHashTable *seen;
  char *group; /* the current group, NULL before the first */
} Scan;

static gboolean
check_group (Scan *sc, const char *p, gsize n, const char *path, guint line, GError **error)
{
  /* "[NAME]", trailing blanks allowed. */
  while (n > 0 && g_ascii_isspace (p[n - 1]))
    n--;
  if (n < 2 || p[n - 1] != ']')
    return fail_at (error, path, line, "a group header starts with '[' but does not end with ']'");
  const char *name = p + 1;
  gsize len = n - 2;
  if (len == 0)
    return fail_at (error, path, line, "empty group name '[]'; name the group, as in [test]");
  for (gsize i = 0; i < len; i++)
    if (name[i] == '[' || name[i] == ']' || (guchar)name[i] < 0x20 || name[i] == 0x7f)
      return fail_at (error, path, line, "the group name has a '[', ']' or control character");
  g_free (sc->group);
  sc->group = g_strndup (name, len);
  gpointer first = g_hash_table_lookup (sc->seen, sc->group);
  if (first != NULL)
    {
      g_autofree char *g = shown (name, len);
      return fail_at (error, path, line,
                      "group [%s] appears a second time (first at line %u); put its keys in one "
                      "group",
                      g, GPOINTER_TO_UINT (first));
    }
  g_hash_table_insert (sc->seen, g_strdup (sc->group), GUINT_TO_POINTER (line));
  return TRUE;
}

static gboolean
check_key (Scan *sc, const char *p, gsize n, const char *path, guint line, GError **error)
{
  const char *eq = memchr (p, '=', n);
  if (eq == NULL)
    return fail_at (error, path, line,
                    "this line is not KEY=VALUE, a [group] header, a # comment or blank");
  gsize klen = (gsize)(eq - p);
  while (klen > 0 && g_ascii_isspace (p[klen - 1]))
    klen--;
  if (klen == 0)
    return fail_at (error, path, line, "'=' with no key before it");
  g_autofree char *k = shown (p, klen);
  for (gsize i = 0; i < klen; i++)
    if ((guchar)p[i] < 0x20 || p[i] == 0x7f || p[i] == '[' || p[i] == ']')
      {
        /* KEY[locale] is GKeyFile's localised key; ktstr has none. */
        return fail_at (error, path, line, "key '%s' has a '[', ']' or control character", k);
      }
  if (sc->group == NULL)
    return fail_at (error, path, line, "key '%s' comes before any [group] header", k);
  /* A value ending in an odd number of backslashes ends in an escape
   * with nothing to escape. */
  gsize end = n;
  while (end > (gsize)(eq - p) + 1 && g_ascii_isspace (p[end - 1]))
    end--;
  gsize backslashes = 0;
  while (end > (gsize)(eq - p) + 1 && p[end - 1] == '\\')
    {
      backslashes++;
      end--;
    }
  if (backslashes % 2 == 1)
    return fail_at (error, path, line,
                    "the value of '%s' ends in a lone backslash (write \\\\ for one)", k);
  g_autofree char *id = g_strdup_printf ("%s\n%.*s", sc->group, (int)klen, p);
  gpointer first = g_hash_table_lookup (sc->seen, id);
  if (first != NULL)
    {
      g_autofree char *g = g_strescape (sc->group, NULL);
      return fail_at (error, path, line,
                      "key '%s' appears a second time in [%s] (first at line %u); keep one", k, g,
                      GPOINTER_TO_UINT (first));
    }
  g_hash_table_insert (sc->seen, g_steal_pointer (&id), GUINT_TO_POINTER (line));
  return TRUE;
}

static gboolean
check_text (const char *text, gsize len, const char *path, GError **error)
{
  const char *nul = memchr (text, '\0', len);
  if (nul != NULL)
    {
      guint line = 1;
      for (const char *c = text; c < nul; c++)
        line += *c == '\n';
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                   "%s:%u: byte %" G_GSIZE_FORMAT " is a NUL byte; a key file is text", path, line,
                   (gsize)(nul - text));
      return FALSE;
    }
  Scan sc = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), NULL };
  gboolean ok = TRUE;
  guint line = 0;
  for (const char *p = text; ok && p < text + len;)
    {
      const char *eol = memchr (p, '\n', (gsize)(text + len - p));
      gsize n = eol != NULL ? (gsize)(eol - p) : (gsize)(text + len - p);
      line++;
      if (!g_utf8_validate (p, (gssize)n, NULL))
        ok = fail_at (error, path, line, "this line is not valid UTF-8");
      else
        {
          const char *s = p;
          gsize m = n;
          while (m > 0 && g_ascii_isspace (*s))
            {
              s++;
              m--;
            }
          if (m == 0 || *s == '#')
            ;
          else if (*s == '[')
            ok = check_group (&sc, s, m, path, line, error);
          else
            ok = check_key (&sc, s, m, path, line, error);
        }
      p += n + (eol != NULL);
    }
  g_hash_table_unref (sc.seen);
  g_free (sc.group);
  return ok;
}

gboolean
ktstr_keyfile_load_checked (GKeyFile *kf, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!ktstr_read_regular_file (path, KTSTR_KEYFILE_MAX_BYTES, &text, &len, error))
    return FALSE;
  if (!check_text (text, len, path, error))
    return FALSE;
  g_autoptr (GError) local = NULL;
  if (!g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, &local))
    {
      /* The check above should have caught whatever GKeyFile refuses. */
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}
