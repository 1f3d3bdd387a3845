/* Kernel-built-in schedulers: a definition with enable= (and optionally
 * disable=) instead of binary=, for a scheduler the kernel already holds
 * and that is switched on by writing a knob or running a command rather
 * than by loading a BPF program.  Each action is
 *   write PATH VALUE      VALUE into the file PATH (a sysfs or procfs knob)
 *   run PROGRAM [ARG...]  a host program, packed into the guest at the
 *                         same path with its libraries, run to exit 0
 * The enable actions run in the guest where a sched_ext scheduler would
 * start, the disable actions after the scenario (the plan's builtin_*
 * lines, common/proto.h). */
#ifndef KTSTR_SCHED_BUILTIN_H
#define KTSTR_SCHED_BUILTIN_H

#include <glib.h>

G_BEGIN_DECLS

/* Reads [scheduler] enable= and disable= of KF (loaded from PATH) into
 * *LINES_OUT (the plan lines) and *PROGRAMS_OUT (the programs to pack,
 * NULL-terminated).  Keys a built-in scheduler cannot use (binary, args,
 * ready_ms, config_file; FLAG_WITH_ARGS, the name of a [flag NAME] with
 * args, or NULL) are errors naming the file and key, in DOMAIN with
 * CODE (the definition loader's).  Called when KF has enable= or
 * disable=. */
gboolean ktstr_sched_builtin_load (GKeyFile *kf, const char *path, const char *flag_with_args,
                                   GQuark domain, int code, char **lines_out, char ***programs_out,
                                   GError **error);

G_END_DECLS

#endif
