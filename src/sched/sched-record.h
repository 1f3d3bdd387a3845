/* What the guest said about the scheduler under test: the "sched",
 * "verifier" and scheduler/kernel/dump "log" messages of common/proto.h,
 * gathered during one VM run for the verdict (sched-verdict.h), the
 * failure report and the sidecar. */
#ifndef KTSTR_SCHED_RECORD_H
#define KTSTR_SCHED_RECORD_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  gboolean is_expected;    /* the host asked for a scheduler */
  gboolean is_unsupported; /* the kernel has no sched_ext */
  char *unsupported_why;
  gboolean is_started;
  gboolean is_ready;
  char *ops;        /* root/ops at readiness */
  guint64 ready_ms; /* start to ready */
  gboolean is_not_ready;
  char *not_ready_why;
  char *not_ready_exit; /* "" when it still ran and was killed */
  gboolean not_ready_attached;
  gboolean has_exited; /* ended on its own during the run */
  char *exit;          /* "exited:N" / "signaled:N" */
  guint64 exit_ms;
  gboolean has_left_enabled;
  char *left_why;
  char *left_state;
  guint64 left_ms;
  gboolean is_stopped;
  char *stop_exit;
  char *stopped_by;
  gboolean is_detached;
  GPtrArray *log;      /* char*, the scheduler's output lines */
  GPtrArray *kernel;   /* char*, the kernel's sched_ext lines */
  GPtrArray *dump;     /* char*, sched_ext_dump tracepoint lines */
  GPtrArray *verifier; /* KtstrVerifierStat* (sidecar.h) */
  GKeyFile *checks;    /* borrowed: the definition's [checks] overrides, or NULL */
} KtstrSchedRecord;

KtstrSchedRecord *ktstr_sched_record_new (void);
void ktstr_sched_record_free (KtstrSchedRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrSchedRecord, ktstr_sched_record_free)

/* Takes one message of type TYPE ("sched", "verifier" or "log").
 * Returns FALSE when it is not about the scheduler (a "log" of another
 * src), so the caller handles it. */
gboolean ktstr_sched_record_feed (KtstrSchedRecord *rec, const char *type, JsonObject *obj);

G_END_DECLS

#endif
