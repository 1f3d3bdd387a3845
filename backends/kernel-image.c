/* Kernel image headers: see backends/kernel-image.h. */
#include "config.h"

#include "backends/kernel-image.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/image-probe.h"

GQuark
ktstr_kernel_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-kernel-error-quark");
}

/* Linux x86 boot protocol (Documentation/arch/x86/boot.rst in the kernel
 * tree): the setup header starts at 0x1f1.  setup_sects (0 meaning 4)
 * sectors of real-mode setup follow the boot sector; syssize counts the
 * 16-byte paragraphs of the protected-mode part after them.  0x1fe holds
 * the boot flag 0xAA55 and 0x20e the offset (from 0x200) of a
 * NUL-terminated version string ("HdrS" and the protocol version are
 * read by common/image-probe.h).  From 2.08 on, payload_offset and payload_length (0x248, 0x24c)
 * place the compressed kernel inside the protected-mode part. */
#define HDR_SETUP_SECTS_OFF 0x1f1
#define HDR_SYSSIZE_OFF 0x1f4
#define HDR_BOOT_FLAG_OFF 0x1fe
#define HDR_KVER_OFF 0x20e
#define HDR_PAYLOAD_OFFSET_OFF 0x248
#define HDR_PAYLOAD_LENGTH_OFF 0x24c
#define HDR_MIN_PROTOCOL 0x0206 /* 2.06: cmdline size field, 64-bit era kernels */
#define HDR_PAYLOAD_PROTOCOL 0x0208

static guint32
le32 (const guint8 *p)
{
  return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static gboolean not_a_kernel (GError **error, const char *name, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
not_a_kernel (GError **error, const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
               "'%s' is not a kernel ktstr can boot: %s", name, why);
  return FALSE;
}

static gboolean
probe_bzimage (const guint8 *d, gsize len, const KtstrImageProbe *probe, const char *name,
               GError **error)
{
  guint16 proto = probe->boot_protocol;
  if (proto < HDR_MIN_PROTOCOL)
    return not_a_kernel (error, name, "it uses boot protocol %u.%02u; ktstr needs 2.06 or newer",
                         proto >> 8, proto & 0xff);
  if (d[HDR_BOOT_FLAG_OFF] != 0x55 || d[HDR_BOOT_FLAG_OFF + 1] != 0xaa)
    return not_a_kernel (error, name, "its boot sector lacks the 0xAA55 boot flag");
  guint setup_sects = d[HDR_SETUP_SECTS_OFF] != 0 ? d[HDR_SETUP_SECTS_OFF] : 4;
  guint64 setup = (guint64)(setup_sects + 1) * 512;
  guint64 payload = (guint64)le32 (d + HDR_SYSSIZE_OFF) * 16;
  if (payload == 0)
    return not_a_kernel (error, name, "its setup header declares no protected-mode kernel");
  if (len < setup + payload)
    return not_a_kernel (error, name,
                         "it is a truncated bzImage: its header says %" G_GUINT64_FORMAT
                         " bytes, the file has %" G_GSIZE_FORMAT,
                         setup + payload, len);
  if (proto >= HDR_PAYLOAD_PROTOCOL && len >= HDR_PAYLOAD_LENGTH_OFF + 4)
    {
      guint64 off = le32 (d + HDR_PAYLOAD_OFFSET_OFF);
      guint64 plen = le32 (d + HDR_PAYLOAD_LENGTH_OFF);
      /* A kernel's payload fields say where its compressed image lies;
       * zero means the image carries none (no decompressor). */
      if (plen != 0 && off + plen > payload)
        return not_a_kernel (
            error, name,
            "its compressed kernel (%" G_GUINT64_FORMAT " bytes at %" G_GUINT64_FORMAT
            ") does not lie inside its %" G_GUINT64_FORMAT "-byte protected-mode part",
            plen, off, payload);
    }
  return TRUE;
}

gboolean
ktstr_kernel_image_find_pvh_entry (const guint8 *notes, gsize size, guint64 *entry)
{
  gsize off = 0;
  while (size - off >= sizeof (Elf64_Nhdr))
    {
      Elf64_Nhdr nh;
      memcpy (&nh, notes + off, sizeof nh);
      guint64 name_off = off + sizeof nh;
      guint64 desc_off = name_off + (((guint64)nh.n_namesz + 3) & ~(guint64)3);
      guint64 next = desc_off + (((guint64)nh.n_descsz + 3) & ~(guint64)3);
      if (desc_off > size || next > size || next <= off)
        return FALSE;
      if (nh.n_type == KTSTR_XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4
          && memcmp (notes + name_off, "Xen", 4) == 0 && (nh.n_descsz == 4 || nh.n_descsz == 8))
        {
          guint64 v = 0;
          memcpy (&v, notes + desc_off, nh.n_descsz);
          *entry = v;
          return TRUE;
        }
      off = next;
    }
  return FALSE;
}

static gboolean
probe_elf (const guint8 *d, gsize len, const KtstrImageProbe *probe, const char *name,
           GError **error)
{
  if (len < sizeof (Elf64_Ehdr) || !probe->is_elf64 || !probe->is_little_endian)
    return not_a_kernel (error, name, "it is an ELF file but not a 64-bit little-endian one");
  if (!ktstr_image_is_x86_64_elf (probe))
    return not_a_kernel (error, name, "it is an ELF file for machine %u, not x86-64",
                         probe->elf_machine);
  Elf64_Ehdr eh;
  memcpy (&eh, d, sizeof eh);
  if (eh.e_phentsize != sizeof (Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > len
      || (len - eh.e_phoff) / sizeof (Elf64_Phdr) < eh.e_phnum)
    return not_a_kernel (error, name, "its ELF program headers are missing or truncated");
  gboolean has_load = FALSE, has_entry = FALSE;
  for (guint i = 0; i < eh.e_phnum; i++)
    {
      Elf64_Phdr ph;
      memcpy (&ph, d + eh.e_phoff + (gsize)i * sizeof ph, sizeof ph);
      if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
        return not_a_kernel (error, name,
                             "an ELF segment runs past the end of the file (truncated?)");
      if (ph.p_type == PT_LOAD)
        has_load = TRUE;
      else if (ph.p_type == PT_NOTE && !has_entry)
        {
          guint64 entry;
          has_entry = ktstr_kernel_image_find_pvh_entry (d + ph.p_offset, ph.p_filesz, &entry);
        }
    }
  if (!has_load)
    return not_a_kernel (error, name, "it is an ELF file with nothing to load");
  if (!has_entry)
    return not_a_kernel (error, name,
                         "it is an x86-64 ELF file without a PVH entry note "
                         "(XEN_ELFNOTE_PHYS32_ENTRY), so a program rather than a vmlinux "
                         "built with CONFIG_PVH=y; pass arch/x86/boot/bzImage or the build tree");
  return TRUE;
}

gboolean
ktstr_kernel_image_probe (const guint8 *data, gsize len, const char *name,
                          KtstrKernelFormat *format, GError **error)
{
  KtstrImageProbe probe;
  ktstr_image_probe (data, len, &probe);
  if (probe.kind == KTSTR_IMAGE_ELF)
    {
      if (!probe_elf (data, len, &probe, name, error))
        return FALSE;
      *format = KTSTR_KERNEL_FORMAT_ELF;
      return TRUE;
    }
  if (probe.kind != KTSTR_IMAGE_BZIMAGE)
    return not_a_kernel (error, name,
                         "it is neither a bzImage ('HdrS' boot header at 0x202) nor an ELF "
                         "vmlinux; pass arch/x86/boot/bzImage or the build tree");
  if (!probe_bzimage (data, len, &probe, name, error))
    return FALSE;
  *format = KTSTR_KERNEL_FORMAT_BZIMAGE;
  return TRUE;
}

/* Opens PATH without blocking on a FIFO and maps it when it is a regular
 * file; *LEN gets its size.  NULL (and the error) otherwise. */
static guint8 *
map_image (const char *path, gsize *len, GError **error)
{
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, KTSTR_KERNEL_ERROR,
                   saved == ENOENT ? KTSTR_KERNEL_ERROR_NOT_FOUND : KTSTR_KERNEL_ERROR_UNREADABLE,
                   "kernel image '%s' cannot be read: %s%s", path, g_strerror (saved),
                   saved == EACCES ? " (run as a user that can read it, or copy it)" : "");
      return NULL;
    }
  struct stat st;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   S_ISDIR (st.st_mode)
                       ? "'%s' is a directory but not a kernel build tree (no "
                         "arch/x86/boot/bzImage; build it with 'make bzImage')"
                       : "'%s' is not a regular file (a FIFO, socket or device); pass a kernel "
                         "image file",
                   path);
      return NULL;
    }
  *len = (gsize)st.st_size;
  void *map = st.st_size > 0 ? mmap (NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  int saved = errno;
  close (fd);
  if (map == MAP_FAILED)
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
                   st.st_size == 0 ? "'%s' is an empty file, not a kernel"
                                   : "kernel image '%s' cannot be mapped: %s",
                   path, g_strerror (saved));
      return NULL;
    }
  return map;
}

