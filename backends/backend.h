/* The VM backend interface.
 *
 * A backend boots one kernel + initramfs with a given topology, hands every
 * line the guest agent writes on its control channel to a callback, and
 * reports how the VM ended.  The host (src/run/runner.c) drives it as
 *
 *   vm = backend->prepare (&config, &error);
 *   backend->launch (vm, &error);
 *   backend->wait (vm, &error);          // returns when the VM ended or the deadline passed
 *   backend->collect (vm, &result);
 *   backend->cleanup (vm);               // kills a VM still running, frees everything
 *
 * Two implementations: backends/qemu (QEMU driven over QMP) and
 * backends/kvm (our own VMM on /dev/kvm).  The host only includes this
 * header; each backend's private headers stay in its folder.
 */
#ifndef KTSTR_BACKEND_H
#define KTSTR_BACKEND_H

#include <glib.h>

#include "common/topology.h"

G_BEGIN_DECLS

#define KTSTR_BACKEND_ERROR (ktstr_backend_error_quark ())
GQuark ktstr_backend_error_quark (void);

typedef enum
{
  KTSTR_BACKEND_ERROR_UNAVAILABLE,   /* backend cannot run on this host */
  KTSTR_BACKEND_ERROR_LAUNCH,        /* the VM process/threads could not start */
  KTSTR_BACKEND_ERROR_PROTOCOL,      /* QMP or device protocol failure */
  KTSTR_BACKEND_ERROR_INVALID,       /* bad configuration */
  KTSTR_BACKEND_ERROR_NOT_PREFERRED, /* --backend=auto: runs here, but not well enough */
  KTSTR_BACKEND_ERROR_NOT_RUNNING,   /* the VM is not running (yet, or any more) */
} KtstrBackendError;

/* The most console bytes a VM may write: the guest is untrusted, and a
 * kernel or program that never stops printing would fill the disk (the
 * console log is kept with the sidecar) and the host's memory (it is read
 * for the verdict).  A boot at loglevel 6 writes well under 1 MiB.  Past
 * it (or KtstrVmConfig.console_max) the kvm backend drops the rest and
 * the qemu backend, whose QEMU writes the file itself, stops the VM within
 * a second. */
#define KTSTR_CONSOLE_MAX (64 * 1024 * 1024)

typedef enum
{
  KTSTR_ACCEL_AUTO = 0,
  KTSTR_ACCEL_KVM,
  KTSTR_ACCEL_TCG,
} KtstrAccel;

typedef enum
{
  KTSTR_VM_END_NONE = 0, /* still running / never launched */
  KTSTR_VM_END_POWEROFF, /* guest powered off (normal end) */
  KTSTR_VM_END_RESET,    /* guest rebooted (reboot, triple fault, panic without pvpanic) */
  KTSTR_VM_END_PANIC,    /* guest kernel panic reported by the platform (pvpanic) */
  KTSTR_VM_END_TIMEOUT,  /* the host deadline passed; the VM was killed */
  KTSTR_VM_END_CRASHED,  /* the VMM itself died or failed */
} KtstrVmEnd;

const char *ktstr_vm_end_to_string (KtstrVmEnd end);

/* Called on the main context for every complete line (without '\n') the
 * guest agent writes on the control channel. */
typedef void (*KtstrVmLineFunc) (const char *line, gpointer user_data);

/* Where a VM's threads and memory go on the host (performance mode and
 * --cpu-cap, src/run/cpu-plan.h).  Every array holds guint and is
 * borrowed; NULL (the zeroed struct): no placement, the host scheduler
 * decides. */
typedef struct
{
  const GArray *vcpu_cpus;    /* host CPU of vCPU i (performance mode), or NULL */
  const GArray *cpus;         /* host CPUs of every vCPU thread when vcpu_cpus is NULL */
  const GArray *service_cpus; /* host CPUs of the VMM's other threads (QEMU); NULL: cpus */
  const GArray *mem_nodes;    /* bind guest RAM to these host NUMA nodes */
  const char *hugepage_dir;   /* a hugetlbfs mount with room for guest RAM; NULL: normal pages */
  gboolean is_realtime;       /* vCPU threads at SCHED_FIFO priority 1 */
} KtstrVmPlacement;

