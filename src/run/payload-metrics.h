/* Payload results on the host: the guest's "payload" messages
 * (common/proto.h), the numeric leaves of a JSON payload's output as
 * metrics ("jobs.0.read.iops"), and the [payload NAME] checks of the test
 * file (min, max, range, exists, exit_code). */
#ifndef KTSTR_PAYLOAD_METRICS_H
#define KTSTR_PAYLOAD_METRICS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "record/sidecar.h"
#include "testdef/testdef.h"

G_BEGIN_DECLS

typedef struct
{
  char *name;
  guint64 elapsed_ms;
  gint32 exit_code;
  gboolean is_killed;
  char *out;
  char *err;
} KtstrPayloadResult;

void ktstr_payload_result_free (KtstrPayloadResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrPayloadResult, ktstr_payload_result_free)

/* From a "payload" message; NULL and a KTSTR_REPORT_ERROR (eval/report.h)
 * when name or exit_code is missing or of the wrong type. */
KtstrPayloadResult *ktstr_payload_result_from_json (JsonObject *obj, GError **error);

/* The metrics of R (INDEX: its position among the payload runs) as DEF
 * says to read them, and the reasons its checks fail added to REASONS. */
KtstrPayloadMetrics *ktstr_payload_evaluate (const KtstrPayloadDef *def,
                                             const KtstrPayloadResult *r, guint index,
                                             GPtrArray *reasons);

G_END_DECLS

#endif
