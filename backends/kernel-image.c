/* Kernel image headers: see backends/kernel-image.h. */
#include "config.h"

#include "backends/kernel-image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

GQuark
ktstr_kernel_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-kernel-error-quark");
}

/* Linux x86 boot protocol: the setup header lives at 0x1f1; "HdrS" at 0x202
 * marks protocol 2.00+, the version at 0x206, and 0x20e holds the offset
 * (from 0x200) of a NUL-terminated version string. */
#define HDR_MAGIC_OFF 0x202
#define HDR_VERSION_OFF 0x206
#define HDR_KVER_OFF 0x20e
#define HDR_MIN_PROTOCOL 0x0206 /* 2.06: cmdline size field, 64-bit era kernels */

static gboolean
read_head (const char *path, guint8 *buf, gsize want, gsize *got, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_UNREADABLE,
                   "kernel image '%s' cannot be read: %s%s", path, g_strerror (saved),
                   saved == EACCES ? " (run as a user that can read it, or copy it)" : "");
      return FALSE;
    }
  ssize_t n = pread (fd, buf, want, 0);
  int saved = errno;
  close (fd);
  if (n < 0)
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_UNREADABLE,
                   "kernel image '%s' cannot be read: %s", path, g_strerror (saved));
      return FALSE;
    }
  *got = (gsize)n;
  return TRUE;
}

gboolean
ktstr_kernel_check_image (const char *path, KtstrKernelFormat *format, GError **error)
{
  guint8 head[0x400];
  gsize got = 0;

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
  if (!read_head (path, head, sizeof head, &got, error))
    return FALSE;

  if (got >= 20 && memcmp (head, "\177ELF", 4) == 0)
    {
      /* ELFCLASS64, little endian, e_machine EM_X86_64 (62). */
      if (head[4] != 2 || head[5] != 1 || head[18] != 62 || head[19] != 0)
        {
          g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                       "'%s' is an ELF file but not an x86-64 one; ktstr boots x86-64 kernels",
                       path);
          return FALSE;
        }
      *format = KTSTR_KERNEL_FORMAT_ELF;
      return TRUE;
    }

  if (got < 0x210 || memcmp (head + HDR_MAGIC_OFF, "HdrS", 4) != 0)
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   "'%s' is not a bzImage (no 'HdrS' boot header at 0x202) nor an ELF vmlinux; "
                   "pass arch/x86/boot/bzImage or the build tree",
                   path);
      return FALSE;
    }
  guint16 proto = head[HDR_VERSION_OFF] | (head[HDR_VERSION_OFF + 1] << 8);
  if (proto < HDR_MIN_PROTOCOL)
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   "'%s' uses boot protocol %u.%02u; ktstr needs 2.06 or newer", path, proto >> 8,
                   proto & 0xff);
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
  g_autofree guint8 *head = g_malloc (0x10000);
  gsize got = 0;
  if (!read_head (path, head, 0x10000, &got, NULL) || got < 0x210
      || memcmp (head + HDR_MAGIC_OFF, "HdrS", 4) != 0)
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
