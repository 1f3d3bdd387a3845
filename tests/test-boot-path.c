/* Which image a run boots (run/boot-path.h, kernel/boot-vmlinux.h): the
 * vmlinux beside a bzImage through PVH when it is the same build, the
 * bzImage when it is another build, has no PVH entry, is absent, or
 * KTSTR_BOOT=bzimage asks for it; an image that is itself a vmlinux boots
 * through PVH. */
#include "config.h"

#include <elf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "kernel/boot-vmlinux.h"
#include "run/boot-path.h"

#define BUILD "6.12.117 (root@vm) #3 SMP PREEMPT_DYNAMIC Fri Nov 27 03:17:36 UTC 2026"
#define BANNER                                                                                     \
  "Linux version 6.12.117 (root@vm) (gcc (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld 2.40) #3 SMP "  \
  "PREEMPT_DYNAMIC Fri Nov 27 03:17:36 UTC 2026\n"

static char *tmp;

/* A bzImage whose header names the build VERSION. */
static void
write_bzimage (const char *path, const char *version)
{
  gsize size = 0x1000;
  g_autofree guint8 *buf = g_malloc0 (size);
  memcpy (buf + 0x202, "HdrS", 4);
  buf[0x1fe] = 0x55;
  buf[0x1ff] = 0xaa;
  buf[0x1f1] = 1;
  guint32 paras = GUINT32_TO_LE ((guint32)((size - 0x400) / 16));
  memcpy (buf + 0x1f4, &paras, 4);
  buf[0x206] = 0x0f;
  buf[0x207] = 0x02;
  buf[0x20e] = 0x00;
  buf[0x20f] = 0x03;
  strcpy ((char *)buf + 0x500, version);
  g_assert_true (g_file_set_contents (path, (char *)buf, (gssize)size, NULL));
}

/* An x86-64 ELF vmlinux: one loadable segment holding BANNER (and a
 * decoy banner of another build before it), and with HAS_PVH a PT_NOTE
 * with the PVH entry. */
static void
write_vmlinux (const char *path, const char *banner, gboolean has_pvh)
{
  gsize size = 0x1000;
  g_autofree guint8 *buf = g_malloc0 (size);
  Elf64_Ehdr eh = {
    .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
    .e_type = ET_EXEC,
    .e_machine = EM_X86_64,
    .e_version = EV_CURRENT,
    .e_phoff = sizeof (Elf64_Ehdr),
    .e_ehsize = sizeof (Elf64_Ehdr),
    .e_phentsize = sizeof (Elf64_Phdr),
    .e_phnum = 2,
  };
  memcpy (buf, &eh, sizeof eh);
  Elf64_Phdr load = {
    .p_type = PT_LOAD, .p_offset = 0x400, .p_filesz = 0x800, .p_paddr = 0x1000000, .p_memsz = 0x800
  };
  Elf64_Phdr note = { .p_type = has_pvh ? PT_NOTE : PT_NULL, .p_offset = 0x200, .p_filesz = 24 };
  memcpy (buf + eh.e_phoff, &load, sizeof load);
  memcpy (buf + eh.e_phoff + sizeof load, &note, sizeof note);
  Elf64_Nhdr nh = { .n_namesz = 4, .n_descsz = 8, .n_type = 18 };
  memcpy (buf + 0x200, &nh, sizeof nh);
  memcpy (buf + 0x200 + sizeof nh, "Xen", 4);
  guint64 entry = 0x1000100;
  memcpy (buf + 0x200 + sizeof nh + 4, &entry, 8);
  strcpy ((char *)buf + 0x400, "Linux version 6.12.117 (root@vm) (gcc) #1 SMP Mon Jan 1 2024\n");
  strcpy ((char *)buf + 0x500, banner);
  g_assert_true (g_file_set_contents (path, (char *)buf, (gssize)size, NULL));
}

static char *
path_in (const char *rel)
{
  return g_build_filename (tmp, rel, NULL);
}

static void
set_up (void)
{
  tmp = g_dir_make_tmp ("ktstr-boot-path-XXXXXX", NULL);
  g_unsetenv ("KTSTR_VMLINUX");
  g_unsetenv ("KTSTR_BOOT");
}

static void
tear_down (void)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_clear_pointer (&tmp, g_free);
  g_unsetenv ("KTSTR_BOOT");
}

static void
choose (const char *image, const char *vmlinux, KtstrBootPath *out)
{
  KtstrKernel k = { .image = (char *)image, .format = KTSTR_KERNEL_FORMAT_BZIMAGE };
  ktstr_boot_path_choose (&k, vmlinux, out);
}

