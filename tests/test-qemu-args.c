/* The QEMU command line (topology mapping, devices, quoting), the
 * accelerator choice with its KVM finding cache, and how the host reads
 * the CPU time of a VM's vCPU threads. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/qemu/accel.h"
#include "backends/qemu/qemu-args.h"

static KtstrQemuArgs
base_args (const char *label)
{
  KtstrQemuArgs args = {
    .qemu = "qemu-system-x86_64",
    .accel = "tcg",
    .kernel_path = "/k/bzImage",
    .initramfs_path = "/w/initramfs.cpio",
    .cmdline = "console=ttyS0 panic=-1",
    .memory_mb = 1024,
    .console_path = "/w/console.log",
    .ctrl_socket_path = "/w/ctrl.sock",
    .qmp_socket_path = "/w/qmp.sock",
  };
  g_assert_cmpint (ktstr_topology_parse (label, &args.topology, NULL, 0), ==, 0);
  return args;
}

/* The value after the first OPTION at or after *FROM; NULL if absent. */
static const char *
option_value (char **argv, const char *option, guint *from)
{
  for (guint i = from ? *from : 1; argv[i] != NULL && argv[i + 1] != NULL; i++)
    if (g_str_equal (argv[i], option))
      {
        if (from)
          *from = i + 1;
        return argv[i + 1];
      }
  return NULL;
}

static guint
count_option (char **argv, const char *option)
{
  guint n = 0;
  for (guint i = 1; argv[i] != NULL; i++)
    n += g_str_equal (argv[i], option);
  return n;
}

static gboolean
has_pair (char **argv, const char *option, const char *value)
{
  for (guint i = 1; argv[i] != NULL && argv[i + 1] != NULL; i++)
    if (g_str_equal (argv[i], option) && g_str_equal (argv[i + 1], value))
      return TRUE;
  return FALSE;
}

