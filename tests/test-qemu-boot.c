/* The QEMU backend booting a real kernel under TCG.
 *
 * The initramfs holds only tests/helpers/ktstr-test-init as /init; the word
 * ktstr_test=MODE on the kernel command line picks its behaviour (hello,
 * panic, hang, silent, topo).  Each boot takes a few seconds, so these
 * tests run only with KTSTR_VM_TESTS=1 (make check-vm).  The kernel is
 * $KTSTR_TEST_KERNEL (tests/fixtures.sh sets it from the fixtures).
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "backends/backend.h"
#include "backends/qemu/accel.h"
#include "common/proto.h"

typedef struct
{
  char *dir;       /* temp dir: initramfs, work dirs */
  char *kernel;    /* bzImage under test */
  char *initramfs; /* /init = ktstr-test-init */
} Env;

static Env env;

/* ---------- a minimal newc writer (the test must not depend on src/) ---------- */

static void
pad4 (GString *out)
{
  while (out->len % 4 != 0)
    g_string_append_c (out, '\0');
}

static void
newc_entry (GString *out, const char *name, guint32 mode, guint32 rmajor, guint32 rminor,
            const char *data, gsize size)
{
  static guint32 ino = 1;
  g_string_append_printf (out, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino++,
                          mode, 0u, 0u, 1u, 0u, (guint32)size, 0u, 0u, rmajor, rminor,
                          (guint32)strlen (name) + 1, 0u);
  g_string_append_len (out, name, (gssize)strlen (name) + 1);
  pad4 (out);
  if (size > 0)
    g_string_append_len (out, data, (gssize)size);
  pad4 (out);
}

static char *
build_initramfs (const char *dir, const char *init_path)
{
  g_autofree char *init = NULL;
  gsize init_len = 0;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, "initramfs.cpio", NULL);

  g_file_get_contents (init_path, &init, &init_len, &error);
  g_assert_no_error (error);
  newc_entry (out, "dev", S_IFDIR | 0755, 0, 0, NULL, 0);
  newc_entry (out, "dev/console", S_IFCHR | 0600, 5, 1, NULL, 0);
  newc_entry (out, "init", S_IFREG | 0755, 0, 0, init, init_len);
  newc_entry (out, "TRAILER!!!", 0, 0, 0, NULL, 0);
  g_file_set_contents (path, out->str, (gssize)out->len, &error);
  g_assert_no_error (error);
  return path;
}

/* ---------- running one VM ---------- */

/* Lines a Boot keeps; the rest are only counted (a flood sends millions). */
#define BOOT_KEEP_LINES 1000

typedef struct
{
  KtstrVmResult result;
  GPtrArray *lines; /* the first BOOT_KEEP_LINES */
  guint64 n_lines;
  char *last_line;
  char *workdir;
  char *console;
  gint64 wait_us;    /* wall time of backend->wait */
  gsize console_max; /* set before boot_run; 0: the default */
  gboolean ok;
  GError *error;
} Boot;

static void
on_line (const char *line, gpointer user_data)
{
  Boot *boot = user_data;
  boot->n_lines++;
  if (boot->lines->len < BOOT_KEEP_LINES)
    g_ptr_array_add (boot->lines, g_strdup (line));
  g_free (boot->last_line);
  boot->last_line = g_strdup (line);
}

static gboolean
vm_tests_enabled (void)
{
  g_autofree char *qemu = NULL;
  const char *qemu_env = g_getenv ("KTSTR_QEMU");

  if (g_strcmp0 (g_getenv ("KTSTR_VM_TESTS"), "1") != 0)
    {
      g_test_skip ("boots a VM (seconds under TCG); set KTSTR_VM_TESTS=1 or run make check-vm");
      return FALSE;
    }
  qemu = g_find_program_in_path (qemu_env && *qemu_env ? qemu_env : KTSTR_DEFAULT_QEMU);
  if (qemu == NULL)
    {
      g_test_skip ("qemu-system-x86_64 not found (Debian package qemu-system-x86)");
      return FALSE;
    }
  if (env.kernel == NULL)
    {
      g_test_skip ("no kernel: set KTSTR_TEST_KERNEL to a bzImage");
      return FALSE;
    }
  return TRUE;
}

