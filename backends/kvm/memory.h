/* Guest RAM and the guest physical memory map.
 *
 * RAM is one anonymous host mapping.  Guest physical addresses follow the
 * PC layout: RAM from 0 up to 3 GiB, the MMIO hole from 3 to 4 GiB (the
 * virtio-mmio device, IOAPIC, local APICs and the KVM TSS live there), and
 * the rest of RAM from 4 GiB up.  Each NUMA node gets an equal share of RAM
 * (in 2 MiB units, the last node takes the remainder) and one KVM memory
 * slot per contiguous piece, so SRAT memory ranges match the slots.
 *
 * The E820 map handed to the guest is derived from the RAM size alone,
 * which keeps it a pure function that tests can check for many sizes. */
#ifndef KTSTR_KVM_MEMORY_H
#define KTSTR_KVM_MEMORY_H

#include <glib.h>

#include "backends/kvm/kvm-sys.h"

G_BEGIN_DECLS

#define KTSTR_KVM_LOW_RAM_END 0xc0000000ull /* RAM above 3 GiB moves to 4 GiB */
#define KTSTR_KVM_HIGH_RAM_START 0x100000000ull
#define KTSTR_KVM_EBDA_START 0x9fc00ull /* end of low conventional RAM */
#define KTSTR_KVM_BIOS_START 0xe0000ull /* ACPI tables live here */
#define KTSTR_KVM_HIMEM_START 0x100000ull
#define KTSTR_KVM_MAX_NODES 16
#define KTSTR_KVM_MAX_REGIONS (2 * KTSTR_KVM_MAX_NODES)
#define KTSTR_KVM_MIN_NODE_BYTES (2ull << 20)

typedef enum
{
  KTSTR_E820_RAM = 1,
  KTSTR_E820_RESERVED = 2,
} KtstrE820Type;

typedef struct
{
  guint64 addr;
  guint64 size;
  guint32 type;
} KtstrE820Entry;

#define KTSTR_E820_MAX 8

typedef struct
{
  guint64 gpa;
  guint64 size;
  guint node;
  guint8 *hva;
} KtstrKvmMemRegion;

typedef struct
{
  guint64 ram_size;
  guint n_nodes;
  KtstrKvmMemRegion regions[KTSTR_KVM_MAX_REGIONS];
  guint n_regions;
  guint8 *base; /* host mapping of all RAM, in RAM-offset order */
} KtstrKvmMemory;

/* Splits RAM_SIZE bytes over N_NODES nodes into guest physical regions
 * (hva left NULL).  Fails when a node would get less than 2 MiB. */
gboolean ktstr_kvm_memory_layout (guint64 ram_size, guint n_nodes, KtstrKvmMemRegion *regions,
                                  guint *n_regions, GError **error);

/* Fills OUT (room for KTSTR_E820_MAX entries) with the E820 map for
 * RAM_SIZE bytes of RAM; returns the number of entries. */
guint ktstr_kvm_e820_build (guint64 ram_size, KtstrE820Entry *out);

/* Maps the RAM (MAP_NORESERVE: pages are only used once touched). */
KtstrKvmMemory *ktstr_kvm_memory_new (guint64 ram_size, guint n_nodes, GError **error);
/* The same, for performance mode: from the hugepage pool when IS_HUGE
 * (RAM_SIZE a multiple of 2 MiB), and bound (MPOL_BIND) to the host NUMA
 * nodes NODES (guint; NULL or empty: not bound). */
KtstrKvmMemory *ktstr_kvm_memory_new_placed (guint64 ram_size, guint n_nodes, gboolean is_huge,
                                             const GArray *nodes, GError **error);
void ktstr_kvm_memory_free (KtstrKvmMemory *mem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrKvmMemory, ktstr_kvm_memory_free)

/* One KVM memory slot per region. */
gboolean ktstr_kvm_memory_register (const KtstrKvmMemory *mem, const KtstrKvmSys *sys,
                                    GError **error);

/* Host pointer for guest physical [GPA, GPA+LEN), or NULL when any part of
 * it is not RAM.  Device models use it for every guest-supplied address. */
gpointer ktstr_kvm_memory_ptr (const KtstrKvmMemory *mem, guint64 gpa, guint64 len);

/* Top of RAM below the 3 GiB hole (exclusive). */
guint64 ktstr_kvm_memory_low_end (const KtstrKvmMemory *mem);

G_END_DECLS

#endif
