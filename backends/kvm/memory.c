#include "config.h"

#include "backends/kvm/memory.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NODE_ALIGN (2ull << 20)

/* RAM offset -> guest physical address (RAM past 3 GiB is moved above 4 GiB). */
static guint64
offset_to_gpa (guint64 off)
{
  return off < KTSTR_KVM_LOW_RAM_END ? off
                                     : KTSTR_KVM_HIGH_RAM_START + (off - KTSTR_KVM_LOW_RAM_END);
}

gboolean
ktstr_kvm_memory_layout (guint64 ram_size, guint n_nodes, KtstrKvmMemRegion *regions,
                         guint *n_regions, GError **error)
{
  if (n_nodes == 0 || n_nodes > KTSTR_KVM_MAX_NODES)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "%u NUMA nodes requested; the kvm backend supports 1 to %u", n_nodes,
                   KTSTR_KVM_MAX_NODES);
      return FALSE;
    }
  guint64 per_node = (ram_size / n_nodes) & ~(NODE_ALIGN - 1);
  if (per_node < KTSTR_KVM_MIN_NODE_BYTES || ram_size < 4ull << 20)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "%" G_GUINT64_FORMAT " MiB of memory is too little for %u NUMA node%s: "
                   "each node needs at least 2 MiB",
                   ram_size >> 20, n_nodes, n_nodes == 1 ? "" : "s");
      return FALSE;
    }

  guint n = 0;
  guint64 off = 0;
  for (guint node = 0; node < n_nodes; node++)
    {
      guint64 end = node + 1 == n_nodes ? ram_size : off + per_node;
      while (off < end)
        {
          /* A node that straddles 3 GiB becomes two slots. */
          guint64 piece_end = end;
          if (off < KTSTR_KVM_LOW_RAM_END && end > KTSTR_KVM_LOW_RAM_END)
            piece_end = KTSTR_KVM_LOW_RAM_END;
          regions[n] = (KtstrKvmMemRegion){
            .gpa = offset_to_gpa (off),
            .size = piece_end - off,
            .node = node,
            .hva = NULL,
          };
          n++;
          off = piece_end;
        }
    }
  *n_regions = n;
  return TRUE;
}

static guint
e820_add (KtstrE820Entry *out, guint n, guint64 addr, guint64 size, guint32 type)
{
  if (size == 0 || n >= KTSTR_E820_MAX)
    return n;
  out[n] = (KtstrE820Entry){ .addr = addr, .size = size, .type = type };
  return n + 1;
}

guint
ktstr_kvm_e820_build (guint64 ram_size, KtstrE820Entry *out)
{
  guint n = 0;
  guint64 low_end = MIN (ram_size, KTSTR_KVM_LOW_RAM_END);
  /* Conventional memory, then the EBDA and the BIOS area as reserved: the
   * ACPI tables sit at 0xE0000 and must not be handed out as RAM. */
  n = e820_add (out, n, 0, KTSTR_KVM_EBDA_START, KTSTR_E820_RAM);
  n = e820_add (out, n, KTSTR_KVM_EBDA_START, 0xa0000 - KTSTR_KVM_EBDA_START, KTSTR_E820_RESERVED);
  n = e820_add (out, n, KTSTR_KVM_BIOS_START, KTSTR_KVM_HIMEM_START - KTSTR_KVM_BIOS_START,
                KTSTR_E820_RESERVED);
  if (low_end > KTSTR_KVM_HIMEM_START)
    n = e820_add (out, n, KTSTR_KVM_HIMEM_START, low_end - KTSTR_KVM_HIMEM_START, KTSTR_E820_RAM);
  /* KVM's TSS and identity map page: keep the guest from using them. */
  n = e820_add (out, n, KTSTR_KVM_IDENTITY_MAP_ADDR,
                KTSTR_KVM_HIGH_RAM_START - KTSTR_KVM_IDENTITY_MAP_ADDR, KTSTR_E820_RESERVED);
  if (ram_size > KTSTR_KVM_LOW_RAM_END)
    n = e820_add (out, n, KTSTR_KVM_HIGH_RAM_START, ram_size - KTSTR_KVM_LOW_RAM_END,
                  KTSTR_E820_RAM);
  return n;
}