static void
test_default_topology (void)
{
  KtstrQemuArgs args = base_args ("1n1l2c1t");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = ktstr_qemu_args_build (&args, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (argv[0], ==, "qemu-system-x86_64");
  g_assert_cmpstr (argv[1], ==, "-S");
  g_assert_true (g_strv_contains ((const char *const *)argv, "-no-reboot"));
  g_assert_true (g_strv_contains ((const char *const *)argv, "-nodefaults"));
  g_assert_true (has_pair (argv, "-display", "none"));
  g_assert_true (has_pair (argv, "-name", "ktstr,debug-threads=on"));
  g_assert_true (has_pair (argv, "-machine", KTSTR_QEMU_DEFAULT_MACHINE));
  g_assert_true (has_pair (argv, "-accel", "tcg"));
  g_assert_true (has_pair (argv, "-cpu", "Skylake-Server,check=off"));
  g_assert_true (has_pair (argv, "-m", "1024"));
  g_assert_cmpstr (option_value (argv, "-smp", NULL), ==, "2,sockets=1,dies=1,cores=2,threads=1");
  g_assert_cmpuint (count_option (argv, "-numa"), ==, 0);
  g_assert_cmpuint (count_option (argv, "-object"), ==, 0);
  g_assert_true (has_pair (argv, "-kernel", "/k/bzImage"));
  g_assert_true (has_pair (argv, "-initrd", "/w/initramfs.cpio"));
  g_assert_true (has_pair (argv, "-append", "console=ttyS0 panic=-1 no_timer_check"));
  g_assert_true (has_pair (argv, "-chardev", "file,id=con0,path=/w/console.log"));
  g_assert_true (has_pair (argv, "-serial", "chardev:con0"));
  g_assert_true (has_pair (argv, "-device", "virtio-serial-pci,id=vser0"));
  g_assert_true (
      has_pair (argv, "-chardev", "socket,id=ctrl,path=/w/ctrl.sock,server=on,wait=off"));
  g_assert_true (
      has_pair (argv, "-device", "virtserialport,bus=vser0.0,chardev=ctrl,name=org.ktstr.ctrl"));
  g_assert_true (has_pair (argv, "-device", "pvpanic"));
  g_assert_true (has_pair (argv, "-action", "panic=none"));
  g_assert_true (has_pair (argv, "-qmp", "unix:/w/qmp.sock,server=on,wait=off"));
}

/* Guest RAM in files the host maps (the host monitor). */
static void
test_shared_ram (void)
{
  KtstrQemuArgs args = base_args ("1n1l2c1t");
  const char *const one[] = { "/dev/shm/ktstr-ram,x", NULL };
  args.ram_paths = one;
  g_auto (GStrv) argv = ktstr_qemu_args_build (&args, NULL);
  g_assert_true (has_pair (argv, "-machine", "pc,memory-backend=mem0,max-ram-below-4g=2G"));
  g_assert_true (has_pair (argv, "-object",
                           "memory-backend-file,id=mem0,mem-path=/dev/shm/ktstr-ram,,x,"
                           "size=1024M,share=on"));
  g_assert_true (has_pair (argv, "-m", "1024"));

  KtstrQemuArgs numa = base_args ("2n2l1c1t");
  numa.memory_mb = 1025;
  const char *const two[] = { "/r/n0", "/r/n1", NULL };
  numa.ram_paths = two;
  g_auto (GStrv) nargv = ktstr_qemu_args_build (&numa, NULL);
  guint at = 1;
  g_assert_true (has_pair (nargv, "-machine", "pc,max-ram-below-4g=2G"));
  g_assert_cmpstr (option_value (nargv, "-object", &at), ==,
                   "memory-backend-file,id=mem0,mem-path=/r/n0,size=513M,share=on");
  g_assert_cmpstr (option_value (nargv, "-object", &at), ==,
                   "memory-backend-file,id=mem1,mem-path=/r/n1,size=512M,share=on");
}

/* Performance mode: every node's RAM an explicit backend, bound to the
 * host nodes (one host-nodes= per range), from the hugetlbfs mount. */
static void
test_placed_ram (void)
{
  KtstrQemuArgs args = base_args ("1n1l2c1t");
  args.mem_host_nodes = "0-0";
  g_auto (GStrv) argv = ktstr_qemu_args_build (&args, NULL);
  g_assert_true (has_pair (argv, "-machine", "pc,memory-backend=mem0"));
  g_assert_true (has_pair (argv, "-object",
                           "memory-backend-ram,id=mem0,size=1024M,host-nodes=0-0,policy=bind"));

  KtstrQemuArgs huge = base_args ("2n2l1c1t");
  huge.hugepage_dir = "/dev/huge,pages";
  huge.mem_host_nodes = "0-1,3-3";
  g_auto (GStrv) hargv = ktstr_qemu_args_build (&huge, NULL);
  guint at = 1;
  g_assert_true (has_pair (hargv, "-machine", "pc"));
  g_assert_cmpstr (option_value (hargv, "-object", &at), ==,
                   "memory-backend-file,id=mem0,mem-path=/dev/huge,,pages,size=512M,"
                   "host-nodes=0-1,host-nodes=3-3,policy=bind");
  g_assert_cmpstr (option_value (hargv, "-object", &at), ==,
                   "memory-backend-file,id=mem1,mem-path=/dev/huge,,pages,size=512M,"
                   "host-nodes=0-1,host-nodes=3-3,policy=bind");

  /* Shared RAM files keep their own paths (they are made in the mount). */
  KtstrQemuArgs shared = base_args ("1n1l2c1t");
  const char *const one[] = { "/dev/hugepages/r0", NULL };
  shared.ram_paths = one;
  shared.hugepage_dir = "/dev/hugepages";
  g_auto (GStrv) sargv = ktstr_qemu_args_build (&shared, NULL);
  g_assert_true (has_pair (sargv, "-object",
                           "memory-backend-file,id=mem0,mem-path=/dev/hugepages/r0,size=1024M,"
                           "share=on"));
}

static void
test_ram_layout (void)
{
  /* 1 GiB on one node: all of it at 0. */
  g_autoptr (GArray) a = ktstr_qemu_ram_layout (1024, 1);
  g_assert_cmpuint (a->len, ==, 1);
  KtstrQemuRamPiece *p = (KtstrQemuRamPiece *)a->data;
  g_assert_cmphex (p[0].gpa, ==, 0);
  g_assert_cmphex (p[0].size, ==, 1ull << 30);
  /* 3 GiB over 2 nodes: node 0 (1.5 GiB) low, node 1 split at 2 GiB. */
  g_autoptr (GArray) b = ktstr_qemu_ram_layout (3072, 2);
  g_assert_cmpuint (b->len, ==, 3);
  p = (KtstrQemuRamPiece *)b->data;
  g_assert_cmphex (p[0].gpa, ==, 0);
  g_assert_cmphex (p[0].size, ==, 1536ull << 20);
  g_assert_cmpuint (p[0].node, ==, 0);
  g_assert_cmphex (p[1].gpa, ==, 1536ull << 20);
  g_assert_cmphex (p[1].size, ==, 512ull << 20);
  g_assert_cmpuint (p[1].node, ==, 1);
  g_assert_cmphex (p[1].file_offset, ==, 0);
  g_assert_cmphex (p[2].gpa, ==, 4ull << 30);
  g_assert_cmphex (p[2].size, ==, 1024ull << 20);
  g_assert_cmpuint (p[2].node, ==, 1);
  g_assert_cmphex (p[2].file_offset, ==, 512ull << 20);
  g_assert_cmpuint (ktstr_qemu_node_mb (1025, 2, 0), ==, 513);
  g_assert_cmpuint (ktstr_qemu_node_mb (1025, 2, 1), ==, 512);
}

static void
test_llcs_become_dies (void)
{
  KtstrQemuArgs args = base_args ("1n2l4c2t");
  g_auto (GStrv) argv = ktstr_qemu_args_build (&args, NULL);
  g_assert_cmpstr (option_value (argv, "-smp", NULL), ==, "16,sockets=1,dies=2,cores=4,threads=2");
  g_assert_cmpuint (count_option (argv, "-numa"), ==, 0);
}

static void
test_numa_nodes (void)
{
  KtstrQemuArgs args = base_args ("2n4l2c1t");
  g_auto (GStrv) argv = ktstr_qemu_args_build (&args, NULL);
  guint at = 1;

  /* sockets = nodes, dies = LLCs per node; node i owns socket i's CPUs. */
  g_assert_cmpstr (option_value (argv, "-smp", NULL), ==, "8,sockets=2,dies=2,cores=2,threads=1");
  g_assert_cmpstr (option_value (argv, "-object", &at), ==, "memory-backend-ram,id=mem0,size=512M");
  g_assert_cmpstr (option_value (argv, "-numa", &at), ==, "node,nodeid=0,cpus=0-3,memdev=mem0");
  g_assert_cmpstr (option_value (argv, "-object", &at), ==, "memory-backend-ram,id=mem1,size=512M");
  g_assert_cmpstr (option_value (argv, "-numa", &at), ==, "node,nodeid=1,cpus=4-7,memdev=mem1");
  g_assert_null (option_value (argv, "-numa", &at));
  g_assert_true (has_pair (argv, "-m", "1024"));
}

static void
test_numa_uneven_memory (void)
{
  KtstrQemuArgs args = base_args ("3n3l1c2t");
  g_auto (GStrv) argv = NULL;
  guint at = 1;

  args.memory_mb = 1000; /* 334 + 333 + 333 */
  argv = ktstr_qemu_args_build (&args, NULL);
  g_assert_cmpstr (option_value (argv, "-smp", NULL), ==, "6,sockets=3,dies=1,cores=1,threads=2");
  g_assert_cmpstr (option_value (argv, "-object", &at), ==, "memory-backend-ram,id=mem0,size=334M");
  g_assert_cmpstr (option_value (argv, "-object", &at), ==, "memory-backend-ram,id=mem1,size=333M");
  g_assert_cmpstr (option_value (argv, "-object", &at), ==, "memory-backend-ram,id=mem2,size=333M");
  at = 1;
  option_value (argv, "-numa", &at);
  g_assert_cmpstr (option_value (argv, "-numa", &at), ==, "node,nodeid=1,cpus=2-3,memdev=mem1");
  g_assert_cmpstr (option_value (argv, "-numa", &at), ==, "node,nodeid=2,cpus=4-5,memdev=mem2");
}

static void
test_kvm_and_machine (void)
{
  KtstrQemuArgs args = base_args ("1n1l2c1t");
  g_auto (GStrv) argv = NULL;

  args.accel = "kvm";
  args.machine = "q35";
  args.initramfs_path = NULL;
  argv = ktstr_qemu_args_build (&args, NULL);
  g_assert_true (has_pair (argv, "-accel", "kvm"));
  g_assert_true (has_pair (argv, "-cpu", "host"));
  g_assert_true (has_pair (argv, "-machine", "q35"));
  g_assert_cmpuint (count_option (argv, "-initrd"), ==, 0);
  g_assert_true (has_pair (argv, "-append", "console=ttyS0 panic=-1")); /* KVM: as given */
}

static void
test_tcg_no_timer_check (void)
{
  KtstrQemuArgs args = base_args ("1n1l2c1t");
  g_auto (GStrv) empty = NULL;
  g_auto (GStrv) already = NULL;

  args.cmdline = NULL;
  empty = ktstr_qemu_args_build (&args, NULL);
  g_assert_true (has_pair (empty, "-append", "no_timer_check"));
  args.cmdline = "no_timer_check console=ttyS0";
  already = ktstr_qemu_args_build (&args, NULL);
  g_assert_true (has_pair (already, "-append", "no_timer_check console=ttyS0"));
}

static void
test_commas_escaped (void)
{
  KtstrQemuArgs args = base_args ("1n1l2c1t");
  g_auto (GStrv) argv = NULL;

  args.console_path = "/w,1/console.log";
  args.ctrl_socket_path = "/w,1/ctrl.sock";
  args.qmp_socket_path = "/w,1/qmp.sock";
  argv = ktstr_qemu_args_build (&args, NULL);
  g_assert_true (has_pair (argv, "-chardev", "file,id=con0,path=/w,,1/console.log"));
  g_assert_true (
      has_pair (argv, "-chardev", "socket,id=ctrl,path=/w,,1/ctrl.sock,server=on,wait=off"));
  g_assert_true (has_pair (argv, "-qmp", "unix:/w,,1/qmp.sock,server=on,wait=off"));
}

static void
assert_invalid (KtstrQemuArgs *args, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = ktstr_qemu_args_build (args, &error);
  g_assert_null (argv);
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID);
  if (strstr (error->message, needle) == NULL)
    g_error ("'%s' does not mention '%s'", error->message, needle);
}

