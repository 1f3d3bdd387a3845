/* The kvm backend's boot path without /dev/kvm: bzImage header checks, the
 * zero page, E820 and memory layout for several sizes, initrd and command
 * line placement, PVH ELF parsing and start info, and the boot page
 * tables and GDT. */
#include "config.h"

#include <elf.h>
#include <glib.h>
#include <string.h>

#include "backends/kvm/boot.h"
#include "backends/kvm/cpu.h"
#include "backends/kvm/kvm-sys.h"
#include "backends/kvm/memory.h"
#include "backends/kvm/pvh.h"
#include "kernel/kernel.h"

static guint16
get16 (const guint8 *p)
{
  return (guint16)(p[0] | (p[1] << 8));
}

static guint32
get32 (const guint8 *p)
{
  return get16 (p) | ((guint32)get16 (p + 2) << 16);
}

static guint64
get64 (const guint8 *p)
{
  return get32 (p) | ((guint64)get32 (p + 4) << 32);
}

static char *
fixture_bzimage (void)
{
  const char *path = g_getenv ("KTSTR_TEST_KERNEL");
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  return g_strdup (path);
}

static char *
tiny_bzimage (void)
{
  return g_test_build_filename (G_TEST_BUILT, "kvm-guests", "tiny.bzimage", NULL);
}

static void
test_bzimage_fixture (void)
{
  g_autofree char *path = fixture_bzimage ();
  if (path == NULL)
    {
      g_test_skip ("no fixture kernel: set KTSTR_TEST_KERNEL to a bzImage");
      return;
    }
  g_autoptr (GError) error = NULL;
  KtstrKernelFormat format;
  g_assert_true (ktstr_kernel_check_image (path, &format, &error));
  g_assert_cmpint (format, ==, KTSTR_KERNEL_FORMAT_BZIMAGE);
  g_autoptr (GMappedFile) f = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  const guint8 *d = (const guint8 *)g_mapped_file_get_contents (f);
  gsize len = g_mapped_file_get_length (f);
  KtstrBzImage bz;
  g_assert_true (ktstr_bzimage_parse (d, len, path, &bz, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bz.protocol, >=, 0x020c);
  g_assert_true (bz.xloadflags & KTSTR_XLF_KERNEL_64);
  g_assert_true (bz.is_relocatable);
  g_assert_cmpuint (bz.setup_bytes, ==, (d[0x1f1] + 1) * 512u);
  g_assert_cmpuint (bz.setup_bytes + bz.payload_bytes, <=, len);
  g_assert_cmpuint (bz.header_end, ==, 0x202u + d[0x201]);
  g_assert_cmpuint (bz.pref_address, ==, 0x1000000);
  g_assert_cmpuint (bz.init_size, >=, bz.payload_bytes);
  g_assert_cmpuint (bz.cmdline_size, >=, 2047);
  g_assert_cmpuint (bz.kernel_alignment, ==, 0x200000);
}

static void
test_bzimage_truncated (void)
{
  g_autofree char *path = fixture_bzimage ();
  if (path == NULL)
    {
      g_test_skip ("no fixture kernel: set KTSTR_TEST_KERNEL to a bzImage");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) f = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  const guint8 *d = (const guint8 *)g_mapped_file_get_contents (f);
  gsize len = g_mapped_file_get_length (f);
  static const gsize cuts[] = { 1 << 20, 0x8000, 0x1000 };
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      KtstrBzImage bz;
      g_assert_cmpuint (cuts[i], <, len);
      g_assert_false (ktstr_bzimage_parse (d, cuts[i], "cut", &bz, &error));
      g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_IMAGE);
      g_assert_nonnull (strstr (error->message, "truncated"));
      g_clear_error (&error);
    }
  /* One byte short of complete. */
  KtstrBzImage bz;
  g_assert_false (ktstr_bzimage_parse (d, len - 1, "cut", &bz, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_IMAGE);
}

