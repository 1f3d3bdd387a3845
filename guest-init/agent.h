/* The message sequence of one run, shared by PID 1 and --run-plan: hello,
 * plan, topo, the scenario, done (or error); or, when an exec spec is
 * there instead of a plan (ktstr run, ktstr shell: exec.h), hello, topo,
 * the program's output and exit. */
#ifndef KTSTR_GUEST_AGENT_H
#define KTSTR_GUEST_AGENT_H

#include <stdbool.h>

#include "guest-init/ctrl.h"
#include "guest-init/mounts.h"

typedef struct
{
  const char *plan_path;
  const char *sysfs_root;
  const char *cgroup_root;
  bool want_cgroups;    /* false: --no-cgroups */
  bool require_cgroups; /* PID 1: no cgroup2 is an error, not a skip */
  bool is_pid1;
  const KtstrMountWarnings *mount_warnings; /* NULL outside PID 1 */
  bool has_cmdline_mark;                    /* KTSTR_CMDLINE_MARK seen (PID 1 only) */
  const char *startup_note;                 /* sent as a log line after hello, if set */
  const char *exec_spec_path;               /* one program instead of the plan, if it exists */
} KtstrAgentOptions;

/* Runs everything after the control channel is open.  Returns 0 when
 * "done" (or, for an exec spec, "exit") was sent, 1 when "error" was. */
int ktstr_agent_run (KtstrCtrl *ctrl, const KtstrAgentOptions *o);

#endif
