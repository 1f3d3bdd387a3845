/* vCPU threads: one thread per vCPU running KVM_RUN and dispatching its
 * exits (port I/O, MMIO, shutdown, system events, failures) to the machine.
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

#include "backends/kvm/kvm-sys.h"

G_BEGIN_DECLS

typedef struct _KtstrKvmMachine KtstrKvmMachine;

typedef struct
{
  KtstrKvmMachine *machine;
  guint index;     /* logical CPU number */
  guint32 apic_id; /* also the KVM vCPU id */
  int fd;
  int stats_fd; /* -1 without KVM_CAP_BINARY_STATS_FD */
  struct kvm_run *run;
  gsize run_size;
  GThread *thread;
  pthread_t tid;
  gint is_running; /* atomic: the thread has published tid and not returned */
} KtstrVcpu;

/* KVM_CREATE_VCPU with APIC_ID, maps its kvm_run, opens its stats fd. */
gboolean ktstr_vcpu_create (KtstrVcpu *vcpu, KtstrKvmMachine *machine, const KtstrKvmSys *sys,
                            guint index, guint32 apic_id, GError **error);

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
