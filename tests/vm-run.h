/* Shared by the VM-tier test programs: running `ktstr test` in a fresh git
 * repository against the test kernel, and reading back its sidecars. */
#ifndef KTSTR_TESTS_VM_RUN_H
#define KTSTR_TESTS_VM_RUN_H

#include <glib.h>

#include "record/sidecar.h"

typedef struct
{
  char *cwd;  /* the temporary git repository ktstr ran in */
  int status; /* wait status */
  char *out;
  char *err;
  double seconds;
} KtstrVmRun;

/* $KTSTR_TOP_BUILDDIR (or "."). */
const char *ktstr_vm_test_builddir (void);
/* $KTSTR_TEST_KERNEL (tests/fixtures.sh sets it from the fixtures), or
 * NULL. */
const char *ktstr_vm_test_kernel (void);
/* FALSE (and the test skipped with the reason) unless KTSTR_VM_TESTS=1 and
 * a kernel is available. */
gboolean ktstr_vm_test_need_vm (void);

/* A temporary directory holding a git repository with one commit, so the
 * run directory carries a real commit key. */
char *ktstr_vm_test_make_repo (const char *prefix);
void ktstr_vm_test_remove_tree (const char *dir);

/* Runs `ktstr test --kernel=KERNEL ARGS…` in R->cwd (a fresh repository
 * when NULL), with ENV_EXTRA (name, value pairs, NULL-terminated) added and
 * KTSTR_SIDECAR_DIR / CARGO_TARGET_DIR removed from the environment. */
void ktstr_vm_run (KtstrVmRun *r, const char *kernel, const char *const *args,
                   const char *const *env_extra);
int ktstr_vm_run_exit_code (const KtstrVmRun *r);
/* Removes R->cwd and frees everything. */
void ktstr_vm_run_clear (KtstrVmRun *r);

/* Every sidecar of the run directories under CWD/target/ktstr. */
GPtrArray *ktstr_vm_test_load_sidecars (const char *cwd);
/* The sidecar of TEST (by file name prefix) under CWD/target/ktstr; fails
 * the test when there is none.  *DIR_OUT (if non-NULL) gets its directory. */
KtstrSidecar *ktstr_vm_test_load_sidecar (const char *cwd, const char *test, char **dir_out);

#endif
