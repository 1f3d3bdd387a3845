/* Row filters of `stats compare` (doc/stats-compare.md, "Selecting the two
 * sides"):
 * one list of wanted values per slicing dimension.
 *
 * Lists combine with AND across dimensions.  Within a dimension the values
 * are OR-ed (any may match, by strict equality), except that FLAGS is AND-ed
 * (every listed flag must be active) and that a two-segment all-digit
 * kernel ("6.12") also matches its point releases ("6.12.3").  A populated
 * list never matches a null field: `--project-commit unknown` does not
 * select sidecars whose project_commit is null. */
#ifndef KTSTR_STATS_FILTER_H
#define KTSTR_STATS_FILTER_H

#include <glib.h>

#include "stats/row.h"

G_BEGIN_DECLS

typedef struct
{
  GPtrArray *values[KTSTR_DIM_COUNT]; /* char*, owned; never NULL */
  /* How the values were given, for the side label, where that differs
   * from the values: a git range stands for many commits.  char*, owned;
   * NULL: the values themselves. */
  GPtrArray *labels[KTSTR_DIM_COUNT];
} KtstrStatsFilter;

KtstrStatsFilter *ktstr_stats_filter_new (void);
void ktstr_stats_filter_free (KtstrStatsFilter *filter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrStatsFilter, ktstr_stats_filter_free)

void ktstr_stats_filter_add (KtstrStatsFilter *filter, KtstrStatsDim dim, const char *value);
/* Sets how DIM's values are shown in the side label (LABELS NULL: as
 * they are). */
void ktstr_stats_filter_set_labels (KtstrStatsFilter *filter, KtstrStatsDim dim,
                                    const char *const *labels);
/* Replaces DIM's list with VALUES (a per-side flag overriding a shared one). */
void ktstr_stats_filter_set (KtstrStatsFilter *filter, KtstrStatsDim dim,
                             const char *const *values);

gboolean ktstr_stats_filter_matches (const KtstrStatsFilter *filter, const KtstrStatsRow *row);
gboolean ktstr_stats_kernel_matches (const char *wanted, const char *row_kernel);

/* Marks in SLICING the dimensions whose sorted, deduplicated value lists
 * differ between A and B; returns how many do. */
guint ktstr_stats_derive_slicing (const KtstrStatsFilter *a, const KtstrStatsFilter *b,
                                  gboolean slicing[KTSTR_DIM_COUNT]);

/* The side label: for each slicing dimension its values (or labels, when
 * set) sorted and joined by '|' (BARE when there are none or more than
 * three), dimensions joined by ':'; BARE when nothing slices. */
char *ktstr_stats_side_label (const KtstrStatsFilter *filter,
                              const gboolean slicing[KTSTR_DIM_COUNT], const char *bare);

G_END_DECLS

#endif
