/* What `ktstr verifier` prints: the verified instruction count of each
 * struct_ops program of a scheduler, per kernel and flag profile it was
 * loaded under, as a text table or a JSON document.
 *
 * The kernel's verifier gives up on a program once it has processed
 * 1,000,000 instructions (BPF_COMPLEXITY_LIMIT_INSNS); the count a loaded
 * program reports (bpf_prog_info.verified_insns) is that same processed
 * count, so its share of the limit says how close a change brings the
 * program to being rejected.  From 75 % on a program is flagged: a
 * scheduler that grows a loop or an inlined helper crosses the rest of the
 * way quickly, and usually on another kernel first. */
#ifndef KTSTR_VERIFIER_REPORT_H
#define KTSTR_VERIFIER_REPORT_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_VERIFIER_INSN_LIMIT 1000000u
#define KTSTR_VERIFIER_WARN_PERCENT 75.0

/* One load of the scheduler: on one kernel, under one profile. */
typedef struct
{
  char *kernel;        /* how the kernel is named in the output */
  char *profile;       /* "default" or "a+b" (sched/profiles names) */
  gboolean is_loaded;  /* the scheduler became ready */
  GPtrArray *programs; /* KtstrVerifierStat* (record/sidecar.h), owned */
  char *error;         /* not loaded: why, one line */
  char *log;           /* not loaded: the verifier log (collapsed unless raw), or NULL */
} KtstrVerifierResult;

KtstrVerifierResult *ktstr_verifier_result_new (const char *kernel, const char *profile);
void ktstr_verifier_result_free (KtstrVerifierResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrVerifierResult, ktstr_verifier_result_free)

/* VERIFIED_INSNS as a percentage of the kernel's limit. */
double ktstr_verifier_percent (guint32 verified_insns);

/* RESULTS (KtstrVerifierResult*) as text: one row per program (in the
 * order they were first seen) and, for each load, its count and share of
 * the limit, "!" after a share from 75 %, "-" where that load lacks the
 * program and "FAILED" where it did not load; then, per failed load, the
 * reason and its verifier log.  Columns are named by the profile, or
 * KERNEL/PROFILE when there are several kernels. */
void ktstr_verifier_report_text (GPtrArray *results, GString *out);

/* One "warning: ..." line per program at or above 75 % in RESULTS,
 * appended to OUT; returns how many. */
guint ktstr_verifier_report_warnings (GPtrArray *results, GString *out);

/* RESULTS as the JSON document of ktstr(1) VERIFIER. */
char *ktstr_verifier_report_json (GPtrArray *results);

G_END_DECLS

#endif