static void
boot_run_once (Boot *boot, const char *kernel, const char *mode, const char *topology,
               KtstrAccel accel, guint timeout_s)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cmdline = g_strdup_printf ("console=ttyS0 panic=-1 ktstr_test=%s", mode);
  const KtstrBackend *backend = ktstr_backend_lookup ("qemu", &error);
  KtstrVmConfig config = { 0 };
  KtstrVm *vm;
  gint64 start;

  g_assert_no_error (error);
  boot->lines = g_ptr_array_new_with_free_func (g_free);
  boot->workdir = g_build_filename (env.dir, "vm-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (boot->workdir));
  boot->console = g_build_filename (boot->workdir, "console.log", NULL);

  config.kernel_path = kernel;
  config.initramfs_path = env.initramfs;
  config.cmdline = cmdline;
  g_assert_cmpint (ktstr_topology_parse (topology, &config.topology, NULL, 0), ==, 0);
  config.memory_mb = 512;
  config.workdir = boot->workdir;
  config.console_path = boot->console;
  config.console_max = boot->console_max;
  config.accel = accel;
  config.timeout_s = timeout_s;
  config.on_line = on_line;
  config.user_data = boot;

  vm = backend->prepare (&config, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  boot->ok = backend->launch (vm, &boot->error) && backend->wait (vm, &boot->error);
  boot->wait_us = g_get_monotonic_time () - start;
  backend->collect (vm, &boot->result);
  backend->cleanup (vm);
  g_test_message (
      "%s: end %s (%s) accel %s, first line after %.2f s, end after %.2f s, "
      "cleanup %" G_GINT64_FORMAT " ms",
      mode, ktstr_vm_end_to_string (boot->result.end), boot->result.end_detail, boot->result.accel,
      boot->result.first_line_us ? (boot->result.first_line_us - boot->result.launch_us) / 1e6
                                 : 0.0,
      (boot->result.end_us - boot->result.launch_us) / 1e6, boot->result.cleanup_ms);
}

static void
boot_clear (Boot *boot)
{
  g_autofree char *qmp = g_build_filename (boot->workdir, "qmp.sock", NULL);
  g_autofree char *ctrl = g_build_filename (boot->workdir, "ctrl.sock", NULL);

  /* The backend leaves nothing but the console log behind. */
  g_assert_false (g_file_test (qmp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (ctrl, G_FILE_TEST_EXISTS));
  g_remove (boot->console);
  g_assert_cmpint (g_rmdir (boot->workdir), ==, 0);
  ktstr_vm_result_clear (&boot->result);
  g_ptr_array_unref (boot->lines);
  g_free (boot->workdir);
  g_free (boot->console);
  g_free (boot->last_line);
  g_clear_error (&boot->error);
}

static gboolean
console_contains (Boot *boot, const char *needle)
{
  g_autofree char *text = NULL;
  return g_file_get_contents (boot->console, &text, NULL, NULL) && strstr (text, needle) != NULL;
}

/* QEMU 7.2's multi-threaded TCG now and then races with the guest kernel's
 * cross-CPU code patching and the kernel dies ("Oops: int3", or a panic
 * before init spoke), whatever the test init was told to do.  That boot
 * says nothing about the backend, so it is repeated once (the runner does
 * the same for tests, see src/run/runner.c). */
static gboolean
died_of_emulator (Boot *boot, const char *mode)
{
  if (g_strcmp0 (boot->result.accel, "tcg") != 0)
    return FALSE;
  if (console_contains (boot, "Oops: int3"))
    return TRUE;
  return !g_str_equal (mode, "panic") && boot->result.end == KTSTR_VM_END_PANIC
         && boot->lines->len == 0;
}

static void
boot_run (Boot *boot, const char *kernel, const char *mode, const char *topology, KtstrAccel accel,
          guint timeout_s)
{
  boot_run_once (boot, kernel, mode, topology, accel, timeout_s);
  if (died_of_emulator (boot, mode))
    {
      g_test_message ("%s: the guest kernel died of the TCG code-patching race; booting again",
                      mode);
      gsize console_max = boot->console_max;
      boot_clear (boot);
      *boot = (Boot){ 0 };
      boot->console_max = console_max;
      boot_run_once (boot, kernel, mode, topology, accel, timeout_s);
    }
}

/* ---------- tests ---------- */

static void
assert_poweroff_with_lines (Boot *boot)
{
  g_assert_true (boot->ok);
  g_assert_no_error (boot->error);
  g_assert_cmpint (boot->result.end, ==, KTSTR_VM_END_POWEROFF);
  g_assert_cmpstr (boot->result.end_detail, ==, "guest-shutdown");
  g_assert_cmpuint (boot->lines->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (boot->lines, 0), ==, "hello 1");
  g_assert_cmpstr (g_ptr_array_index (boot->lines, 2), ==, "hello 3");
  g_assert_cmpstr (g_ptr_array_index (boot->lines, 3), ==, "split line");
  g_assert_cmpint (boot->result.launch_us, >, 0);
  g_assert_cmpint (boot->result.first_line_us, >, boot->result.launch_us);
  g_assert_cmpint (boot->result.end_us, >=, boot->result.first_line_us);
  g_assert_cmpint (boot->result.cleanup_ms, >=, 0);
  g_assert_cmpint (boot->result.cleanup_ms, <, 5000);
  g_assert_true (console_contains (boot, "ktstr-test-init: hello"));
}

static void
test_poweroff (void)
{
  Boot boot = { 0 };
  if (!vm_tests_enabled ())
    return;
  boot_run (&boot, env.kernel, "hello", "1n1l2c1t", KTSTR_ACCEL_TCG, 60);
  assert_poweroff_with_lines (&boot);
  g_assert_cmpstr (boot.result.accel, ==, "tcg");
  g_assert_nonnull (strstr (boot.result.command_line, " -S "));
  g_assert_nonnull (strstr (boot.result.command_line,
                            " -append 'console=ttyS0 panic=-1 ktstr_test=hello no_timer_check' "));
  boot_clear (&boot);
}

/* The fixture's uncompressed vmlinux (booted through PVH): $KTSTR_TEST_VMLINUX,
 * else vmlinux.xz next to the fixture bzImage, decompressed into the temp dir. */
static char *
find_vmlinux (void)
{
  const char *given = g_getenv ("KTSTR_TEST_VMLINUX");
  g_autofree char *dir = NULL;
  g_autofree char *xz = NULL;
  g_autofree char *out = g_build_filename (env.dir, "vmlinux", NULL);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;

  if (given != NULL && *given != '\0')
    return g_strdup (given);
  dir = g_path_get_dirname (env.kernel);
  xz = g_build_filename (dir, "vmlinux.xz", NULL);
  if (!g_file_test (xz, G_FILE_TEST_IS_REGULAR))
    return NULL;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (launcher, out);
  proc = g_subprocess_launcher_spawn (launcher, NULL, "xz", "-dc", xz, NULL);
  if (proc == NULL || !g_subprocess_wait_check (proc, NULL, NULL))
    return NULL;
  return g_steal_pointer (&out);
}

static void
test_vmlinux (void)
{
  Boot boot = { 0 };
  g_autofree char *vmlinux = NULL;

  if (!vm_tests_enabled ())
    return;
  vmlinux = find_vmlinux ();
  if (vmlinux == NULL)
    {
      g_test_skip ("no uncompressed vmlinux: set KTSTR_TEST_VMLINUX (or install xz for the "
                   "fixture's vmlinux.xz)");
      return;
    }
  boot_run (&boot, vmlinux, "hello", "1n1l2c1t", KTSTR_ACCEL_TCG, 60);
  assert_poweroff_with_lines (&boot);
  boot_clear (&boot);
}

/* VmHWM of this process, in KiB. */
static guint64
peak_rss_kib (void)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents ("/proc/self/status", &text, NULL, NULL));
  const char *p = strstr (text, "VmHWM:");
  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen ("VmHWM:"), NULL, 10);
}

