/* ACPI tables: how the guest learns its CPUs, NUMA nodes and the platform
 * devices that end a run.
 *
 * One blob placed at 0xE0000 (inside the E820-reserved BIOS area) holds a
 * revision-2 RSDP, RSDT and XSDT, a FADT (revision 6, full ACPI, not
 * hardware-reduced, so the in-kernel PIC/PIT keep their usual role), its
 * FACS and DSDT, a MADT (one local APIC per vCPU, the IOAPIC, the IRQ0 and
 * SCI overrides, LINT1 as NMI), an SRAT (each vCPU's and each memory slot's
 * node) and a SLIT (10 local, 20 remote).
 *
 * The DSDT is hand-assembled AML: \_S5 (so ACPI poweroff writes SLP_TYP 5
 * with SLP_EN to PM1a_CNT) and \_SB.PEVT, the QEMU0001 pvpanic device at
 * I/O port 0x505.  The FADT's reset register is port 0xCF9 (value 6). */
#ifndef KTSTR_KVM_ACPI_H
#define KTSTR_KVM_ACPI_H

#include <glib.h>

#include "backends/kvm/memory.h"
#include "common/topology.h"

G_BEGIN_DECLS

#define KTSTR_ACPI_BASE_GPA KTSTR_KVM_BIOS_START
#define KTSTR_ACPI_MAX_BYTES (KTSTR_KVM_HIMEM_START - KTSTR_KVM_BIOS_START)

/* Platform ports the tables describe; backends/kvm/power.c implements them. */
#define KTSTR_ACPI_PM1A_EVT_PORT 0x600 /* 4 bytes: PM1 status, enable */
#define KTSTR_ACPI_PM1A_CNT_PORT 0x604 /* 2 bytes: SLP_TYP (12:10), SLP_EN (13) */
#define KTSTR_ACPI_SLP_TYP_S5 5
#define KTSTR_ACPI_SLP_EN (1u << 13)
#define KTSTR_ACPI_RESET_PORT 0xcf9
#define KTSTR_ACPI_RESET_VALUE 0x06
#define KTSTR_ACPI_SCI_IRQ 9
#define KTSTR_PVPANIC_PORT 0x505
#define KTSTR_IOAPIC_GPA 0xfec00000u
#define KTSTR_LAPIC_GPA 0xfee00000u

typedef struct
{
  KtstrTopology topology;
  const KtstrKvmMemRegion *regions; /* memory slots, each with its node */
  guint n_regions;
} KtstrAcpiSpec;

typedef struct
{
  char signature[5];
  gsize offset; /* into data */
  gsize length;
} KtstrAcpiTableInfo;

#define KTSTR_ACPI_MAX_TABLES 10

typedef struct
{
  guint8 *data; /* copied to guest memory at KTSTR_ACPI_BASE_GPA */
  gsize length;
  guint64 rsdp_gpa;
  KtstrAcpiTableInfo tables[KTSTR_ACPI_MAX_TABLES]; /* "RSDP", "FACS", "DSDT", ... */
  guint n_tables;
} KtstrAcpiTables;

KtstrAcpiTables *ktstr_acpi_build (const KtstrAcpiSpec *spec, GError **error);
void ktstr_acpi_tables_free (KtstrAcpiTables *tables);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrAcpiTables, ktstr_acpi_tables_free)

/* Sum of LEN bytes modulo 256 (0 for a well-formed table). */
guint8 ktstr_acpi_checksum (const guint8 *data, gsize len);

G_END_DECLS

#endif
