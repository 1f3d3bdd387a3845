/* Run directories (doc/run-directories.md): where sidecars go.
 *
 * Default path: {runs_root}/{kernel}-{project_commit}, runs_root =
 * {CARGO_TARGET_DIR or "target"}/ktstr, with `unknown` standing in for a
 * missing kernel or commit.  Opening the directory for writing takes an
 * advisory flock on {runs_root}/.locks/{key}.lock and holds it until the
 * last KtstrRunDir of that key in the process is released, i.e. for the
 * whole run: a second process on the same key waits up to
 * KTSTR_RUNDIR_LOCK_TIMEOUT_MS for it and then refuses, naming the holder,
 * so it can never pre-clear a running run's sidecars.  The first sidecar
 * write per directory per process removes the *.ktstr.json files directly
 * in it (last writer wins), with the console logs and the temporary files
 * of killed writers.  When the commit is unknown a one-shot warning goes
 * to stderr.
 *
 * KTSTR_SIDECAR_DIR (non-empty) replaces all of that: the directory is used
 * as-is, created if needed, never pre-cleared or locked, and no warning is
 * printed. */
#ifndef KTSTR_RUNDIR_H
#define KTSTR_RUNDIR_H

#include <sys/vfs.h>

#include <glib.h>

#include "record/sidecar.h"
#include "util/cleanup-report.h"

G_BEGIN_DECLS

#define KTSTR_RUNDIR_ERROR (ktstr_rundir_error_quark ())
GQuark ktstr_rundir_error_quark (void);

typedef enum
{
  KTSTR_RUNDIR_ERROR_IO,           /* creating, listing, removing or writing failed */
  KTSTR_RUNDIR_ERROR_REMOTE_FS,    /* the lockfile would live on NFS/CIFS/SMB2/Ceph/AFS/FUSE */
  KTSTR_RUNDIR_ERROR_LOCK_TIMEOUT, /* a peer process held the run lock too long */
} KtstrRundirError;

#define KTSTR_RUNDIR_LOCK_TIMEOUT_MS 30000

typedef struct _KtstrRunDir KtstrRunDir;

/* "{CARGO_TARGET_DIR or "target"}/ktstr"; an empty CARGO_TARGET_DIR counts as unset. */
char *ktstr_runs_root (void);
/* "{kernel}-{project_commit}" with "unknown" for a NULL slot; each half
 * escaped to one safe path component (util/path-component.h). */
char *ktstr_run_key (const char *kernel_version, const char *project_commit);
/* TRUE for names a run listing should consider (not dot-entries such as .locks). */
gboolean ktstr_is_run_dir_name (const char *basename);

/* A kernel tree's or cache entry's metadata.json is a few hundred bytes;
 * a larger one is not read. */
#define KTSTR_KERNEL_METADATA_MAX_BYTES (64 * 1024)

/* Kernel version of a kernel build/source tree: metadata.json's "version",
 * else include/config/kernel.release (trimmed), else NULL. */
char *ktstr_kernel_tree_version (const char *dir);
/* The same; *ORIGIN (may be NULL) gets the file it came from. */
char *ktstr_kernel_tree_version_from (const char *dir, char **origin);

/* Resolves and creates the sidecar directory for this process and takes
 * its run lock (shared with every other KtstrRunDir of the key in this
 * process; KTSTR_RUNDIR_ERROR_LOCK_TIMEOUT when a peer process holds it).
 * Nothing is removed yet: that happens at the first write. */
KtstrRunDir *ktstr_rundir_open_for_write (const char *kernel_version, const char *project_commit,
                                          GError **error);
void ktstr_rundir_release (KtstrRunDir *rundir);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrRunDir, ktstr_rundir_release)

/* The directory sidecars are written to (canonical on the default path). */
const char *ktstr_rundir_get_path (const KtstrRunDir *rundir);
/* TRUE when KTSTR_SIDECAR_DIR chose the directory. */
gboolean ktstr_rundir_is_override (const KtstrRunDir *rundir);

/* Pre-clears on the first write for this directory in this process
 * (and prints the unknown-commit warning once), then writes SIDECAR
 * atomically.  Returns the file's path. */
char *ktstr_rundir_write_sidecar (KtstrRunDir *rundir, const KtstrSidecar *sidecar, GError **error);

/* Fails with KTSTR_RUNDIR_ERROR_REMOTE_FS when PATH is on a filesystem
 * where flock is not trustworthy.  Every ktstr lockfile open goes through
 * this; unknown local filesystems pass. */
gboolean ktstr_lockfile_check_fs (const char *path, GError **error);

/* TRUE when FD (flocked) is the file now at PATH.  `ktstr cleanup`
 * removes lockfiles nobody holds, while holding them; a process that
 * opened one just before and gets its lock afterwards holds a file no
 * longer there, which guards nothing, and must open PATH again. */
gboolean ktstr_lockfile_is_current (int fd, const char *path);

/* `ktstr cleanup` for RUNS_ROOT: in each run directory that no live run
 * holds (its lock taken without waiting, and held meanwhile), the
 * temporary files of killed sidecar and log writers; then every lockfile
 * in RUNS_ROOT/.locks nobody holds.  A directory or lock in use is
 * reported KEPT, naming its holders.  DRY_RUN: nothing is removed.  A
 * missing RUNS_ROOT is nothing to clean. */
void ktstr_rundir_cleanup (const char *runs_root, gboolean dry_run, KtstrCleanupFunc report,
                           gpointer user_data);

/* --- Test hooks ----------------------------------------------------------- */

typedef int (*KtstrStatfsFunc) (const char *path, struct statfs *buf);
/* Replaces statfs(2) for ktstr_lockfile_check_fs; NULL restores it. */
void ktstr_rundir_set_statfs_func (KtstrStatfsFunc func);
/* Lock wait limit; 0 restores KTSTR_RUNDIR_LOCK_TIMEOUT_MS. */
void ktstr_rundir_set_lock_timeout_ms (guint timeout_ms);

G_END_DECLS

#endif
