/* Booting an uncompressed ELF vmlinux through its PVH entry.
 *
 * A kernel built with CONFIG_PVH carries a Xen ELF note
 * (XEN_ELFNOTE_PHYS32_ENTRY) with the physical address of pvh_start_xen.
 * The loader copies each PT_LOAD segment to its physical address, writes
 * a struct hvm_start_info (command line, initrd as module 0, RSDP and the
 * memory map) and starts vCPU 0 in 32-bit protected mode, paging off, with
 * EBX pointing at the start info.  This skips the bzImage decompressor,
 * which is the slowest part of a boot on an emulated /dev/kvm. */
#ifndef KTSTR_KVM_PVH_H
#define KTSTR_KVM_PVH_H

#include <glib.h>

#include "backends/kernel-image.h"
#include "backends/kvm/memory.h"

G_BEGIN_DECLS

#define KTSTR_PVH_START_INFO_GPA 0x6000ull /* start info, module list and memory map: one page */
#define KTSTR_PVH_START_INFO_MAGIC 0x336ec578u

typedef struct
{
  guint64 entry;    /* 32-bit physical entry point */
  guint64 load_end; /* end of the highest loaded segment (physical) */
} KtstrPvhImage;

/* Checks DATA is an x86-64 ELF whose loadable segments lie inside the file
 * and that carries a PVH entry note. */
gboolean ktstr_pvh_parse (const guint8 *data, gsize len, const char *name, KtstrPvhImage *out,
                          GError **error);

/* Copies the PT_LOAD segments to guest memory (zero-filling .bss). */
gboolean ktstr_pvh_load (const guint8 *data, gsize len, KtstrKvmMemory *mem, GError **error);

typedef struct
{
  guint64 cmdline_gpa;
  guint64 initrd_gpa; /* 0: none */
  guint64 initrd_size;
  guint64 rsdp_gpa;
  const KtstrE820Entry *e820;
  guint n_e820;
} KtstrPvhStartSpec;

/* Writes the hvm_start_info (version 1), its module list and memory map
 * into PAGE (4096 bytes) that the guest sees at KTSTR_PVH_START_INFO_GPA. */
void ktstr_pvh_start_info_build (guint8 *page, const KtstrPvhStartSpec *spec);

G_END_DECLS

#endif
