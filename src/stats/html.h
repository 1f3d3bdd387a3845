/* Small pieces of the HTML report: escaping text for HTML and SVG,
 * numbers in the compact form axes and tooltips use, and the nice-number
 * ticks of an axis (steps of 1, 2 or 5 times a power of ten, so that tick
 * labels read as round numbers). */
#ifndef KTSTR_STATS_HTML_H
#define KTSTR_STATS_HTML_H

#include <glib.h>

G_BEGIN_DECLS

/* Appends TEXT with &, <, >, " and ' escaped (safe in text and in quoted
 * attributes of both HTML and SVG); NULL appends nothing. */
void ktstr_html_escape (GString *out, const char *text);
/* ktstr_html_escape, with a line-break opportunity (<wbr>) after each
 * character of TEXT that is in AFTER: a long identifier ("steady/CpuSpin",
 * "worst_wake_latency_tail_ratio") wraps at its separators in a narrow
 * table cell instead of widening the table. */
void ktstr_html_escape_breakable (GString *out, const char *text, const char *after);
/* TEXT (a console log, a failure report) made fit for a page: valid
 * UTF-8, terminal escape sequences and other control characters but
 * newlines and tabs removed. */
char *ktstr_html_clean_text (const char *text);
/* printf whose string arguments are escaped (g_markup_printf_escaped). */
void ktstr_html_printf (GString *out, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* "0", "12.5", "1.23k", "4.5M", "0.0123", "-3"; at most 3-4 significant
 * digits, for axis labels. */
char *ktstr_format_compact (double value);
/* Up to 6 significant digits, for tooltips and tables. */
char *ktstr_format_precise (double value);

/* Ticks covering [*LO, *HI] (widened to the outer ticks), about TARGET of
 * them.  LO == HI gets a range around the value.  Returns the tick values
 * (double), in increasing order. */
GArray *ktstr_nice_ticks (double *lo, double *hi, guint target);

/* A linear map from [lo, hi] to pixels [px0, px1]. */
typedef struct
{
  double lo, hi;
  double px0, px1;
} KtstrScale;

double ktstr_scale_map (const KtstrScale *scale, double value);

G_END_DECLS

#endif
