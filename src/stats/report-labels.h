/* Row labels of the HTML report: what differs between the rows shown.
 *
 * A pairing key names every dimension (test, topology, scheduler, work
 * type, commits, run source, flags), most of which are the same for every
 * row of one page; printed whole they crowd out what tells the rows apart
 * (a table cell or a chart's label column cuts them off).  So the report
 * labels each row with the test and only the parts some row differs in,
 * and says once, above, what every row shares.  The comparison table and
 * the metric figures use the same labels, so a row reads the same in
 * both. */
#ifndef KTSTR_STATS_REPORT_LABELS_H
#define KTSTR_STATS_REPORT_LABELS_H

#include <glib.h>

#include "stats/row.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean slicing[KTSTR_DIM_COUNT];
  guint n_parts;
  const char *names[KTSTR_DIM_COUNT + 1];
  gboolean varies[KTSTR_DIM_COUNT + 1];
  char *first[KTSTR_DIM_COUNT + 1]; /* the first row's part, owned */
} KtstrReportLabels;

/* Starts labels over the pairing key without the SLICING dimensions. */
void ktstr_report_labels_init (KtstrReportLabels *labels, const gboolean slicing[KTSTR_DIM_COUNT]);
void ktstr_report_labels_clear (KtstrReportLabels *labels);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KtstrReportLabels, ktstr_report_labels_clear)

/* Counts ROW among the rows shown: its parts that differ from the first
 * row's vary. */
void ktstr_report_labels_add (KtstrReportLabels *labels, const KtstrStatsRow *row);

/* ROW's label: the test and the parts that vary, joined by '/' ("-" for
 * an empty part). */
char *ktstr_report_labels_of (const KtstrReportLabels *labels, const KtstrStatsRow *row);

/* Appends "<p>Rows are labelled test/topology; every row has kernel …,
 * scheduler …. HINT</p>" (HINT may be NULL). */
void ktstr_report_labels_describe (const KtstrReportLabels *labels, GString *out, const char *hint);

G_END_DECLS

#endif
