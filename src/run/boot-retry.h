/* When a boot is worth a second one: the guest died of the emulator, not
 * of what it ran.
 *
 * Under TCG, on a loaded host, a multi-vCPU guest kernel now and then dies
 * of QEMU: its multi-threaded TCG races with the kernel's cross-CPU code
 * patching (text_poke_bp), and another vCPU executes a stale int3 ("Oops:
 * int3" in code no probe owns), or the emulator loses a vCPU's timer
 * interrupt while the kernel boots and the kernel reports an RCU stall,
 * or QEMU itself segfaults while the guest kernel boots.
 * Such a boot says nothing about the scheduler, the scenario or the
 * program, so it is repeated once, saying so; a kernel that really cannot
 * boot fails the same way twice.  Under KVM nothing is retried.
 *
 * A test (runner.c) reruns both kinds; `ktstr run` and `ktstr shell`
 * (command.c) rerun only a death before the agent's hello, when nothing of
 * the program has run or printed yet. */
#ifndef KTSTR_RUN_BOOT_RETRY_H
#define KTSTR_RUN_BOOT_RETRY_H

#include <glib.h>

#include "backends/backend.h"
#include "run/session.h"

G_BEGIN_DECLS

#define KTSTR_BOOT_MAX_ATTEMPTS 2

/* When, under TCG, the boot died before the agent said hello of something
 * other than the test: the guest kernel died (a panic, an Oops, a BUG) or
 * stalled (its RCU stall report, then the deadline), and the console line
 * that says so is returned; or the emulator itself died of a fault
 * (SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP: QEMU's TCG broke),
 * and a sentence naming the signal is.  Else NULL.  A guest that hangs
 * without saying why, or a VMM the host killed (deadline, Ctrl-C), is
 * judged as it is.  CONSOLE: the boot's console log, NULL when unreadable. */
char *ktstr_boot_died_before_agent (const KtstrSession *session, const KtstrVmResult *vm,
                                    const char *console);

/* When, under TCG, the run died of the code-patching race at any stage:
 * its console line ("Oops: int3"); else NULL. */
char *ktstr_boot_hit_tcg_patch_race (const KtstrVmResult *vm, const char *console);

G_END_DECLS

#endif
