/* Running tests: one VM per test, or one VM for several (a shared boot),
 * from plan to sidecar.
 *
 * For each test the runner renders the plan, composes the initramfs (the
 * cached base plus the plan), boots the kernel through a backend, feeds
 * the agent's control lines into a session, decides the verdict (pass,
 * check failures, kernel panic, boot failure, hang), and writes the
 * sidecar and the console log into the run directory. */
#ifndef KTSTR_RUNNER_H
#define KTSTR_RUNNER_H

#include <gio/gio.h>
#include <glib.h>

#include "backends/backend.h"
#include "image/initramfs.h"
#include "kernel/kernel.h"
#include "monitor/monitor.h"
#include "run/outcome.h"
#include "testdef/testdef.h"

G_BEGIN_DECLS

#define KTSTR_RUNNER_ERROR (ktstr_runner_error_quark ())
GQuark ktstr_runner_error_quark (void);

typedef enum
{
  KTSTR_RUNNER_ERROR_INVALID, /* options that cannot make a run (found before any VM) */
} KtstrRunnerError;

/* A warning from the harness that is no verdict (a run repeated because
 * the emulator killed it, a console log that could not be kept, an
 * unknown project commit).  Called on the thread that made the call that
 * warns, which during a run is one of the executor's. */
typedef void (*KtstrNoticeFunc) (const char *message, gpointer user_data);

typedef struct
{
  KtstrKernel *kernel; /* borrowed */
  const KtstrBackend *backend;
  KtstrAccel accel;
  const char *topology; /* overrides each test's topology when set */
  guint memory_mb;
  guint timeout_s; /* 0: derived from the test's duration */
  gboolean verbose;
  char **kargs; /* extra kernel arguments, recorded in sidecars */
  /* The sched_ext scheduler under test; NULL: the kernel's EEVDF. */
  const char *scheduler;      /* host path of the binary */
  char **scheduler_args;      /* its arguments */
  const char *scheduler_name; /* definition name for the sidecar, or NULL */
  /* The definition's config_file: host path and absolute guest path
   * (its arguments name the latter already), or NULL. */
  const char *scheduler_config;
  const char *scheduler_config_guest;
  /* The definition's cgroup_parent ("/a/b"): the guest creates the
   * scenario's cgroups there; NULL: below its own root. */
  const char *scheduler_cgroup_parent;
  /* A kernel-built-in scheduler instead (scheduler NULL): the plan lines
   * that switch it on and off and the host programs they run, packed at
   * the same paths (sched/sched-builtin.h); NULL: none. */
  const char *builtin_lines;
  char **builtin_programs;
  char **includes;            /* --include files, packed under /include-files */
  char **active_flags;        /* recorded in sidecars */
  char **sysctls;             /* "sysctl.key=value", passed on the cmdline */
  guint scheduler_ready_ms;   /* 0: the agent's default */
  GKeyFile *scheduler_checks; /* [checks] of the definition, merged before the test's */
  KtstrNoticeFunc notice;     /* NULL: warnings are dropped */
  gpointer notice_data;
  /* The monitor (src/monitor): which sampler, and the kernel's vmlinux
   * when given outright (--vmlinux; else found beside the kernel). */
  KtstrMonitorMode monitor_mode;
  const char *vmlinux;
  /* ktstr run / ktstr shell (exec.h): the runner only prepares the guest
   * image and the kernel command line; no run directory, no sidecars,
   * and ktstr_runner_run and _skip must not be called. */
  gboolean is_exec_only;
  /* Host CPUs (run/cpu-reserve.h): every VM reserves the CPUs it runs on.
   * CPU_CAP > 0 pins a VM not in performance mode to a window of at most
   * that many CPUs of its own; IS_PERF_MODE_OFF runs a performance-mode
   * test as any other (the plan skips them before). */
  guint cpu_cap;
  gboolean is_perf_mode_off;
  /* After a run in which the scheduler died or the kernel crashed, boot
   * it once more with the auto-repro tracer (run/auto-repro.h).  Needs a
   * sched_ext scheduler (scheduler set) and a build with the tracer. */
  gboolean auto_repro;
} KtstrRunOptions;

typedef struct
{
  KtstrOutcome outcome;
  char *name;
  char *topology;
  double duration_s;
  char *verdict;      /* one line: why it failed or was skipped; NULL on pass */
  char *report;       /* the full failure report (sections), NULL on pass */
  char *sidecar_path; /* NULL when it could not be written */
  char *accel;
  const char *boot;         /* "pvh" or "bzimage" (boot-path.h); NULL if none */
  gint64 boot_to_hello_us;  /* VM launch to the agent's hello; 0 if none */
  gint64 start_to_hello_us; /* this test's start (before the initramfs) to hello */
  /* The guest agent took the test: it said hello (a boot of its own), or
   * its shared VM's agent did and was told to run it.  FALSE: no scenario
   * ran, all of the test's time went to booting. */
  gboolean is_guest_started;
  gint64 sched_ready_ms; /* scheduler start to ready in the guest; -1 without one */
  /* The guest agent's own CPU time over the scenario (ScenarioStart to
   * ScenarioEnd, agent_span_ms long); agent_cpu_ns is -1 when unknown. */
  gint64 agent_cpu_ns;
  guint64 agent_span_ms;
  /* A FAIL the harness caused (its verdict says what failed), not the
   * test: the sidecar could not be written, the image not built. */
  gboolean is_harness_error;
  /* The host CPU of the VM's vCPU threads over the scenario, as in the
   * sidecar's vcpu_host (has_vcpu_host FALSE: not measured). */
  gboolean has_vcpu_host;
  guint vcpu_host_threads;
  guint64 vcpu_host_span_ms;
  guint64 vcpu_host_run_ns;
  guint64 vcpu_host_wait_ns;
} KtstrTestResult;