static void
test_bzimage_refused (void)
{
  g_autoptr (GError) error = NULL;
  KtstrBzImage bz;
  guint8 text[4096];
  memset (text, 'x', sizeof text);
  g_assert_false (ktstr_bzimage_parse (text, sizeof text, "text", &bz, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_IMAGE);
  g_assert_nonnull (strstr (error->message, "HdrS"));
  g_clear_error (&error);

  /* The tiny guest is a valid bzImage; break one field at a time. */
  g_autofree char *tiny = tiny_bzimage ();
  g_autofree guint8 *img = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (tiny, (char **)&img, &len, &error));
  g_assert_true (ktstr_bzimage_parse (img, len, "tiny", &bz, &error));
  g_assert_no_error (error);

  guint8 *copy = g_memdup2 (img, len);
  copy[0x206] = 0x06; /* protocol 2.06 */
  g_assert_false (ktstr_bzimage_parse (copy, len, "old", &bz, &error));
  g_assert_nonnull (strstr (error->message, "2.12"));
  g_clear_error (&error);
  memcpy (copy, img, len);
  copy[0x236] = 0; /* no XLF_KERNEL_64 */
  g_assert_false (ktstr_bzimage_parse (copy, len, "32bit", &bz, &error));
  g_assert_nonnull (strstr (error->message, "XLF_KERNEL_64"));
  g_clear_error (&error);
  memcpy (copy, img, len);
  copy[0x1fe] = 0; /* boot flag */
  g_assert_false (ktstr_bzimage_parse (copy, len, "flag", &bz, &error));
  g_assert_nonnull (strstr (error->message, "0xAA55"));
  g_clear_error (&error);
  g_free (copy);

  /* A non-kernel file is refused before our parser by the host's check. */
  KtstrKernelFormat format;
  g_autofree char *self = g_test_build_filename (G_TEST_DIST, "test-kvm-boot.c", NULL);
  g_assert_false (ktstr_kernel_check_image (self, &format, &error));
  g_assert_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL);
}

static void
check_e820_invariants (guint64 ram, const KtstrE820Entry *e, guint n)
{
  guint64 total_ram = 0;
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (e[i].size, >, 0);
      if (i > 0)
        g_assert_cmpuint (e[i - 1].addr + e[i - 1].size, <=, e[i].addr);
      if (e[i].type == KTSTR_E820_RAM)
        {
          total_ram += e[i].size;
          /* RAM is never in the 3-4 GiB hole nor on the ACPI tables. */
          g_assert_true (e[i].addr + e[i].size <= KTSTR_KVM_LOW_RAM_END
                         || e[i].addr >= KTSTR_KVM_HIGH_RAM_START);
          g_assert_true (e[i].addr + e[i].size <= KTSTR_KVM_BIOS_START
                         || e[i].addr >= KTSTR_KVM_HIMEM_START);
        }
    }
  /* Everything but the 640 KiB - 1 MiB legacy area is usable RAM. */
  g_assert_cmpuint (total_ram, ==, ram - (KTSTR_KVM_HIMEM_START - KTSTR_KVM_EBDA_START));
}

static const guint64 sizes_mb[] = { 16, 64, 1024, 3072, 3584, 8192 };

static void
test_e820 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (sizes_mb); i++)
    {
      guint64 ram = sizes_mb[i] << 20;
      KtstrE820Entry e[KTSTR_E820_MAX];
      guint n = ktstr_kvm_e820_build (ram, e);
      check_e820_invariants (ram, e, n);
      g_assert_cmpuint (e[0].addr, ==, 0);
      g_assert_cmpuint (e[0].size, ==, KTSTR_KVM_EBDA_START);
      g_assert_cmpuint (e[3].addr, ==, KTSTR_KVM_HIMEM_START);
      g_assert_cmpuint (e[3].addr + e[3].size, ==, MIN (ram, KTSTR_KVM_LOW_RAM_END));
      if (ram > KTSTR_KVM_LOW_RAM_END)
        {
          g_assert_cmpuint (n, ==, 6);
          g_assert_cmpuint (e[5].addr, ==, KTSTR_KVM_HIGH_RAM_START);
          g_assert_cmpuint (e[5].size, ==, ram - KTSTR_KVM_LOW_RAM_END);
        }
      else
        g_assert_cmpuint (n, ==, 5);
    }
}