#define FLOOD_MB 16

/* A hostile guest: a 3 MiB line reaches the host cut at
 * KTSTR_PROTO_LINE_MAX (the rest dropped), and a flood of short lines
 * arrives line by line, each whole, without the backend holding them. */
static void
test_flood (void)
{
  Boot boot = { 0 };
  if (!vm_tests_enabled ())
    return;
  guint64 peak_before = peak_rss_kib ();
  boot_run (&boot, env.kernel, "flood ktstr_flood_mb=" G_STRINGIFY (FLOOD_MB), "1n1l2c1t",
            KTSTR_ACCEL_TCG, 180);
  g_test_message ("flood: %" G_GUINT64_FORMAT " lines in %.1f s; peak RSS %" G_GUINT64_FORMAT
                  " -> %" G_GUINT64_FORMAT " MiB",
                  boot.n_lines, boot.wait_us / 1e6, peak_before >> 10, peak_rss_kib () >> 10);
  g_assert_true (boot.ok);
  g_assert_cmpint (boot.result.end, ==, KTSTR_VM_END_POWEROFF);
  g_assert_cmpuint (boot.lines->len, >=, 3);
  const char *cut = g_ptr_array_index (boot.lines, 0);
  g_assert_cmpuint (strlen (cut), ==, KTSTR_PROTO_LINE_MAX);
  g_assert_cmpuint (strspn (cut, "x"), ==, KTSTR_PROTO_LINE_MAX);
  g_assert_cmpstr (g_ptr_array_index (boot.lines, 1), ==, "after");
  for (guint i = 2; i < boot.lines->len; i++)
    g_assert_cmpstr (g_ptr_array_index (boot.lines, i), ==, "{\"t\":\"flooded\"}");
  /* cut, after, at most FLOOD_MB MiB of 16-byte lines, "", done: what the
   * guest wrote just before it powered off may be lost with it. */
  g_assert_cmpuint (boot.n_lines, >, BOOT_KEEP_LINES);
  g_assert_cmpuint (boot.n_lines, <=, 2 + (guint64)FLOOD_MB * 65536 + 2);
  /* The host keeps none of it (the test keeps the first lines): far less
   * than was sent. */
  g_assert_cmpuint (peak_rss_kib () - MIN (peak_rss_kib (), peak_before), <, FLOOD_MB * 1024 / 2);
  boot_clear (&boot);
}

