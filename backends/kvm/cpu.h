/* Initial CPU state: the boot GDT and page tables in guest memory, and the
 * registers, MSRs, FPU and local APIC of each vCPU.
 *
 * The bootstrap CPU starts either in 64-bit mode (bzImage 64-bit entry:
 * paging on with an identity map of the first 4 GiB in 2 MiB pages, CS =
 * __BOOT_CS 0x10, DS = __BOOT_DS 0x18, RSI = zero page) or in 32-bit
 * protected mode with paging off (PVH: EBX = start info).  Secondary CPUs
 * are left in wait-for-SIPI and started by the guest through the in-kernel
 * local APIC. */
#ifndef KTSTR_KVM_CPU_H
#define KTSTR_KVM_CPU_H

#include <glib.h>

#include "backends/kvm/memory.h"

G_BEGIN_DECLS

#define KTSTR_CPU_GDT_GPA 0x500ull
#define KTSTR_CPU_IDT_GPA 0x540ull
#define KTSTR_CPU_PML4_GPA 0x9000ull
#define KTSTR_CPU_PDPT_GPA 0xa000ull
#define KTSTR_CPU_PD_GPA 0xb000ull /* four pages: 0xb000..0xefff */
#define KTSTR_CPU_IDENTITY_MAP_BYTES (4ull << 30)

#define KTSTR_CPU_SEL_CODE64 0x10
#define KTSTR_CPU_SEL_DATA 0x18
#define KTSTR_CPU_SEL_TSS 0x20
#define KTSTR_CPU_SEL_CODE32 0x30
#define KTSTR_CPU_GDT_ENTRIES 7

typedef enum
{
  KTSTR_CPU_MODE_LONG,  /* 64-bit, paging on */
  KTSTR_CPU_MODE_PVH32, /* 32-bit protected mode, paging off */
} KtstrCpuMode;

/* Writes the GDT, an empty IDT and the identity-mapping page tables. */
gboolean ktstr_cpu_write_boot_tables (KtstrKvmMemory *mem, GError **error);

/* Sets up the bootstrap CPU: segments, control registers, general
 * registers (RIP = ENTRY; RSI or EBX = BOOT_ARG), FPU, MSRs, LAPIC. */
gboolean ktstr_cpu_setup_bsp (int vcpu_fd, KtstrCpuMode mode, guint64 entry, guint64 boot_arg,
                              GError **error);

/* Sets up a secondary CPU: FPU, MSRs and masked LINT0/LINT1. */
gboolean ktstr_cpu_setup_ap (int vcpu_fd, GError **error);

G_END_DECLS

#endif
