/* Linux x86 boot protocol: the bzImage setup header, the zero page
 * (struct boot_params) and where the command line and initrd go.
 *
 * Only the 64-bit entry is used: the protected-mode kernel is copied to
 * 1 MiB and vCPU 0 starts in long mode at its startup_64 (load address +
 * 0x200) with RSI pointing at the zero page, so no real-mode setup code
 * runs.  That needs boot protocol 2.12 or newer with XLF_KERNEL_64 set.
 * Parsing works on a byte buffer so tests can feed it any file. */
#ifndef KTSTR_KVM_BOOT_H
#define KTSTR_KVM_BOOT_H

#include <glib.h>

#include "backends/kvm/memory.h"

G_BEGIN_DECLS

/* Guest physical addresses of the boot data (all below 1 MiB). */
#define KTSTR_BOOT_ZERO_PAGE_GPA 0x7000ull
#define KTSTR_BOOT_STACK_GPA 0x8ff0ull
#define KTSTR_BOOT_CMDLINE_GPA 0x20000ull
#define KTSTR_BOOT_CMDLINE_MAX 4096u /* room reserved at KTSTR_BOOT_CMDLINE_GPA */
#define KTSTR_BOOT_KERNEL_GPA 0x100000ull
#define KTSTR_BOOT_ZERO_PAGE_SIZE 4096u

/* A few offsets of struct boot_params (arch/x86/include/uapi/asm/bootparam.h). */
#define KTSTR_BP_ACPI_RSDP_ADDR 0x070
#define KTSTR_BP_EXT_RAMDISK_IMAGE 0x0c0
#define KTSTR_BP_EXT_RAMDISK_SIZE 0x0c4
#define KTSTR_BP_EXT_CMD_LINE_PTR 0x0c8
#define KTSTR_BP_E820_ENTRIES 0x1e8
#define KTSTR_BP_SENTINEL 0x1ef
#define KTSTR_BP_SETUP_HEADER 0x1f1
#define KTSTR_BP_VID_MODE 0x1fa
#define KTSTR_BP_BOOT_FLAG 0x1fe
#define KTSTR_BP_HEADER_MAGIC 0x202
#define KTSTR_BP_VERSION 0x206
#define KTSTR_BP_TYPE_OF_LOADER 0x210
#define KTSTR_BP_LOADFLAGS 0x211
#define KTSTR_BP_CODE32_START 0x214
#define KTSTR_BP_RAMDISK_IMAGE 0x218
#define KTSTR_BP_RAMDISK_SIZE 0x21c
#define KTSTR_BP_CMD_LINE_PTR 0x228
#define KTSTR_BP_INITRD_ADDR_MAX 0x22c
#define KTSTR_BP_KERNEL_ALIGNMENT 0x230
#define KTSTR_BP_XLOADFLAGS 0x236
#define KTSTR_BP_CMDLINE_SIZE 0x238
#define KTSTR_BP_PREF_ADDRESS 0x258
#define KTSTR_BP_INIT_SIZE 0x260
#define KTSTR_BP_E820_TABLE 0x2d0
#define KTSTR_BP_E820_MAX 128

#define KTSTR_XLF_KERNEL_64 0x1
#define KTSTR_LOADED_HIGH 0x1

typedef struct
{
  guint16 protocol;  /* e.g. 0x020f for 2.15 */
  guint setup_sects; /* 0 in the header means 4 */
  guint8 loadflags;
  guint16 xloadflags;
  gboolean is_relocatable;
  guint32 code32_start;
  guint32 kernel_alignment;
  guint32 cmdline_size;    /* longest command line the kernel accepts, without NUL */
  guint32 initrd_addr_max; /* highest address the initrd may end at */
  guint32 init_size;       /* memory the kernel needs from its load address */
  guint64 pref_address;
  gsize setup_bytes;   /* file offset of the protected-mode kernel */
  gsize payload_bytes; /* size of the protected-mode kernel */
  gsize header_end;    /* file offset just past the setup header */
} KtstrBzImage;

/* Checks DATA (LEN bytes of a file called NAME) is a bzImage that can be
 * booted through the 64-bit entry and not truncated; fills OUT. */
gboolean ktstr_bzimage_parse (const guint8 *data, gsize len, const char *name, KtstrBzImage *out,
                              GError **error);

typedef struct
{
  guint64 cmdline_gpa;
  guint64 initrd_gpa; /* 0: no initrd */
  guint64 initrd_size;
  guint64 rsdp_gpa; /* 0: let the kernel scan for it */
  const KtstrE820Entry *e820;
  guint n_e820;
} KtstrBootParamsSpec;

/* Builds the zero page in ZP (KTSTR_BOOT_ZERO_PAGE_SIZE bytes): the
 * image's setup header, our loader fields and the E820 map. */
void ktstr_boot_params_build (guint8 *zp, const guint8 *image, const KtstrBzImage *bz,
                              const KtstrBootParamsSpec *spec);

/* Where an initrd of SIZE bytes goes: as high as possible below LOW_END
 * and MAX_END (exclusive), page aligned, but not below FLOOR (the end of
 * the memory the kernel itself needs). */
gboolean ktstr_boot_place_initrd (guint64 size, guint64 low_end, guint64 max_end, guint64 floor,
                                  guint64 *gpa, GError **error);

/* Copies CMDLINE to guest memory at KTSTR_BOOT_CMDLINE_GPA, refusing one
 * longer than MAX_LEN (the kernel's limit) or than the reserved room. */
gboolean ktstr_boot_write_cmdline (KtstrKvmMemory *mem, const char *cmdline, guint32 max_len,
                                   GError **error);

G_END_DECLS

#endif