/* A guest that never stops writing its console is stopped once the file
 * passes the VM's console bound, long before its deadline. */
static void
test_console_bound (void)
{
  Boot boot = { .console_max = 1024 * 1024 };
  if (!vm_tests_enabled ())
    return;
  boot_run (&boot, env.kernel, "chatter", "1n1l2c1t", KTSTR_ACCEL_TCG, 240);
  GStatBuf st;
  g_assert_cmpint (g_stat (boot.console, &st), ==, 0);
  g_test_message ("chatter: stopped after %.1f s with %.2f MiB of console (bound 1 MiB)",
                  boot.wait_us / 1e6, st.st_size / 1048576.0);
  g_assert_true (boot.ok);
  g_assert_cmpint (boot.result.end, ==, KTSTR_VM_END_CRASHED);
  g_assert_cmpstr (boot.result.end_detail, ==,
                   "stopped by the host: the guest wrote more than 1024 KiB to its console");
  g_assert_cmpint (boot.result.end_us - boot.result.launch_us, <, 200 * G_USEC_PER_SEC);
  g_assert_cmpint (st.st_size, >, 1024 * 1024);
  boot_clear (&boot);
}

static void
test_panic (void)
{
  Boot boot = { 0 };
  if (!vm_tests_enabled ())
    return;
  boot_run (&boot, env.kernel, "panic", "1n1l2c1t", KTSTR_ACCEL_TCG, 60);
  g_assert_true (boot.ok);
  g_assert_cmpint (boot.result.end, ==, KTSTR_VM_END_PANIC);
  g_assert_cmpuint (boot.lines->len, ==, 0);
  g_assert_cmpint (boot.result.first_line_us, ==, 0);
  g_assert_true (console_contains (&boot, "Kernel panic"));
  boot_clear (&boot);
}

static void
test_timeout (void)
{
  Boot boot = { 0 };
  const guint timeout_s = 15;
  if (!vm_tests_enabled ())
    return;
  boot_run (&boot, env.kernel, "hang", "1n1l2c1t", KTSTR_ACCEL_TCG, timeout_s);
  g_assert_true (boot.ok);
  g_assert_cmpint (boot.result.end, ==, KTSTR_VM_END_TIMEOUT);
  g_assert_cmpuint (boot.lines->len, ==, 2); /* it booted, said hello, then hung */
  g_assert_cmpstr (g_ptr_array_index (boot.lines, 0), ==, "hello 1");
  g_assert_cmpint (boot.result.cleanup_ms, ==, -1);
  /* Ended at the deadline, not before, and not much after. */
  g_assert_cmpint (boot.result.end_us - boot.result.launch_us, >=, timeout_s * G_USEC_PER_SEC);
  g_assert_cmpint (boot.result.end_us - boot.result.launch_us, <, (timeout_s + 1) * G_USEC_PER_SEC);
  g_assert_cmpint (boot.wait_us, <, (timeout_s + 4) * G_USEC_PER_SEC);
  boot_clear (&boot);
}

