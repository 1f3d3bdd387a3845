/* Tiny real guests under /dev/kvm, each checking one device path end to
 * end through the KtstrBackend interface (tests/kvm-guests/tiny.c is the
 * guest).  They need a usable /dev/kvm and skip with the reason otherwise;
 * each runs in well under a few seconds even on an emulated /dev/kvm. */
#include "config.h"

#include <dirent.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/kvm/calibrate.h"
#include "backends/kvm/kvm-sys.h"
#include "backends/kvm/kvm.h"
#include "backends/kvm/memory.h"

typedef struct
{
  GPtrArray *lines;
  KtstrVm *vm;
  const char *reply; /* sent to the guest when it says "ping" */
  /* Instead: answer through the backend interface (send_to_guest), and
   * take what guest_access offers then. */
  gboolean reply_by_interface;
  KtstrVmGuestAccess access;
  gboolean has_access;
  /* The backend's vCPU time read when "ping" arrived, as the runner reads
   * it when a scenario line arrives. */
  gboolean has_vcpu_time;
  KtstrVcpuTime vcpu_time;
} LineCtx;

typedef struct
{
  KtstrVmResult result;
  char *console;
  GPtrArray *lines;
  char *cmdline;
  double wall_s;
  gboolean has_vcpu_time;
  KtstrVcpuTime vcpu_time;
} TinyRun;

static void
tiny_run_clear (TinyRun *r)
{
  ktstr_vm_result_clear (&r->result);
  g_free (r->console);
  g_clear_pointer (&r->lines, g_ptr_array_unref);
  g_free (r->cmdline);
}

