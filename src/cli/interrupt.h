/* SIGINT, SIGTERM and SIGHUP (the terminal went away) while `ktstr test`,
 * `ktstr run` or `ktstr shell` runs VMs: the VMs are stopped, not left
 * behind.
 *
 * The handler only raises a flag (which the executor's workers read, so a
 * VM the terminal's Ctrl-C killed is not taken for a failing test) and
 * writes a byte to a pipe; a watch on the main context then calls ON_STOP
 * once, outside the handler, where it may stop the executor and print.
 * Removing restores the handlers that were there before. */
#ifndef KTSTR_CLI_INTERRUPT_H
#define KTSTR_CLI_INTERRUPT_H

#include <signal.h>

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KtstrInterrupt KtstrInterrupt;
typedef void (*KtstrInterruptFunc) (gpointer user_data);

/* Installs the handlers; ON_STOP runs on the thread-default main context
 * of the caller.  One at a time per process. */
KtstrInterrupt *ktstr_interrupt_install (KtstrInterruptFunc on_stop, gpointer user_data,
                                         GError **error);
void ktstr_interrupt_remove (KtstrInterrupt *interrupt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrInterrupt, ktstr_interrupt_remove)

/* Raised from the moment a signal arrives. */
const volatile sig_atomic_t *ktstr_interrupt_get_flag (const KtstrInterrupt *interrupt);

G_END_DECLS

#endif