KtstrKvmMemory *
ktstr_kvm_memory_new (guint64 ram_size, guint n_nodes, GError **error)
{
  return ktstr_kvm_memory_new_placed (ram_size, n_nodes, FALSE, NULL, error);
}

#define MPOL_BIND_MODE 2 /* <linux/mempolicy.h>; no libnuma for one call */

/* MPOL_BIND of [P, P+SIZE) to NODES, before the first touch. */
static gboolean
bind_nodes (void *p, guint64 size, const GArray *nodes, GError **error)
{
  unsigned long mask[16] = { 0 };
  const guint max_node = sizeof mask * 8;
  for (guint i = 0; i < nodes->len; i++)
    {
      guint n = g_array_index (nodes, guint, i);
      if (n >= max_node)
        {
          g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                       "cannot bind guest memory to host node %u (above %u)", n, max_node - 1);
          return FALSE;
        }
      mask[n / (8 * sizeof mask[0])] |= 1ul << (n % (8 * sizeof mask[0]));
    }
  if (syscall (SYS_mbind, p, (unsigned long)size, MPOL_BIND_MODE, mask, (unsigned long)max_node + 1,
               0)
      != 0)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "cannot bind guest memory to its host NUMA nodes: mbind: %s",
                   g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

KtstrKvmMemory *
ktstr_kvm_memory_new_placed (guint64 ram_size, guint n_nodes, gboolean is_huge, const GArray *nodes,
                             GError **error)
{
  g_autoptr (KtstrKvmMemory) mem = g_new0 (KtstrKvmMemory, 1);
  if (!ktstr_kvm_memory_layout (ram_size, n_nodes, mem->regions, &mem->n_regions, error))
    return NULL;
  void *p = mmap (NULL, ram_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (is_huge ? MAP_HUGETLB : 0), -1, 0);
  if (p == MAP_FAILED)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "cannot map %" G_GUINT64_FORMAT " MiB of guest memory: %s", ram_size >> 20,
                   g_strerror (errsv));
      return NULL;
    }
  /* Guest RAM must not end up in a core dump of a crashing harness, and
   * transparent huge pages speed up a large guest's page walks. */
  madvise (p, ram_size, MADV_DONTDUMP);
  madvise (p, ram_size, MADV_HUGEPAGE);
  if (nodes != NULL && nodes->len > 0 && !bind_nodes (p, ram_size, nodes, error))
    {
      munmap (p, ram_size);
      return NULL;
    }
  mem->base = p;
  mem->ram_size = ram_size;
  mem->n_nodes = n_nodes;
  guint64 off = 0;
  for (guint i = 0; i < mem->n_regions; i++)
    {
      mem->regions[i].hva = mem->base + off;
      off += mem->regions[i].size;
    }
  return g_steal_pointer (&mem);
}

void
ktstr_kvm_memory_free (KtstrKvmMemory *mem)
{
  if (mem == NULL)
    return;
  if (mem->base != NULL)
    munmap (mem->base, mem->ram_size);
  g_free (mem);
}

gboolean
ktstr_kvm_memory_register (const KtstrKvmMemory *mem, const KtstrKvmSys *sys, GError **error)
{
  for (guint i = 0; i < mem->n_regions; i++)
    if (!ktstr_kvm_sys_set_memory (sys, i, mem->regions[i].gpa, mem->regions[i].size,
                                   mem->regions[i].hva, error))
      return FALSE;
  return TRUE;
}

gpointer
ktstr_kvm_memory_ptr (const KtstrKvmMemory *mem, guint64 gpa, guint64 len)
{
  guint64 off;
  if (gpa < KTSTR_KVM_LOW_RAM_END)
    {
      /* Must not run into the hole. */
      if (len > KTSTR_KVM_LOW_RAM_END - gpa)
        return NULL;
      off = gpa;
    }
  else if (gpa >= KTSTR_KVM_HIGH_RAM_START)
    off = KTSTR_KVM_LOW_RAM_END + (gpa - KTSTR_KVM_HIGH_RAM_START);
  else
    return NULL;
  if (off > mem->ram_size || len > mem->ram_size - off)
    return NULL;
  return mem->base + off;
}

guint64
ktstr_kvm_memory_low_end (const KtstrKvmMemory *mem)
{
  return MIN (mem->ram_size, KTSTR_KVM_LOW_RAM_END);
}
