/* Kernel image headers: see backends/kernel-image.h. */
#include "config.h"

#include "backends/kernel-image.h"

#include <errno.h>
#include <string.h>

#include "common/image-probe.h"

GQuark
ktstr_kernel_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-kernel-error-quark");
}

/* Linux x86 boot protocol: 0x20e holds the offset (from 0x200) of a
 * NUL-terminated version string. */
#define HDR_KVER_OFF 0x20e
#define HDR_MIN_PROTOCOL 0x0206 /* 2.06: cmdline size field, 64-bit era kernels */

static void
set_unreadable (GError **error, const char *path, int err)
{
  g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_UNREADABLE,
               "kernel image '%s' cannot be read: %s%s", path, g_strerror (err),
               err == EACCES ? " (run as a user that can read it, or copy it)" : "");
}

gboolean
ktstr_kernel_check_image (const char *path, KtstrKernelFormat *format, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND,
                   "kernel image '%s' does not exist", path);
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   "'%s' is a directory but not a kernel build tree (no arch/x86/boot/bzImage; "
                   "build it with 'make bzImage')",
                   path);
      return FALSE;
    }
  KtstrImageProbe probe;
  int rc = ktstr_image_probe_file (path, &probe);
  if (rc != 0)
    {
      set_unreadable (error, path, -rc);
      return FALSE;
    }

  if (probe.kind == KTSTR_IMAGE_ELF)
    {
      if (!ktstr_image_is_x86_64_elf (&probe))
        {
          g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                       "'%s' is an ELF file but not an x86-64 one; ktstr boots x86-64 kernels",
                       path);
          return FALSE;
        }
      *format = KTSTR_KERNEL_FORMAT_ELF;
      return TRUE;
    }

  if (probe.kind != KTSTR_IMAGE_BZIMAGE)
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   "'%s' is not a bzImage (no 'HdrS' boot header at 0x202) nor an ELF vmlinux; "
                   "pass arch/x86/boot/bzImage or the build tree",
                   path);
      return FALSE;
    }
  if (probe.boot_protocol < HDR_MIN_PROTOCOL)
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   "'%s' uses boot protocol %u.%02u; ktstr needs 2.06 or newer", path,
                   probe.boot_protocol >> 8, probe.boot_protocol & 0xff);
      return FALSE;
    }
  *format = KTSTR_KERNEL_FORMAT_BZIMAGE;
  return TRUE;
}

char *
ktstr_kernel_image_version (const char *path)
{
  /* The string lives in the real-mode setup code, which is at most 64
   * sectors of 512 bytes plus the boot sector. */
  g_autoptr (GMappedFile) mf = g_mapped_file_new (path, FALSE, NULL);
  if (mf == NULL)
    return NULL;
  const guint8 *head = (const guint8 *)g_mapped_file_get_contents (mf);
  gsize got = MIN (g_mapped_file_get_length (mf), 0x10000);
  KtstrImageProbe probe;
  ktstr_image_probe (head, got, &probe);
  if (probe.kind != KTSTR_IMAGE_BZIMAGE || got < 0x210)
    return NULL;
  guint off = (head[HDR_KVER_OFF] | (head[HDR_KVER_OFF + 1] << 8)) + 0x200;
  if (off <= 0x200 || off >= got)
    return NULL;
  gsize max = got - off;
  const char *s = (const char *)head + off;
  gsize len = strnlen (s, max);
  if (len == 0 || len == max)
    return NULL;
  /* "6.12.95+deb12-amd64 (debian-kernel@...) #1 SMP ..." */
  const char *sp = memchr (s, ' ', len);
  return g_strndup (s, sp ? (gsize)(sp - s) : len);
}