static void
test_zero_page (void)
{
  g_autofree char *tiny = tiny_bzimage ();
  g_autofree guint8 *img = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_get_contents (tiny, (char **)&img, &len, &error));
  KtstrBzImage bz;
  g_assert_true (ktstr_bzimage_parse (img, len, "tiny", &bz, &error));

  for (gsize i = 0; i < G_N_ELEMENTS (sizes_mb); i++)
    {
      guint64 ram = sizes_mb[i] << 20;
      KtstrE820Entry e[KTSTR_E820_MAX];
      guint n = ktstr_kvm_e820_build (ram, e);
      guint64 initrd = 0;
      g_assert_true (ktstr_boot_place_initrd (3 << 20, MIN (ram, KTSTR_KVM_LOW_RAM_END),
                                              (guint64)bz.initrd_addr_max + 1, 8 << 20, &initrd,
                                              &error));
      KtstrBootParamsSpec spec = {
        .cmdline_gpa = KTSTR_BOOT_CMDLINE_GPA,
        .initrd_gpa = initrd,
        .initrd_size = 3 << 20,
        .rsdp_gpa = 0xe0000,
        .e820 = e,
        .n_e820 = n,
      };
      guint8 zp[KTSTR_BOOT_ZERO_PAGE_SIZE];
      memset (zp, 0xee, sizeof zp);
      ktstr_boot_params_build (zp, img, &bz, &spec);
      g_assert_cmpuint (get16 (zp + 0x1fe), ==, 0xaa55);
      g_assert_cmpmem (zp + 0x202, 4, "HdrS", 4);
      g_assert_cmpuint (get16 (zp + 0x206), ==, bz.protocol);
      g_assert_cmpuint (zp[0x1f1], ==, img[0x1f1]);
      g_assert_cmpuint (zp[0x210], ==, 0xff);
      g_assert_true (zp[0x211] & KTSTR_LOADED_HIGH);
      g_assert_cmpuint (get16 (zp + 0x1fa), ==, 0xffff);
      g_assert_cmpuint (zp[0x1ef], ==, 0); /* sentinel: no stale fields */
      g_assert_cmpuint (get32 (zp + 0x228), ==, KTSTR_BOOT_CMDLINE_GPA);
      g_assert_cmpuint (get32 (zp + 0x0c8), ==, 0);
      g_assert_cmpuint (get32 (zp + 0x218), ==, (guint32)initrd);
      g_assert_cmpuint (get32 (zp + 0x21c), ==, 3 << 20);
      g_assert_cmpuint (get64 (zp + 0x070), ==, 0xe0000);
      g_assert_cmpuint (initrd + (3 << 20), <=, MIN (ram, KTSTR_KVM_LOW_RAM_END));
      g_assert_cmpuint (initrd % 4096, ==, 0);
      g_assert_cmpuint (zp[0x1e8], ==, n);
      for (guint k = 0; k < n; k++)
        {
          const guint8 *p = zp + 0x2d0 + 20 * k;
          g_assert_cmpuint (get64 (p), ==, e[k].addr);
          g_assert_cmpuint (get64 (p + 8), ==, e[k].size);
          g_assert_cmpuint (get32 (p + 16), ==, e[k].type);
        }
      /* Bytes past the last entry and outside the header stay zero. */
      g_assert_cmpuint (zp[0x2d0 + 20 * n], ==, 0);
      g_assert_cmpuint (zp[0x100], ==, 0);
    }
}

