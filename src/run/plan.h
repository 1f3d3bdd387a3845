/* The plan of one `ktstr test` run: what the command line asked for
 * (KtstrRunRequest) turned into runners and the list of variants the
 * executor runs (variant.h, executor.h).
 *
 * This is the one place that assembles a runner's options: the scheduler
 * (none, a --scheduler binary, a --scheduler-file definition or a test's
 * scheduler=), its arguments (the definition's, then those after "--",
 * then its flags'), the kernel arguments (the definition's, then --karg,
 * none of them one ktstr sets itself), sysctls, checks and includes.  One
 * runner serves every variant with the same scheduler and flags.
 *
 * A plain run is one variant per test, at --topology (or the definition's
 * topology, or the test's own); a test whose constraints, scheduler or
 * flags rule it out is a recorded skip.  A gauntlet is every test x preset
 * x flag profile (gauntlet.h).  On several kernels the list is one such
 * list per kernel, one after the other, each variant's name ending in
 * "@{kernel version}", each kernel's sidecars in its own run directory.
 * Everything that can be refused without a
 * VM is refused here, before any VM boots: unknown flags, reserved kernel
 * arguments, a kernel without sched_ext for a scheduler, a --timeout too
 * short for a test, a --topology whose CPUs cannot hold a test's cpusets
 * (a gauntlet preset that cannot is a skip instead). */
#ifndef KTSTR_PLAN_H
#define KTSTR_PLAN_H

#include <glib.h>

#include "backends/backend.h"
#include "kernel/kernel.h"
#include "run/runner.h"
#include "run/variant.h"
#include "sched/scheduler-def.h"

G_BEGIN_DECLS

#define KTSTR_RUN_PLAN_ERROR (ktstr_run_plan_error_quark ())
GQuark ktstr_run_plan_error_quark (void);

typedef enum
{
  KTSTR_RUN_PLAN_ERROR_NO_TESTS,       /* nothing was selected */
  KTSTR_RUN_PLAN_ERROR_FLAGS,          /* --flags without a scheduler definition */
  KTSTR_RUN_PLAN_ERROR_KARG,           /* a kernel argument ktstr sets itself */
  KTSTR_RUN_PLAN_ERROR_SCHEDULER_ARGS, /* arguments after "--" but no scheduler */
  KTSTR_RUN_PLAN_ERROR_SCHEDULERS,     /* a gauntlet's tests name different schedulers */
  KTSTR_RUN_PLAN_ERROR_SAME_RUNDIR,    /* two kernels would share one run directory */
} KtstrRunPlanError;

/* What the command line asked for.  Every pointer is borrowed and must
 * outlive the plan (its runners point into them). */
typedef struct
{
  KtstrKernel *kernel; /* the kernel; with several, the first */
  /* Several kernels (KtstrKernel*, kernel-set.h): every test runs on each,
   * in this order; NULL or one entry: KERNEL alone. */
  GPtrArray *kernels;
  const KtstrBackend *backend;
  const char *topology; /* every test's; NULL: the definition's, else each test's */
  guint memory_mb;      /* 0: the runner's default, or in a gauntlet each preset's */
  guint timeout_s;      /* 0: derived from each test's duration */
  gboolean verbose;
  char **kargs;                           /* --karg */
  const char *scheduler;                  /* --scheduler binary, or NULL */
  char **scheduler_args;                  /* after "--"; never NULL */
  const KtstrSchedulerDef *scheduler_def; /* --scheduler-file, or NULL */
  const char *flags;                      /* --flags, comma-separated, or NULL */
  char **includes;                        /* --include */
  gboolean is_gauntlet;
  const char *presets;           /* gauntlet: --preset list; NULL: all that fit */
  KtstrMonitorMode monitor_mode; /* --monitor */
  const char *vmlinux;           /* --vmlinux, or NULL */
  /* One program instead of tests (ktstr run, ktstr shell): a single
   * runner that writes no run directory (ktstr_run_plan_new_command). */
  gboolean is_command;
  guint cpu_cap;             /* --cpu-cap: VMs not in performance mode pinned to N CPUs; 0: float */
  gboolean is_perf_mode_off; /* --no-perf-mode: performance-mode tests are skipped */
  gboolean auto_repro;       /* --auto-repro (run/auto-repro.h); a definition may set it too */
  KtstrNoticeFunc notice;
  gpointer notice_data;
} KtstrRunRequest;

typedef struct _KtstrRunPlan KtstrRunPlan;

/* Expands TESTS (KtstrTestDef*, borrowed, must outlive the plan) as
 * REQUEST says.  NULL and *error when the run cannot start. */
KtstrRunPlan *ktstr_run_plan_new (const KtstrRunRequest *request, GPtrArray *tests, GError **error);
void ktstr_run_plan_free (KtstrRunPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrRunPlan, ktstr_run_plan_free)

/* The plan of `ktstr run` and `ktstr shell`: no tests, one runner with
 * REQUEST's scheduler (a --scheduler binary or a --scheduler-file
 * definition with its --flags), arguments, kernel arguments, sysctls and
 * includes, refused as a test run would refuse them; REQUEST must have
 * is_command set.  Its topology is REQUEST's, else the definition's,
 * else NULL (the caller's default). */
KtstrRunPlan *ktstr_run_plan_new_command (const KtstrRunRequest *request, GError **error);

/* The runner of a command plan. */
KtstrRunner *ktstr_run_plan_get_runner (const KtstrRunPlan *plan);

/* The topology every variant without its own runs at: the request's or
 * the definition's; NULL when each test's own applies. */
const char *ktstr_run_plan_get_topology (const KtstrRunPlan *plan);

/* The variants, in run order (KtstrVariant*, owned by the plan). */
GPtrArray *ktstr_run_plan_get_variants (const KtstrRunPlan *plan);

/* The name of V's flag profile in a gauntlet (borrowed); NULL in a plain
 * run. */
const char *ktstr_run_plan_get_profile_name (const KtstrRunPlan *plan, const KtstrVariant *variant);

/* Where the sidecars go (every runner of one kernel shares the
 * directory); with several kernels, the first kernel's. */
const char *ktstr_run_plan_get_rundir (const KtstrRunPlan *plan);

/* The kernels of the run (1 when the request named one), the Ith of them
 * and its run directory. */
guint ktstr_run_plan_get_n_kernels (const KtstrRunPlan *plan);
const KtstrKernel *ktstr_run_plan_get_kernel (const KtstrRunPlan *plan, guint i);
const char *ktstr_run_plan_get_kernel_rundir (const KtstrRunPlan *plan, guint i);

/* The project commit the sidecars record ("abc1234" or "abc1234-dirty"),
 * or NULL when unknown. */
const char *ktstr_run_plan_get_project_commit (const KtstrRunPlan *plan);

/* A gauntlet's shape: presets asked for, flag profiles, whether the host
 * runs KVM.  Zeros for a plain run. */
void ktstr_run_plan_get_gauntlet_shape (const KtstrRunPlan *plan, guint *n_presets,
                                        guint *n_profiles, gboolean *is_kvm);

G_END_DECLS

#endif
