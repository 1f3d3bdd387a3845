/* Scheduler definitions: a keyfile describing a sched_ext scheduler under
 * test, documented in ktstr-scheduler(5):
 *
 *   [scheduler]            name, binary (a path relative to the file, or a
 *                          program name looked up beside it, then on
 *                          PATH), args,
 *                          sysctls (key=value), kargs, topology, ready_ms,
 *                          config_file (packed into the guest; {config}
 *                          in args stands for its path there),
 *                          cgroup_parent (the cgroup subtree the scenario's
 *                          cgroups go under), auto_repro (true: trace a
 *                          second run after the scheduler dies); or, for a kernel-built-in
 *                          scheduler, enable and disable instead of
 *                          binary (sched/sched-builtin.h)
 *   [constraints]          min_llcs, max_llcs, min_cpus, max_cpus,
 *                          min_numa_nodes, max_numa_nodes, requires_smt
 *   [flag NAME]            args, requires (other flag names)
 *   [checks]               check overrides, merged between the defaults
 *                          and the test's own [checks]
 *
 * Keys are snake_case like every other ktstr file; the kebab-case
 * spellings these groups used to take (ready-ms, min-cpus, ...) are read
 * with a deprecation warning.  Errors name the file, line, group and key.
 *
 * `--flags a,b` picks a profile: the flags must exist and bring what they
 * require; their args follow the definition's and the command line's. */
#ifndef KTSTR_SCHEDULER_DEF_H
#define KTSTR_SCHEDULER_DEF_H

#include <glib.h>

G_BEGIN_DECLS

/* Where a definition's config_file goes in the guest. */
#define KTSTR_SCHED_CONFIG_DIR "/ktstr/sched-config"
/* What stands for that path in args. */
#define KTSTR_SCHED_CONFIG_PLACEHOLDER "{config}"

#define KTSTR_SCHEDULER_DEF_ERROR (ktstr_scheduler_def_error_quark ())
GQuark ktstr_scheduler_def_error_quark (void);

typedef enum
{
  KTSTR_SCHEDULER_DEF_ERROR_INVALID,      /* bad key, value or missing required key */
  KTSTR_SCHEDULER_DEF_ERROR_UNKNOWN_FLAG, /* --flags names a flag the file lacks */
  KTSTR_SCHEDULER_DEF_ERROR_REQUIRES,     /* a selected flag requires an unselected one */
  KTSTR_SCHEDULER_DEF_ERROR_TOPOLOGY,     /* the topology violates the constraints */
  KTSTR_SCHEDULER_DEF_ERROR_BINARY,       /* binary= names a program found nowhere */
} KtstrSchedulerDefError;

typedef struct
{
  char *name;
  char **args;
  char **requires;
} KtstrSchedulerFlag;

typedef struct
{
  char *path; /* the file */
  char *name;
  /* The program to run (sched/sched-binary.h): absolute or relative to
   * the current directory; NULL when binary= names a program found in no
   * folder searched, binary_error then says which were searched. */
  char *binary;
  GError *binary_error;
  char **args;
  char **sysctls; /* "sysctl.key=value", ready for the kernel command line */
  char **kargs;
  char *topology; /* NULL: none */
  guint ready_ms;
  /* auto_repro: after the scheduler dies, boot the test once more with
   * its callbacks traced (run/auto-repro.h); sched_ext programs only. */
  gboolean auto_repro;
  /* config_file: the host file (absolute) and where it is in the guest
   * (absolute, KTSTR_SCHED_CONFIG_DIR/NAME); both NULL without one.  The
   * {config} in args and flag args is already replaced by config_guest. */
  char *config_file;
  char *config_guest;
  char *cgroup_parent; /* "/a/b" below the guest's cgroup2 mount, or NULL */
  /* A kernel-built-in scheduler (enable=): the plan lines that switch it
   * on and off, and the host programs they run (packed at the same path
   * in the guest); both NULL for a sched_ext program (binary=). */
  char *builtin_lines;
  char **builtin_programs;
  guint min_llcs, max_llcs, min_cpus, max_cpus, min_nodes, max_nodes;
  gboolean requires_smt;
  GPtrArray *flags;  /* KtstrSchedulerFlag*, in file order (the canonical order) */
  GKeyFile *keyfile; /* for [checks] */
} KtstrSchedulerDef;

void ktstr_scheduler_def_free (KtstrSchedulerDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrSchedulerDef, ktstr_scheduler_def_free)

KtstrSchedulerDef *ktstr_scheduler_def_load (const char *path, GError **error);

/* Resolves the comma-separated FLAGS ("" or NULL: none) into the active
 * flags in canonical order and the arguments they add. */
gboolean ktstr_scheduler_def_select_flags (const KtstrSchedulerDef *def, const char *flags,
                                           char ***active_out, char ***args_out, GError **error);

/* FALSE, with KTSTR_SCHEDULER_DEF_ERROR_BINARY naming the folders
 * searched, when binary= names a program that was not found as DEF was
 * loaded.  Whatever runs DEF's scheduler calls it first. */
gboolean ktstr_scheduler_def_check_binary (const KtstrSchedulerDef *def, GError **error);

/* FALSE (error set) when TOPOLOGY violates the constraints. */
gboolean ktstr_scheduler_def_check_topology (const KtstrSchedulerDef *def, const char *topology,
                                             GError **error);

G_END_DECLS

#endif
