/* cgroup v2 for the scenario: the KTSTR_CGROUP_ROOT parent with the cpuset
 * and cpu controllers, one child per plan cgroup, and moving workers in.
 * Every write is bounded (a cgroup write can block while a sched_ext
 * scheduler reconfigures), and EBUSY on cgroup.procs is retried. */
#ifndef KTSTR_GUEST_CGROUP_H
#define KTSTR_GUEST_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "guest-init/util.h"

#define KTSTR_CGROUP_WRITE_TIMEOUT_MS 2000

/* True if the directory that will hold ROOT is a cgroup2 mount (or a
 * cgroup2 directory). */
bool ktstr_cgroup_is_available (const char *root);

/* Enables +cpuset (required) and +cpu (best effort; a warning goes to
 * *warning) in ROOT's parent, creates ROOT and enables them there too. */
int ktstr_cgroup_setup_root (const char *root, char *warning, size_t warning_len, KtstrError *err);

/* Creates ROOT/NAME; writes cpuset.cpus and cpuset.mems when given (NULL:
 * inherit).  Returns 0 or -1. */
int ktstr_cgroup_create (const char *root, const char *name, const char *cpus, const char *mems,
                         KtstrError *err);

/* Reads ROOT/NAME/FILE (e.g. cpuset.cpus.effective) into buf. */
int ktstr_cgroup_read (const char *root, const char *name, const char *file, char *buf, size_t len);

/* Moves PID into ROOT/NAME: EBUSY (sched_ext's cgroup_prep_move) retried
 * 3 x 100 ms.  A pid that is already gone (ESRCH) is not an error here:
 * *is_gone is set and the worker shows up as dead in its report. */
int ktstr_cgroup_move (const char *root, const char *name, pid_t pid, bool *is_gone,
                       KtstrError *err);

/* Removes ROOT/NAME (its tasks must have exited); best effort. */
void ktstr_cgroup_remove (const char *root, const char *name);

/* Writes DATA to PATH in a helper process and gives up after timeout_ms:
 * a write stuck in the kernel cannot hold up the agent.  Returns 0, or an
 * errno value (ETIMEDOUT on timeout). */
int ktstr_write_bounded (const char *path, const char *data, unsigned timeout_ms);

#endif
