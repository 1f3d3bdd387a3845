/* Shared by the tests of host CPU reservations and of `ktstr locks`
 * (test-cpulock, test-cpu-plan, test-cli): another process holding a lock
 * file, as a second ktstr would, so that contention and its reports are
 * seen across processes (flock locks of one process never conflict with
 * each other). */
#ifndef KTSTR_TESTS_LOCK_HOLDER_H
#define KTSTR_TESTS_LOCK_HOLDER_H

#include <glib.h>
#include <sys/types.h>

/* A child process holding FILE (created if missing) with flock MODE
 * (LOCK_EX or LOCK_SH) until killed; returns its pid once it holds it. */
pid_t ktstr_test_lock_holder_spawn_file (const char *file, int mode);

/* The same for DIR's lock file of CPU INDEX, held exclusively. */
pid_t ktstr_test_lock_holder_spawn (const char *dir, guint index);

/* Kills a holder and reaps it: its lock is free when this returns. */
void ktstr_test_lock_holder_kill (pid_t pid);

#endif