static void
test_invalid (void)
{
  KtstrQemuArgs args;

  args = base_args ("1n1l2c1t");
  args.topology.llcs = 3;
  args.topology.numa_nodes = 2;
  assert_invalid (&args, "topology 2n3l2c1t");
  args = base_args ("1n1l2c1t");
  args.topology.cores_per_llc = 0;
  assert_invalid (&args, "topology 1n1l0c1t");
  args = base_args ("2n2l1c1t");
  args.memory_mb = 60;
  assert_invalid (&args, "60 MB");
  args = base_args ("1n1l2c1t");
  args.machine = "microvm";
  assert_invalid (&args, "'microvm'");
  args = base_args ("1n1l2c1t");
  args.accel = "hvf";
  assert_invalid (&args, "'hvf'");
  args = base_args ("1n1l2c1t");
  args.kernel_path = NULL;
  assert_invalid (&args, "kernel");
}

static void
test_shell_line (void)
{
  KtstrQemuArgs args = base_args ("2n2l1c1t");
  g_auto (GStrv) argv = NULL;
  g_auto (GStrv) parsed = NULL;
  g_autofree char *line = NULL;
  g_autoptr (GError) error = NULL;

  args.cmdline = "console=ttyS0 init=/init quote=it's";
  args.kernel_path = "/path with space/bzImage";
  argv = ktstr_qemu_args_build (&args, NULL);
  line = ktstr_qemu_args_to_shell ((const char *const *)argv);
  g_assert_true (g_str_has_prefix (line, "qemu-system-x86_64 -S -no-user-config"));
  g_assert_nonnull (strstr (line, " -smp 2,sockets=2,dies=1,cores=1,threads=1 "));
  g_assert_nonnull (strstr (line, " -kernel '/path with space/bzImage' "));
  /* The shell gives back exactly the argv. */
  g_assert_true (g_shell_parse_argv (line, NULL, &parsed, &error));
  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const char *const *)parsed, (const char *const *)argv));
}