/* Pins the threads of process PID: vCPU i's thread (VCPU_TIDS, int per
 * index; 0 unknown) to PLACEMENT's vcpu_cpus[i] (or its cpus) and, when
 * PIN_OTHERS, every other thread of PID to its service CPUs; raises the
 * vCPU threads to SCHED_FIFO when it is realtime.  FALSE with
 * KTSTR_BACKEND_ERROR_LAUNCH naming the thread and the reason on the first
 * failure (a CPU offline or outside this process's cpuset, no permission
 * for SCHED_FIFO).  Nothing to do for an empty placement. */
gboolean ktstr_vm_placement_apply (const KtstrVmPlacement *placement, int pid,
                                   const GArray *vcpu_tids, gboolean pin_others, GError **error);

/* A deep copy of P (its arrays and path owned by the copy); free it with
 * ktstr_vm_placement_free_copy. */
KtstrVmPlacement *ktstr_vm_placement_copy (const KtstrVmPlacement *p);
void ktstr_vm_placement_free_copy (KtstrVmPlacement *p);

typedef struct
{
  const char *kernel_path; /* bzImage or uncompressed vmlinux (PVH) */
  const char *initramfs_path;
  const char *cmdline; /* complete kernel command line */
  KtstrTopology topology;
  guint memory_mb;
  const char *workdir;      /* private directory for sockets and temp files */
  const char *console_path; /* kernel console (ttyS0) is written here */
  KtstrAccel accel;         /* AUTO: KVM only when it really runs at speed */
  guint timeout_s;          /* wall budget from launch to the end of the VM */
  KtstrVmLineFunc on_line;
  gpointer user_data;
  gboolean verbose;  /* echo the console to stderr as it arrives */
  gsize console_max; /* console bytes allowed; 0: KTSTR_CONSOLE_MAX */
  /* Back guest RAM with memory this process maps too, so the host monitor
   * can read the guest kernel's state (guest_access below). */
  gboolean share_ram;
  /* The console on the caller's terminal (its stdin and stdout), still
   * logged to console_path: `ktstr shell`.  A backend that cannot do
   * that refuses the config (KTSTR_BACKEND_ERROR_INVALID). */
  gboolean is_console_interactive;
  KtstrVmPlacement placement;
} KtstrVmConfig;

typedef struct
{
  KtstrVmEnd end;
  char *end_detail;      /* e.g. the QMP SHUTDOWN reason, or why the VMM failed */
  char *accel;           /* "kvm" or "tcg": what actually ran the guest */
  char *command_line;    /* exact command to reproduce this boot by hand */
  gint64 launch_us;      /* monotonic time the guest was started */
  gint64 first_line_us;  /* monotonic time of the first control line, 0 if none */
  gint64 end_us;         /* monotonic time the VM was seen to end */
  gint64 cleanup_ms;     /* teardown wall time, -1 if killed by the deadline */
  int vmm_signal;        /* the VMM process died of this signal on its own (e.g.
                          * SIGSEGV in QEMU's TCG); 0: it did not */
  GHashTable *kvm_stats; /* per-vCPU stats, NULL when not collected: vCPU index
                          * (GUINT_TO_POINTER) -> GHashTable of char *name ->
                          * guint64 *value (the shape of KtstrKvmStats.per_vcpu) */
} KtstrVmResult;

void ktstr_vm_result_clear (KtstrVmResult *result);

/* The host scheduler's account of the threads that run a guest's vCPUs,
 * summed over them: the CPU time they have had so far and the time they
 * waited, runnable, for a host CPU (Linux schedstat, nanoseconds).  Under
 * TCG the guest's clocks follow host time whether its vCPU threads run or
 * wait, so a guest cannot see how much CPU it was given; only the host can. */
typedef struct
{
  guint64 run_ns;
  guint64 wait_ns;
  guint n_threads; /* vCPU threads found (0: nothing could be read) */
} KtstrVcpuTime;

