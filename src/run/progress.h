/* A run's progress: done/total, failures, what runs, ETA, kept by the
 * executor (executor.h).  The command line redraws it as one line on a
 * terminal; elsewhere each finished variant prints a plain line. */
#ifndef KTSTR_PROGRESS_H
#define KTSTR_PROGRESS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint total;
  guint done; /* finished, skipped or not run */
  guint failed;
  guint skipped;
  guint running;
  guint jobs; /* VMs at once */
  gint64 elapsed_us;
  double sum_run_s; /* wall time of the variants that ran */
  guint n_run;
} KtstrProgress;

/* Seconds left: the variants still to run times their mean wall time,
 * spread over the jobs; -1 before the first variant has finished. */
double ktstr_progress_eta_s (const KtstrProgress *p);

/* "[3/8] 1 failed, 2 running, 0:42 elapsed, ETA 1:10" */
char *ktstr_progress_format (const KtstrProgress *p);

G_END_DECLS

#endif