void ktstr_test_result_free (KtstrTestResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrTestResult, ktstr_test_result_free)

typedef struct _KtstrRunner KtstrRunner;

KtstrRunner *ktstr_runner_new (const KtstrRunOptions *options, GError **error);
void ktstr_runner_free (KtstrRunner *runner);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrRunner, ktstr_runner_free)

/* Runs DEF in a fresh VM.  Returns NULL (error set) only when the harness
 * itself cannot continue (e.g. the run directory is unusable); a failing
 * test is a result with outcome FAIL. */
KtstrTestResult *ktstr_runner_run (KtstrRunner *runner, const KtstrTestDef *def, GError **error);

/* Records DEF as skipped without booting anything (its topology or flags
 * do not suit it): a sidecar with passed=true, skipped=true, and a result
 * with outcome SKIP whose verdict is REASON.  NULL (error set) only when
 * the sidecar cannot be written. */
KtstrTestResult *ktstr_runner_skip (KtstrRunner *runner, const KtstrTestDef *def,
                                    const char *topology, const char *reason, GError **error);

/* One gauntlet variant: the same runner at another topology and memory
 * size, stoppable from another thread. */
typedef struct
{
  const char *topology; /* NULL: the runner's, else the test's */
  guint memory_mb;      /* 0: the runner's */
  /* Cancelled: the VM is killed (through the calling thread's default main
   * context, which the QEMU backend iterates), no sidecar is written and
   * the call returns NULL with G_IO_ERROR_CANCELLED.  NULL: never. */
  GCancellable *cancellable;
  guint trial; /* the sidecar's trial (1-based); 0: the run is not repeated */
} KtstrRunVariant;

/* ktstr_runner_run with VARIANT's overrides.  Safe to call from several
 * threads at once, each with its own thread-default GMainContext. */
KtstrTestResult *ktstr_runner_run_variant (KtstrRunner *runner, const KtstrTestDef *def,
                                           const KtstrRunVariant *variant, GError **error);

/* Whether DEF may run in a VM shared with other tests of R (shared-group.h):
 * not when R has a scheduler under test (each gets a kernel no other
 * scheduler ran on), nor for performance mode, expect_err, payloads,
 * include_files, cleanup_budget_ms or fresh_boot=true.  *WHY (when not
 * NULL) gets the reason it may not, or NULL. */
gboolean ktstr_runner_can_share (const KtstrRunner *runner, const KtstrTestDef *def,
                                 const char **why);

/* The result (owned by the callee) or the error (owned too; cancelled:
 * not run) of test INDEX of a shared boot, as each comes. */
typedef void (*KtstrSharedResultFunc) (guint index, KtstrTestResult *result, GError *error,
                                       gpointer user_data);

/* Runs DEFS[0..N) one after another in one VM at VARIANT's topology and
 * memory (its trial must be 0): the agent runs each plan, the host judges
 * each test as ktstr_runner_run_variant would, writes its sidecar with its
 * part of the console (the first test's part holds the boot) and the
 * shared_boot record, and hands its result to ON_RESULT before the next
 * starts.  A test that does not pass, or whose leftovers the guest could
 * not clear, ends the VM; the rest continue in a fresh one.  A boot that
 * dies before the agent under TCG is booted once more, as for one test.
 * Cancelled: the VM is killed, the test it ran and the rest come back
 * cancelled.  Every test gets exactly one call. */
void ktstr_runner_run_shared (KtstrRunner *runner, const KtstrTestDef *const *defs, guint n,
                              const KtstrRunVariant *variant, KtstrSharedResultFunc on_result,
                              gpointer user_data);

/* What ktstr_runner_run_variant would refuse before booting: a topology
 * label that does not parse, or a host deadline (--timeout) too short for
 * the test's settle + duration.  Lets a plan refuse a run before any VM
 * starts, in the terms the user chose. */
gboolean ktstr_runner_check_variant (const KtstrRunner *runner, const KtstrTestDef *def,
                                     const KtstrRunVariant *variant, GError **error);

const char *ktstr_runner_get_rundir (const KtstrRunner *runner);

/* The project commit its sidecars record, NULL when unknown. */
const char *ktstr_runner_get_project_commit (const KtstrRunner *runner);

/* TRUE when the runner packs a sched_ext scheduler (not the kernel's own). */
gboolean ktstr_runner_has_scheduler (const KtstrRunner *runner);

/* What packing the scheduler cost: base image size, build time (0 when it
 * came from the cache) and how many files were added for it. */
void ktstr_runner_get_package_info (const KtstrRunner *runner, guint64 *size, gint64 *build_us,
                                    gboolean *was_cached, guint *n_files);

/* What src/run/command.c boots a program with instead of a test: the
 * runner's options, its base image (the agent and the scheduler), the
 * --include files for the boot's own archive (ktstr_runner_add_includes),
 * the plan lines that start the scheduler (NULL without one)
 * and the kernel command line every boot of this runner gets. */
/* The image its VMs boot: the kernel's, or its vmlinux (boot-path.h). */
const char *ktstr_runner_get_boot_image (const KtstrRunner *runner);

const KtstrRunOptions *ktstr_runner_get_options (const KtstrRunner *runner);
const char *ktstr_runner_get_base_image (const KtstrRunner *runner);
const char *ktstr_runner_get_sched_lines (const KtstrRunner *runner);
/* Adds the --include files and their libraries to FILES, a boot's own
 * archive: they are never in the cached base image. */
void ktstr_runner_add_includes (const KtstrRunner *runner, KtstrInitramfsSpec *files);
char *ktstr_runner_build_cmdline (const KtstrRunner *runner);

G_END_DECLS

#endif
