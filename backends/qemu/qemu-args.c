/* qemu-system-x86_64 command line: see qemu-args.h. */
#include "config.h"

#include "backends/qemu/qemu-args.h"

#include <stdio.h>
#include <string.h>

#include "backends/backend.h"

/* QEMU's option parser treats ',' as a separator; a literal one is ",,". */
static char *
opt_escape (const char *value)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);
  return g_strjoinv (",,", parts);
}

static void
add (GPtrArray *argv, const char *arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

G_GNUC_PRINTF (2, 3)
static void
addf (GPtrArray *argv, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_ptr_array_add (argv, g_strdup_vprintf (format, ap));
  va_end (ap);
}

/* Under TCG a loaded host can delay the timer interrupt past the kernel's
 * IO-APIC timer check, which then panics ("IO-APIC + timer doesn't work!");
 * measured here: 2 boots in 24 with both cores busy.  KVM guests skip that
 * check by themselves; TCG guests need no_timer_check. */
static void
add_cmdline (GPtrArray *argv, const KtstrQemuArgs *args)
{
  const char *cmdline = args->cmdline != NULL ? args->cmdline : "";
  g_auto (GStrv) words = g_strsplit (cmdline, " ", -1);

  if (g_str_equal (args->accel, "tcg")
      && !g_strv_contains ((const char *const *)words, "no_timer_check"))
    addf (argv, "%s%sno_timer_check", cmdline, *cmdline != '\0' ? " " : "");
  else
    add (argv, cmdline);
}

static gboolean
check_args (const KtstrQemuArgs *args, const char *machine, GError **error)
{
  const KtstrTopology *t = &args->topology;
  const char *missing = NULL;

  if (args->qemu == NULL)
    missing = "the QEMU binary";
  else if (args->kernel_path == NULL)
    missing = "a kernel";
  else if (args->console_path == NULL)
    missing = "a console log path";
  else if (args->ctrl_socket_path == NULL)
    missing = "a control socket path";
  else if (args->qmp_socket_path == NULL)
    missing = "a QMP socket path";
  if (missing != NULL)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "cannot build a QEMU command line without %s", missing);
      return FALSE;
    }
  if (g_strcmp0 (machine, "pc") != 0 && g_strcmp0 (machine, "q35") != 0)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "QEMU machine type '%s' is not supported; use pc or q35", machine);
      return FALSE;
    }
  if (g_strcmp0 (args->accel, "tcg") != 0 && g_strcmp0 (args->accel, "kvm") != 0)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "accelerator '%s' is not supported; use tcg or kvm",
                   args->accel != NULL ? args->accel : "");
      return FALSE;
    }
  if (t->numa_nodes == 0 || t->llcs == 0 || t->cores_per_llc == 0 || t->threads_per_core == 0
      || t->llcs % t->numa_nodes != 0)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "topology %un%ul%uc%ut cannot be mapped to QEMU: every count must be at "
                   "least 1 and the LLCs must divide evenly over the NUMA nodes",
                   t->numa_nodes, t->llcs, t->cores_per_llc, t->threads_per_core);
      return FALSE;
    }
  if (args->memory_mb < 64 || args->memory_mb / t->numa_nodes < 32)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "%u MB of guest memory is too little for %u NUMA node(s); give at least "
                   "64 MB and 32 MB per node",
                   args->memory_mb, t->numa_nodes);
      return FALSE;
    }
  return TRUE;
}

guint
ktstr_qemu_node_mb (guint memory_mb, guint n_nodes, guint node)
{
  return memory_mb / n_nodes + (node < memory_mb % n_nodes ? 1 : 0);
}

