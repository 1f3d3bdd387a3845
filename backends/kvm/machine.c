#include "config.h"

#include "backends/kvm/machine.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "backends/kernel-image.h"
#include "backends/kvm/acpi.h"
#include "backends/kvm/boot.h"
#include "backends/kvm/cpu.h"
#include "backends/kvm/cpuid.h"
#include "backends/kvm/kvm-sys.h"
#include "backends/kvm/memory.h"
#include "backends/kvm/platform.h"
#include "backends/kvm/pvh.h"
#include "backends/kvm/stats.h"
#include "backends/kvm/uart.h"
#include "backends/kvm/vcpu.h"
#include "common/proto.h"

/* Where the vCPUs hand their exits (defined with its functions below). */
static const KtstrVcpuExits vcpu_exits;

struct _KtstrKvmMachine
{
  KtstrKvmMachineConfig config;
  KtstrKvmSys sys;
  KtstrKvmMemory *mem;
  struct kvm_cpuid2 *supported_cpuid;
  KtstrVcpu *vcpus;
  guint n_vcpus;
  guint n_created;
  char *cmdline;
  const char *boot_kind;

  GMutex uart_lock;
  KtstrUart *uart;
  KtstrVirtioConsole *console;

  GMutex end_lock;
  KtstrVmEnd end;
  char *end_detail;
  gint should_stop; /* atomic */
  gboolean is_started;
};

static void
uart_output (const guint8 *data, gsize len, gpointer user_data)
{
  KtstrKvmMachine *m = user_data;
  if (m->config.on_console != NULL)
    m->config.on_console (data, len, m->config.user_data);
}

static void
uart_irq (gboolean level, gpointer user_data)
{
  KtstrKvmMachine *m = user_data;
  ktstr_kvm_sys_irq_line (&m->sys, KTSTR_UART_COM1_IRQ, level);
}

static void
console_data (const guint8 *data, gsize len, gpointer user_data)
{
  KtstrKvmMachine *m = user_data;
  if (m->config.on_ctrl != NULL)
    m->config.on_ctrl (data, len, m->config.user_data);
}

static void
console_irq (gboolean level, gpointer user_data)
{
  KtstrKvmMachine *m = user_data;
  ktstr_kvm_sys_irq_line (&m->sys, KTSTR_KVM_CONSOLE_IRQ, level);
}

static gboolean
read_initrd (KtstrKvmMachine *m, guint64 floor, guint64 max_end, guint64 *gpa, guint64 *size,
             GError **error)
{
  *gpa = 0;
  *size = 0;
  if (m->config.initrd_path == NULL)
    return TRUE;
  g_autoptr (GMappedFile) f = g_mapped_file_new (m->config.initrd_path, FALSE, error);
  if (f == NULL)
    {
      g_prefix_error (error, "initramfs: ");
      return FALSE;
    }
  gsize len = g_mapped_file_get_length (f);
  if (len == 0)
    return TRUE;
  if (!ktstr_boot_place_initrd (len, ktstr_kvm_memory_low_end (m->mem), max_end, floor, gpa, error))
    return FALSE;
  memcpy (ktstr_kvm_memory_ptr (m->mem, *gpa, len), g_mapped_file_get_contents (f), len);
  *size = len;
  return TRUE;
}

static gboolean
write_acpi (KtstrKvmMachine *m, GError **error)
{
  KtstrAcpiSpec spec = {
    .topology = m->config.topology,
    .regions = m->mem->regions,
    .n_regions = m->mem->n_regions,
  };
  g_autoptr (KtstrAcpiTables) t = ktstr_acpi_build (&spec, error);
  if (t == NULL)
    return FALSE;
  guint8 *dst = ktstr_kvm_memory_ptr (m->mem, KTSTR_ACPI_BASE_GPA, t->length);
  if (dst == NULL)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "guest memory is too small for the ACPI tables");
      return FALSE;
    }
  memcpy (dst, t->data, t->length);
  return TRUE;
}