static void
test_silent_reset (void)
{
  Boot boot = { 0 };
  if (!vm_tests_enabled ())
    return;
  boot_run (&boot, env.kernel, "silent", "1n1l2c1t", KTSTR_ACCEL_TCG, 60);
  g_assert_true (boot.ok);
  g_assert_cmpint (boot.result.end, ==, KTSTR_VM_END_RESET);
  g_assert_cmpstr (boot.result.end_detail, ==, "guest-reset");
  g_assert_cmpint (boot.result.first_line_us, ==, 0);
  boot_clear (&boot);
}

static void
test_topology (void)
{
  Boot boot = { 0 };
  g_autoptr (GString) seen = g_string_new (NULL);
  if (!vm_tests_enabled ())
    return;
  boot_run (&boot, env.kernel, "topo", "2n4l2c1t", KTSTR_ACCEL_TCG, 60);
  g_assert_cmpint (boot.result.end, ==, KTSTR_VM_END_POWEROFF);
  for (guint i = 0; i < boot.lines->len; i++)
    g_string_append_printf (seen, "%s;", (char *)g_ptr_array_index (boot.lines, i));
  /* One L3 per die (= LLC), one node per socket. */
  g_assert_cmpstr (seen->str, ==,
                   "cpus 8;llc 0 0-1;llc 1 0-1;llc 2 2-3;llc 3 2-3;llc 4 4-5;llc 5 4-5;"
                   "llc 6 6-7;llc 7 6-7;node 0 0-3;node 1 4-7;");
  boot_clear (&boot);
}

/* QEMU killed from outside while the guest runs: CRASHED, with why. */
static void
test_qemu_killed (void)
{
  Boot boot = { 0 };
  g_autofree char *wrapper = g_build_filename (env.dir, "qemu-killed.sh", NULL);
  g_autofree char *qemu = g_find_program_in_path (KTSTR_DEFAULT_QEMU);
  g_autofree char *script = NULL;
  g_autofree char *qemu_q = NULL;

  if (!vm_tests_enabled ())
    return;
  qemu_q = g_shell_quote (qemu);
  script = g_strdup_printf ("#!/bin/sh\n(sleep 6; kill -9 $$) </dev/null >/dev/null 2>&1 &\n"
                            "exec %s \"$@\"\n",
                            qemu_q);
  g_assert_true (g_file_set_contents (wrapper, script, -1, NULL));
  g_chmod (wrapper, 0755);
  g_setenv ("KTSTR_QEMU", wrapper, TRUE);
  boot_run (&boot, env.kernel, "hang", "1n1l2c1t", KTSTR_ACCEL_TCG, 60);
  g_unsetenv ("KTSTR_QEMU");
  g_assert_cmpint (boot.result.end, ==, KTSTR_VM_END_CRASHED);
  g_assert_nonnull (strstr (boot.result.end_detail, "killed by signal 9"));
  g_assert_cmpint (boot.wait_us, <, 20 * G_USEC_PER_SEC);
  boot_clear (&boot);
  g_remove (wrapper);
}

/* AUTO on a host with /dev/kvm: either KVM works (finding "ok") or the
 * probe falls back to TCG within the same wait (finding "slow"), and the
 * next run goes straight to TCG without probing again.  QEMU is WRAPPER
 * when not NULL. */
