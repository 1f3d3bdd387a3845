/* The image header probe (common/image-probe.h): what it reports for ELF
 * headers of each class, byte order and machine, for bzImage headers, and
 * for everything else, on buffers and on files. */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "common/image-probe.h"

static void
elf_head (guint8 *h, guint8 cls, guint8 data, guint16 machine)
{
  memset (h, 0, 64);
  memcpy (h, "\177ELF", 4);
  h[4] = cls;
  h[5] = data;
  if (data == 1)
    {
      h[18] = machine & 0xff;
      h[19] = machine >> 8;
    }
  else
    {
      h[18] = machine >> 8;
      h[19] = machine & 0xff;
    }
}

static void
test_elf (void)
{
  guint8 h[64];
  KtstrImageProbe p;

  elf_head (h, 2, 1, KTSTR_ELF_MACHINE_X86_64);
  ktstr_image_probe (h, sizeof h, &p);
  g_assert_cmpint (p.kind, ==, KTSTR_IMAGE_ELF);
  g_assert_true (p.is_elf64);
  g_assert_true (p.is_little_endian);
  g_assert_cmpuint (p.elf_machine, ==, 62);
  g_assert_true (ktstr_image_is_x86_64_elf (&p));

  elf_head (h, 2, 1, KTSTR_ELF_MACHINE_AARCH64);
  ktstr_image_probe (h, sizeof h, &p);
  g_assert_cmpuint (p.elf_machine, ==, 183);
  g_assert_false (ktstr_image_is_x86_64_elf (&p));

  elf_head (h, 1, 1, 3); /* 32-bit i386 */
  ktstr_image_probe (h, sizeof h, &p);
  g_assert_cmpint (p.kind, ==, KTSTR_IMAGE_ELF);
  g_assert_false (p.is_elf64);
  g_assert_false (ktstr_image_is_x86_64_elf (&p));

  elf_head (h, 2, 2, 21); /* big-endian 64-bit PowerPC */
  ktstr_image_probe (h, sizeof h, &p);
  g_assert_false (p.is_little_endian);
  g_assert_cmpuint (p.elf_machine, ==, 21);

  /* The magic alone: an ELF file, but nothing more is known. */
  ktstr_image_probe ("\177ELF fake", 9, &p);
  g_assert_cmpint (p.kind, ==, KTSTR_IMAGE_ELF);
  g_assert_false (p.is_elf64);
  g_assert_cmpuint (p.elf_machine, ==, 0);
  g_assert_false (ktstr_image_is_x86_64_elf (&p));
}

static void
test_bzimage (void)
{
  guint8 h[KTSTR_IMAGE_PROBE_SIZE] = { 0 };
  KtstrImageProbe p;
  memcpy (h + 0x202, "HdrS", 4);
  h[0x206] = 0x0f;
  h[0x207] = 0x02;
  ktstr_image_probe (h, sizeof h, &p);
  g_assert_cmpint (p.kind, ==, KTSTR_IMAGE_BZIMAGE);
  g_assert_cmphex (p.boot_protocol, ==, 0x020f);
  g_assert_false (ktstr_image_is_x86_64_elf (&p));

  /* Cut before the version: not enough to call it a bzImage. */
  ktstr_image_probe (h, 0x207, &p);
  g_assert_cmpint (p.kind, ==, KTSTR_IMAGE_OTHER);
}

static void
test_other (void)
{
  KtstrImageProbe p;
  ktstr_image_probe ("#!/bin/sh\n", 10, &p);
  g_assert_cmpint (p.kind, ==, KTSTR_IMAGE_OTHER);
  ktstr_image_probe ("", 0, &p);
  g_assert_cmpint (p.kind, ==, KTSTR_IMAGE_OTHER);
  ktstr_image_probe ("\177EL", 3, &p);
  g_assert_cmpint (p.kind, ==, KTSTR_IMAGE_OTHER);
}

static void
test_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ktstr-probe-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *elf = g_build_filename (dir, "prog", NULL);
  guint8 h[64];
  elf_head (h, 2, 1, KTSTR_ELF_MACHINE_X86_64);
  g_assert_true (g_file_set_contents (elf, (const char *)h, sizeof h, NULL));
  KtstrImageProbe p;
  g_assert_cmpint (ktstr_image_probe_file (elf, &p), ==, 0);
  g_assert_true (ktstr_image_is_x86_64_elf (&p));

  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_assert_cmpint (ktstr_image_probe_file (missing, &p), ==, -ENOENT);
  g_assert_cmpint (p.kind, ==, KTSTR_IMAGE_OTHER);
  g_assert_cmpint (ktstr_image_probe_file (dir, &p), ==, -EISDIR);

  g_remove (elf);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image-probe/elf", test_elf);
  g_test_add_func ("/image-probe/bzimage", test_bzimage);
  g_test_add_func ("/image-probe/other", test_other);
  g_test_add_func ("/image-probe/file", test_file);
  return g_test_run ();
}