/* ---------- accelerator choice ---------- */

static void
test_accel_choose (void)
{
  KtstrAccelChoice c;
  g_autoptr (GError) error = NULL;

  g_assert_true (ktstr_accel_choose (KTSTR_ACCEL_TCG, NULL, NULL, KTSTR_KVM_FINDING_OK, &c, NULL));
  g_assert_cmpstr (c.accel, ==, "tcg");
  g_assert_true (
      ktstr_accel_choose (KTSTR_ACCEL_KVM, NULL, NULL, KTSTR_KVM_FINDING_SLOW, &c, NULL));
  g_assert_cmpstr (c.accel, ==, "kvm"); /* asked for explicitly: no probe */
  g_assert_false (c.probe_kvm);

  /* AUTO: unknown host → KVM with a probe; known good → KVM; known slow
   * or unusable → TCG. */
  g_assert_true (
      ktstr_accel_choose (KTSTR_ACCEL_AUTO, NULL, NULL, KTSTR_KVM_FINDING_UNKNOWN, &c, NULL));
  g_assert_cmpstr (c.accel, ==, "kvm");
  g_assert_true (c.probe_kvm);
  g_assert_true (ktstr_accel_choose (KTSTR_ACCEL_AUTO, "", NULL, KTSTR_KVM_FINDING_OK, &c, NULL));
  g_assert_cmpstr (c.accel, ==, "kvm");
  g_assert_false (c.probe_kvm);
  g_assert_true (
      ktstr_accel_choose (KTSTR_ACCEL_AUTO, NULL, NULL, KTSTR_KVM_FINDING_SLOW, &c, NULL));
  g_assert_cmpstr (c.accel, ==, "tcg");
  g_assert_true (c.tcg_from_cache);
  g_assert_true (ktstr_accel_choose (KTSTR_ACCEL_AUTO, NULL,
                                     "/dev/kvm cannot be opened (No such file or directory)",
                                     KTSTR_KVM_FINDING_UNKNOWN, &c, NULL));
  g_assert_cmpstr (c.accel, ==, "tcg");
  g_assert_false (c.tcg_from_cache);

  /* The environment overrides the request. */
  g_assert_true (
      ktstr_accel_choose (KTSTR_ACCEL_AUTO, "tcg", NULL, KTSTR_KVM_FINDING_UNKNOWN, &c, NULL));
  g_assert_cmpstr (c.accel, ==, "tcg");
  g_assert_true (
      ktstr_accel_choose (KTSTR_ACCEL_TCG, "kvm", NULL, KTSTR_KVM_FINDING_SLOW, &c, NULL));
  g_assert_cmpstr (c.accel, ==, "kvm");

  g_assert_false (
      ktstr_accel_choose (KTSTR_ACCEL_AUTO, "fast", NULL, KTSTR_KVM_FINDING_UNKNOWN, &c, &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "KTSTR_ACCEL='fast'"));
  g_clear_error (&error);

  g_assert_false (ktstr_accel_choose (KTSTR_ACCEL_KVM, NULL,
                                      "/dev/kvm cannot be opened (Permission denied)",
                                      KTSTR_KVM_FINDING_UNKNOWN, &c, &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "Permission denied"));
}

