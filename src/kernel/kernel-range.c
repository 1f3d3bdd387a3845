#include "config.h"

#include "kernel/kernel-range.h"

#include <string.h>

#include "kernel/kernel-cache.h"

GQuark
ktstr_kernel_range_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-kernel-range-error-quark");
}

/* A version as a range end: digits and dots starting with a digit, then
 * optionally '-' and letters or digits (6.12, 6.12.117, 6.13-rc2). */
static gboolean
is_version (const char *s, gsize len)
{
  gsize i = 0;
  if (len == 0 || !g_ascii_isdigit (s[0]))
    return FALSE;
  while (i < len && (g_ascii_isdigit (s[i]) || s[i] == '.'))
    i++;
  if (s[i - 1] == '.')
    return FALSE;
  if (i == len)
    return TRUE;
  if (s[i] != '-' || i + 1 == len)
    return FALSE;
  for (i++; i < len; i++)
    if (!g_ascii_isalnum (s[i]))
      return FALSE;
  return TRUE;
}

gboolean
ktstr_kernel_range_is_range (const char *text)
{
  const char *dots = strstr (text, "..");
  return dots != NULL && is_version (text, (gsize)(dots - text))
         && is_version (dots + 2, strlen (dots + 2));
}

/* Piece by piece: runs of digits as numbers, anything else as bytes. */
static int
version_compare (const char *a, const char *b)
{
  while (*a != '\0' && *b != '\0')
    {
      if (g_ascii_isdigit (*a) && g_ascii_isdigit (*b))
        {
          while (*a == '0' && g_ascii_isdigit (a[1]))
            a++;
          while (*b == '0' && g_ascii_isdigit (b[1]))
            b++;
          gsize na = strspn (a, "0123456789"), nb = strspn (b, "0123456789");
          if (na != nb)
            return na < nb ? -1 : 1;
          int c = strncmp (a, b, na);
          if (c != 0)
            return c;
          a += na;
          b += nb;
          continue;
        }
      if (*a != *b)
        return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
      a++;
      b++;
    }
  return (*a != '\0') - (*b != '\0');
}

int
ktstr_kernel_version_compare_bound (const char *version, const char *bound)
{
  gsize n = strlen (bound);
  if (strncmp (version, bound, n) == 0
      && (version[n] == '\0' || version[n] == '.' || version[n] == '-' || version[n] == '+'))
    return 0;
  return version_compare (version, bound);
}

gboolean
ktstr_kernel_range_parse (const char *text, char **start, char **end, GError **error)
{
  if (!ktstr_kernel_range_is_range (text))
    {
      g_set_error (error, KTSTR_KERNEL_RANGE_ERROR, KTSTR_KERNEL_RANGE_ERROR_INVALID,
                   "'%s' is not a kernel range: give START..END with a version at each end, "
                   "e.g. 6.10..6.12",
                   text);
      return FALSE;
    }
  const char *dots = strstr (text, "..");
  g_autofree char *s = g_strndup (text, (gsize)(dots - text));
  g_autofree char *e = g_strdup (dots + 2);
  /* 6.12..6.12 is every 6.12.x; only an end wholly before the start is
   * refused. */
  if (ktstr_kernel_version_compare_bound (s, e) > 0
      && ktstr_kernel_version_compare_bound (e, s) != 0)
    {
      g_set_error (error, KTSTR_KERNEL_RANGE_ERROR, KTSTR_KERNEL_RANGE_ERROR_INVERTED,
                   "kernel range '%s' starts after it ends; swap the endpoints (%s..%s)", text, e,
                   s);
      return FALSE;
    }
  *start = g_steal_pointer (&s);
  *end = g_steal_pointer (&e);
  return TRUE;
}

static int
compare_entry_versions (gconstpointer a, gconstpointer b)
{
  const KtstrCacheEntry *ea = *(KtstrCacheEntry *const *)a;
  const KtstrCacheEntry *eb = *(KtstrCacheEntry *const *)b;
  return version_compare (ea->version, eb->version);
}

GPtrArray *
ktstr_kernel_range_select (GPtrArray *entries, const char *range, const char *kconfig_hash,
                           guint *n_stale, GError **error)
{
  g_autofree char *start = NULL, *end = NULL;
  if (!ktstr_kernel_range_parse (range, &start, &end, error))
    return NULL;
  g_autoptr (GPtrArray) out = g_ptr_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) versions = g_ptr_array_new ();
  guint stale = 0;
  /* ENTRIES are newest first: the first build of a version is the one. */
  for (guint i = 0; i < entries->len; i++)
    {
      KtstrCacheEntry *e = entries->pdata[i];
      if (e->error != NULL || e->version == NULL)
        continue;
      if (kconfig_hash != NULL && g_strcmp0 (e->kconfig_hash, kconfig_hash) != 0)
        {
          if (ktstr_kernel_version_compare_bound (e->version, start) >= 0
              && ktstr_kernel_version_compare_bound (e->version, end) <= 0)
            stale++;
          continue;
        }
      if (!g_hash_table_add (seen, e->version))
        continue;
      g_ptr_array_add (versions, e->version);
      if (ktstr_kernel_version_compare_bound (e->version, start) >= 0
          && ktstr_kernel_version_compare_bound (e->version, end) <= 0)
        g_ptr_array_add (out, e);
    }
  if (n_stale != NULL)
    *n_stale = stale;
  if (out->len == 0)
    {
      g_ptr_array_add (versions, NULL);
      g_autofree char *have
          = versions->len > 1 ? g_strjoinv (", ", (char **)versions->pdata) : g_strdup ("none");
      g_set_error (error, KTSTR_KERNEL_RANGE_ERROR, KTSTR_KERNEL_RANGE_ERROR_EMPTY,
                   "no cached kernel lies in the range %s (cached versions: %s)%s; build one "
                   "with 'ktstr kernel build' or widen the range",
                   range, have,
                   stale > 0 ? "; entries in it built with another ktstr.kconfig are only used "
                               "by their full key"
                             : "");
      return NULL;
    }
  g_ptr_array_sort (out, compare_entry_versions);
  return g_steal_pointer (&out);
}
