#include "config.h"

#include <math.h>
#include <string.h>

#include "stats/html.h"

void
ktstr_html_escape (GString *out, const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p++)
    switch (*p)
      {
      case '&':
        g_string_append (out, "&amp;");
        break;
      case '<':
        g_string_append (out, "&lt;");
        break;
      case '>':
        g_string_append (out, "&gt;");
        break;
      case '"':
        g_string_append (out, "&quot;");
        break;
      case '\'':
        g_string_append (out, "&#39;");
        break;
      default:
        g_string_append_c (out, *p);
      }
}

void
ktstr_html_escape_breakable (GString *out, const char *text, const char *after)
{
  for (const char *p = text; p != NULL && *p != '\0'; p++)
    {
      char one[2] = { *p, '\0' };
      ktstr_html_escape (out, one);
      if (strchr (after, *p) != NULL && p[1] != '\0')
        g_string_append (out, "<wbr>");
    }
}

char *
ktstr_html_clean_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p++)
    {
      unsigned char c = (unsigned char)*p;
      if (c == 0x1b)
        {
          /* CSI: ESC [ parameters final-byte; OSC: ESC ] ... BEL or ESC \. */
          if (p[1] == '[')
            {
              p += 2;
              while (*p != '\0' && !((unsigned char)*p >= 0x40 && (unsigned char)*p <= 0x7e))
                p++;
            }
          else if (p[1] == ']')
            {
              p += 2;
              while (*p != '\0' && *p != '\a' && !(*p == 0x1b && p[1] == '\\'))
                p++;
              if (*p == 0x1b)
                p++;
            }
          else if (p[1] != '\0')
            p++;
          if (*p == '\0')
            break;
          continue;
        }
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
        continue;
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

void
ktstr_html_printf (GString *out, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *text = g_markup_vprintf_escaped (format, ap);
  va_end (ap);
  g_string_append (out, text);
}

/* "%.*g" without a trailing exponent: FIGS significant digits, plain. */
static char *
plain (double v, int figs)
{
  if (v == 0.0)
    return g_strdup ("0");
  int magnitude = (int)floor (log10 (fabs (v)));
  int decimals = MAX (0, figs - 1 - magnitude);
  g_autofree char *text = g_strdup_printf ("%.*f", decimals, v);
  /* Trailing zeros of the fraction say nothing. */
  if (strchr (text, '.') != NULL)
    {
      char *end = text + strlen (text) - 1;
      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }
  if (strcmp (text, "-0") == 0)
    return g_strdup ("0");
  return g_steal_pointer (&text);
}

char *
ktstr_format_compact (double v)
{
  static const struct
  {
    double scale;
    const char *suffix;
  } units[] = { { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e4, "k" } };
  if (!isfinite (v))
    return g_strdup ("-");
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (fabs (v) >= units[i].scale)
      {
        /* 12 000 reads "12k", 12 500 "12.5k". */
        double scaled = v / (units[i].scale == 1e4 ? 1e3 : units[i].scale);
        g_autofree char *num = plain (scaled, 3);
        return g_strconcat (num, units[i].scale == 1e4 ? "k" : units[i].suffix, NULL);
      }
  if (fabs (v) > 0.0 && fabs (v) < 1e-3)
    return g_strdup_printf ("%.2g", v);
  return plain (v, 4);
}

char *
ktstr_format_precise (double v)
{
  if (!isfinite (v))
    return g_strdup ("-");
  if (v != 0.0 && (fabs (v) >= 1e15 || fabs (v) < 1e-4))
    return g_strdup_printf ("%.6g", v);
  return plain (v, 6);
}

static double
nice_step (double span, guint target)
{
  double raw = span / MAX (target, 1);
  double power = pow (10.0, floor (log10 (raw)));
  double f = raw / power;
  double nice = f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0;
  return nice * power;
}

GArray *
ktstr_nice_ticks (double *lo, double *hi, guint target)
{
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (double));
  if (!isfinite (*lo) || !isfinite (*hi))
    {
      *lo = 0.0;
      *hi = 1.0;
    }
  if (*hi < *lo)
    {
      double t = *lo;
      *lo = *hi;
      *hi = t;
    }
  if (*hi - *lo < 1e-12 * MAX (1.0, fabs (*hi)))
    {
      /* One value: a range around it that includes 0 when near it. */
      double pad = *lo != 0.0 ? fabs (*lo) * 0.1 : 1.0;
      *lo -= pad;
      *hi += pad;
    }
  double step = nice_step (*hi - *lo, target);
  double first = floor (*lo / step) * step;
  double last = ceil (*hi / step) * step;
  *lo = first;
  *hi = last;
  for (guint i = 0; i < 100; i++)
    {
      double t = first + i * step;
      if (t > last + step * 1e-9)
        break;
      /* Snap values like 0.30000000000000004 to the step's grid. */
      t = round (t / step) * step;
      if (fabs (t) < step * 1e-9)
        t = 0.0;
      g_array_append_val (ticks, t);
    }
  return ticks;
}

double
ktstr_scale_map (const KtstrScale *s, double v)
{
  if (s->hi == s->lo)
    return (s->px0 + s->px1) / 2.0;
  return s->px0 + (v - s->lo) / (s->hi - s->lo) * (s->px1 - s->px0);
}
