/* Image headers: see common/image-probe.h. */
#include "config.h"

#include "common/image-probe.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* ELF identification (e_ident) and the machine field. */
#define ELF_MAGIC "\177ELF"
#define ELF_CLASS_OFF 4
#define ELF_DATA_OFF 5
#define ELF_MACHINE_OFF 18
#define ELF_CLASS64 2
#define ELF_DATA_LSB 1

/* Linux x86 boot protocol: "HdrS" at 0x202 marks protocol 2.00 or newer,
 * whose version is the little-endian word at 0x206. */
#define BZ_MAGIC_OFF 0x202
#define BZ_VERSION_OFF 0x206

void
ktstr_image_probe (const void *head, size_t len, KtstrImageProbe *out)
{
  const uint8_t *h = head;
  memset (out, 0, sizeof *out);
  if (len >= 4 && memcmp (h, ELF_MAGIC, 4) == 0)
    {
      out->kind = KTSTR_IMAGE_ELF;
      if (len >= ELF_MACHINE_OFF + 2)
        {
          out->is_elf64 = h[ELF_CLASS_OFF] == ELF_CLASS64;
          out->is_little_endian = h[ELF_DATA_OFF] == ELF_DATA_LSB;
          /* e_machine in the file's byte order. */
          out->elf_machine = out->is_little_endian
                                 ? (uint16_t)(h[ELF_MACHINE_OFF] | h[ELF_MACHINE_OFF + 1] << 8)
                                 : (uint16_t)(h[ELF_MACHINE_OFF] << 8 | h[ELF_MACHINE_OFF + 1]);
        }
      return;
    }
  if (len >= BZ_VERSION_OFF + 2 && memcmp (h + BZ_MAGIC_OFF, "HdrS", 4) == 0)
    {
      out->kind = KTSTR_IMAGE_BZIMAGE;
      out->boot_protocol = (uint16_t)(h[BZ_VERSION_OFF] | h[BZ_VERSION_OFF + 1] << 8);
    }
}

int
ktstr_image_probe_file (const char *path, KtstrImageProbe *out)
{
  uint8_t head[KTSTR_IMAGE_PROBE_SIZE];
  memset (out, 0, sizeof *out);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  ssize_t n = pread (fd, head, sizeof head, 0);
  int saved = errno;
  close (fd);
  if (n < 0)
    return -saved;
  ktstr_image_probe (head, (size_t)n, out);
  return 0;
}

bool
ktstr_image_is_x86_64_elf (const KtstrImageProbe *p)
{
  return p->kind == KTSTR_IMAGE_ELF && p->is_elf64 && p->is_little_endian
         && p->elf_machine == KTSTR_ELF_MACHINE_X86_64;
}
