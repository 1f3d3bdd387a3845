/* vCPU threads: one thread per vCPU running KVM_RUN and dispatching its
 * exits (port I/O, MMIO, shutdown, system events, failures) to its owner,
 * the machine.
 *
 * A vCPU is stopped by a kick: kvm_run.immediate_exit is set (so a thread
 * about to enter KVM_RUN returns at once) and a real-time signal with an
 * empty handler interrupts a KVM_RUN in progress, including one blocked in
 * an in-kernel HLT or wait-for-SIPI.  The thread then sees the machine's
 * stop flag and returns; the machine joins it, so no thread outlives it. */
#ifndef KTSTR_KVM_VCPU_H
#define KTSTR_KVM_VCPU_H

#include <glib.h>
#include <linux/kvm.h>
#include <pthread.h>

#include "backends/backend.h"
#include "backends/kvm/kvm-sys.h"

G_BEGIN_DECLS

/* Where a vCPU hands its exits: the machine (machine.c), which owns the
 * devices and how the VM ends.  A table of functions given at creation,
 * so that vCPUs sit below the machine and know nothing of it.  Each is
 * called on the vCPU's thread with the OWNER given to ktstr_vcpu_create. */
typedef struct
{
  /* Port I/O of LEN bytes at PORT: DATA is read from (writes) or filled. */
  void (*io) (gpointer owner, guint16 port, gboolean is_write, guint8 *data, guint len);
  /* MMIO of LEN bytes at guest physical ADDR, likewise. */
  void (*mmio) (gpointer owner, guint64 addr, gboolean is_write, guint8 *data, guint len);
  /* The VM ended (shutdown, reset, panic, a KVM failure). */
  void (*end) (gpointer owner, KtstrVmEnd end, const char *detail);
  /* TRUE once the thread must return instead of entering KVM_RUN again. */
  gboolean (*should_stop) (gpointer owner);
} KtstrVcpuExits;

typedef struct
{
  const KtstrVcpuExits *exits;
  gpointer owner;
  guint index;     /* logical CPU number */
  guint32 apic_id; /* also the KVM vCPU id */
  int fd;
  int stats_fd; /* -1 without KVM_CAP_BINARY_STATS_FD */
  struct kvm_run *run;
  gsize run_size;
  GThread *thread;
  pthread_t tid;
  gint os_tid;     /* atomic: the thread's kernel id (gettid), 0 before it runs */
  gint is_running; /* atomic: the thread has published tid and not returned */
  /* Where the thread pins itself before its first KVM_RUN; NULL: nowhere. */
  const KtstrVmPlacement *placement;
} KtstrVcpu;

/* KVM_CREATE_VCPU with APIC_ID, maps its kvm_run, opens its stats fd.
 * Its exits go to EXITS with OWNER. */
gboolean ktstr_vcpu_create (KtstrVcpu *vcpu, const KtstrVcpuExits *exits, gpointer owner,
                            const KtstrKvmSys *sys, guint index, guint32 apic_id, GError **error);

/* Starts the thread. */
gboolean ktstr_vcpu_start (KtstrVcpu *vcpu, GError **error);

/* Interrupts KVM_RUN; safe from any thread, repeatedly. */
void ktstr_vcpu_kick (KtstrVcpu *vcpu);

/* Kicks until the thread returns, then joins it. */
void ktstr_vcpu_join (KtstrVcpu *vcpu);

/* Unmaps and closes (after join). */
void ktstr_vcpu_destroy (KtstrVcpu *vcpu);

G_END_DECLS

#endif