gboolean
ktstr_kernel_check_image (const char *path, KtstrKernelFormat *format, GError **error)
{
  gsize len = 0;
  guint8 *data = map_image (path, &len, error);
  if (data == NULL)
    return FALSE;
  gboolean ok = ktstr_kernel_image_probe (data, len, path, format, error);
  munmap (data, len);
  return ok;
}

/* The whole version string of a bzImage header, or NULL; with IS_RELEASE
 * only its first word. */
static char *
header_version (const char *path, gboolean is_release)
{
  gsize len = 0;
  guint8 *data = map_image (path, &len, NULL);
  if (data == NULL)
    return NULL;
  char *version = NULL;
  /* The string lives in the real-mode setup code, which is at most 64
   * sectors of 512 bytes plus the boot sector. */
  gsize head = MIN (len, 0x10000);
  KtstrImageProbe probe;
  ktstr_image_probe (data, head, &probe);
  if (head >= 0x210 && probe.kind == KTSTR_IMAGE_BZIMAGE)
    {
      guint off = (data[HDR_KVER_OFF] | (data[HDR_KVER_OFF + 1] << 8)) + 0x200;
      if (off > 0x200 && off < head)
        {
          const char *s = (const char *)data + off;
          gsize max = head - off;
          gsize n = strnlen (s, max);
          /* "6.12.95+deb12-amd64 (debian-kernel@...) #1 SMP ..." */
          const char *sp = n < max && is_release ? memchr (s, ' ', n) : NULL;
          if (n > 0 && n < max)
            version = g_strndup (s, sp ? (gsize)(sp - s) : n);
        }
    }
  munmap (data, len);
  return version;
}

char *
ktstr_kernel_image_version (const char *path)
{
  return header_version (path, TRUE);
}

char *
ktstr_kernel_image_build_string (const char *path)
{
  return header_version (path, FALSE);
}
