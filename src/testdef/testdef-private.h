/* Shared by the test-definition loader files (testdef.c, testdef-steps.c,
 * testdef-render.c); not part of the module's public interface. */
#ifndef KTSTR_TESTDEF_PRIVATE_H
#define KTSTR_TESTDEF_PRIVATE_H

#include <glib.h>

#include "testdef/testdef.h"

/* Sets a KTSTR_TESTDEF_ERROR CODE whose message points into the file:
 * "PATH:LINE: [GROUP] KEY: message" (or "PATH:LINE: [GROUP]: message"
 * when KEY is NULL; util/keyfile.h).  Always returns FALSE, so callers
 * can `return ktstr_testdef_fail (…)`. */
gboolean ktstr_testdef_fail (GError **error, int code, const char *path, const char *group,
                             const char *key, const char *fmt, ...) G_GNUC_PRINTF (6, 7);

/* Reads the optional unsigned KEY of GROUP into *OUT (which keeps its
 * default when the key is absent); a value that is no whole number in
 * MIN..MAX is an error naming the file and key. */
gboolean ktstr_testdef_get_uint (GKeyFile *kf, const char *path, const char *group, const char *key,
                                 guint min, guint max, guint *out, GError **error);

/* [test] expect_err, memory_mb, cleanup_budget_ms, include_files and
 * swappable (testdef-run-keys.c): how the test is run and judged rather
 * than what runs in the guest. */
gboolean ktstr_testdef_load_run_keys (GKeyFile *kf, const char *path, KtstrTestDef *def,
                                      GError **error);

/* Where a line of the rendered plan comes from in the test file, so that
 * an error of the plan grammar (its line and field, common/plan.h) names
 * the group and key to fix. */
typedef enum
{
  KTSTR_ORIGIN_KEY,         /* KEY of GROUP (NULL: the group), whatever field is wrong */
  KTSTR_ORIGIN_CGROUP,      /* the cgroup line of [cgroup NAME] */
  KTSTR_ORIGIN_CGROUP_WORK, /* the work of [cgroup NAME] itself: work=, work.PARAM */
  KTSTR_ORIGIN_WORK_GROUP,  /* the work of [work CGROUP/LABEL] */
} KtstrPlanOriginKind;

typedef struct
{
  KtstrPlanOriginKind kind;
  char *group; /* without brackets: "cgroup a", "step 0" */
  char *key;   /* KTSTR_ORIGIN_KEY: the key, or NULL */
} KtstrPlanOrigin;

void ktstr_plan_origin_free (KtstrPlanOrigin *o);

/* The key of O's group that FIELD of a plan error (KtstrPlanError.field)
 * stands for, or NULL when the error is about the group as a whole. */
char *ktstr_plan_origin_key (const KtstrPlanOrigin *o, const char *field);

/* The plan DEF renders to at TOPOLOGY with GUARD_MS (0: no guard line).
 * When ORIGINS is non-NULL it receives a KtstrPlanOrigin per plan line
 * (owning them: make it with ktstr_plan_origin_free as free func). */
char *ktstr_testdef_render (const KtstrTestDef *def, const char *topology, guint guard_ms,
                            GPtrArray *origins);

#endif