static void
run_auto_probe (const char *wrapper, const char *slow_reason)
{
  Boot boot = { 0 }, again = { 0 };
  g_autofree char *kvm_why = ktstr_accel_kvm_unusable_reason ();
  g_autofree char *cache_home = g_build_filename (env.dir, "cache", NULL);
  g_autofree char *cache = g_build_filename (cache_home, "ktstr", "accel.ini", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (!vm_tests_enabled ())
    return;
  if (kvm_why != NULL)
    {
      g_test_skip_printf ("AUTO goes straight to TCG here: %s", kvm_why);
      return;
    }
  g_remove (cache);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  g_setenv ("KTSTR_KVM_PROBE_S", "5", TRUE);
  g_unsetenv ("KTSTR_ACCEL");
  if (wrapper != NULL)
    g_setenv ("KTSTR_QEMU", wrapper, TRUE);
  boot_run (&boot, env.kernel, "hello", "1n1l2c1t", KTSTR_ACCEL_AUTO, 60);
  assert_poweroff_with_lines (&boot);
  g_assert_true (g_file_get_contents (cache, &before, NULL, NULL));
  if (g_str_equal (boot.result.accel, "kvm"))
    g_assert_nonnull (strstr (before, "kvm=ok"));
  else
    {
      g_assert_cmpstr (boot.result.accel, ==, "tcg");
      g_assert_nonnull (strstr (before, "kvm=slow"));
      g_assert_nonnull (strstr (before, slow_reason));
      boot_run (&again, env.kernel, "hello", "1n1l2c1t", KTSTR_ACCEL_AUTO, 60);
      assert_poweroff_with_lines (&again);
      g_assert_cmpstr (again.result.accel, ==, "tcg");
      g_assert_true (g_file_get_contents (cache, &after, NULL, NULL));
      g_assert_cmpstr (after, ==, before); /* no new probe, nothing re-recorded */
      boot_clear (&again);
    }
  boot_clear (&boot);
  g_unsetenv ("KTSTR_QEMU");
  g_unsetenv ("KTSTR_KVM_PROBE_S");
  g_unsetenv ("XDG_CACHE_HOME");
  g_remove (cache);
}

static void
test_auto_probe (void)
{
  /* Here `-cpu host` under nested KVM makes QEMU abort at once. */
  run_auto_probe (NULL, "reason=");
}

/* The silent kind of slow KVM: with arch-capabilities off QEMU runs here,
 * but the guest makes no progress, so the probe window decides. */
static void
test_auto_probe_silent_kvm (void)
{
  g_autofree char *wrapper = g_build_filename (env.dir, "qemu-kvm-quirk.sh", NULL);
  g_autofree char *qemu = g_find_program_in_path (KTSTR_DEFAULT_QEMU);
  g_autofree char *qemu_q = NULL;
  g_autofree char *script = NULL;

  if (qemu == NULL)
    {
      g_test_skip ("qemu-system-x86_64 not found");
      return;
    }
  qemu_q = g_shell_quote (qemu);
  script = g_strdup_printf ("#!/bin/sh\nfor a in \"$@\"; do shift; [ \"$a\" = host ] && "
                            "a=host,-arch-capabilities; set -- \"$@\" \"$a\"; done\n"
                            "exec %s \"$@\"\n",
                            qemu_q);
  g_assert_true (g_file_set_contents (wrapper, script, -1, NULL));
  g_chmod (wrapper, 0755);
  run_auto_probe (wrapper, "reason=no progress in 5 s");
  g_remove (wrapper);
}

/* Launch failures need no kernel boot, so they run in every make check. */
static void
test_launch_failure (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ktstr-boot-XXXXXX", &error);
  g_autofree char *fake = g_build_filename (dir, "fake-qemu", NULL);
  g_autofree char *kernel = g_build_filename (dir, "vmlinux", NULL);
  g_autofree char *console = g_build_filename (dir, "console.log", NULL);
  KtstrVmConfig config = { 0 };
  KtstrVmResult result = { 0 };
  KtstrVm *vm;

  g_assert_true (g_file_set_contents (fake,
                                      "#!/bin/sh\necho 'qemu-system-x86_64: -smp: simulated "
                                      "failure' >&2\nexit 1\n",
                                      -1, NULL));
  g_chmod (fake, 0755);
  g_assert_true (g_file_set_contents (kernel, "\177ELF fake", -1, NULL));
  config.kernel_path = kernel;
  config.workdir = dir;
  config.console_path = console;
  config.accel = KTSTR_ACCEL_TCG;
  config.timeout_s = 10;
  ktstr_topology_parse ("1n1l2c1t", &config.topology, NULL, 0);
  g_setenv ("KTSTR_QEMU", fake, TRUE);

  vm = ktstr_backend_qemu.prepare (&config, &error);
  g_assert_no_error (error);
  g_assert_false (ktstr_backend_qemu.launch (vm, &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_LAUNCH);
  g_assert_nonnull (strstr (error->message, "simulated failure"));
  ktstr_backend_qemu.collect (vm, &result);
  ktstr_backend_qemu.cleanup (vm);
  g_assert_cmpint (result.end, ==, KTSTR_VM_END_CRASHED);
  g_assert_nonnull (strstr (result.end_detail, "simulated failure"));
  g_assert_true (g_str_has_prefix (result.command_line, fake));
  ktstr_vm_result_clear (&result);
  g_unsetenv ("KTSTR_QEMU");
  g_remove (fake);
  g_remove (kernel);
  g_rmdir (dir);
}

static void
test_prepare_rejects (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ktstr-boot-XXXXXX", &error);
  g_autofree char *kernel = g_build_filename (dir, "not-a-kernel", NULL);
  g_autofree char *console = g_build_filename (dir, "console.log", NULL);
  g_autofree char *long_dir = g_build_filename (dir,
                                                "a-very-long-work-directory-name-that-goes-on"
                                                "-and-on-and-on-until-the-socket-path-no-longer"
                                                "-fits",
                                                NULL);
  KtstrVmConfig config = { 0 };
  g_autofree char *qemu_path = g_find_program_in_path (KTSTR_DEFAULT_QEMU);

  if (qemu_path == NULL)
    {
      g_test_skip ("qemu-system-x86_64 not found");
      return;
    }
  g_assert_true (g_file_set_contents (kernel, "#!/bin/sh\n", -1, NULL));
  config.kernel_path = kernel;
  config.workdir = dir;
  config.console_path = console;
  config.accel = KTSTR_ACCEL_TCG;
  ktstr_topology_parse ("1n1l2c1t", &config.topology, NULL, 0);
  g_assert_null (ktstr_backend_qemu.prepare (&config, &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "neither a bzImage nor an uncompressed ELF vmlinux"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (kernel, "\177ELF", -1, NULL));
  g_assert_cmpint (g_mkdir (long_dir, 0700), ==, 0);
  config.workdir = long_dir;
  g_assert_null (ktstr_backend_qemu.prepare (&config, &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "longer than a unix socket allows"));
  g_clear_error (&error);

  config.workdir = dir;
  config.topology.llcs = 3;
  config.topology.numa_nodes = 2;
  g_assert_null (ktstr_backend_qemu.prepare (&config, &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID);
  g_clear_error (&error);

  g_rmdir (long_dir);
  g_remove (kernel);
  g_rmdir (dir);
}

static void
env_setup (void)
{
  const char *kernel = g_getenv ("KTSTR_TEST_KERNEL");
  g_autofree char *helper
      = g_test_build_filename (G_TEST_BUILT, "helpers", "ktstr-test-init", NULL);
  g_autoptr (GError) error = NULL;

  env.dir = g_dir_make_tmp ("ktstr-boot-XXXXXX", &error);
  g_assert_no_error (error);
  if (kernel != NULL && *kernel != '\0')
    env.kernel = g_strdup (kernel);
  if (g_file_test (helper, G_FILE_TEST_IS_REGULAR))
    env.initramfs = build_initramfs (env.dir, helper);
  else
    g_clear_pointer (&env.kernel, g_free); /* nothing to boot */
}

static void
env_teardown (void)
{
  g_autofree char *vmlinux = g_build_filename (env.dir, "vmlinux", NULL);
  g_autofree char *cache = g_build_filename (env.dir, "cache", "ktstr", NULL);
  g_autofree char *cache_home = g_build_filename (env.dir, "cache", NULL);
  g_remove (vmlinux);
  if (env.initramfs != NULL)
    g_remove (env.initramfs);
  g_rmdir (cache);
  g_rmdir (cache_home);
  g_rmdir (env.dir);
  g_free (env.dir);
  g_free (env.kernel);
  g_free (env.initramfs);
}

int
main (int argc, char **argv)
{
  int ret;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-boot/launch-failure", test_launch_failure);
  g_test_add_func ("/qemu-boot/prepare-rejects", test_prepare_rejects);
  g_test_add_func ("/qemu-boot/poweroff", test_poweroff);
  g_test_add_func ("/qemu-boot/vmlinux", test_vmlinux);
  g_test_add_func ("/qemu-boot/panic", test_panic);
  g_test_add_func ("/qemu-boot/timeout", test_timeout);
  g_test_add_func ("/qemu-boot/silent-reset", test_silent_reset);
  g_test_add_func ("/qemu-boot/topology", test_topology);
  g_test_add_func ("/qemu-boot/flood", test_flood);
  g_test_add_func ("/qemu-boot/console-bound", test_console_bound);
  g_test_add_func ("/qemu-boot/qemu-killed", test_qemu_killed);
  g_test_add_func ("/qemu-boot/auto-probe", test_auto_probe);
  g_test_add_func ("/qemu-boot/auto-probe-silent-kvm", test_auto_probe_silent_kvm);
  env_setup ();
  ret = g_test_run ();
  env_teardown ();
  return ret;
}
