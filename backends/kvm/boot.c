#include "config.h"

#include "backends/kvm/boot.h"

#include <string.h>

#include "common/image-probe.h"

#define MIN_PROTOCOL 0x020c /* 2.12: xloadflags and the 64-bit entry */

static guint16
get16 (const guint8 *p)
{
  return (guint16)(p[0] | (p[1] << 8));
}

static guint32
get32 (const guint8 *p)
{
  return (guint32)get16 (p) | ((guint32)get16 (p + 2) << 16);
}

static guint64
get64 (const guint8 *p)
{
  return (guint64)get32 (p) | ((guint64)get32 (p + 4) << 32);
}

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put32 (guint8 *p, guint32 v)
{
  put16 (p, v & 0xffff);
  put16 (p + 2, v >> 16);
}

static void
put64 (guint8 *p, guint64 v)
{
  put32 (p, (guint32)v);
  put32 (p + 4, (guint32)(v >> 32));
}

static gboolean
refuse (GError **error, const char *name, const char *why)
{
  g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_IMAGE,
               "'%s' cannot be booted by the kvm "
               "backend: %s",
               name, why);
  return FALSE;
}

gboolean
ktstr_bzimage_parse (const guint8 *data, gsize len, const char *name, KtstrBzImage *out,
                     GError **error)
{
  memset (out, 0, sizeof *out);
  KtstrImageProbe probe;
  ktstr_image_probe (data, len, &probe);
  if (len < 0x270 || probe.kind != KTSTR_IMAGE_BZIMAGE)
    return refuse (error, name, "no 'HdrS' setup header at offset 0x202 (not a bzImage)");
  if (get16 (data + KTSTR_BP_BOOT_FLAG) != 0xaa55)
    return refuse (error, name, "the boot sector flag at 0x1fe is not 0xAA55");

  out->protocol = probe.boot_protocol;
  if (out->protocol < MIN_PROTOCOL)
    {
      g_autofree char *why = g_strdup_printf (
          "boot protocol %u.%02u is older than 2.12, which the 64-bit entry needs",
          out->protocol >> 8, out->protocol & 0xff);
      return refuse (error, name, why);
    }
  out->setup_sects = data[KTSTR_BP_SETUP_HEADER];
  if (out->setup_sects == 0)
    out->setup_sects = 4;
  out->loadflags = data[KTSTR_BP_LOADFLAGS];
  out->xloadflags = get16 (data + KTSTR_BP_XLOADFLAGS);
  out->is_relocatable = data[0x234] != 0;
  out->code32_start = get32 (data + KTSTR_BP_CODE32_START);
  out->kernel_alignment = get32 (data + KTSTR_BP_KERNEL_ALIGNMENT);
  out->cmdline_size = get32 (data + KTSTR_BP_CMDLINE_SIZE);
  out->initrd_addr_max = get32 (data + KTSTR_BP_INITRD_ADDR_MAX);
  out->pref_address = get64 (data + KTSTR_BP_PREF_ADDRESS);
  out->init_size = get32 (data + KTSTR_BP_INIT_SIZE);
  out->setup_bytes = (gsize)(out->setup_sects + 1) * 512;
  out->header_end = 0x202 + data[0x201];

  if (!(out->xloadflags & KTSTR_XLF_KERNEL_64))
    return refuse (error, name,
                   "XLF_KERNEL_64 is not set: the kernel has no 64-bit entry "
                   "(is it a 32-bit kernel?)");
  if (!(out->loadflags & KTSTR_LOADED_HIGH))
    return refuse (error, name, "the kernel does not load high (zImage, not bzImage)");
  if (out->header_end > out->setup_bytes || out->header_end > KTSTR_BP_E820_TABLE)
    return refuse (error, name, "the setup header runs past the setup sectors");

  guint64 payload = (guint64)get32 (data + 0x1f4) * 16; /* syssize, in paragraphs */
  if (payload == 0)
    return refuse (error, name, "the setup header gives no protected-mode kernel size");
  if (len < out->setup_bytes || len - out->setup_bytes < payload)
    {
      g_autofree char *why
          = g_strdup_printf ("the file is truncated: %" G_GSIZE_FORMAT
                             " bytes, but the setup header describes %" G_GUINT64_FORMAT,
                             len, (guint64)out->setup_bytes + payload);
      return refuse (error, name, why);
    }
  out->payload_bytes = payload;
  if (out->init_size < payload)
    out->init_size = (guint32)payload;
  return TRUE;
}

