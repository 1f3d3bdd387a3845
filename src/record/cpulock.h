/* Host CPU reservations between ktstr processes.
 *
 * Every VM reserves the host CPUs it runs on with advisory flock(2) locks
 * on one file per host CPU (cpu-N.lock) and one per host last-level cache
 * (llc-N.lock, N its lowest CPU), in one directory every ktstr process on
 * the host shares: $KTSTR_LOCK_DIR, else /tmp/ktstr-locks.  A VM pinned to
 * CPUs (performance mode, --cpu-cap) locks them exclusively; a VM that
 * floats takes shared locks, so it never lands on a CPU someone pinned and
 * no one pins a CPU it floats over.  The kernel drops a lock when its
 * holder dies, so a killed run leaves nothing held.  Each lock is its own
 * open file description: two VMs of one process exclude each other as two
 * processes do. */
#ifndef KTSTR_RECORD_CPULOCK_H
#define KTSTR_RECORD_CPULOCK_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_CPULOCK_ERROR (ktstr_cpulock_error_quark ())
GQuark ktstr_cpulock_error_quark (void);

typedef enum
{
  KTSTR_CPULOCK_ERROR_BUSY, /* another holder has it; the message names the holders */
  KTSTR_CPULOCK_ERROR_IO,   /* the directory or a file cannot be made or locked */
} KtstrCpuLockError;

typedef enum
{
  KTSTR_CPULOCK_CPU,
  KTSTR_CPULOCK_LLC,
} KtstrCpuLockKind;

typedef struct
{
  KtstrCpuLockKind kind;
  guint index; /* the CPU, or the LLC's lowest CPU */
  gboolean is_exclusive;
} KtstrCpuLockWant;

/* The directory of the lock files ($KTSTR_LOCK_DIR, else /tmp/ktstr-locks). */
char *ktstr_cpulock_dir (void);

/* DIR/cpu-INDEX.lock or DIR/llc-INDEX.lock. */
char *ktstr_cpulock_path (const char *dir, KtstrCpuLockKind kind, guint index);

typedef struct _KtstrCpuLockSet KtstrCpuLockSet;

/* Takes every lock of WANTS[0..N) in DIR (created world-writable and
 * sticky, as /tmp, so every user's runs coordinate), without waiting: all
 * of them, or none.  On contention: NULL, KTSTR_CPULOCK_ERROR_BUSY naming
 * the first lock that was held and its holders; *CONTENDED (if not NULL)
 * gets that want, and *IS_OURS whether every holder of it is this very
 * process (a sibling VM that will end, rather than a stranger) or none is
 * left (released since). */
KtstrCpuLockSet *ktstr_cpulock_try (const char *dir, const KtstrCpuLockWant *wants, guint n,
                                    KtstrCpuLockWant *contended, gboolean *is_ours, GError **error);

/* Releases every lock of SET. */
void ktstr_cpulock_set_free (KtstrCpuLockSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrCpuLockSet, ktstr_cpulock_set_free)

guint ktstr_cpulock_set_count (const KtstrCpuLockSet *set);

/* A lock file name's kind and index ("cpu-3.lock" -> CPU, 3); FALSE for
 * any other name. */
gboolean ktstr_cpulock_parse_name (const char *basename, KtstrCpuLockKind *kind, guint *index);

G_END_DECLS

#endif