/* Fields 1 and 2 of a /proc/.../schedstat line ("RUN WAIT SLICES"). */
gboolean ktstr_vcpu_time_parse_schedstat (const char *text, guint64 *run_ns, guint64 *wait_ns);

/* Adds the schedstat of thread TID of process PID to *t (n_threads + 1);
 * FALSE, *t unchanged, when it cannot be read (the thread is gone, or the
 * kernel has no CONFIG_SCHED_INFO). */
gboolean ktstr_vcpu_time_add_thread (KtstrVcpuTime *t, int pid, int tid);

typedef struct _KtstrVm KtstrVm; /* backend-private */

/* Guest RAM as this process maps it, and the host threads running the
 * vCPUs (for their CPU time). */
typedef struct
{
  guint64 gpa;
  guint64 size;
  guint8 *hva;
} KtstrVmRamRegion;

typedef struct
{
  GArray *regions;   /* KtstrVmRamRegion; the memory stays mapped until cleanup */
  int pid;           /* the process of the vCPU threads */
  GArray *vcpu_tids; /* int per vCPU index; empty when unknown */
} KtstrVmGuestAccess;

void ktstr_vm_guest_access_clear (KtstrVmGuestAccess *access);

typedef struct
{
  const char *name;
  /* TRUE when this backend can run here; otherwise FALSE and
   * KTSTR_BACKEND_ERROR_UNAVAILABLE says what is missing. */
  gboolean (*is_available) (GError **error);
  /* For --backend=auto: TRUE when this backend should be chosen over the
   * fallback (QEMU) here, after whatever probing that takes; otherwise
   * FALSE and the error (UNAVAILABLE, or NOT_PREFERRED when it runs but
   * too slowly) says what was found.  NULL in the fallback itself. */
  gboolean (*is_preferred) (GError **error);
  KtstrVm *(*prepare) (const KtstrVmConfig *config, GError **error);
  gboolean (*launch) (KtstrVm *vm, GError **error);
  /* Runs until the VM ends or its timeout passes (then the VM is killed and
   * the end is KTSTR_VM_END_TIMEOUT).  FALSE only on internal failures. */
  gboolean (*wait) (KtstrVm *vm, GError **error);
  void (*collect) (KtstrVm *vm, KtstrVmResult *result);
  void (*kill) (KtstrVm *vm);
  void (*cleanup) (KtstrVm *vm);
  /* "kvm" or "tcg": what a guest would run on here, decided without
   * booting one (forced by the environment, or already found to work).
   * Capacity planning (the gauntlet) sizes VMs on it. */
  const char *(*expected_accel) (void);
  /* The vCPU threads and, when the VM was prepared with share_ram, guest
   * RAM shared with this process (else no regions), from the guest's first
   * control line until cleanup.  FALSE with KTSTR_BACKEND_ERROR_NOT_RUNNING
   * when there is no VM to look at. */
  gboolean (*guest_access) (KtstrVm *vm, KtstrVmGuestAccess *out, GError **error);
  /* Writes LINE and a newline to the guest agent's control channel (the
   * host -> guest commands of common/proto.h).  Safe from any thread
   * between launch and cleanup; dropped when the channel is closed. */
  void (*send_to_guest) (KtstrVm *vm, const char *line);
  /* The running VM's vCPU threads as the host scheduler saw them so far
   * (KtstrVcpuTime); FALSE when the VM is not running or none could be
   * read.  Called from the on_line callback, between launch and collect. */
  gboolean (*vcpu_time) (KtstrVm *vm, KtstrVcpuTime *out);
} KtstrBackend;

/* Looks a backend up by name ("qemu", "kvm"); "auto" picks the best one
 * that is available.  NULL with error set when none fits.  (The table of
 * backends is backends/registry.c: the one place that names them all.) */
const KtstrBackend *ktstr_backend_lookup (const char *name, GError **error);

extern const KtstrBackend ktstr_backend_qemu;
extern const KtstrBackend ktstr_backend_kvm;

G_END_DECLS

#endif
