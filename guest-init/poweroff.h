/* How the agent ends: the guard timer that ends the run whatever happens,
 * and poweroff.  As PID 1 every path ends in sync + reboot(RB_POWER_OFF):
 * PID 1 returning would panic the kernel, and a guest that just stops
 * leaves the host waiting for its deadline. */
#ifndef KTSTR_GUEST_POWEROFF_H
#define KTSTR_GUEST_POWEROFF_H

#include <stdbool.h>
#include <stdint.h>

/* Before the plan is read nothing says how long the run may take; this
 * bounds a boot that hangs before then. */
#define KTSTR_GUARD_DEFAULT_MS 120000

/* Installs the SIGALRM handler.  is_pid1 picks poweroff over exit(3). */
void ktstr_guard_init (bool is_pid1);

/* (Re)arms the guard to fire ms from now.  LIMIT_MS is what the message
 * names (the plan's guard_ms, which counts from boot). */
void ktstr_guard_arm_ms (uint64_t ms, uint64_t limit_ms);

/* Stops the guard: a `ktstr shell` runs as long as its user wants. */
void ktstr_guard_disarm (void);

/* Where the guard sends its "error" line, once the channel is open. */
void ktstr_guard_set_ctrl_fd (int fd);

/* What the agent is doing, named in the guard's error message. */
void ktstr_guard_phase (const char *phase);

/* PID 1: sync, then power off; never returns.  Otherwise exit(code). */
__attribute__ ((noreturn)) void ktstr_finish (int code);

#endif
