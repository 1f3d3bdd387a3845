/* Private to backends/qemu: the state of one VM and the functions that run
 * one QEMU process for it (qemu-process.c).  qemu.c builds the KtstrBackend
 * on top: preparation, the KVM probe, the wait loop and the result.
 */
#ifndef KTSTR_BACKENDS_QEMU_QEMU_VM_H
#define KTSTR_BACKENDS_QEMU_QEMU_VM_H

#include <gio/gio.h>

#include "backends/backend.h"
#include "backends/qemu/accel.h"
#include "backends/qemu/qmp.h"

G_BEGIN_DECLS

#define KTSTR_QEMU_CONNECT_TIMEOUT_MS 10000 /* QEMU start, including loading the kernel */
#define KTSTR_QEMU_COMMAND_TIMEOUT_MS 5000
#define KTSTR_QEMU_EXIT_GRACE_US (5 * G_USEC_PER_SEC) /* SHUTDOWN seen → QEMU gone */
#define KTSTR_QEMU_KILL_GRACE_US (2 * G_USEC_PER_SEC) /* quit sent → SIGKILL */
#define KTSTR_QEMU_DRAIN_AFTER_EXIT_US (1 * G_USEC_PER_SEC)
#define KTSTR_QEMU_STDERR_TAIL_BYTES 2048
#define KTSTR_QEMU_READ_CHUNK 16384

struct _KtstrVm
{
  /* The configuration, copied. */
  char *kernel_path;
  char *initramfs_path;
  char *cmdline;
  char *console_path;
  char *qmp_path;
  char *ctrl_path;
  KtstrTopology topology;
  guint memory_mb;
  guint timeout_s;
  KtstrVmLineFunc on_line;
  gpointer user_data;
  gboolean verbose;
  gboolean share_ram;
  char *workdir;
  gboolean is_console_interactive;

  char *qemu;
  char *machine;
  GMainContext *context;
  KtstrAccelChoice choice;
  char *cache_path;
  char *host_key;      /* NULL unless a KVM finding may be recorded */
  gboolean is_probing; /* this QEMU is a KVM probe (AUTO, host unknown) */
  char *kvm_failure;   /* why the KVM probe failed; NULL if it did not */

  /* The current QEMU process; reset when the probe falls back to TCG. */
  const char *accel;
  char *command_line;
  GSubprocess *proc;
  GCancellable *cancellable;
  KtstrQmp *qmp;
  GIOStream *ctrl;
  gsize console_max; /* see KtstrVmConfig */
  GString *ctrl_buf;
  gboolean is_ctrl_cut; /* dropping the rest of a line cut at KTSTR_PROTO_LINE_MAX */
  GString *stderr_tail;
  guint8 ctrl_chunk[KTSTR_QEMU_READ_CHUNK];
  guint8 stderr_chunk[KTSTR_QEMU_READ_CHUNK];
  int console_fd;
  guint console_timer;
  int pending_ops; /* async operations whose callbacks still refer to us */
  gboolean has_exited;
  gboolean ctrl_eof;
  gboolean stderr_eof;
  char *exit_desc;
  int exit_signal; /* QEMU died of this signal (0: it exited, or runs) */
  gboolean quit_sent;

  /* The outcome. */
  KtstrVmEnd end;
  char *end_detail;
  gint64 launch_us;
  gint64 deadline_us;
  gint64 probe_until_us;
  gint64 first_line_us;
  gint64 end_us;
  gint64 exit_us;
  gint64 cleanup_ms;

  /* Shared guest RAM (share_ram): one file per NUMA node, mapped here too
   * (qemu-ram.c), and the vCPU threads' ids from QMP. */
  GPtrArray *ram_files; /* KtstrQemuRamFile* */
  GArray *vcpu_tids;    /* int per vCPU index */
  /* Where QEMU's threads and RAM go (a copy of the config's); pinned
   * between query-cpus-fast and `cont`. */
  KtstrVmPlacement *placement;
  /* The control channel's output, for send_to_guest from any thread. */
  GMutex send_lock;
  GOutputStream *send_stream;
};

typedef struct
{
  char *path;
  guint8 *map;
  gsize size;
  gboolean is_unlinked;
} KtstrQemuRamFile;

/* Creates and maps the RAM files of VM (qemu-ram.c): in /dev/shm when it
 * has room, else in the VM's work directory. */
gboolean ktstr_qemu_ram_create (KtstrVm *vm, GError **error);
/* The file paths, NULL-terminated (for the command line); NULL when VM
 * shares no RAM. */
char **ktstr_qemu_ram_paths (const KtstrVm *vm);
/* Once QEMU has opened the files: removes their names (the memory lives on
 * in both mappings, and nothing is left behind if ktstr dies). */
void ktstr_qemu_ram_unlink (KtstrVm *vm);
/* Unmaps and removes everything. */
void ktstr_qemu_ram_release (KtstrVm *vm);
/* Asks QEMU for the vCPU thread ids (query-cpus-fast) into vm->vcpu_tids. */
void ktstr_qemu_ram_query_vcpus (KtstrVm *vm);

/* Records how the VM ended; the first end wins.  Takes DETAIL. */
void ktstr_qemu_vm_set_end (KtstrVm *vm, KtstrVmEnd end, char *detail);

/* Starts QEMU paused under ACCEL, connects QMP and the control socket,
 * negotiates and sends `cont`.  On failure QEMU is killed, the end is
 * CRASHED with QEMU's stderr, and the error is KTSTR_BACKEND_ERROR_LAUNCH. */
/* The QEMU argv for VM under ACCEL ("kvm" or "tcg"). */
GStrv ktstr_qemu_vm_build_args (const KtstrVm *vm, const char *accel, GError **error);
gboolean ktstr_qemu_vm_start (KtstrVm *vm, const char *accel, GError **error);

/* Once the end is known: lets QEMU exit, `quit` then SIGKILL if it lingers,
 * and drains its streams. */
void ktstr_qemu_vm_finish (KtstrVm *vm);

/* After QEMU exited: reads what its streams still hold, bounded. */
void ktstr_qemu_vm_drain_after_exit (KtstrVm *vm);

/* Kills QEMU if it runs, waits for every callback that refers to VM, and
 * drops the per-process state (the VM can be started again). */
void ktstr_qemu_vm_stop (KtstrVm *vm);

void ktstr_qemu_vm_send_quit (KtstrVm *vm);

/* One blocking iteration of the VM's context, woken at UNTIL_US at the latest. */
void ktstr_qemu_vm_iterate (KtstrVm *vm, gint64 until_us);

char *ktstr_qemu_vm_stderr_summary (KtstrVm *vm);
char *ktstr_qemu_vm_stderr_first_line (KtstrVm *vm);

G_END_DECLS

#endif