GArray *
ktstr_qemu_ram_layout (guint memory_mb, guint n_nodes)
{
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (KtstrQemuRamPiece));
  /* QEMU lays the nodes' memory one after the other in one RAM space,
   * then maps its first part below 4 GiB and the rest from 4 GiB. */
  guint64 ram_offset = 0;
  for (guint node = 0; node < n_nodes; node++)
    {
      guint64 left = (guint64)ktstr_qemu_node_mb (memory_mb, n_nodes, node) << 20;
      guint64 file_offset = 0;
      while (left > 0)
        {
          gboolean is_low = ram_offset < KTSTR_QEMU_SHARED_LOW_RAM;
          guint64 len = is_low ? MIN (left, KTSTR_QEMU_SHARED_LOW_RAM - ram_offset) : left;
          KtstrQemuRamPiece p = {
            .gpa = is_low ? ram_offset : (4ull << 30) + (ram_offset - KTSTR_QEMU_SHARED_LOW_RAM),
            .size = len,
            .node = node,
            .file_offset = file_offset,
          };
          g_array_append_val (pieces, p);
          ram_offset += len;
          file_offset += len;
          left -= len;
        }
    }
  return pieces;
}

/* Whether RAM needs -object memory backends even on one node. */
static gboolean
has_mem_objects (const KtstrQemuArgs *args)
{
  return args->ram_paths != NULL || args->hugepage_dir != NULL || args->mem_host_nodes != NULL;
}

/* The memory backend of guest node I (MB megabytes). */
static void
add_mem_object (GPtrArray *argv, const KtstrQemuArgs *args, guint i, guint mb)
{
  GString *o = g_string_new (NULL);
  if (args->ram_paths != NULL)
    {
      g_autofree char *path = opt_escape (args->ram_paths[i]);
      g_string_printf (o, "memory-backend-file,id=mem%u,mem-path=%s,size=%uM,share=on", i, path,
                       mb);
    }
  else if (args->hugepage_dir != NULL)
    {
      /* A directory: QEMU makes its file there and removes its name. */
      g_autofree char *dir = opt_escape (args->hugepage_dir);
      g_string_printf (o, "memory-backend-file,id=mem%u,mem-path=%s,size=%uM", i, dir, mb);
    }
  else
    g_string_printf (o, "memory-backend-ram,id=mem%u,size=%uM", i, mb);
  if (args->mem_host_nodes != NULL)
    {
      g_auto (GStrv) ranges = g_strsplit (args->mem_host_nodes, ",", -1);
      for (char **r = ranges; *r != NULL; r++)
        g_string_append_printf (o, ",host-nodes=%s", *r);
      g_string_append (o, ",policy=bind");
    }
  add (argv, "-object");
  g_ptr_array_add (argv, g_string_free (o, FALSE));
}

static void
add_topology (GPtrArray *argv, const KtstrQemuArgs *args)
{
  const KtstrTopology *t = &args->topology;
  guint dies = t->llcs / t->numa_nodes;
  guint cpus = t->llcs * t->cores_per_llc * t->threads_per_core;
  guint cpus_per_node = cpus / t->numa_nodes;

  add (argv, "-m");
  addf (argv, "%u", args->memory_mb);
  add (argv, "-smp");
  addf (argv, "%u,sockets=%u,dies=%u,cores=%u,threads=%u", cpus, t->numa_nodes, dies,
        t->cores_per_llc, t->threads_per_core);
  if (t->numa_nodes < 2 && has_mem_objects (args))
    add_mem_object (argv, args, 0, args->memory_mb);
  if (t->numa_nodes < 2)
    return;
  /* QEMU numbers CPUs socket by socket, so node i (socket i) holds a
   * contiguous range.  Memory is split evenly, the remainder to the first
   * nodes, so the sizes add up to -m exactly. */
  for (guint i = 0; i < t->numa_nodes; i++)
    {
      guint mb = ktstr_qemu_node_mb (args->memory_mb, t->numa_nodes, i);
      add_mem_object (argv, args, i, mb);
      add (argv, "-numa");
      addf (argv, "node,nodeid=%u,cpus=%u-%u,memdev=mem%u", i, i * cpus_per_node,
            (i + 1) * cpus_per_node - 1, i);
    }
}

