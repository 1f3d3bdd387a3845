/* `ktstr-stats explain-sidecar`: why the nullable fields of a run's
 * sidecars are null.
 *
 * The walk reads every sidecar of one run directory (and of its direct
 * subdirectories, as the pool does) and keeps three kinds of file apart:
 * valid sidecars, corrupt ones (not JSON, or not the schema: each with
 * the error and a hint on what to do) and files that could not be read.
 * For each nullable field (explain-catalog.h) it counts the sidecars that
 * have it null and set, and the nulls by cause.  Nothing is rewritten:
 * run_source reads as stored, even under --dir. */
#ifndef KTSTR_STATS_EXPLAIN_H
#define KTSTR_STATS_EXPLAIN_H

#include <glib.h>

#include "stats/explain-catalog.h"

G_BEGIN_DECLS

#define KTSTR_STATS_EXPLAIN_ERROR (ktstr_stats_explain_error_quark ())
GQuark ktstr_stats_explain_error_quark (void);

typedef enum
{
  KTSTR_STATS_EXPLAIN_ERROR_NO_SIDECARS, /* the run holds no sidecar file at all */
  KTSTR_STATS_EXPLAIN_ERROR_IO,          /* the run directory itself cannot be listed */
} KtstrStatsExplainError;

/* A file the walk could not use. */
typedef struct
{
  char *path;
  char *error; /* what went wrong */
  char *hint;  /* what to do about it; NULL for I/O errors */
} KtstrExplainProblem;

typedef struct
{
  guint null_count;
  guint set_count;
  guint by_cause[KTSTR_EXPLAIN_MAX_CAUSES];
} KtstrExplainCount;

typedef struct
{
  char *dir;
  guint walked; /* sidecar files found, readable or not */
  guint valid;
  GPtrArray *corrupt;   /* KtstrExplainProblem* */
  GPtrArray *io_errors; /* KtstrExplainProblem* */
  const KtstrExplainField *fields;
  guint n_fields;
  KtstrExplainCount *counts; /* one per field */
} KtstrExplainReport;

void ktstr_explain_report_free (KtstrExplainReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrExplainReport, ktstr_explain_report_free)

/* Walks DIR (a run directory).  NULL with ERROR when DIR cannot be listed
 * or holds no sidecar file; corrupt and unreadable files are part of the
 * report, not errors. */
KtstrExplainReport *ktstr_explain_run (const char *dir, GError **error);

/* The report as text, or as JSON (see ktstr-stats(1)); newline-terminated. */
char *ktstr_explain_format (const KtstrExplainReport *report, const char *run, gboolean as_json);

G_END_DECLS

#endif