static void
test_memory_layout (void)
{
  KtstrKvmMemRegion r[KTSTR_KVM_MAX_REGIONS];
  guint n = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (ktstr_kvm_memory_layout (1ull << 30, 1, r, &n, &error));
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (r[0].gpa, ==, 0);
  g_assert_cmpuint (r[0].size, ==, 1ull << 30);

  g_assert_true (ktstr_kvm_memory_layout (1ull << 30, 2, r, &n, &error));
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (r[1].gpa, ==, 512ull << 20);
  g_assert_cmpuint (r[1].node, ==, 1);

  /* 5 GiB over 2 nodes: node 1 straddles the hole and gets two slots. */
  g_assert_true (ktstr_kvm_memory_layout (5ull << 30, 2, r, &n, &error));
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (r[1].gpa, ==, 2560ull << 20);
  g_assert_cmpuint (r[1].gpa + r[1].size, ==, KTSTR_KVM_LOW_RAM_END);
  g_assert_cmpuint (r[2].gpa, ==, KTSTR_KVM_HIGH_RAM_START);
  g_assert_cmpuint (r[2].node, ==, 1);
  g_assert_cmpuint (r[0].size + r[1].size + r[2].size, ==, 5ull << 30);

  /* Three nodes, odd size: 2 MiB granules, the last node takes the rest. */
  g_assert_true (ktstr_kvm_memory_layout (100ull << 20, 3, r, &n, &error));
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (r[0].size % (2 << 20), ==, 0);
  g_assert_cmpuint (r[0].size + r[1].size + r[2].size, ==, 100ull << 20);

  g_assert_false (ktstr_kvm_memory_layout (8ull << 20, 8, r, &n, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG);
}

static void
test_memory_ptr (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKvmMemory) mem = ktstr_kvm_memory_new (64ull << 20, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ktstr_kvm_memory_ptr (mem, 0, 64ull << 20));
  g_assert_null (ktstr_kvm_memory_ptr (mem, 0, (64ull << 20) + 1));
  g_assert_null (ktstr_kvm_memory_ptr (mem, (64ull << 20) - 4, 8));
  g_assert_null (ktstr_kvm_memory_ptr (mem, G_MAXUINT64 - 2, 8));
  g_assert_null (ktstr_kvm_memory_ptr (mem, 0xd0000000, 4));
}

