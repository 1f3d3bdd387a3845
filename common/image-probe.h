/* What kind of program or kernel image a file holds, told from its first
 * bytes: an ELF file (its class, byte order and machine) or an x86 bzImage
 * (its boot protocol version).  One probe for every place that must tell
 * them apart: kernel discovery and both backends (a bzImage or an
 * uncompressed vmlinux), and the packer that follows a scheduler's shared
 * libraries (an ELF program or a script).  Each caller decides what it
 * accepts; the probe only reports what the header says.
 *
 * Plain C on a buffer, plus one helper that reads a file's head. */
#ifndef KTSTR_COMMON_IMAGE_PROBE_H
#define KTSTR_COMMON_IMAGE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes that decide the kind: the bzImage setup header's version field
 * ends at 0x208; an ELF header's e_machine at 20. */
#define KTSTR_IMAGE_PROBE_SIZE 0x210

typedef enum
{
  KTSTR_IMAGE_OTHER,   /* neither: a script, data, a truncated file */
  KTSTR_IMAGE_ELF,     /* starts with the ELF magic */
  KTSTR_IMAGE_BZIMAGE, /* "HdrS" at 0x202: the Linux x86 boot protocol 2.00+ */
} KtstrImageKind;

/* The ELF machines ktstr deals with (e_machine). */
#define KTSTR_ELF_MACHINE_X86_64 62
#define KTSTR_ELF_MACHINE_AARCH64 183

typedef struct
{
  KtstrImageKind kind;
  /* ELF only; all false/0 when the header is cut short before them. */
  bool is_elf64;         /* ELFCLASS64 */
  bool is_little_endian; /* ELFDATA2LSB */
  uint16_t elf_machine;  /* e_machine, e.g. KTSTR_ELF_MACHINE_X86_64 */
  /* bzImage only: the boot protocol, 0x0206 for 2.06. */
  uint16_t boot_protocol;
} KtstrImageProbe;

/* Fills OUT from the LEN first bytes of a file at HEAD. */
void ktstr_image_probe (const void *head, size_t len, KtstrImageProbe *out);

/* Reads the first KTSTR_IMAGE_PROBE_SIZE bytes of PATH (fewer for a
 * shorter file) and probes them.  Returns 0, or -errno when PATH cannot be
 * opened or read (OUT is then KTSTR_IMAGE_OTHER). */
int ktstr_image_probe_file (const char *path, KtstrImageProbe *out);

/* True for an x86-64 little-endian 64-bit ELF: what ktstr boots as an
 * uncompressed vmlinux. */
bool ktstr_image_is_x86_64_elf (const KtstrImageProbe *probe);

#endif
