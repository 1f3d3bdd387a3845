/* A shared boot: several tests, one after another, in one VM (common/proto.h,
 * SHARED BOOTS).  The host packs the plans and a session file; the agent
 * says hello once, then runs plan K whenever the host says "session run K"
 * and powers off at "session end".  Between tests it puts back what a test
 * can leave behind (processes, cgroups below its root) and says whether
 * that worked: a test whose leftovers could not be cleared ends the
 * session, so no test ever runs on a state another test changed in a way
 * the agent cannot undo.  The pieces here are the session file, the
 * command queue the control-port thread fills, the reset and the console
 * markers; the loop itself is the agent's (agent.c). */
#ifndef KTSTR_GUEST_SHARED_H
#define KTSTR_GUEST_SHARED_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* Reads the session file at PATH: its plan count into *N_PLANS.  0, or -1
 * with *err set. */
int ktstr_shared_load (const char *path, unsigned *n_plans, KtstrError *err);

/* A "session ..." command line from the host (hostcmd.c): queued for
 * ktstr_shared_wait.  0 when it parses, -1 otherwise. */
int ktstr_shared_post (const char *line);

/* Blocks until the host's next command: K for "session run K", -1 for
 * "session end" (or a K that is not below N_PLANS, which ends it too). */
int ktstr_shared_wait (unsigned n_plans);

/* Puts back the state one test can leave: kills and reaps every process
 * but PID 1 and kernel threads under PROC_ROOT, removes every cgroup below
 * CGROUP_ROOT (deepest first).  0 with "ok" in BUF when nothing was left;
 * -1 with what was found (and cleared where possible) when something was:
 * the session must end, the next test gets a fresh boot. */
int ktstr_shared_reset (const char *proc_root, const char *cgroup_root, char *buf, size_t len);

/* Writes PREFIX and INDEX as one line to /dev/kmsg (the host cuts the
 * console there); best effort. */
void ktstr_shared_kmsg (const char *prefix, unsigned index);

#endif
