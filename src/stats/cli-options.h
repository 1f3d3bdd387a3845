/* Options shared by the ktstr-stats commands that read the sidecar pool
 * (`compare`, `noise`): the dimension filters (shared --X, and for compare
 * the per-side --a-X / --b-X), and the significance settings --alpha and
 * --fdr with their validation.  Private to the command implementations. */
#ifndef KTSTR_STATS_CLI_OPTIONS_H
#define KTSTR_STATS_CLI_OPTIONS_H

#include <glib.h>

#include "stats/compare.h"
#include "stats/filter.h"
#include "stats/revision.h"

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
  char *repo;                        /* --repo: where revisions resolve (NULL: cwd) */
  char *kernel_repo;                 /* --kernel-repo: same for kernel commits */
  /* The commit values after ktstr_stats_filter_options_expand_revisions,
   * and how each was given (char*, owned); NULL: not expanded. */
  GPtrArray *expanded[KTSTR_DIM_COUNT][3];
  GPtrArray *labels[KTSTR_DIM_COUNT][3];
} KtstrStatsFilterOptions;

/* The GOptionEntry slots ktstr_stats_filter_options_add fills. */
#define KTSTR_STATS_FILTER_OPTION_COUNT(with_sides) (KTSTR_DIM_COUNT * ((with_sides) ? 3 : 1) + 2)

void ktstr_stats_filter_options_init (KtstrStatsFilterOptions *fo);
void ktstr_stats_filter_options_clear (KtstrStatsFilterOptions *fo);

/* Appends the filter options to ENTRIES at *N: the shared ones, with
 * WITH_SIDES the per-side ones, and --repo and --kernel-repo.  ENTRIES
 * needs room for KTSTR_STATS_FILTER_OPTION_COUNT (WITH_SIDES) entries. */
void ktstr_stats_filter_options_add (KtstrStatsFilterOptions *fo, GOptionEntry *entries, guint *n,
                                     gboolean with_sides);

/* Reads the project and kernel commit values of every side as git
 * revisions (see revision.h): literals stay, revisions become their
 * commits, ranges every commit in them.  FALSE with *MESSAGE (owned)
 * naming the option and the value when one does not resolve. */
gboolean ktstr_stats_filter_options_expand_revisions (KtstrStatsFilterOptions *fo, char **message);

/* The filter of SIDE: its own values where given, else the shared ones;
 * flags given as comma-separated lists are split; commits as expanded by
 * ktstr_stats_filter_options_expand_revisions when it ran. */
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