void
ktstr_boot_params_build (guint8 *zp, const guint8 *image, const KtstrBzImage *bz,
                         const KtstrBootParamsSpec *spec)
{
  memset (zp, 0, KTSTR_BOOT_ZERO_PAGE_SIZE);
  /* Start from the image's own setup header, as the boot protocol asks. */
  memcpy (zp + KTSTR_BP_SETUP_HEADER, image + KTSTR_BP_SETUP_HEADER,
          bz->header_end - KTSTR_BP_SETUP_HEADER);

  zp[KTSTR_BP_TYPE_OF_LOADER] = 0xff; /* "undefined" loader */
  zp[KTSTR_BP_LOADFLAGS] |= KTSTR_LOADED_HIGH;
  put16 (zp + KTSTR_BP_VID_MODE, 0xffff); /* "normal" */
  put32 (zp + KTSTR_BP_CODE32_START, (guint32)KTSTR_BOOT_KERNEL_GPA);
  put32 (zp + KTSTR_BP_CMD_LINE_PTR, (guint32)spec->cmdline_gpa);
  put32 (zp + KTSTR_BP_EXT_CMD_LINE_PTR, (guint32)(spec->cmdline_gpa >> 32));
  put32 (zp + KTSTR_BP_RAMDISK_IMAGE, (guint32)spec->initrd_gpa);
  put32 (zp + KTSTR_BP_EXT_RAMDISK_IMAGE, (guint32)(spec->initrd_gpa >> 32));
  put32 (zp + KTSTR_BP_RAMDISK_SIZE, (guint32)spec->initrd_size);
  put32 (zp + KTSTR_BP_EXT_RAMDISK_SIZE, (guint32)(spec->initrd_size >> 32));
  if (bz->protocol >= 0x020e) /* acpi_rsdp_addr is honoured from 2.14 */
    put64 (zp + KTSTR_BP_ACPI_RSDP_ADDR, spec->rsdp_gpa);

  guint n = MIN (spec->n_e820, KTSTR_BP_E820_MAX);
  zp[KTSTR_BP_E820_ENTRIES] = (guint8)n;
  for (guint i = 0; i < n; i++)
    {
      guint8 *e = zp + KTSTR_BP_E820_TABLE + 20 * i;
      put64 (e, spec->e820[i].addr);
      put64 (e + 8, spec->e820[i].size);
      put32 (e + 16, spec->e820[i].type);
    }
}

gboolean
ktstr_boot_place_initrd (guint64 size, guint64 low_end, guint64 max_end, guint64 floor,
                         guint64 *gpa, GError **error)
{
  guint64 top = MIN (low_end, max_end) & ~0xfffull;
  if (size > top || ((top - size) & ~0xfffull) < floor)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "the initramfs (%" G_GUINT64_FORMAT " KiB) does not fit in guest memory "
                   "between the kernel (which needs up to 0x%" G_GINT64_MODIFIER
                   "x) and 0x%" G_GINT64_MODIFIER "x; give the VM more memory",
                   size >> 10, floor, top);
      return FALSE;
    }
  *gpa = (top - size) & ~0xfffull;
  return TRUE;
}

gboolean
ktstr_boot_write_cmdline (KtstrKvmMemory *mem, const char *cmdline, guint32 max_len, GError **error)
{
  gsize len = strlen (cmdline);
  guint32 limit = MIN (max_len, KTSTR_BOOT_CMDLINE_MAX - 1);
  if (len > limit)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "the kernel command line is %" G_GSIZE_FORMAT " bytes long; this kernel "
                   "accepts at most %u",
                   len, limit);
      return FALSE;
    }
  guint8 *p = ktstr_kvm_memory_ptr (mem, KTSTR_BOOT_CMDLINE_GPA, len + 1);
  if (p == NULL)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "guest memory is too small for the command line");
      return FALSE;
    }
  memcpy (p, cmdline, len + 1);
  return TRUE;
}