static void
test_accel_cache (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ktstr-accel-XXXXXX", &error);
  g_autofree char *expected = g_build_filename (tmp, "ktstr", "accel.ini", NULL);
  g_autofree char *path = NULL;
  g_autofree char *key_a = ktstr_accel_host_key_build ("6.1.0-13-amd64", "7.2.22", "AMD EPYC [x]");
  g_autofree char *key_b = ktstr_accel_host_key_build ("6.1.0-14-amd64", "7.2.22", "AMD EPYC [x]");
  g_autoptr (GKeyFile) kf = g_key_file_new ();

  g_assert_cmpstr (key_a, ==, "kernel 6.1.0-13-amd64, qemu 7.2.22, AMD EPYC (x)");
  g_setenv ("XDG_CACHE_HOME", tmp, TRUE);
  path = ktstr_accel_cache_path ();
  g_assert_cmpstr (path, ==, expected);

  /* No file yet: unknown.  A finding is per host key. */
  g_assert_cmpint (ktstr_accel_cache_lookup (path, key_a), ==, KTSTR_KVM_FINDING_UNKNOWN);
  g_assert_true (ktstr_accel_cache_record (path, key_a, KTSTR_KVM_FINDING_SLOW,
                                           "no progress in 15 s", 15, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ktstr_accel_cache_lookup (path, key_a), ==, KTSTR_KVM_FINDING_SLOW);
  g_assert_cmpint (ktstr_accel_cache_lookup (path, key_b), ==, KTSTR_KVM_FINDING_UNKNOWN);
  g_assert_true (ktstr_accel_cache_record (path, key_b, KTSTR_KVM_FINDING_OK, NULL, 15, &error));
  g_assert_cmpint (ktstr_accel_cache_lookup (path, key_a), ==, KTSTR_KVM_FINDING_SLOW);
  g_assert_cmpint (ktstr_accel_cache_lookup (path, key_b), ==, KTSTR_KVM_FINDING_OK);

  /* The file is a readable key file naming what was found. */
  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_key_file_get_integer (kf, key_a, "probe_s", NULL), ==, 15);
  {
    g_autofree char *kvm = g_key_file_get_string (kf, key_a, "kvm", NULL);
    g_autofree char *recorded = g_key_file_get_string (kf, key_a, "recorded", NULL);
    g_autofree char *reason = g_key_file_get_string (kf, key_a, "reason", NULL);
    g_assert_cmpstr (kvm, ==, "slow");
    g_assert_cmpstr (reason, ==, "no progress in 15 s");
    g_assert_nonnull (recorded);
  }

  /* Forgetting a finding; a corrupt file reads as unknown and is rewritten. */
  g_assert_true (
      ktstr_accel_cache_record (path, key_a, KTSTR_KVM_FINDING_UNKNOWN, NULL, 15, &error));
  g_assert_cmpint (ktstr_accel_cache_lookup (path, key_a), ==, KTSTR_KVM_FINDING_UNKNOWN);
  g_assert_true (g_file_set_contents (path, "[[[ not a key file", -1, NULL));
  g_assert_cmpint (ktstr_accel_cache_lookup (path, key_b), ==, KTSTR_KVM_FINDING_UNKNOWN);
  g_assert_true (ktstr_accel_cache_record (path, key_b, KTSTR_KVM_FINDING_SLOW,
                                           "no progress in 15 s", 15, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ktstr_accel_cache_lookup (path, key_b), ==, KTSTR_KVM_FINDING_SLOW);

  /* Without XDG_CACHE_HOME (or with a relative one): ~/.cache. */
  g_setenv ("XDG_CACHE_HOME", "relative/dir", TRUE);
  g_clear_pointer (&path, g_free);
  path = ktstr_accel_cache_path ();
  g_assert_true (g_str_has_suffix (path, "/.cache/ktstr/accel.ini"));
  g_unsetenv ("XDG_CACHE_HOME");

  g_remove (expected);
  g_clear_pointer (&expected, g_free);
  expected = g_build_filename (tmp, "ktstr", NULL);
  g_rmdir (expected);
  g_rmdir (tmp);
}

static void
test_accel_cache_unwritable (void)
{
  g_autoptr (GError) error = NULL;
  /* A cache under a regular file cannot be created. */
  g_assert_false (ktstr_accel_cache_record ("/dev/null/ktstr/accel.ini", "k",
                                            KTSTR_KVM_FINDING_SLOW, NULL, 15, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/dev/null/ktstr"));
}

static void
test_accel_host_key_current (void)
{
  struct utsname uts;
  g_autofree char *qemu = g_find_program_in_path (KTSTR_DEFAULT_QEMU);
  g_autofree char *prefix = NULL;
  g_autofree char *key = NULL;

  if (qemu == NULL)
    {
      g_test_skip ("qemu-system-x86_64 not found");
      return;
    }
  g_assert_cmpint (uname (&uts), ==, 0);
  prefix = g_strdup_printf ("kernel %s, qemu ", uts.release);
  key = ktstr_accel_host_key_current (qemu);
  g_assert_true (g_str_has_prefix (key, prefix));
  g_assert_null (strstr (key, "qemu unknown"));
  g_assert_null (strstr (key, "unknown cpu"));
}

static void
test_accel_probe_seconds (void)
{
  g_unsetenv ("KTSTR_KVM_PROBE_S");
  g_assert_cmpuint (ktstr_accel_probe_seconds (), ==, KTSTR_ACCEL_PROBE_S_DEFAULT);
  g_setenv ("KTSTR_KVM_PROBE_S", "3", TRUE);
  g_assert_cmpuint (ktstr_accel_probe_seconds (), ==, 3);
  g_setenv ("KTSTR_KVM_PROBE_S", "soon", TRUE);
  g_assert_cmpuint (ktstr_accel_probe_seconds (), ==, KTSTR_ACCEL_PROBE_S_DEFAULT);
  g_unsetenv ("KTSTR_KVM_PROBE_S");
}

/* ---------- backend lookup ---------- */

static void
test_backend_lookup (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *qemu = g_find_program_in_path (KTSTR_DEFAULT_QEMU);
  const KtstrBackend *kvm = ktstr_backend_lookup ("kvm", &error);

  /* Our own VMM may or may not run here; either way the answer is clear. */
  if (kvm == NULL)
    g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_UNAVAILABLE);
  else
    g_assert_cmpstr (kvm->name, ==, "kvm");
  g_clear_error (&error);

  g_assert_null (ktstr_backend_lookup ("bhyve", &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "'bhyve'"));
  g_clear_error (&error);

  if (qemu != NULL && g_getenv ("KTSTR_QEMU") == NULL)
    {
      g_assert_true (ktstr_backend_lookup ("qemu", &error) == &ktstr_backend_qemu);
      g_assert_no_error (error);
    }
  g_setenv ("KTSTR_QEMU", "/nonexistent/qemu-system-x86_64", TRUE);
  g_assert_null (ktstr_backend_lookup ("qemu", &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "qemu-system-x86"));
  g_unsetenv ("KTSTR_QEMU");

  g_assert_cmpstr (ktstr_vm_end_to_string (KTSTR_VM_END_POWEROFF), ==, "poweroff");
  g_assert_cmpstr (ktstr_vm_end_to_string (KTSTR_VM_END_PANIC), ==, "panic");
  g_assert_cmpstr (ktstr_vm_end_to_string (KTSTR_VM_END_TIMEOUT), ==, "timeout");
}

static void
test_schedstat_parse (void)
{
  guint64 run = 7, wait = 7;
  g_assert_true (ktstr_vcpu_time_parse_schedstat ("123 456 789\n", &run, &wait));
  g_assert_cmpuint (run, ==, 123);
  g_assert_cmpuint (wait, ==, 456);
  g_assert_true (ktstr_vcpu_time_parse_schedstat ("18446744073709551615 0 1", &run, &wait));
  g_assert_cmpuint (run, ==, G_MAXUINT64);
  g_assert_cmpuint (wait, ==, 0);
  run = wait = 7;
  g_assert_false (ktstr_vcpu_time_parse_schedstat ("", &run, &wait));
  g_assert_false (ktstr_vcpu_time_parse_schedstat ("123", &run, &wait));
  g_assert_false (ktstr_vcpu_time_parse_schedstat ("-1 2 3", &run, &wait));
  g_assert_false (ktstr_vcpu_time_parse_schedstat ("1 2x 3", &run, &wait));
  g_assert_false (ktstr_vcpu_time_parse_schedstat ("18446744073709551616 0 1", &run, &wait));
  g_assert_cmpuint (run, ==, 7);
  g_assert_cmpuint (wait, ==, 7);
}

/* This test's own thread stands in for a vCPU thread. */
static void
test_vcpu_time_add_thread (void)
{
  int pid = (int)getpid (), tid = (int)syscall (SYS_gettid);
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d/schedstat", pid, tid);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this kernel has no schedstat (CONFIG_SCHED_INFO)");
      return;
    }
  KtstrVcpuTime t = { 0 };
  /* Burn a little CPU so the run time cannot be 0. */
  volatile guint64 x = 1;
  for (guint i = 0; i < 1000000; i++)
    x = x * 6364136223846793005ull + 1;
  g_assert_true (ktstr_vcpu_time_add_thread (&t, pid, tid));
  g_assert_cmpuint (t.n_threads, ==, 1);
  g_assert_cmpuint (t.run_ns, >, 0);
  KtstrVcpuTime before = t;
  g_assert_true (ktstr_vcpu_time_add_thread (&t, pid, tid));
  g_assert_cmpuint (t.n_threads, ==, 2);
  g_assert_cmpuint (t.run_ns, >=, 2 * before.run_ns);

  /* A thread that is not there leaves the sum as it was. */
  before = t;
  g_assert_false (ktstr_vcpu_time_add_thread (&t, pid, G_MAXINT));
  g_assert_false (ktstr_vcpu_time_add_thread (&t, G_MAXINT, tid));
  g_assert_cmpuint (t.n_threads, ==, before.n_threads);
  g_assert_cmpuint (t.run_ns, ==, before.run_ns);
  g_assert_cmpuint (t.wait_ns, ==, before.wait_ns);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-args/topology/default", test_default_topology);
  g_test_add_func ("/qemu-args/placed-ram", test_placed_ram);
  g_test_add_func ("/qemu-args/topology/llcs-become-dies", test_llcs_become_dies);
  g_test_add_func ("/qemu-args/topology/numa-nodes", test_numa_nodes);
  g_test_add_func ("/qemu-args/topology/numa-uneven-memory", test_numa_uneven_memory);
  g_test_add_func ("/qemu-args/shared-ram", test_shared_ram);
  g_test_add_func ("/qemu-args/shared-ram-layout", test_ram_layout);
  g_test_add_func ("/qemu-args/kvm-and-machine", test_kvm_and_machine);
  g_test_add_func ("/qemu-args/tcg-no-timer-check", test_tcg_no_timer_check);
  g_test_add_func ("/qemu-args/commas-escaped", test_commas_escaped);
  g_test_add_func ("/qemu-args/invalid", test_invalid);
  g_test_add_func ("/qemu-args/shell-line", test_shell_line);
  g_test_add_func ("/qemu-accel/choose", test_accel_choose);
  g_test_add_func ("/qemu-accel/cache", test_accel_cache);
  g_test_add_func ("/qemu-accel/cache-unwritable", test_accel_cache_unwritable);
  g_test_add_func ("/qemu-accel/host-key", test_accel_host_key_current);
  g_test_add_func ("/qemu-accel/probe-seconds", test_accel_probe_seconds);
  g_test_add_func ("/backend/lookup", test_backend_lookup);
  g_test_add_func ("/backend/vcpu-time/schedstat-parse", test_schedstat_parse);
  g_test_add_func ("/backend/vcpu-time/add-thread", test_vcpu_time_add_thread);
  return g_test_run ();
}
