/* One virtual machine on /dev/kvm: memory, kernel, firmware tables,
 * devices and vCPU threads, with no policy about deadlines or results
 * (that is backends/kvm/kvm.c).
 *
 * Guest physical map (see also memory.h):
 *
 *   0x500      GDT            0x540   empty IDT
 *   0x6000     PVH start info 0x7000  zero page (boot_params)
 *   0x9000     page tables (PML4, PDPT, 4 PDs: identity map of 4 GiB)
 *   0x20000    kernel command line
 *   0xE0000    ACPI tables (RSDP first)
 *   0x100000   bzImage protected-mode kernel (PVH: ELF segments at p_paddr)
 *   top of RAM below 3 GiB: initrd
 *   0xD0000000 virtio-mmio console (4 KiB, IRQ 5)
 *   0xFEC00000 IOAPIC, 0xFEE00000 local APICs (in-kernel)
 *
 * The machine appends its device arguments to the command line it is
 * given: "virtio_mmio.device=4K@0xd0000000:5" declares the console, so the
 * guest kernel needs CONFIG_VIRTIO_MMIO=y and
 * CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y (the ktstr fixture kernel has both;
 * Debian's stock kernels build virtio_mmio as a module without command-line
 * devices, so they boot but never see the control channel). */
#ifndef KTSTR_KVM_MACHINE_H
#define KTSTR_KVM_MACHINE_H

#include <glib.h>

#include "backends/backend.h"
#include "backends/kvm/virtio-console.h"
#include "common/topology.h"

G_BEGIN_DECLS

#define KTSTR_KVM_CONSOLE_MMIO_GPA 0xd0000000ull
#define KTSTR_KVM_CONSOLE_IRQ 5
#define KTSTR_KVM_DEVICE_CMDLINE "virtio_mmio.device=4K@0xd0000000:5"
#define KTSTR_KVM_RAW_CODE_GPA 0x100000ull

typedef struct _KtstrKvmMachine KtstrKvmMachine;

typedef void (*KtstrMachineBytesFunc) (const guint8 *data, gsize len, gpointer user_data);
typedef void (*KtstrMachineEndFunc) (KtstrVmEnd end, const char *detail, gpointer user_data);
/* Returns TRUE when it handled the access. */
typedef gboolean (*KtstrMachineIoFunc) (guint16 port, gboolean is_write, guint8 *data, guint len,
                                        gpointer user_data);

typedef struct
{
  const char *kernel_path; /* bzImage or PVH vmlinux */
  const guint8 *raw_code;  /* instead of a kernel: flat 64-bit code run at 1 MiB */
  gsize raw_code_len;
  const char *initrd_path; /* nullable */
  const char *cmdline;     /* nullable; device arguments are appended */
  KtstrTopology topology;
  guint64 memory_bytes;
  const char *kvm_device;           /* NULL: /dev/kvm */
  gboolean is_emulated;             /* /dev/kvm is an instruction emulator: hide the CPU
                                     * features it cannot execute (KTSTR_CPUID_EMULATED) */
  KtstrMachineBytesFunc on_console; /* UART output, on a vCPU thread */
  KtstrMachineBytesFunc on_ctrl;    /* control channel bytes, on a vCPU thread */
  KtstrMachineEndFunc on_end;       /* once, when the VM ends, on any thread */
  KtstrMachineIoFunc io_hook;       /* ports no device claims, on a vCPU thread */
  gpointer user_data;
  /* Performance mode and --cpu-cap: vCPU threads pinned (and realtime),
   * RAM from hugepages and bound to host nodes; NULL: none. */
  const KtstrVmPlacement *placement;
} KtstrKvmMachineConfig;

/* Builds the whole VM; no vCPU runs yet. */
KtstrKvmMachine *ktstr_kvm_machine_new (const KtstrKvmMachineConfig *config, GError **error);

/* Starts one thread per vCPU. */
gboolean ktstr_kvm_machine_start (KtstrKvmMachine *m, GError **error);

/* Records how the VM ended (the first call wins) and kicks every vCPU. */
void ktstr_kvm_machine_end (KtstrKvmMachine *m, KtstrVmEnd end, const char *detail);

/* KTSTR_VM_END_NONE while running; *detail (nullable) gets a copy. */
KtstrVmEnd ktstr_kvm_machine_get_end (KtstrKvmMachine *m, char **detail);

/* Stops and joins every vCPU thread (idempotent). */
void ktstr_kvm_machine_stop (KtstrKvmMachine *m);

/* Per-vCPU statistics (after stop): a table from vCPU index
 * (GUINT_TO_POINTER) to a table char *name -> guint64 *value; NULL when
 * the host has no binary stats. */
GHashTable *ktstr_kvm_machine_collect_stats (KtstrKvmMachine *m);

/* Adds each running vCPU thread's host schedstat to *t (KtstrVcpuTime);
 * a thread that has not started yet, or has returned, is left out. */
void ktstr_kvm_machine_vcpu_time (KtstrKvmMachine *m, KtstrVcpuTime *t);

/* Closes every descriptor and frees guest memory (stops first). */
void ktstr_kvm_machine_free (KtstrKvmMachine *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrKvmMachine, ktstr_kvm_machine_free)

/* The command line the guest got, device arguments included. */
const char *ktstr_kvm_machine_get_cmdline (KtstrKvmMachine *m);
/* "bzImage", "PVH" or "raw". */
const char *ktstr_kvm_machine_get_boot_kind (KtstrKvmMachine *m);
KtstrVirtioConsole *ktstr_kvm_machine_get_console (KtstrKvmMachine *m);
guint ktstr_kvm_machine_get_n_vcpus (KtstrKvmMachine *m);
/* Guest RAM as mapped here, and vCPU I's kernel thread id (0 before it ran). */
const KtstrKvmMemory *ktstr_kvm_machine_get_memory (KtstrKvmMachine *m);
int ktstr_kvm_machine_get_vcpu_tid (KtstrKvmMachine *m, guint i);

G_END_DECLS

#endif
