/* The slow, opt-in tier: a full boot of a real kernel through the kvm
 * backend (KTSTR_KVM_BOOT_TESTS=1).
 *
 * The initramfs holds tests/helpers/ktstr-test-init as /init with
 * ktstr_test=MODE on the command line (hello: it writes "hello N" lines on
 * the virtio port org.ktstr.ctrl and powers off; topo: it reports what the
 * guest sees).  The kernel is $KTSTR_TEST_KERNEL (tests/fixtures.sh) and,
 * when xz is at hand, the vmlinux.xz beside it, uncompressed, for PVH.
 *
 * Where /dev/kvm runs at hardware speed the boot must reach the agent and
 * end in a poweroff.  Where it is emulated (measured by the calibration
 * guest) a Linux boot cannot finish: the test then records how far the
 * console got and how long it ran, and reports itself incomplete rather
 * than failed.  KTSTR_KVM_BOOT_TIMEOUT (seconds, default 300) bounds each
 * boot. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "backends/backend.h"
#include "backends/kvm/calibrate.h"
#include "backends/kvm/kvm-sys.h"
#include "image/cpio.h"

typedef struct
{
  GPtrArray *lines;
  gint64 start_us;
} Ctx;

static void
on_line (const char *line, gpointer user_data)
{
  Ctx *c = user_data;
  g_test_message ("+%.1f s control line: %s", (g_get_monotonic_time () - c->start_us) / 1e6, line);
  g_ptr_array_add (c->lines, g_strdup (line));
}

static gboolean
enabled (void)
{
  if (g_strcmp0 (g_getenv ("KTSTR_KVM_BOOT_TESTS"), "1") != 0)
    {
      g_test_skip ("boots Linux on the kvm backend (minutes where /dev/kvm is emulated); set "
                   "KTSTR_KVM_BOOT_TESTS=1");
      return FALSE;
    }
  KtstrKvmSys sys = KTSTR_KVM_SYS_INIT;
  g_autoptr (GError) error = NULL;
  if (!ktstr_kvm_sys_open (&sys, "/dev/kvm", &error))
    {
      g_autofree char *msg = g_strdup_printf ("no usable /dev/kvm: %s", error->message);
      g_test_skip (msg);
      return FALSE;
    }
  ktstr_kvm_sys_close (&sys);
  return TRUE;
}

/* NAME beside $KTSTR_TEST_KERNEL (the fixture kernel's folder), or NULL. */
static char *
fixture (const char *name)
{
  const char *kernel = g_getenv ("KTSTR_TEST_KERNEL");
  if (kernel == NULL || *kernel == '\0')
    return NULL;
  g_autofree char *dir = g_path_get_dirname (kernel);
  char *p = g_build_filename (dir, name, NULL);
  if (!g_file_test (p, G_FILE_TEST_EXISTS))
    g_clear_pointer (&p, g_free);
  return p;
}

static char *
build_initramfs (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *init = g_test_build_filename (G_TEST_BUILT, "helpers", "ktstr-test-init", NULL);
  g_autoptr (KtstrCpio) cpio = ktstr_cpio_new ();
  ktstr_cpio_add_dir (cpio, "dev", 0755);
  ktstr_cpio_add_chardev (cpio, "dev/console", 0600, 5, 1);
  g_assert_true (ktstr_cpio_add_host_file (cpio, "init", init, &error));
  g_assert_no_error (error);
  g_autoptr (GBytes) bytes = ktstr_cpio_finish (cpio);
  char *path = g_build_filename (dir, "initramfs.cpio", NULL);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_assert_true (g_file_set_contents (path, data, (gssize)len, &error));
  return path;
}

/* The last N non-empty lines of TEXT. */
static char *
tail_lines (const char *text, guint n)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint len = g_strv_length (lines);
  GString *out = g_string_new (NULL);
  guint taken = 0;
  for (guint i = len; i > 0 && taken < n; i--)
    if (lines[i - 1][0] != '\0')
      taken++;
  for (guint i = len, skip = 0; i > 0; i--)
    if (lines[i - 1][0] != '\0' && ++skip == taken)
      {
        for (guint k = i - 1; k < len; k++)
          if (lines[k][0] != '\0')
            g_string_append_printf (out, "  | %s\n", lines[k]);
        break;
      }
  return g_string_free (out, FALSE);
}