/* Loads the kernel; sets *entry, *mode and *boot_arg for the BSP. */
static gboolean
load_kernel (KtstrKvmMachine *m, guint64 *entry, KtstrCpuMode *mode, guint64 *boot_arg,
             GError **error)
{
  KtstrE820Entry e820[KTSTR_E820_MAX];
  guint n_e820 = ktstr_kvm_e820_build (m->mem->ram_size, e820);
  const char *path = m->config.kernel_path;
  KtstrKernelFormat format;
  if (!ktstr_kernel_check_image (path, &format, error))
    return FALSE;
  g_autoptr (GMappedFile) f = g_mapped_file_new (path, FALSE, error);
  if (f == NULL)
    return FALSE;
  const guint8 *data = (const guint8 *)g_mapped_file_get_contents (f);
  gsize len = g_mapped_file_get_length (f);
  guint64 low_end = ktstr_kvm_memory_low_end (m->mem);

  if (format == KTSTR_KERNEL_FORMAT_BZIMAGE)
    {
      KtstrBzImage bz;
      if (!ktstr_bzimage_parse (data, len, path, &bz, error))
        return FALSE;
      /* The decompressor moves the kernel to pref_address (16 MiB on
       * x86-64) and needs init_size bytes from there. */
      guint64 floor = MAX (KTSTR_BOOT_KERNEL_GPA, bz.pref_address) + bz.init_size;
      guint8 *dst = ktstr_kvm_memory_ptr (m->mem, KTSTR_BOOT_KERNEL_GPA, bz.payload_bytes);
      if (dst == NULL || floor > low_end)
        {
          g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                       "'%s' needs at least %" G_GUINT64_FORMAT " MiB of guest memory", path,
                       (floor >> 20) + 1);
          return FALSE;
        }
      memcpy (dst, data + bz.setup_bytes, bz.payload_bytes);
      guint64 initrd, initrd_size;
      if (!read_initrd (m, floor, (guint64)bz.initrd_addr_max + 1, &initrd, &initrd_size, error)
          || !ktstr_boot_write_cmdline (m->mem, m->cmdline, bz.cmdline_size, error))
        return FALSE;
      KtstrBootParamsSpec spec = {
        .cmdline_gpa = KTSTR_BOOT_CMDLINE_GPA,
        .initrd_gpa = initrd,
        .initrd_size = initrd_size,
        .rsdp_gpa = KTSTR_ACPI_BASE_GPA,
        .e820 = e820,
        .n_e820 = n_e820,
      };
      ktstr_boot_params_build (
          ktstr_kvm_memory_ptr (m->mem, KTSTR_BOOT_ZERO_PAGE_GPA, KTSTR_BOOT_ZERO_PAGE_SIZE), data,
          &bz, &spec);
      *entry = KTSTR_BOOT_KERNEL_GPA + 0x200; /* startup_64 */
      *mode = KTSTR_CPU_MODE_LONG;
      *boot_arg = KTSTR_BOOT_ZERO_PAGE_GPA;
      m->boot_kind = "bzImage";
      return TRUE;
    }

  KtstrPvhImage pvh;
  if (!ktstr_pvh_parse (data, len, path, &pvh, error))
    return FALSE;
  if (pvh.load_end > low_end)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "'%s' needs at least %" G_GUINT64_FORMAT " MiB of guest memory", path,
                   (pvh.load_end >> 20) + 1);
      return FALSE;
    }
  guint64 initrd, initrd_size;
  if (!ktstr_pvh_load (data, len, m->mem, error)
      || !read_initrd (m, pvh.load_end, KTSTR_KVM_LOW_RAM_END, &initrd, &initrd_size, error)
      || !ktstr_boot_write_cmdline (m->mem, m->cmdline, 2047, error))
    return FALSE;
  KtstrPvhStartSpec spec = {
    .cmdline_gpa = KTSTR_BOOT_CMDLINE_GPA,
    .initrd_gpa = initrd,
    .initrd_size = initrd_size,
    .rsdp_gpa = KTSTR_ACPI_BASE_GPA,
    .e820 = e820,
    .n_e820 = n_e820,
  };
  ktstr_pvh_start_info_build (ktstr_kvm_memory_ptr (m->mem, KTSTR_PVH_START_INFO_GPA, 4096), &spec);
  *entry = pvh.entry;
  *mode = KTSTR_CPU_MODE_PVH32;
  *boot_arg = KTSTR_PVH_START_INFO_GPA;
  m->boot_kind = "PVH";
  return TRUE;
}