GStrv
ktstr_qemu_args_build (const KtstrQemuArgs *args, GError **error)
{
  const char *machine = args->machine != NULL ? args->machine : KTSTR_QEMU_DEFAULT_MACHINE;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *console = NULL;
  g_autofree char *ctrl = NULL;
  g_autofree char *qmp = NULL;

  if (!check_args (args, machine, error))
    return NULL;
  console = opt_escape (args->console_path);
  ctrl = opt_escape (args->ctrl_socket_path);
  qmp = opt_escape (args->qmp_socket_path);

  add (argv, args->qemu);
  /* Paused until the backend has connected every socket; no default
   * devices, config files or display; a guest reboot ends QEMU. */
  add (argv, "-S");
  add (argv, "-no-user-config");
  add (argv, "-nodefaults");
  add (argv, "-no-reboot");
  add (argv, "-display");
  add (argv, "none");
  /* Named threads ("CPU 0/TCG"), so that top and perf on the host tell
   * the vCPUs from QEMU's other threads. */
  add (argv, "-name");
  add (argv, "ktstr,debug-threads=on");
  add (argv, "-machine");
  if (args->ram_paths == NULL && (args->topology.numa_nodes >= 2 || !has_mem_objects (args)))
    add (argv, machine);
  else if (args->ram_paths == NULL)
    addf (argv, "%s,memory-backend=mem0", machine);
  else if (args->topology.numa_nodes < 2)
    addf (argv, "%s,memory-backend=mem0,max-ram-below-4g=2G", machine);
  else
    addf (argv, "%s,max-ram-below-4g=2G", machine);
  add (argv, "-accel");
  add (argv, args->accel);
  add (argv, "-cpu");
  add (argv, g_str_equal (args->accel, "kvm") ? "host" : KTSTR_QEMU_TCG_CPU);
  add_topology (argv, args);

  add (argv, "-kernel");
  add (argv, args->kernel_path);
  if (args->initramfs_path != NULL)
    {
      add (argv, "-initrd");
      add (argv, args->initramfs_path);
    }
  add (argv, "-append");
  add_cmdline (argv, args);

  add (argv, "-chardev");
  if (args->is_console_on_stdio)
    /* signal=off: Ctrl-C goes to the guest's shell, not to QEMU. */
    addf (argv, "stdio,id=con0,signal=off,logfile=%s", console);
  else
    addf (argv, "file,id=con0,path=%s", console);
  add (argv, "-serial");
  add (argv, "chardev:con0");

  add (argv, "-device");
  add (argv, "virtio-serial-pci,id=vser0");
  add (argv, "-chardev");
  addf (argv, "socket,id=ctrl,path=%s,server=on,wait=off", ctrl);
  add (argv, "-device");
  add (argv, "virtserialport,bus=vser0.0,chardev=ctrl,name=org.ktstr.ctrl");

  /* pvpanic reports a guest panic as GUEST_PANICKED; without it a panic=-1
   * panic looks like a reboot.  panic=none lets the guest run on after the
   * event: the kernel calls the pvpanic notifier before it flushes the
   * console, and stopping it there (panic=shutdown) loses the panic
   * message whenever another vCPU held the console lock.  The guest then
   * reboots (panic=-1), which -no-reboot turns into SHUTDOWN. */
  add (argv, "-device");
  add (argv, "pvpanic");
  add (argv, "-action");
  add (argv, "panic=none");

  add (argv, "-qmp");
  addf (argv, "unix:%s,server=on,wait=off", qmp);

  g_ptr_array_add (argv, NULL);
  return (GStrv)g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

static gboolean
needs_quoting (const char *word)
{
  if (*word == '\0')
    return TRUE;
  for (const char *p = word; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_./,=:+@%", *p) == NULL)
      return TRUE;
  return FALSE;
}

char *
ktstr_qemu_args_to_shell (const char *const *argv)
{
  g_autoptr (GString) line = g_string_new (NULL);
  for (gsize i = 0; argv[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (line, ' ');
      if (needs_quoting (argv[i]))
        {
          g_autofree char *quoted = g_shell_quote (argv[i]);
          g_string_append (line, quoted);
        }
      else
        g_string_append (line, argv[i]);
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}