static void
test_initrd_and_cmdline (void)
{
  g_autoptr (GError) error = NULL;
  guint64 gpa = 0;
  g_assert_true (ktstr_boot_place_initrd (0x1801, 256 << 20, 0x80000000, 64 << 20, &gpa, &error));
  g_assert_cmpuint (gpa, ==, (256 << 20) - 0x2000);
  /* initrd_addr_max below the top of RAM wins. */
  g_assert_true (ktstr_boot_place_initrd (4096, 256 << 20, 128 << 20, 64 << 20, &gpa, &error));
  g_assert_cmpuint (gpa, ==, (128 << 20) - 4096);
  g_assert_false (
      ktstr_boot_place_initrd (200 << 20, 256 << 20, 0x80000000, 64 << 20, &gpa, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG);
  g_clear_error (&error);

  g_autoptr (KtstrKvmMemory) mem = ktstr_kvm_memory_new (16ull << 20, 1, &error);
  g_assert_true (ktstr_boot_write_cmdline (mem, "console=ttyS0 rdinit=/init", 2047, &error));
  g_assert_cmpstr (ktstr_kvm_memory_ptr (mem, KTSTR_BOOT_CMDLINE_GPA, 1), ==,
                   "console=ttyS0 rdinit=/init");
  g_autofree char *longer = g_strnfill (2048, 'a');
  g_assert_false (ktstr_boot_write_cmdline (mem, longer, 2047, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "2047"));
}

/* A minimal ELF64 x86-64 with one PT_LOAD and, optionally, a PVH note. */
static GByteArray *
make_elf (gboolean with_note, guint16 machine)
{
  GByteArray *b = g_byte_array_new ();
  g_byte_array_set_size (b, 0x200);
  memset (b->data, 0, b->len);
  Elf64_Ehdr eh = { 0 };
  memcpy (eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = machine;
  eh.e_phoff = sizeof eh;
  eh.e_phentsize = sizeof (Elf64_Phdr);
  eh.e_phnum = with_note ? 2 : 1;
  memcpy (b->data, &eh, sizeof eh);
  Elf64_Phdr load = {
    .p_type = PT_LOAD, .p_offset = 0x100, .p_paddr = 0x1000000, .p_filesz = 0x40, .p_memsz = 0x1000
  };
  memcpy (b->data + sizeof eh, &load, sizeof load);
  if (with_note)
    {
      Elf64_Phdr note = { .p_type = PT_NOTE, .p_offset = 0x180, .p_filesz = 24 };
      memcpy (b->data + sizeof eh + sizeof load, &note, sizeof note);
      Elf64_Nhdr nh = { .n_namesz = 4, .n_descsz = 8, .n_type = KTSTR_XEN_ELFNOTE_PHYS32_ENTRY };
      memcpy (b->data + 0x180, &nh, sizeof nh);
      memcpy (b->data + 0x180 + sizeof nh, "Xen", 4);
      guint64 entry = 0x1000020;
      memcpy (b->data + 0x180 + sizeof nh + 4, &entry, 8);
    }
  for (guint i = 0; i < 0x40; i++)
    b->data[0x100 + i] = (guint8)i;
  return b;
}

static void
test_pvh (void)
{
  g_autoptr (GError) error = NULL;
  KtstrPvhImage img;
  g_autoptr (GByteArray) good = make_elf (TRUE, EM_X86_64);
  g_assert_true (ktstr_pvh_parse (good->data, good->len, "good", &img, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (img.entry, ==, 0x1000020);
  g_assert_cmpuint (img.load_end, ==, 0x1001000);

  g_autoptr (KtstrKvmMemory) mem = ktstr_kvm_memory_new (32ull << 20, 1, &error);
  guint8 *dst = ktstr_kvm_memory_ptr (mem, 0x1000000, 0x1000);
  memset (dst, 0xaa, 0x1000);
  g_assert_true (ktstr_pvh_load (good->data, good->len, mem, &error));
  g_assert_cmpuint (dst[0x3f], ==, 0x3f);
  g_assert_cmpuint (dst[0x40], ==, 0); /* .bss zeroed */
  g_autoptr (KtstrKvmMemory) small = ktstr_kvm_memory_new (8ull << 20, 1, &error);
  g_assert_false (ktstr_pvh_load (good->data, good->len, small, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG);
  g_clear_error (&error);

  g_autoptr (GByteArray) no_note = make_elf (FALSE, EM_X86_64);
  g_assert_false (ktstr_pvh_parse (no_note->data, no_note->len, "plain", &img, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_IMAGE);
  g_assert_nonnull (strstr (error->message, "CONFIG_PVH"));
  g_clear_error (&error);

  g_autoptr (GByteArray) arm = make_elf (TRUE, EM_AARCH64);
  g_assert_false (ktstr_pvh_parse (arm->data, arm->len, "arm", &img, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_IMAGE);
  g_clear_error (&error);

  g_assert_false (ktstr_pvh_parse (good->data, 0x120, "cut", &img, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_IMAGE);
}

static void
test_pvh_start_info (void)
{
  KtstrE820Entry e[KTSTR_E820_MAX];
  guint n = ktstr_kvm_e820_build (1ull << 30, e);
  KtstrPvhStartSpec spec = {
    .cmdline_gpa = KTSTR_BOOT_CMDLINE_GPA,
    .initrd_gpa = 0x3f000000,
    .initrd_size = 12345,
    .rsdp_gpa = 0xe0000,
    .e820 = e,
    .n_e820 = n,
  };
  guint8 page[4096];
  ktstr_pvh_start_info_build (page, &spec);
  g_assert_cmpuint (get32 (page), ==, KTSTR_PVH_START_INFO_MAGIC);
  g_assert_cmpuint (get32 (page + 4), ==, 1);
  g_assert_cmpuint (get32 (page + 12), ==, 1);
  guint64 modlist = get64 (page + 16);
  g_assert_cmpuint (get64 (page + 24), ==, KTSTR_BOOT_CMDLINE_GPA);
  g_assert_cmpuint (get64 (page + 32), ==, 0xe0000);
  guint64 memmap = get64 (page + 40);
  g_assert_cmpuint (get32 (page + 48), ==, n);
  const guint8 *mod = page + (modlist - KTSTR_PVH_START_INFO_GPA);
  g_assert_cmpuint (get64 (mod), ==, 0x3f000000);
  g_assert_cmpuint (get64 (mod + 8), ==, 12345);
  for (guint i = 0; i < n; i++)
    {
      const guint8 *m = page + (memmap - KTSTR_PVH_START_INFO_GPA) + 24 * i;
      g_assert_cmpuint (get64 (m), ==, e[i].addr);
      g_assert_cmpuint (get64 (m + 8), ==, e[i].size);
      g_assert_cmpuint (get32 (m + 16), ==, e[i].type);
    }
}

static void
test_page_tables (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKvmMemory) mem = ktstr_kvm_memory_new (16ull << 20, 1, &error);
  g_assert_true (ktstr_cpu_write_boot_tables (mem, &error));
  const guint64 *pml4 = ktstr_kvm_memory_ptr (mem, KTSTR_CPU_PML4_GPA, 4096);
  const guint64 *pdpt = ktstr_kvm_memory_ptr (mem, KTSTR_CPU_PDPT_GPA, 4096);
  const guint64 *pd = ktstr_kvm_memory_ptr (mem, KTSTR_CPU_PD_GPA, 4 * 4096);
  g_assert_cmpuint (pml4[0], ==, KTSTR_CPU_PDPT_GPA | 3);
  g_assert_cmpuint (pml4[1], ==, 0);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (pdpt[i], ==, (KTSTR_CPU_PD_GPA + 4096 * i) | 3);
  g_assert_cmpuint (pdpt[4], ==, 0);
  /* 2 MiB pages identity-map 0..4 GiB (the virtio window included). */
  g_assert_cmpuint (pd[0], ==, 0x83);
  g_assert_cmpuint (pd[1], ==, 0x200083);
  g_assert_cmpuint (pd[0xd0000000 >> 21], ==, 0xd0000083);
  g_assert_cmpuint (pd[2047], ==, 0xffe00083);

  const guint64 *gdt = ktstr_kvm_memory_ptr (mem, KTSTR_CPU_GDT_GPA, 8 * KTSTR_CPU_GDT_ENTRIES);
  g_assert_cmpuint (gdt[0], ==, 0);
  g_assert_cmpuint (gdt[KTSTR_CPU_SEL_CODE64 >> 3], ==, 0x00af9b000000ffffull);
  g_assert_cmpuint (gdt[KTSTR_CPU_SEL_DATA >> 3], ==, 0x00cf93000000ffffull);
  g_assert_cmpuint (gdt[KTSTR_CPU_SEL_TSS >> 3], ==, 0x00008b0000000067ull);
  g_assert_cmpuint (gdt[KTSTR_CPU_SEL_CODE32 >> 3], ==, 0x00cf9b000000ffffull);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kvm/boot/bzimage/fixture", test_bzimage_fixture);
  g_test_add_func ("/kvm/boot/bzimage/truncated", test_bzimage_truncated);
  g_test_add_func ("/kvm/boot/bzimage/refused", test_bzimage_refused);
  g_test_add_func ("/kvm/boot/e820", test_e820);
  g_test_add_func ("/kvm/boot/zero-page", test_zero_page);
  g_test_add_func ("/kvm/boot/memory/layout", test_memory_layout);
  g_test_add_func ("/kvm/boot/memory/bounds", test_memory_ptr);
  g_test_add_func ("/kvm/boot/initrd-and-cmdline", test_initrd_and_cmdline);
  g_test_add_func ("/kvm/boot/pvh/parse", test_pvh);
  g_test_add_func ("/kvm/boot/pvh/start-info", test_pvh_start_info);
  g_test_add_func ("/kvm/boot/page-tables", test_page_tables);
  return g_test_run ();
}
