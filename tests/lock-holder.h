/* Shared by the tests of host CPU reservations (test-cpulock,
 * test-cpu-plan): another process holding a CPU's lock file, as a second
 * ktstr would, so that contention and its reports are seen across
 * processes (flock locks of one process never conflict with each other). */
#ifndef KTSTR_TESTS_LOCK_HOLDER_H
#define KTSTR_TESTS_LOCK_HOLDER_H

#include <glib.h>
#include <sys/types.h>

/* A child process holding DIR's lock file of CPU INDEX exclusively until
 * killed; returns its pid once it holds the lock. */
pid_t ktstr_test_lock_holder_spawn (const char *dir, guint index);

/* Kills a holder and reaps it: its lock is free when this returns. */
void ktstr_test_lock_holder_kill (pid_t pid);

#endif
