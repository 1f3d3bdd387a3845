#include "config.h"

#include "backends/kvm/pvh.h"

#include <elf.h>
#include <string.h>

#include "backends/kvm/kvm-sys.h"
#include "common/image-probe.h"

/* struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h) */
#define SI_MAGIC 0
#define SI_VERSION 4
#define SI_FLAGS 8
#define SI_NR_MODULES 12
#define SI_MODLIST_PADDR 16
#define SI_CMDLINE_PADDR 24
#define SI_RSDP_PADDR 32
#define SI_MEMMAP_PADDR 40
#define SI_MEMMAP_ENTRIES 48
#define MODLIST_OFFSET 64 /* struct hvm_modlist_entry: paddr, size, cmdline_paddr, reserved */
#define MEMMAP_OFFSET 128 /* struct hvm_memmap_table_entry: addr, size, type, reserved */
#define MEMMAP_ENTRY_SIZE 24

static gboolean
refuse (GError **error, const char *name, const char *why)
{
  g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_IMAGE,
               "'%s' cannot be booted by the kvm backend: %s", name, why);
  return FALSE;
}

static gboolean
get_phdrs (const guint8 *data, gsize len, const char *name, const Elf64_Ehdr **ehdr, GError **error)
{
  KtstrImageProbe probe;
  ktstr_image_probe (data, len, &probe);
  if (probe.kind != KTSTR_IMAGE_ELF)
    return refuse (error, name, "not an ELF file");
  if (!ktstr_image_is_x86_64_elf (&probe) || len < sizeof (Elf64_Ehdr))
    return refuse (error, name, "not a 64-bit little-endian x86-64 ELF");
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
  if (eh->e_phentsize != sizeof (Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phoff > len
      || (len - eh->e_phoff) / sizeof (Elf64_Phdr) < eh->e_phnum)
    return refuse (error, name, "the program headers are missing or truncated");
  *ehdr = eh;
  return TRUE;
}

gboolean
ktstr_pvh_parse (const guint8 *data, gsize len, const char *name, KtstrPvhImage *out,
                 GError **error)
{
  const Elf64_Ehdr *eh;
  memset (out, 0, sizeof *out);
  if (!get_phdrs (data, len, name, &eh, error))
    return FALSE;

  gboolean has_entry = FALSE, has_load = FALSE;
  for (guint i = 0; i < eh->e_phnum; i++)
    {
      Elf64_Phdr ph;
      memcpy (&ph, data + eh->e_phoff + i * sizeof ph, sizeof ph);
      if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
        return refuse (error, name, "a segment runs past the end of the file (truncated?)");
      if (ph.p_type == PT_LOAD)
        {
          if (ph.p_filesz > ph.p_memsz)
            return refuse (error, name, "a PT_LOAD segment is larger in the file than in memory");
          has_load = TRUE;
          out->load_end = MAX (out->load_end, ph.p_paddr + ph.p_memsz);
        }
      else if (ph.p_type == PT_NOTE && !has_entry)
        has_entry
            = ktstr_kernel_image_find_pvh_entry (data + ph.p_offset, ph.p_filesz, &out->entry);
    }
  if (!has_load)
    return refuse (error, name, "it has no loadable segments");
  if (!has_entry)
    return refuse (error, name,
                   "it has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); "
                   "build the kernel with CONFIG_PVH=y or pass its bzImage");
  if (out->entry >= 0x100000000ull)
    return refuse (error, name, "its PVH entry point is above 4 GiB");
  return TRUE;
}

gboolean
ktstr_pvh_load (const guint8 *data, gsize len, KtstrKvmMemory *mem, GError **error)
{
  const Elf64_Ehdr *eh;
  if (!get_phdrs (data, len, "vmlinux", &eh, error))
    return FALSE;
  for (guint i = 0; i < eh->e_phnum; i++)
    {
      Elf64_Phdr ph;
      memcpy (&ph, data + eh->e_phoff + i * sizeof ph, sizeof ph);
      if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
        continue;
      guint8 *dst = ktstr_kvm_memory_ptr (mem, ph.p_paddr, ph.p_memsz);
      if (dst == NULL)
        {
          g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                       "the kernel segment at 0x%" G_GINT64_MODIFIER "x (%" G_GUINT64_FORMAT
                       " KiB) does not fit in guest memory; give the VM more memory",
                       (guint64)ph.p_paddr, (guint64)ph.p_memsz >> 10);
          return FALSE;
        }
      memcpy (dst, data + ph.p_offset, ph.p_filesz);
      memset (dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
    }
  return TRUE;
}

static void
put32 (guint8 *p, guint32 v)
{
  memcpy (p, &v, 4); /* x86-64 host: little endian, like the guest */
}

static void
put64 (guint8 *p, guint64 v)
{
  memcpy (p, &v, 8);
}

void
ktstr_pvh_start_info_build (guint8 *page, const KtstrPvhStartSpec *spec)
{
  memset (page, 0, 4096);
  put32 (page + SI_MAGIC, KTSTR_PVH_START_INFO_MAGIC);
  put32 (page + SI_VERSION, 1); /* version 1 carries the memory map */
  put32 (page + SI_FLAGS, 0);
  put64 (page + SI_CMDLINE_PADDR, spec->cmdline_gpa);
  put64 (page + SI_RSDP_PADDR, spec->rsdp_gpa);
  if (spec->initrd_gpa != 0 && spec->initrd_size != 0)
    {
      put32 (page + SI_NR_MODULES, 1);
      put64 (page + SI_MODLIST_PADDR, KTSTR_PVH_START_INFO_GPA + MODLIST_OFFSET);
      put64 (page + MODLIST_OFFSET, spec->initrd_gpa);
      put64 (page + MODLIST_OFFSET + 8, spec->initrd_size);
    }
  guint n = MIN (spec->n_e820, (4096 - MEMMAP_OFFSET) / MEMMAP_ENTRY_SIZE);
  put64 (page + SI_MEMMAP_PADDR, KTSTR_PVH_START_INFO_GPA + MEMMAP_OFFSET);
  put32 (page + SI_MEMMAP_ENTRIES, n);
  for (guint i = 0; i < n; i++)
    {
      guint8 *e = page + MEMMAP_OFFSET + i * MEMMAP_ENTRY_SIZE;
      put64 (e, spec->e820[i].addr);
      put64 (e + 8, spec->e820[i].size);
      put32 (e + 16, spec->e820[i].type);
    }
}
