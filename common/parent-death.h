/* Child processes that die with the process that started them, however it
 * ends.  ktstr starts QEMU (and other helpers) and normally stops them
 * itself; a SIGKILL, an OOM kill or a crash gives it no chance to, and a
 * QEMU left running, paused in its -S prelaunch state or running a guest
 * that hangs, would live on under init forever.  Linux's
 * PR_SET_PDEATHSIG makes the kernel send the child a signal when its
 * parent ends; it is set in the child between fork and exec.
 *
 * One race remains and is closed here: the parent may die after fork and
 * before the child sets the signal, and then nothing would ever be sent.
 * So after setting it the child compares getppid() with the pid the parent
 * had before forking; when they differ the parent is already gone and the
 * child ends itself at once.
 *
 * The death signal follows the thread that forked, not the whole process:
 * a child started from a worker thread is also killed when that thread
 * ends, so callers spawn from threads that outlive the child (ktstr waits
 * for its VMs in the thread that started them).
 *
 * Plain C, async-signal-safe: callable in a child between fork and exec. */
#ifndef KTSTR_COMMON_PARENT_DEATH_H
#define KTSTR_COMMON_PARENT_DEATH_H

#include <sys/types.h>

/* In a freshly forked child: asks the kernel for SIGKILL when the parent
 * ends, then ends the child (SIGKILL to itself) when the parent, whose pid
 * before the fork was EXPECTED_PARENT, has already ended.  Returns 0, or
 * -1 with errno when the kernel refused the request (the child then lives
 * as before; the caller decides whether that is fatal). */
int ktstr_die_with_parent (pid_t expected_parent);

#endif