static void
boot (const char *kernel, const char *mode, const char *topology)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ktstr-kvm-linux-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *initrd = build_initramfs (dir);
  g_autofree char *console = g_build_filename (dir, "console.log", NULL);
  g_autofree char *cmdline = g_strdup_printf (
      "console=ttyS0 earlyprintk=serial,ttyS0 loglevel=7 panic=-1 no_timer_check "
      "mitigations=off tsc=reliable ktstr_test=%s",
      mode);
  const char *t_env = g_getenv ("KTSTR_KVM_BOOT_TIMEOUT");
  guint timeout_s = t_env != NULL ? (guint)g_ascii_strtoull (t_env, NULL, 10) : 300;
  KtstrTopology topo;
  g_assert_cmpint (ktstr_topology_parse (topology, &topo, NULL, 0), ==, 0);
  Ctx ctx = { .lines = g_ptr_array_new_with_free_func (g_free) };
  KtstrVmConfig cfg = {
    .kernel_path = kernel,
    .initramfs_path = initrd,
    .cmdline = cmdline,
    .topology = topo,
    .memory_mb = 512,
    .workdir = dir,
    .console_path = console,
    .timeout_s = timeout_s,
    .on_line = on_line,
    .user_data = &ctx,
  };
  const KtstrBackend *b = &ktstr_backend_kvm;
  ctx.start_us = g_get_monotonic_time ();
  KtstrVm *vm = b->prepare (&cfg, &error);
  g_assert_no_error (error);
  g_assert_true (b->launch (vm, &error));
  g_assert_true (b->wait (vm, &error));
  KtstrVmResult r = { 0 };
  b->collect (vm, &r);
  b->cleanup (vm);
  double took = (g_get_monotonic_time () - ctx.start_us) / 1e6;

  g_autofree char *log = NULL;
  g_file_get_contents (console, &log, NULL, NULL);
  g_autofree char *last = tail_lines (log ? log : "", 8);
  double to_first = r.first_line_us > 0 ? (r.first_line_us - r.launch_us) / 1e6 : -1;
  g_test_message ("kernel %s, mode %s, topology %s: end %s (%s) after %.1f s; first control "
                  "line after %.1f s; %u control lines; console %zu bytes, last lines:\n%s",
                  kernel, mode, topology, ktstr_vm_end_to_string (r.end),
                  r.end_detail ? r.end_detail : "", took, to_first, ctx.lines->len,
                  log ? strlen (log) : 0, last);

  KtstrKvmSpeed speed = { 0 };
  gboolean is_fast = ktstr_kvm_speed_get (&speed, NULL) && speed.is_fast;
  ktstr_kvm_speed_clear (&speed);
  gboolean said_hello = ctx.lines->len > 0 && g_str_has_prefix (ctx.lines->pdata[0], "hello");
  if (!is_fast && !said_hello)
    {
      g_autofree char *msg = g_strdup_printf (
          "/dev/kvm is emulated here: the boot ran %.0f s and ended %s without reaching the "
          "agent (console: %zu bytes)",
          took, ktstr_vm_end_to_string (r.end), log ? strlen (log) : 0);
      g_test_incomplete (msg);
    }
  else
    {
      g_assert_true (said_hello);
      g_assert_cmpint (r.end, ==, KTSTR_VM_END_POWEROFF);
    }
  ktstr_vm_result_clear (&r);
  g_ptr_array_unref (ctx.lines);
  g_unlink (initrd);
  g_unlink (console);
  g_rmdir (dir);
}

static void
test_bzimage (void)
{
  if (!enabled ())
    return;
  const char *env = g_getenv ("KTSTR_TEST_KERNEL");
  g_autofree char *kernel
      = env != NULL && g_file_test (env, G_FILE_TEST_EXISTS) ? g_strdup (env) : NULL;
  if (kernel == NULL)
    {
      g_test_skip ("no kernel: set KTSTR_TEST_KERNEL to the fixture bzImage");
      return;
    }
  boot (kernel, "hello", "1n1l2c1t");
}

static void
test_pvh (void)
{
  if (!enabled ())
    return;
  g_autofree char *xz = fixture ("vmlinux.xz");
  g_autofree char *xz_tool = g_find_program_in_path ("xz");
  if (xz == NULL || xz_tool == NULL)
    {
      g_test_skip ("needs the fixture vmlinux.xz and xz (Debian package xz-utils)");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ktstr-kvm-vmlinux-XXXXXX", &error);
  g_autofree char *vmlinux = g_build_filename (dir, "vmlinux", NULL);
  g_autofree char *cmd = g_strdup_printf ("sh -c 'xz -dc \"%s\" > \"%s\"'", xz, vmlinux);
  int status = 0;
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  boot (vmlinux, "hello", "1n1l2c1t");
  g_unlink (vmlinux);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kvm/linux/pvh", test_pvh);
  g_test_add_func ("/kvm/linux/bzimage", test_bzimage);
  return g_test_run ();
}