/* The same build beside the bzImage: booted through PVH. */
static void
test_same_build (void)
{
  set_up ();
  g_autofree char *image = path_in ("bzImage");
  g_autofree char *vmlinux = path_in ("vmlinux");
  write_bzimage (image, BUILD);
  write_vmlinux (vmlinux, BANNER, TRUE);
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_kernel_vmlinux_boots_as (vmlinux, image, &error));
  g_assert_no_error (error);
  KtstrBootPath p;
  choose (image, NULL, &p);
  g_assert_cmpstr (p.path, ==, "pvh");
  g_assert_cmpstr (p.image, ==, vmlinux);
  g_assert_null (p.why_bzimage);
  ktstr_boot_path_clear (&p);

  /* KTSTR_BOOT=bzimage keeps the bzImage. */
  g_setenv ("KTSTR_BOOT", "bzimage", TRUE);
  choose (image, NULL, &p);
  g_assert_cmpstr (p.path, ==, "bzimage");
  g_assert_cmpstr (p.image, ==, image);
  g_assert_null (p.why_bzimage);
  ktstr_boot_path_clear (&p);

  /* auto chooses; another value is named in a warning and ignored. */
  g_setenv ("KTSTR_BOOT", "auto", TRUE);
  choose (image, NULL, &p);
  g_assert_cmpstr (p.path, ==, "pvh");
  g_assert_null (p.warning);
  ktstr_boot_path_clear (&p);
  g_setenv ("KTSTR_BOOT", "bzImage", TRUE);
  choose (image, NULL, &p);
  g_assert_cmpstr (p.path, ==, "pvh");
  g_assert_cmpstr (p.warning, ==, "KTSTR_BOOT='bzImage' is neither bzimage nor auto; ignored");
  ktstr_boot_path_clear (&p);
  tear_down ();
}

/* Another build (same release, other stamp), a vmlinux without a PVH
 * entry, a bzImage whose header names no build: the bzImage, and why. */
static void
test_refused (void)
{
  set_up ();
  g_autofree char *image = path_in ("bzImage");
  g_autofree char *vmlinux = path_in ("vmlinux");
  write_bzimage (image, "6.12.117 (root@vm) #4 SMP PREEMPT_DYNAMIC Sat Nov 28 09:00:00 UTC 2026");
  write_vmlinux (vmlinux, BANNER, TRUE);
  KtstrBootPath p;
  choose (image, NULL, &p);
  g_assert_cmpstr (p.path, ==, "bzimage");
  g_assert_cmpstr (p.image, ==, image);
  g_assert_nonnull (strstr (p.why_bzimage, "is not the build of"));
  g_assert_nonnull (strstr (p.why_bzimage, "#4 SMP"));
  ktstr_boot_path_clear (&p);

  write_bzimage (image, BUILD);
  write_vmlinux (vmlinux, BANNER, FALSE);
  choose (image, NULL, &p);
  g_assert_cmpstr (p.path, ==, "bzimage");
  g_assert_nonnull (strstr (p.why_bzimage, "without a PVH entry note"));
  ktstr_boot_path_clear (&p);

  write_bzimage (image, "6.12.117");
  write_vmlinux (vmlinux, BANNER, TRUE);
  choose (image, NULL, &p);
  g_assert_cmpstr (p.path, ==, "bzimage");
  g_assert_nonnull (strstr (p.why_bzimage, "does not name its build"));
  ktstr_boot_path_clear (&p);

  /* --vmlinux naming a file that is no kernel. */
  g_autofree char *text = path_in ("notes.txt");
  g_assert_true (g_file_set_contents (text, "not a kernel", -1, NULL));
  write_bzimage (image, BUILD);
  choose (image, text, &p);
  g_assert_cmpstr (p.path, ==, "bzimage");
  g_assert_nonnull (strstr (p.why_bzimage, text));
  ktstr_boot_path_clear (&p);
  tear_down ();
}

/* No vmlinux known: the bzImage, silently; a vmlinux given as the kernel
 * boots through PVH. */
static void
test_no_vmlinux (void)
{
  set_up ();
  g_autofree char *image = path_in ("bzImage");
  write_bzimage (image, BUILD);
  KtstrBootPath p;
  choose (image, NULL, &p);
  g_assert_cmpstr (p.path, ==, "bzimage");
  g_assert_cmpstr (p.image, ==, image);
  g_assert_null (p.why_bzimage);
  ktstr_boot_path_clear (&p);

  g_autofree char *vmlinux = path_in ("vmlinux");
  write_vmlinux (vmlinux, BANNER, TRUE);
  KtstrKernel k = { .image = vmlinux, .format = KTSTR_KERNEL_FORMAT_ELF };
  ktstr_boot_path_choose (&k, NULL, &p);
  g_assert_cmpstr (p.path, ==, "pvh");
  g_assert_cmpstr (p.image, ==, vmlinux);
  ktstr_boot_path_clear (&p);
  tear_down ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot-path/same-build", test_same_build);
  g_test_add_func ("/boot-path/refused", test_refused);
  g_test_add_func ("/boot-path/no-vmlinux", test_no_vmlinux);
  return g_test_run ();
}
