/* The /dev/kvm system and VM file descriptors, and the capability checks.
 *
 * Everything here is a thin, checked wrapper over the KVM ioctls: opening
 * /dev/kvm with an error that names the fix (missing device, missing
 * permission, a capability the host kernel lacks), creating the VM with
 * its in-kernel interrupt controllers, PIT, TSS and identity map, and
 * handing out the supported CPUID.  The error domain KTSTR_KVM_ERROR is
 * shared by the whole backends/kvm folder. */
#ifndef KTSTR_KVM_SYS_H
#define KTSTR_KVM_SYS_H

#include <glib.h>
#include <linux/kvm.h>

G_BEGIN_DECLS

#define KTSTR_KVM_ERROR (ktstr_kvm_error_quark ())
GQuark ktstr_kvm_error_quark (void);

typedef enum
{
  KTSTR_KVM_ERROR_NO_DEVICE,  /* /dev/kvm does not exist */
  KTSTR_KVM_ERROR_PERMISSION, /* /dev/kvm exists but cannot be opened */
  KTSTR_KVM_ERROR_CAPABILITY, /* the host KVM lacks an API version or capability */
  KTSTR_KVM_ERROR_SETUP,      /* an ioctl failed while building the VM */
  KTSTR_KVM_ERROR_IMAGE,      /* the kernel image cannot be booted */
  KTSTR_KVM_ERROR_CONFIG,     /* the topology, memory or command line does not fit */
  KTSTR_KVM_ERROR_RUN,        /* running the guest failed */
} KtstrKvmError;

/* Fixed addresses at the top of the 32-bit space that KVM needs for its
 * real-mode emulation on Intel (3 pages of TSS, then one page table page).
 * Both lie inside the MMIO hole, outside guest RAM. */
#define KTSTR_KVM_IDENTITY_MAP_ADDR 0xfffbc000ull
#define KTSTR_KVM_TSS_ADDR 0xfffbd000ull

typedef struct
{
  int kvm_fd;
  int vm_fd;
  int vcpu_mmap_size;
  int max_vcpus;             /* KVM_CAP_MAX_VCPUS */
  int recommended_vcpus;     /* KVM_CAP_NR_VCPUS */
  gboolean has_stats_fd;     /* KVM_CAP_BINARY_STATS_FD: per-vCPU statistics */
  gboolean has_tsc_deadline; /* KVM_CAP_TSC_DEADLINE_TIMER */
} KtstrKvmSys;

#define KTSTR_KVM_SYS_INIT                                                                         \
  {                                                                                                \
    .kvm_fd = -1, .vm_fd = -1                                                                      \
  }

/* Opens DEVICE (normally "/dev/kvm"; tests point elsewhere), checks the
 * API version and every capability the backend relies on. */
gboolean ktstr_kvm_sys_open (KtstrKvmSys *sys, const char *device, GError **error);

/* Creates the VM: KVM_CREATE_VM, identity map and TSS addresses, the
 * in-kernel PIC/IOAPIC/LAPIC and a PIT whose speaker port is a dummy. */
gboolean ktstr_kvm_sys_create_vm (KtstrKvmSys *sys, GError **error);

/* Closes both descriptors (safe on a half-opened or cleared struct). */
void ktstr_kvm_sys_close (KtstrKvmSys *sys);

/* KVM_GET_SUPPORTED_CPUID; free with g_free. */
struct kvm_cpuid2 *ktstr_kvm_sys_get_supported_cpuid (const KtstrKvmSys *sys, GError **error);

/* Registers HVA..+SIZE as guest physical GPA in memory slot SLOT. */
gboolean ktstr_kvm_sys_set_memory (const KtstrKvmSys *sys, guint slot, guint64 gpa, guint64 size,
                                   void *hva, GError **error);

/* Sets interrupt line GSI to LEVEL on the in-kernel irqchip. */
void ktstr_kvm_sys_irq_line (const KtstrKvmSys *sys, guint gsi, gboolean level);

/* A failed ioctl as a GError in KTSTR_KVM_ERROR (code CODE), with errno. */
void ktstr_kvm_set_errno_error (GError **error, int code, const char *what, int errsv);

G_END_DECLS

#endif
