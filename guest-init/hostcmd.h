/* Commands from the host on the control channel (common/proto.h, HOST ->
 * GUEST COMMANDS): a thread of the agent reads them line by line and
 * acts on them:
 *   sysrq KEY            writes KEY to /proc/sysrq-trigger (the host
 *                        monitor asks for the sched_ext dump, "sysrq D")
 *   monitor start MS     starts the guest-side sampler (gmon.h) every MS
 *   session run K        a shared boot's next test, session end its end
 *                        (queued for the agent's loop, shared.h)
 * Each command but session ... is acknowledged with a "log" line (src "init").  Only a
 * VM's channel carries commands; a --run-plan file does not. */
#ifndef KTSTR_GUEST_HOSTCMD_H
#define KTSTR_GUEST_HOSTCMD_H

#include "guest-init/ctrl.h"

/* Acts on one command line (without its newline); returns 0 when it was
 * understood, -1 otherwise (a "log" line says why). */
int ktstr_hostcmd_handle (KtstrCtrl *ctrl, const char *line, const char *proc_root,
                          const char *sysfs_root, unsigned n_cpus);

/* Starts the reader thread on CTRL's fd (VIRTIO or TTY channels only). */
int ktstr_hostcmd_start (KtstrCtrl *ctrl, unsigned n_cpus);

/* Stops it (the guest sampler too). */
void ktstr_hostcmd_stop (void);

#endif