static gboolean
create_vcpus (KtstrKvmMachine *m, guint64 entry, KtstrCpuMode mode, guint64 boot_arg,
              GError **error)
{
  m->vcpus = g_new0 (KtstrVcpu, m->n_vcpus);
  for (guint i = 0; i < m->n_vcpus; i++)
    {
      KtstrVcpu *v = &m->vcpus[i];
      /* Counted before creation: destroy copes with a half-created vCPU. */
      m->n_created = i + 1;
      if (!ktstr_vcpu_create (v, &vcpu_exits, m, &m->sys, i,
                              ktstr_cpuid_apic_id (&m->config.topology, i), error))
        return FALSE;
      KtstrCpuidFlags flags = (m->sys.has_tsc_deadline ? KTSTR_CPUID_TSC_DEADLINE : 0)
                              | (m->config.is_emulated ? KTSTR_CPUID_EMULATED : 0);
      g_autofree struct kvm_cpuid2 *cpuid
          = ktstr_cpuid_for_vcpu (m->supported_cpuid, &m->config.topology, i, flags);
      if (ioctl (v->fd, KVM_SET_CPUID2, cpuid) < 0)
        {
          ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_SET_CPUID2", errno);
          return FALSE;
        }
      gboolean ok = i == 0 ? ktstr_cpu_setup_bsp (v->fd, mode, entry, boot_arg, error)
                           : ktstr_cpu_setup_ap (v->fd, error);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

KtstrKvmMachine *
ktstr_kvm_machine_new (const KtstrKvmMachineConfig *config, GError **error)
{
  g_autoptr (KtstrKvmMachine) m = g_new0 (KtstrKvmMachine, 1);
  m->config = *config;
  m->sys = (KtstrKvmSys)KTSTR_KVM_SYS_INIT;
  g_mutex_init (&m->uart_lock);
  g_mutex_init (&m->end_lock);
  m->n_vcpus = ktstr_topology_cpus (&config->topology);
  if (config->raw_code != NULL)
    m->cmdline = g_strdup (config->cmdline != NULL ? config->cmdline : "");
  else
    m->cmdline = g_strjoin (" ", config->cmdline != NULL ? config->cmdline : "",
                            KTSTR_KVM_DEVICE_CMDLINE, NULL);
  g_strstrip (m->cmdline);

  if (!ktstr_kvm_sys_open (&m->sys, config->kvm_device ? config->kvm_device : "/dev/kvm", error)
      || !ktstr_cpuid_check_topology (&config->topology, (guint)m->sys.max_vcpus, error)
      || !ktstr_kvm_sys_create_vm (&m->sys, error))
    return NULL;
  m->supported_cpuid = ktstr_kvm_sys_get_supported_cpuid (&m->sys, error);
  if (m->supported_cpuid == NULL)
    return NULL;
  const KtstrVmPlacement *pl = config->placement;
  m->mem = ktstr_kvm_memory_new_placed (config->memory_bytes, config->topology.numa_nodes,
                                        pl != NULL && pl->hugepage_dir != NULL,
                                        pl != NULL ? pl->mem_nodes : NULL, error);
  if (m->mem == NULL || !ktstr_kvm_memory_register (m->mem, &m->sys, error)
      || !ktstr_cpu_write_boot_tables (m->mem, error) || !write_acpi (m, error))
    return NULL;

  guint64 entry, boot_arg = 0;
  KtstrCpuMode mode = KTSTR_CPU_MODE_LONG;
  if (config->raw_code != NULL)
    {
      guint8 *dst = ktstr_kvm_memory_ptr (m->mem, KTSTR_KVM_RAW_CODE_GPA, config->raw_code_len);
      if (dst == NULL)
        {
          g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                       "guest memory is too small for the code");
          return NULL;
        }
      memcpy (dst, config->raw_code, config->raw_code_len);
      entry = KTSTR_KVM_RAW_CODE_GPA;
      m->boot_kind = "raw";
    }
  else if (!load_kernel (m, &entry, &mode, &boot_arg, error))
    return NULL;

  m->uart = ktstr_uart_new (uart_output, uart_irq, m);
  m->console
      = ktstr_virtio_console_new (m->mem, KTSTR_CTRL_PORT_NAME, console_data, console_irq, m);
  if (!create_vcpus (m, entry, mode, boot_arg, error))
    return NULL;
  return g_steal_pointer (&m);
}

gboolean
ktstr_kvm_machine_start (KtstrKvmMachine *m, GError **error)
{
  m->is_started = TRUE;
  for (guint i = 0; i < m->n_vcpus; i++)
    m->vcpus[i].placement = m->config.placement;
  for (guint i = 0; i < m->n_vcpus; i++)
    if (!ktstr_vcpu_start (&m->vcpus[i], error))
      {
        g_prefix_error (error, "starting vCPU %u: ", i);
        ktstr_kvm_machine_end (m, KTSTR_VM_END_CRASHED, "a vCPU thread could not start");
        return FALSE;
      }
  return TRUE;
}

void
ktstr_kvm_machine_end (KtstrKvmMachine *m, KtstrVmEnd end, const char *detail)
{
  gboolean is_first = FALSE;
  g_mutex_lock (&m->end_lock);
  if (m->end == KTSTR_VM_END_NONE)
    {
      m->end = end;
      m->end_detail = g_strdup (detail);
      is_first = TRUE;
    }
  g_mutex_unlock (&m->end_lock);
  g_atomic_int_set (&m->should_stop, 1);
  for (guint i = 0; i < m->n_created; i++)
    ktstr_vcpu_kick (&m->vcpus[i]);
  if (is_first && m->config.on_end != NULL)
    m->config.on_end (end, detail, m->config.user_data);
}

KtstrVmEnd
ktstr_kvm_machine_get_end (KtstrKvmMachine *m, char **detail)
{
  g_mutex_lock (&m->end_lock);
  KtstrVmEnd end = m->end;
  if (detail != NULL)
    *detail = g_strdup (m->end_detail);
  g_mutex_unlock (&m->end_lock);
  return end;
}

/* ---------- what the vCPU threads hand back (vcpu.h) ---------- */

static gboolean
vcpu_should_stop (gpointer owner)
{
  KtstrKvmMachine *m = owner;
  return g_atomic_int_get (&m->should_stop) != 0;
}

static void
vcpu_end (gpointer owner, KtstrVmEnd end, const char *detail)
{
  ktstr_kvm_machine_end (owner, end, detail);
}

void
ktstr_kvm_machine_stop (KtstrKvmMachine *m)
{
  g_atomic_int_set (&m->should_stop, 1);
  for (guint i = 0; i < m->n_created; i++)
    ktstr_vcpu_join (&m->vcpus[i]);
}

GHashTable *
ktstr_kvm_machine_collect_stats (KtstrKvmMachine *m)
{
  if (!m->sys.has_stats_fd || m->n_created == 0)
    return NULL;
  GHashTable *all = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                           (GDestroyNotify)g_hash_table_unref);
  for (guint i = 0; i < m->n_created; i++)
    {
      if (m->vcpus[i].stats_fd < 0)
        continue;
      GHashTable *t = ktstr_kvm_stats_read (m->vcpus[i].stats_fd, NULL);
      if (t != NULL)
        g_hash_table_insert (all, GUINT_TO_POINTER (i), t);
    }
  return all;
}

