/* What a null sidecar field means: the catalog behind `ktstr-stats
 * explain-sidecar`.
 *
 * Every nullable field of the sidecar schema has a list of causes, each
 * with a classification (expected: nothing is wrong, the field does not
 * apply; actionable: something can be done about it) and, where one
 * change fixes it, a fix line.  The cause is decided per sidecar from
 * what the sidecar itself says (skipped, the accelerator, the verdict,
 * whether the key is in the file at all), so that the kvm_stats of a TCG
 * run reads "expected" and that of a KVM run under QEMU says how to get
 * them.  A new nullable field gets its row here. */
#ifndef KTSTR_STATS_EXPLAIN_CATALOG_H
#define KTSTR_STATS_EXPLAIN_CATALOG_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "record/sidecar.h"

G_BEGIN_DECLS

typedef enum
{
  KTSTR_EXPLAIN_EXPECTED,   /* the field does not apply to this run */
  KTSTR_EXPLAIN_ACTIONABLE, /* something can be done so the next run records it */
} KtstrExplainClass;

typedef struct
{
  const char *id;          /* stable, for JSON: "skipped", "tcg", ... */
  KtstrExplainClass klass; /* named klass: "class" is a C++ keyword */
  const char *cause;       /* one sentence */
  const char *fix;         /* NULL: no single fix */
} KtstrExplainCause;

#define KTSTR_EXPLAIN_MAX_CAUSES 6

typedef struct
{
  const char *name; /* the sidecar key */
  /* TRUE when SC has no value for the field. */
  gboolean (*is_null) (const KtstrSidecar *sc);
  /* Why it is null: an index into causes.  RAW is the file's top-level
   * object, to tell a key left out from a key written as null. */
  guint (*classify) (const KtstrSidecar *sc, JsonObject *raw);
  KtstrExplainCause causes[KTSTR_EXPLAIN_MAX_CAUSES]; /* ends at the first id NULL */
} KtstrExplainField;

/* The nullable fields in schema order; *N_FIELDS gets their number. */
const KtstrExplainField *ktstr_explain_fields (guint *n_fields);

const char *ktstr_explain_class_name (KtstrExplainClass klass); /* "expected" / "actionable" */

G_END_DECLS

#endif