static gboolean
kvm_usable (void)
{
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

static void
on_line (const char *line, gpointer user_data)
{
  LineCtx *ctx = user_data;
  g_ptr_array_add (ctx->lines, g_strdup (line));
  if (strstr (line, "ping") != NULL)
    ctx->has_vcpu_time = ktstr_backend_kvm.vcpu_time (ctx->vm, &ctx->vcpu_time);
  if (ctx->reply_by_interface && strstr (line, "ping") != NULL)
    {
      ctx->has_access = ktstr_backend_kvm.guest_access (ctx->vm, &ctx->access, NULL);
      ktstr_backend_kvm.send_to_guest (ctx->vm, "pong");
    }
  else if (ctx->reply != NULL && strstr (line, "ping") != NULL)
    ktstr_kvm_vm_send_ctrl (ctx->vm, (const guint8 *)ctx->reply, strlen (ctx->reply));
}

static char *
tiny_image (void)
{
  return g_test_build_filename (G_TEST_BUILT, "kvm-guests", "tiny.bzimage", NULL);
}

/* Boots the tiny guest with "tiny.test=TEST" through ktstr_backend_kvm;
 * CTX_OUT (may be NULL) receives the line context (for guest_access). */
static void
run_tiny_ctx (const char *test, const char *topo_label, guint memory_mb, guint timeout_s,
              const char *reply, gboolean reply_by_interface, TinyRun *out, LineCtx *ctx_out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *image = tiny_image ();
  g_autofree char *dir = g_dir_make_tmp ("ktstr-kvm-test-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *console = g_build_filename (dir, "console.log", NULL);
  g_autofree char *cmdline = g_strdup_printf ("console=ttyS0 tiny.test=%s", test);
  KtstrTopology topo;
  g_assert_cmpint (ktstr_topology_parse (topo_label, &topo, NULL, 0), ==, 0);
  LineCtx ctx = { .lines = g_ptr_array_new_with_free_func (g_free),
                  .reply = reply,
                  .reply_by_interface = reply_by_interface };
  KtstrVmConfig cfg = {
    .kernel_path = image,
    .cmdline = cmdline,
    .topology = topo,
    .memory_mb = memory_mb,
    .workdir = dir,
    .console_path = console,
    .timeout_s = timeout_s,
    .on_line = on_line,
    .user_data = &ctx,
  };
  const KtstrBackend *b = &ktstr_backend_kvm;
  memset (out, 0, sizeof *out);
  gint64 start = g_get_monotonic_time ();
  KtstrVm *vm = b->prepare (&cfg, &error);
  g_assert_no_error (error);
  ctx.vm = vm;
  out->cmdline = g_strdup (ktstr_kvm_vm_get_cmdline (vm));
  g_assert_true (b->launch (vm, &error));
  g_assert_no_error (error);
  g_assert_true (b->wait (vm, &error));
  g_assert_no_error (error);
  b->collect (vm, &out->result);
  b->cleanup (vm);
  out->wall_s = (g_get_monotonic_time () - start) / 1e6;
  g_assert_true (g_file_get_contents (console, &out->console, NULL, NULL));
  out->lines = ctx.lines;
  out->has_vcpu_time = ctx.has_vcpu_time;
  out->vcpu_time = ctx.vcpu_time;
  g_test_message ("tiny.test=%s: end %s (%s) after %.2f s; console:\n%s", test,
                  ktstr_vm_end_to_string (out->result.end),
                  out->result.end_detail ? out->result.end_detail : "", out->wall_s, out->console);
  g_unlink (console);
  g_rmdir (dir);
  if (ctx_out != NULL)
    *ctx_out = ctx;
  else
    ktstr_vm_guest_access_clear (&ctx.access);
}

static void
run_tiny (const char *test, const char *topo_label, guint memory_mb, guint timeout_s,
          const char *reply, TinyRun *out)
{
  run_tiny_ctx (test, topo_label, memory_mb, timeout_s, reply, FALSE, out, NULL);
}

static void
assert_contains (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected '%s' in:\n%s", needle, haystack);
}

static void
test_uart (void)
{
  if (!kvm_usable ())
    return;
  TinyRun r;
  run_tiny ("uart", "1n1l1c1t", 64, 20, NULL, &r);
  assert_contains (r.console, "tiny: start\n");
  assert_contains (r.console, "tiny: hello from long mode, EFER.LMA=0x1\n");
  g_assert_cmpint (r.result.end, ==, KTSTR_VM_END_POWEROFF);
  assert_contains (r.result.end_detail, "ACPI poweroff");
  g_assert_cmpstr (r.result.accel, ==, "kvm");
  assert_contains (r.result.command_line, "tiny.bzimage");
  assert_contains (r.result.command_line, "bzImage boot");
  assert_contains (r.cmdline, "virtio_mmio.device=4K@0xd0000000:5");
  g_assert_cmpint (r.result.launch_us, >, 0);
  g_assert_cmpint (r.result.end_us, >=, r.result.launch_us);
  g_assert_cmpint (r.result.cleanup_ms, >=, 0);
  g_assert_cmpint (r.result.first_line_us, ==, 0);
  if (r.result.kvm_stats != NULL)
    {
      GHashTable *v0 = g_hash_table_lookup (r.result.kvm_stats, GUINT_TO_POINTER (0));
      g_assert_nonnull (v0);
      const guint64 *exits = g_hash_table_lookup (v0, "exits");
      g_assert_nonnull (exits);
      g_assert_cmpuint (*exits, >, 0);
      const guint64 *io = g_hash_table_lookup (v0, "io_exits");
      g_test_message ("vCPU 0: %u statistics, exits=%" G_GUINT64_FORMAT
                      " io_exits=%" G_GUINT64_FORMAT,
                      g_hash_table_size (v0), *exits, io ? *io : 0);
    }
  tiny_run_clear (&r);
}

static void
test_e820 (void)
{
  if (!kvm_usable ())
    return;
  TinyRun r;
  run_tiny ("e820", "1n1l1c1t", 48, 20, NULL, &r);
  KtstrE820Entry e[KTSTR_E820_MAX];
  guint n = ktstr_kvm_e820_build (48ull << 20, e);
  g_autofree char *count = g_strdup_printf ("tiny: e820 entries=0x%x\n", n);
  assert_contains (r.console, count);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = g_strdup_printf ("tiny: e820 0x%" G_GINT64_MODIFIER
                                               "x 0x%" G_GINT64_MODIFIER "x 0x%x\n",
                                               e[i].addr, e[i].size, e[i].type);
      assert_contains (r.console, line);
    }
  g_assert_cmpint (r.result.end, ==, KTSTR_VM_END_POWEROFF);
  tiny_run_clear (&r);
}

static void
test_acpi (void)
{
  if (!kvm_usable ())
    return;
  TinyRun r;
  /* Four vCPUs: the three APs sit in wait-for-SIPI and must be stopped too. */
  run_tiny ("acpi", "2n2l2c1t", 64, 20, NULL, &r);
  assert_contains (r.console,
                   "tiny: acpi: ok=0x1 tables=0x4 cpus=0x4 pm1a_cnt=0x604 slp_typ=0x5\n");
  g_assert_cmpint (r.result.end, ==, KTSTR_VM_END_POWEROFF);
  if (r.result.kvm_stats != NULL)
    g_assert_cmpuint (g_hash_table_size (r.result.kvm_stats), ==, 4);
  tiny_run_clear (&r);
}

static void
test_cpuid (void)
{
  if (!kvm_usable ())
    return;
  TinyRun r;
  /* 2 threads per core, 3 cores per LLC: thread bits 1, core bits 2. */
  run_tiny ("cpuid", "1n2l3c2t", 64, 20, NULL, &r);
  assert_contains (r.console, "tiny: cpuid b.0x0 eax=0x1 ebx=0x2 ecx=0x100 edx=0x0\n");
  assert_contains (r.console, "tiny: cpuid b.0x1 eax=0x3 ebx=0x6 ecx=0x201 edx=0x0\n");
  assert_contains (r.console, "tiny: cpuid b.0x2 eax=0x0 ebx=0x0 ecx=0x2 edx=0x0\n");
  /* Leaf 1: APIC ID 0, 8 addressable IDs per package (1 thread bit and 2
   * core bits); KTSTR_KVM_SPEED=slow marks /dev/kvm emulated, so CX16 is
   * hidden. */
  const char *leaf1 = strstr (r.console, "tiny: cpuid 1 ebx=0x");
  g_assert_nonnull (leaf1);
  char *end = NULL;
  guint64 ebx = g_ascii_strtoull (leaf1 + strlen ("tiny: cpuid 1 ebx=0x"), &end, 16);
  g_assert_true (g_str_has_prefix (end, " ecx=0x"));
  guint64 ecx = g_ascii_strtoull (end + strlen (" ecx=0x"), NULL, 16);
  g_assert_cmphex (ebx >> 24, ==, 0);
  g_assert_cmphex ((ebx >> 16) & 0xff, ==, 8);
  g_assert_cmphex (ecx & (1u << 13), ==, 0);
  g_assert_cmpint (r.result.end, ==, KTSTR_VM_END_POWEROFF);
  tiny_run_clear (&r);
}

static void
test_smp (void)
{
  if (!kvm_usable ())
    return;
  TinyRun r;
  /* CPU 1 is started by the guest through the in-kernel local APIC, as
   * Linux starts its secondary CPUs, and is stopped while halted. */
  run_tiny ("smp", "1n1l2c1t", 32, 20, NULL, &r);
  assert_contains (r.console, "tiny: smp: BSP APIC ID 0x0\n");
  assert_contains (r.console, "tiny: smp: AP 1 started\n");
  g_assert_cmpint (r.result.end, ==, KTSTR_VM_END_POWEROFF);
  if (r.result.kvm_stats != NULL)
    {
      GHashTable *v1 = g_hash_table_lookup (r.result.kvm_stats, GUINT_TO_POINTER (1));
      g_assert_nonnull (v1);
    }
  tiny_run_clear (&r);
}

static void
test_virtio (void)
{
  if (!kvm_usable ())
    return;
  TinyRun r;
  run_tiny ("virtio", "1n1l1c1t", 64, 30, "pong\n", &r);
  assert_contains (r.console, "tiny: virtio: port org.ktstr.ctrl is open\n");
  assert_contains (r.console, "tiny: virtio: got pong\n");
  assert_contains (r.console, "tiny: virtio: ok\n");
  g_assert_cmpuint (r.lines->len, ==, 1);
  g_assert_cmpstr (r.lines->pdata[0], ==, "ping from the tiny guest");
  /* While it ran, the host's account of its one vCPU thread was there. */
  g_assert_true (r.has_vcpu_time);
  g_assert_cmpuint (r.vcpu_time.n_threads, ==, 1);
  g_assert_cmpuint (r.vcpu_time.run_ns, >, 0);
  g_assert_cmpint (r.result.first_line_us, >, r.result.launch_us);
  g_assert_cmpint (r.result.end, ==, KTSTR_VM_END_POWEROFF);
  tiny_run_clear (&r);
}

/* The monitor's view of our VMM: guest RAM as mapped here (every byte of
 * the 64 MiB, in guest-physical order), the vCPU thread with a CPU time in
 * /proc, and a host-to-guest line through send_to_guest. */
static void
test_guest_access (void)
{
  if (!kvm_usable ())
    return;
  TinyRun r;
  LineCtx ctx;
  run_tiny_ctx ("virtio", "1n1l1c1t", 64, 30, NULL, TRUE, &r, &ctx);
  assert_contains (r.console, "tiny: virtio: got pong\n");
  g_assert_true (ctx.has_access);
  guint64 total = 0, next_gpa = 0;
  for (guint i = 0; i < ctx.access.regions->len; i++)
    {
      const KtstrVmRamRegion *reg = &g_array_index (ctx.access.regions, KtstrVmRamRegion, i);
      g_assert_cmphex (reg->gpa, >=, next_gpa);
      g_assert_nonnull (reg->hva);
      next_gpa = reg->gpa + reg->size;
      total += reg->size;
    }
  g_assert_cmpuint (total, ==, 64ull << 20);
  g_assert_cmpint (ctx.access.pid, ==, getpid ());
  g_assert_cmpuint (ctx.access.vcpu_tids->len, ==, 1);
  g_assert_cmpint (g_array_index (ctx.access.vcpu_tids, int, 0), >, 0);
  ktstr_vm_guest_access_clear (&ctx.access);
  tiny_run_clear (&r); /* its lines are ctx's */
}

static void
test_end (gconstpointer data)
{
  const char *const *spec = data; /* test, expected end, detail word */
  if (!kvm_usable ())
    return;
  TinyRun r;
  run_tiny (spec[0], "1n1l1c1t", 32, 20, NULL, &r);
  g_assert_cmpstr (ktstr_vm_end_to_string (r.result.end), ==, spec[1]);
  assert_contains (r.result.end_detail, spec[2]);
  g_assert_cmpint (r.result.cleanup_ms, >=, 0);
  tiny_run_clear (&r);
}

static void
test_hang (void)
{
  if (!kvm_usable ())
    return;
  TinyRun r;
  run_tiny ("hang", "1n1l2c1t", 32, 1, NULL, &r);
  assert_contains (r.console, "tiny: hanging\n");
  g_assert_cmpint (r.result.end, ==, KTSTR_VM_END_TIMEOUT);
  assert_contains (r.result.end_detail, "deadline of 1 s");
  g_assert_cmpint (r.result.cleanup_ms, ==, -1);
  g_assert_cmpfloat (r.wall_s, <, 10.0);
  tiny_run_clear (&r);
}

static guint
count_dir (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  guint n = 0;
  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_no_leaks (void)
{
  if (!kvm_usable ())
    return;
  /* Warm up once so lazily created process-wide state is not counted. */
  TinyRun r;
  run_tiny ("reset", "1n1l1c1t", 32, 20, NULL, &r);
  tiny_run_clear (&r);
  guint fds = count_dir ("/proc/self/fd");
  guint threads = count_dir ("/proc/self/task");
  run_tiny ("acpi", "1n1l2c2t", 64, 20, NULL, &r);
  tiny_run_clear (&r);
  run_tiny ("hang", "1n1l2c1t", 32, 1, NULL, &r);
  tiny_run_clear (&r);
  g_assert_cmpuint (count_dir ("/proc/self/fd"), ==, fds);
  g_assert_cmpuint (count_dir ("/proc/self/task"), ==, threads);
}

static void
test_calibrate (void)
{
  if (!kvm_usable ())
    return;
  KtstrKvmSpeed s = { 0 };
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_assert_true (ktstr_kvm_speed_measure (NULL, 0.5, &s, &error));
  g_assert_no_error (error);
  double took = (g_get_monotonic_time () - start) / 1e6;
  g_autofree char *what = ktstr_kvm_speed_describe (&s);
  g_test_message ("calibration took %.2f s: %s", took, what);
  g_assert_cmpfloat (s.projected_s, >, 0.0);
  g_assert_cmpfloat (took, <, 8.0);
  g_assert_cmpint (s.is_fast, ==, s.projected_s < KTSTR_KVM_FAST_THRESHOLD_S);
  ktstr_kvm_speed_clear (&s);
}

static void
test_warns_once (void)
{
  if (!kvm_usable ())
    return;
  if (g_test_subprocess ())
    {
      TinyRun r;
      run_tiny ("uart", "1n1l1c1t", 32, 20, NULL, &r);
      tiny_run_clear (&r);
      run_tiny ("uart", "1n1l1c1t", 32, 20, NULL, &r);
      tiny_run_clear (&r);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*warning: /dev/kvm on this host is emulated*");
  g_test_trap_assert_stderr_unmatched ("*is emulated*is emulated*");
}

static void
test_auto_choice (void)
{
  if (!kvm_usable ())
    return;
  /* KTSTR_KVM_SPEED=slow (set in main) stands for this emulated host. */
  g_autoptr (GError) why = NULL;
  g_assert_false (ktstr_kvm_auto_is_preferred (&why));
  g_assert_error (why, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_NOT_PREFERRED);
  assert_contains (why->message, "emulated");
  /* Capacity planning must not size VMs as if they ran at hardware speed. */
  g_assert_cmpstr (ktstr_backend_kvm.expected_accel (), ==, "tcg");
  g_autoptr (GError) error = NULL;
  const KtstrBackend *b = ktstr_backend_lookup ("auto", &error);
  if (b == NULL)
    {
      /* QEMU missing as well: the error still explains the kvm verdict. */
      g_assert_nonnull (strstr (error->message, "emulated"));
      return;
    }
  g_assert_cmpstr (b->name, ==, "qemu");
  g_clear_error (&error);
  b = ktstr_backend_lookup ("kvm", &error);
  g_assert_no_error (error);
  g_assert_true (b == &ktstr_backend_kvm);
}

static void
test_refuses (void)
{
  if (!kvm_usable ())
    return;
  g_autoptr (GError) error = NULL;
  KtstrVmConfig cfg = {
    .kernel_path = "/nonexistent/bzImage",
    .topology = { 1, 1, 1, 1 },
    .memory_mb = 32,
  };
  g_assert_null (ktstr_backend_kvm.prepare (&cfg, &error));
  g_assert_nonnull (error);
  assert_contains (error->message, "/nonexistent/bzImage");
  g_clear_error (&error);

  g_autofree char *image = tiny_image ();
  cfg.kernel_path = image;
  cfg.accel = KTSTR_ACCEL_TCG;
  g_assert_null (ktstr_backend_kvm.prepare (&cfg, &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID);
  g_clear_error (&error);
  cfg.accel = KTSTR_ACCEL_AUTO;

  /* 16 LLCs x 32 cores: APIC IDs beyond the xAPIC range. */
  cfg.topology = (KtstrTopology){ 1, 16, 32, 1 };
  g_assert_null (ktstr_backend_kvm.prepare (&cfg, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == KTSTR_KVM_ERROR);
  assert_contains (error->message, "--backend=qemu");
}

int
main (int argc, char **argv)
{
  /* Stand-in for the cached calibration: what this test host measures
   * (test_calibrate measures for real).  Keeps every boot here fast. */
  g_setenv ("KTSTR_KVM_SPEED", "slow", TRUE);
  g_test_init (&argc, &argv, NULL);
  static const char *const reset[] = { "reset", "reset", "i8042" };
  static const char *const cf9[] = { "cf9", "reset", "0xCF9" };
  static const char *const panic[] = { "panic", "panic", "pvpanic" };
  static const char *const triple[] = { "triple", "reset", "triple fault" };
  g_test_add_func ("/kvm/guest/uart", test_uart);
  g_test_add_func ("/kvm/guest/guest-access", test_guest_access);
  g_test_add_func ("/kvm/guest/e820", test_e820);
  g_test_add_func ("/kvm/guest/acpi-poweroff", test_acpi);
  g_test_add_func ("/kvm/guest/cpuid", test_cpuid);
  g_test_add_func ("/kvm/guest/smp-init-sipi", test_smp);
  g_test_add_func ("/kvm/guest/virtio-console", test_virtio);
  g_test_add_data_func ("/kvm/guest/i8042-reset", reset, test_end);
  g_test_add_data_func ("/kvm/guest/cf9-reset", cf9, test_end);
  g_test_add_data_func ("/kvm/guest/pvpanic", panic, test_end);
  g_test_add_data_func ("/kvm/guest/triple-fault", triple, test_end);
  g_test_add_func ("/kvm/guest/hang-timeout", test_hang);
  g_test_add_func ("/kvm/guest/no-leaks", test_no_leaks);
  g_test_add_func ("/kvm/guest/warns-once", test_warns_once);
  g_test_add_func ("/kvm/calibrate", test_calibrate);
  g_test_add_func ("/kvm/backend/auto", test_auto_choice);
  g_test_add_func ("/kvm/backend/refuses", test_refuses);
  return g_test_run ();
}