void
ktstr_kvm_machine_vcpu_time (KtstrKvmMachine *m, KtstrVcpuTime *t)
{
  for (guint i = 0; i < m->n_created; i++)
    {
      KtstrVcpu *v = &m->vcpus[i];
      gint tid = g_atomic_int_get (&v->os_tid);
      if (tid == 0 || !g_atomic_int_get (&v->is_running))
        continue;
      guint64 before = t->run_ns;
      if (!ktstr_vcpu_time_add_thread (t, (int)getpid (), tid))
        continue;
      /* schedstat's run time moves only at a tick or a context switch, so
       * a thread on its first slice reads 0; its CPU clock (our own thread,
       * not yet joined) counts the slice it is in. */
      clockid_t clock;
      struct timespec ts;
      if (pthread_getcpuclockid (v->tid, &clock) == 0 && clock_gettime (clock, &ts) == 0)
        t->run_ns
            = before + (guint64)ts.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64)ts.tv_nsec;
    }
}

void
ktstr_kvm_machine_free (KtstrKvmMachine *m)
{
  if (m == NULL)
    return;
  ktstr_kvm_machine_stop (m);
  for (guint i = 0; i < m->n_created; i++)
    ktstr_vcpu_destroy (&m->vcpus[i]);
  g_free (m->vcpus);
  g_clear_pointer (&m->console, ktstr_virtio_console_free);
  g_clear_pointer (&m->uart, ktstr_uart_free);
  ktstr_kvm_sys_close (&m->sys);
  g_clear_pointer (&m->mem, ktstr_kvm_memory_free);
  g_free (m->supported_cpuid);
  g_free (m->cmdline);
  g_free (m->end_detail);
  g_mutex_clear (&m->uart_lock);
  g_mutex_clear (&m->end_lock);
  g_free (m);
}

