/* The report of bare `ktstr-stats` (ktstr-stats(1)):
 * gauntlet analysis of one run directory -- outliers, then pass/skip/fail
 * summaries by scenario, topology and work type -- followed by the BPF
 * verifier, BPF callback-profile and KVM sections when any sidecar carries
 * that data. */
#ifndef KTSTR_STATS_ANALYSIS_H
#define KTSTR_STATS_ANALYSIS_H

#include <glib.h>

G_BEGIN_DECLS

/* Rows are KtstrStatsRow*; the sections read SIDECARS (KtstrSidecar*,
 * parallel to ROWS).  Returns "" when there are no rows. */
char *ktstr_stats_format_analysis (GPtrArray *rows, GPtrArray *sidecars);

/* The directory bare `ktstr-stats` reads: KTSTR_SIDECAR_DIR when set and
 * non-empty, else the newest run directory under ROOT by mtime (ties broken
 * by name), else NULL. */
char *ktstr_stats_analysis_dir (const char *root);

G_END_DECLS

#endif
