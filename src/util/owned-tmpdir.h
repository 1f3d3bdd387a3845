/* Temporary directories and child processes that do not outlive ktstr.
 *
 * A VM's work directory (initramfs, console log, sockets) is removed by the
 * run that made it on every path it controls; a ktstr killed with SIGKILL
 * (or by the OOM killer, or a crash) gets no such chance.  So each such
 * directory holds an owner stamp naming the process that made it, its pid
 * and the kernel's start time of that pid (so a reused pid does not pass
 * for the owner), and a later ktstr removes the directories whose owner is
 * gone.  The sweep removes only what is certainly ours: a directory (not a
 * link) directly in the temporary directory, with the name prefix given,
 * owned by our uid, holding a stamp that parses and names a process that
 * no longer runs.  A directory without a stamp is left alone (it may be
 * one being made right now, or not ours).
 *
 * The helpers ktstr starts (make for a kernel build) die with it through
 * ktstr_spawn_die_with_parent (common/parent-death.h says how). */
#ifndef KTSTR_UTIL_OWNED_TMPDIR_H
#define KTSTR_UTIL_OWNED_TMPDIR_H

#include <glib.h>

G_BEGIN_DECLS

/* The prefixes of ktstr's work directories: a test's VM (initramfs,
 * console, sockets), `ktstr run` and `ktstr shell`'s VM, and the kernel
 * sources `ktstr kernel build` unpacks or fetches.  `ktstr cleanup`
 * removes those of ended processes. */
#define KTSTR_VM_WORKDIR_PREFIX "ktstr-vm"
#define KTSTR_CMD_WORKDIR_PREFIX "ktstr-cmd"
#define KTSTR_KERNEL_WORKDIR_PREFIX "ktstr-kernel"

/* The name of the owner stamp inside a directory. */
#define KTSTR_OWNER_STAMP ".ktstr-owner"

/* Makes PREFIX-XXXXXX (mode 0700) in the temporary directory ($TMPDIR or
 * /tmp) with this process's owner stamp in it ("PID STARTTIME\n", the
 * start time being the 22nd field of /proc/PID/stat); returns its path. */
char *ktstr_owned_tmpdir_new (const char *prefix, GError **error);

/* Removes the directories PREFIX-* in the temporary directory whose owner
 * has ended (see above); returns how many.  Errors are ignored: a
 * directory that cannot be removed now is tried again next time. */
guint ktstr_owned_tmpdir_sweep (const char *prefix);

/* A directory PREFIX-* of ours in the temporary directory that holds an
 * owner stamp (ktstr_owned_tmpdir_list). */
typedef struct
{
  char *path;
  gint64 owner_pid;       /* the pid the stamp names */
  gboolean is_owner_gone; /* that process has ended */
} KtstrOwnedTmpdir;

/* Every directory the sweep would consider (ours, stamped, named PREFIX-*),
 * with its owner's state: a new array of KtstrOwnedTmpdir* (owned by the
 * array), in name order.
 * Directories whose stamp does not parse are not listed. */
GPtrArray *ktstr_owned_tmpdir_list (const char *prefix);

/* Removes PATH when its owner is still gone (checked again now); FALSE
 * when it is not, or the removal failed. */
gboolean ktstr_owned_tmpdir_remove_if_gone (const char *path);

/* A GSpawnChildSetupFunc / GSubprocessLauncher child setup: the child gets
 * SIGKILL when its parent, whose pid is GINT_TO_POINTER (PARENT_PID),
 * ends.  Pass the result of getpid () taken before spawning. */
void ktstr_spawn_die_with_parent (gpointer parent_pid);

G_END_DECLS

#endif