static void
vcpu_io (gpointer owner, guint16 port, gboolean is_write, guint8 *data, guint len)
{
  KtstrKvmMachine *m = owner;
  if (port >= KTSTR_UART_COM1_PORT && port < KTSTR_UART_COM1_PORT + 8)
    {
      g_mutex_lock (&m->uart_lock);
      if (is_write)
        ktstr_uart_write (m->uart, port - KTSTR_UART_COM1_PORT, data[0]);
      else
        data[0] = ktstr_uart_read (m->uart, port - KTSTR_UART_COM1_PORT);
      g_mutex_unlock (&m->uart_lock);
      return;
    }
  KtstrPlatformEvent event;
  const char *detail;
  if (ktstr_platform_io (port, is_write, data, len, &event, &detail))
    {
      static const KtstrVmEnd ends[] = {
        [KTSTR_PLATFORM_EVENT_POWEROFF] = KTSTR_VM_END_POWEROFF,
        [KTSTR_PLATFORM_EVENT_RESET] = KTSTR_VM_END_RESET,
        [KTSTR_PLATFORM_EVENT_PANIC] = KTSTR_VM_END_PANIC,
      };
      if (event != KTSTR_PLATFORM_EVENT_NONE)
        ktstr_kvm_machine_end (m, ends[event], detail);
      return;
    }
  if (m->config.io_hook != NULL
      && m->config.io_hook (port, is_write, data, len, m->config.user_data))
    return;
  /* Nothing there: reads float high, as on an ISA bus. */
  if (!is_write)
    memset (data, 0xff, len);
}

static void
vcpu_mmio (gpointer owner, guint64 addr, gboolean is_write, guint8 *data, guint len)
{
  KtstrKvmMachine *m = owner;
  if (addr >= KTSTR_KVM_CONSOLE_MMIO_GPA
      && addr + len <= KTSTR_KVM_CONSOLE_MMIO_GPA + KTSTR_VIRTIO_MMIO_SIZE)
    {
      guint64 off = addr - KTSTR_KVM_CONSOLE_MMIO_GPA;
      if (is_write)
        ktstr_virtio_console_mmio_write (m->console, off, data, len);
      else
        ktstr_virtio_console_mmio_read (m->console, off, data, len);
      return;
    }
  if (!is_write)
    memset (data, 0xff, len);
}

static const KtstrVcpuExits vcpu_exits = {
  .io = vcpu_io,
  .mmio = vcpu_mmio,
  .end = vcpu_end,
  .should_stop = vcpu_should_stop,
};

const char *
ktstr_kvm_machine_get_cmdline (KtstrKvmMachine *m)
{
  return m->cmdline;
}

const char *
ktstr_kvm_machine_get_boot_kind (KtstrKvmMachine *m)
{
  return m->boot_kind;
}

KtstrVirtioConsole *
ktstr_kvm_machine_get_console (KtstrKvmMachine *m)
{
  return m->console;
}

guint
ktstr_kvm_machine_get_n_vcpus (KtstrKvmMachine *m)
{
  return m->n_vcpus;
}

const KtstrKvmMemory *
ktstr_kvm_machine_get_memory (KtstrKvmMachine *m)
{
  return m->mem;
}

int
ktstr_kvm_machine_get_vcpu_tid (KtstrKvmMachine *m, guint i)
{
  return i < m->n_created ? g_atomic_int_get (&m->vcpus[i].os_tid) : 0;
}
