/* Kernel arguments from users and definitions: see kargs.h. */
#include "config.h"

#include "sched/kargs.h"

#include <string.h>

GQuark
ktstr_kargs_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-kargs-error-quark");
}

/* What ktstr puts on the command line itself (runner.c). */
static const char *const reserved[] = { "console=", "rdinit=", "init=", "panic=", "ktstr.", NULL };

char **
ktstr_kargs_split (const char *arg, GError **error)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autoptr (GString) word = g_string_new (NULL);
  gboolean quoted = FALSE, in_word = FALSE;
  for (const char *p = arg; *p; p++)
    {
      if ((guchar)*p < 0x20 && *p != '\t' && *p != '\n')
        {
          g_set_error (error, KTSTR_KARGS_ERROR, KTSTR_KARGS_ERROR_INVALID,
                       "'%s' holds a control character", arg);
          return NULL;
        }
      /* The kernel separates words by any whitespace outside quotes. */
      if (!quoted && g_ascii_isspace (*p))
        {
          if (in_word)
            g_strv_builder_add (b, word->str);
          g_string_truncate (word, 0);
          in_word = FALSE;
          continue;
        }
      if (*p == '"')
        quoted = !quoted;
      g_string_append_c (word, *p);
      in_word = TRUE;
    }
  if (quoted)
    {
      g_set_error (error, KTSTR_KARGS_ERROR, KTSTR_KARGS_ERROR_INVALID,
                   "'%s' has an unbalanced double quote", arg);
      return NULL;
    }
  if (in_word)
    g_strv_builder_add (b, word->str);
  return g_strv_builder_end (b);
}

gboolean
ktstr_kargs_check (const char *const *kargs, const char *origin, GError **error)
{
  for (const char *const *k = kargs; k != NULL && *k != NULL; k++)
    {
      g_autoptr (GError) local = NULL;
      g_auto (GStrv) words = ktstr_kargs_split (*k, &local);
      if (words == NULL)
        {
          g_set_error (error, KTSTR_KARGS_ERROR, local->code, "%s: %s", origin, local->message);
          return FALSE;
        }
      for (char **w = words; *w != NULL; w++)
        {
          /* The kernel reads a leading quote as part of the parameter. */
          const char *word = **w == '"' ? *w + 1 : *w;
          if (g_str_equal (word, "--"))
            {
              g_set_error (error, KTSTR_KARGS_ERROR, KTSTR_KARGS_ERROR_RESERVED,
                           "%s '%s': '--' would pass the rest of the command line to ktstr's "
                           "guest agent; it cannot be given",
                           origin, *k);
              return FALSE;
            }
          for (const char *const *r = reserved; *r != NULL; r++)
            if (g_str_has_prefix (word, *r))
              {
                g_set_error (error, KTSTR_KARGS_ERROR, KTSTR_KARGS_ERROR_RESERVED,
                             "%s '%s': ktstr sets %s itself; it cannot be overridden", origin, *k,
                             *r);
                return FALSE;
              }
        }
    }
  return TRUE;
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

gboolean
ktstr_kargs_check_sysctl (const char *setting, const char *origin, GError **error)
{
  const char *s = g_str_has_prefix (setting, "sysctl.") ? setting + strlen ("sysctl.") : setting;
  const char *eq = strchr (s, '=');
  const char *why = NULL;
  if (eq == NULL || eq == s)
    why = "is not key=value";
  else
    {
      /* NAME: words separated by single dots or slashes. */
      gboolean at_start = TRUE;
      for (const char *p = s; p < eq && why == NULL; p++)
        {
          if (*p == '.' || *p == '/')
            {
              if (at_start)
                why = "has an empty part in its name";
              at_start = TRUE;
            }
          else if (is_name_char (*p))
            at_start = FALSE;
          else
            why = "has a name of other than letters, digits, '_', '-', '.' and '/'";
        }
      if (why == NULL && at_start)
        why = "has a name ending in '.' or '/'";
      if (why == NULL && eq[1] == '\0')
        why = "has an empty value";
      for (const char *p = eq + 1; why == NULL && *p; p++)
        if ((guchar)*p <= 0x20 || *p == 0x7f || *p == '"')
          why = "has a value that is not one word without quotes (it goes on the kernel command "
                "line)";
    }
  if (why == NULL)
    return TRUE;
  g_set_error (error, KTSTR_KARGS_ERROR, KTSTR_KARGS_ERROR_INVALID, "%s: '%s' %s", origin, setting,
               why);
  return FALSE;
}
