/* Guest RAM as the host sees it, and x86-64 kernel address translation.
 *
 * A VM backend that can share its guest RAM hands over regions: guest
 * physical address ranges and where each lies in this process.  Reads and
 * writes are bounds-checked; a range that is not RAM fails rather than
 * touching anything else.
 *
 * Kernel virtual addresses translate as the x86-64 kernel maps them:
 *   - the kernel image (text, data, bss), from __START_KERNEL_map:
 *     kva - __START_KERNEL_map + phys_base (phys_base is 0 when the kernel
 *     runs where it was linked, which `nokaslr` ensures);
 *   - the direct map of all RAM, from page_offset_base: kva - page_offset;
 *   - anything else (vmalloc, a per-CPU area outside the direct map) by
 *     walking the kernel's page tables from init_top_pgt, 4 or 5 levels,
 *     with 1 GiB and 2 MiB pages. */
#ifndef KTSTR_MONITOR_GUEST_MEM_H
#define KTSTR_MONITOR_GUEST_MEM_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_START_KERNEL_MAP G_GUINT64_CONSTANT (0xffffffff80000000)

typedef struct
{
  guint64 gpa;
  guint64 size;
  guint8 *hva;
} KtstrGuestRamRegion;

typedef struct _KtstrGuestMem KtstrGuestMem;

KtstrGuestMem *ktstr_guest_mem_new (void);
void ktstr_guest_mem_free (KtstrGuestMem *mem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrGuestMem, ktstr_guest_mem_free)

/* Adds guest physical [GPA, GPA+SIZE) at HVA (not owned). */
void ktstr_guest_mem_add (KtstrGuestMem *mem, guint64 gpa, guint64 size, guint8 *hva);

/* Host pointer to guest physical [PA, PA+LEN), NULL unless all of it is
 * in one region. */
guint8 *ktstr_guest_mem_ptr (const KtstrGuestMem *mem, guint64 pa, gsize len);
gboolean ktstr_guest_mem_read (const KtstrGuestMem *mem, guint64 pa, void *buf, gsize len);
gboolean ktstr_guest_mem_write (const KtstrGuestMem *mem, guint64 pa, const void *buf, gsize len);

/* How the guest kernel maps itself (see above). */
typedef struct
{
  guint64 phys_base;
  guint64 page_offset; /* the value of page_offset_base */
  guint64 top_pgt_pa;  /* physical address of init_top_pgt */
  gboolean is_5level;
} KtstrKvaMap;

gboolean ktstr_guest_mem_kva_to_pa (const KtstrGuestMem *mem, const KtstrKvaMap *map, guint64 kva,
                                    guint64 *pa);

/* LEN bytes at kernel virtual address KVA (page by page). */
gboolean ktstr_guest_mem_read_kva (const KtstrGuestMem *mem, const KtstrKvaMap *map, guint64 kva,
                                   void *buf, gsize len);
gboolean ktstr_guest_mem_write_kva (const KtstrGuestMem *mem, const KtstrKvaMap *map, guint64 kva,
                                    const void *buf, gsize len);

/* An unsigned little-endian integer of SIZE (1, 2, 4 or 8) bytes at KVA. */
gboolean ktstr_guest_mem_read_uint (const KtstrGuestMem *mem, const KtstrKvaMap *map, guint64 kva,
                                    guint size, guint64 *value);

G_END_DECLS

#endif
