/* Options shared by the ktstr-stats commands that read the sidecar pool
 * (`compare`, `noise`): the dimension filters (shared --X, and for compare
 * the per-side --a-X / --b-X), and the significance settings --alpha and
 * --fdr with their validation.  Private to the command implementations. */
#ifndef KTSTR_STATS_CLI_OPTIONS_H
#define KTSTR_STATS_CLI_OPTIONS_H

#include <glib.h>

#include "stats/compare.h"
#include "stats/filter.h"

G_BEGIN_DECLS

typedef enum
{
  KTSTR_FILTER_SHARED, /* --X: both sides (or the only selection) */
  KTSTR_FILTER_SIDE_A, /* --a-X */
  KTSTR_FILTER_SIDE_B, /* --b-X */
} KtstrFilterSide;

typedef struct
{
  char **values[KTSTR_DIM_COUNT][3]; /* indexed by KtstrFilterSide */
  GPtrArray *help_text;              /* owned option descriptions */
} KtstrStatsFilterOptions;

void ktstr_stats_filter_options_init (KtstrStatsFilterOptions *fo);
void ktstr_stats_filter_options_clear (KtstrStatsFilterOptions *fo);

/* Appends the filter options to ENTRIES at *N: the shared ones, and with
 * WITH_SIDES the per-side ones.  ENTRIES needs room for
 * KTSTR_DIM_COUNT * (WITH_SIDES ? 3 : 1) entries. */
void ktstr_stats_filter_options_add (KtstrStatsFilterOptions *fo, GOptionEntry *entries, guint *n,
                                     gboolean with_sides);

/* The filter of SIDE: its own values where given, else the shared ones;
 * flags given as comma-separated lists are split. */
void ktstr_stats_filter_options_resolve (const KtstrStatsFilterOptions *fo, KtstrFilterSide side,
                                         KtstrStatsFilter *out);

/* One GOptionEntry, cleared and filled in. */
void ktstr_stats_option_entry (GOptionEntry *entries, guint *n, const char *long_name,
                               char short_name, GOptionArg arg, gpointer data,
                               const char *description, const char *arg_description);

/* --alpha TEXT and --fdr TEXT (either may be NULL: the default) into OUT.
 * FALSE with *MESSAGE (owned) naming the option, the value and a valid
 * example when one is not a number in (0, 1) ("off" turns --fdr off). */
gboolean ktstr_stats_parse_significance (const char *alpha, const char *fdr,
                                         KtstrStatsSignificance *out, char **message);

/* A non-negative percentage ("10", "2.5") for OPTION; FALSE with *MESSAGE. */
gboolean ktstr_stats_parse_percent (const char *option, const char *text, double *out,
                                    char **message);

G_END_DECLS

#endif
