/* Guest RAM and x86-64 address translation: see guest-mem.h. */
#include "config.h"

#include "monitor/guest-mem.h"

#include <string.h>

#define PAGE_SIZE 4096ull
#define PTE_PRESENT 1ull
#define PTE_HUGE (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
/* The direct map spans 64 TiB with 4-level paging, 32 PiB with 5. */
#define DIRECT_MAP_4LEVEL (1ull << 46)
#define DIRECT_MAP_5LEVEL (1ull << 55)

struct _KtstrGuestMem
{
  GArray *regions; /* KtstrGuestRamRegion */
};

KtstrGuestMem *
ktstr_guest_mem_new (void)
{
  KtstrGuestMem *m = g_new0 (KtstrGuestMem, 1);
  m->regions = g_array_new (FALSE, FALSE, sizeof (KtstrGuestRamRegion));
  return m;
}

void
ktstr_guest_mem_free (KtstrGuestMem *m)
{
  if (m == NULL)
    return;
  g_array_unref (m->regions);
  g_free (m);
}

void
ktstr_guest_mem_add (KtstrGuestMem *m, guint64 gpa, guint64 size, guint8 *hva)
{
  KtstrGuestRamRegion r = { gpa, size, hva };
  g_array_append_val (m->regions, r);
}

guint8 *
ktstr_guest_mem_ptr (const KtstrGuestMem *m, guint64 pa, gsize len)
{
  for (guint i = 0; i < m->regions->len; i++)
    {
      const KtstrGuestRamRegion *r = &g_array_index (m->regions, KtstrGuestRamRegion, i);
      if (pa >= r->gpa && pa - r->gpa <= r->size && len <= r->size - (pa - r->gpa))
        return r->hva + (pa - r->gpa);
    }
  return NULL;
}

gboolean
ktstr_guest_mem_read (const KtstrGuestMem *m, guint64 pa, void *buf, gsize len)
{
  const guint8 *p = ktstr_guest_mem_ptr (m, pa, len);
  if (p == NULL)
    return FALSE;
  /* The guest changes this memory while we read it: copy it once, as
   * the kernel's READ_ONCE would, and judge only the copy. */
  memcpy (buf, (const void *)p, len);
  return TRUE;
}

gboolean
ktstr_guest_mem_write (const KtstrGuestMem *m, guint64 pa, const void *buf, gsize len)
{
  guint8 *p = ktstr_guest_mem_ptr (m, pa, len);
  if (p == NULL)
    return FALSE;
  memcpy (p, buf, len);
  return TRUE;
}

static gboolean
read_u64 (const KtstrGuestMem *m, guint64 pa, guint64 *v)
{
  return ktstr_guest_mem_read (m, pa, v, sizeof *v);
}

/* The page-table walk from the top-level table down to the page. */
static gboolean
walk (const KtstrGuestMem *m, const KtstrKvaMap *map, guint64 kva, guint64 *pa)
{
  guint levels = map->is_5level ? 5 : 4;
  guint64 table = map->top_pgt_pa & PTE_ADDR;
  for (guint level = levels; level >= 1; level--)
    {
      guint shift = 12 + 9 * (level - 1);
      guint64 index = (kva >> shift) & 511;
      guint64 entry;
      if (!read_u64 (m, table + index * 8, &entry) || !(entry & PTE_PRESENT))
        return FALSE;
      /* PS in a PUD (level 3) maps 1 GiB, in a PMD (level 2) 2 MiB. */
      if ((level == 3 || level == 2) && (entry & PTE_HUGE))
        {
          guint64 size = 1ull << shift;
          *pa = (entry & PTE_ADDR & ~(size - 1)) | (kva & (size - 1));
          return TRUE;
        }
      if (level == 1)
        {
          *pa = (entry & PTE_ADDR) | (kva & (PAGE_SIZE - 1));
          return TRUE;
        }
      table = entry & PTE_ADDR;
    }
  return FALSE;
}

gboolean
ktstr_guest_mem_kva_to_pa (const KtstrGuestMem *m, const KtstrKvaMap *map, guint64 kva, guint64 *pa)
{
  if (kva >= KTSTR_START_KERNEL_MAP)
    {
      *pa = kva - KTSTR_START_KERNEL_MAP + map->phys_base;
      return TRUE;
    }
  guint64 span = map->is_5level ? DIRECT_MAP_5LEVEL : DIRECT_MAP_4LEVEL;
  if (map->page_offset != 0 && kva >= map->page_offset && kva - map->page_offset < span)
    {
      *pa = kva - map->page_offset;
      return TRUE;
    }
  return walk (m, map, kva, pa);
}

static gboolean
access_kva (const KtstrGuestMem *m, const KtstrKvaMap *map, guint64 kva, guint8 *rbuf,
            const guint8 *wbuf, gsize len)
{
  while (len > 0)
    {
      gsize chunk = MIN (len, PAGE_SIZE - (kva & (PAGE_SIZE - 1)));
      guint64 pa;
      if (!ktstr_guest_mem_kva_to_pa (m, map, kva, &pa))
        return FALSE;
      gboolean ok = rbuf != NULL ? ktstr_guest_mem_read (m, pa, rbuf, chunk)
                                 : ktstr_guest_mem_write (m, pa, wbuf, chunk);
      if (!ok)
        return FALSE;
      kva += chunk;
      len -= chunk;
      if (rbuf != NULL)
        rbuf += chunk;
      else
        wbuf += chunk;
    }
  return TRUE;
}

gboolean
ktstr_guest_mem_read_kva (const KtstrGuestMem *m, const KtstrKvaMap *map, guint64 kva, void *buf,
                          gsize len)
{
  return access_kva (m, map, kva, buf, NULL, len);
}

gboolean
ktstr_guest_mem_write_kva (const KtstrGuestMem *m, const KtstrKvaMap *map, guint64 kva,
                           const void *buf, gsize len)
{
  return access_kva (m, map, kva, NULL, buf, len);
}

gboolean
ktstr_guest_mem_read_uint (const KtstrGuestMem *m, const KtstrKvaMap *map, guint64 kva, guint size,
                           guint64 *value)
{
  guint8 b[8] = { 0 };
  if (size == 0 || size > 8 || !ktstr_guest_mem_read_kva (m, map, kva, b, size))
    return FALSE;
  guint64 v = 0;
  for (guint i = size; i > 0; i--)
    v = (v << 8) | b[i - 1];
  *value = v;
  return TRUE;
}
