#include "config.h"

#include "backends/kvm/kvm-sys.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

GQuark
ktstr_kvm_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-kvm-error-quark");
}

/* What the backend uses, and why, so a refusal can say what is missing. */
static const struct
{
  int cap;
  const char *name;
  const char *use;
} required_caps[] = {
  { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM from host memory" },
  { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "the in-kernel PIC, IOAPIC and local APICs" },
  { KVM_CAP_PIT2, "KVM_CAP_PIT2", "the in-kernel PIT timer" },
  { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", "the TSS for real-mode emulation" },
  { KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR", "placing the identity map" },
  { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "per-vCPU CPUID (topology)" },
  { KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE", "starting secondary CPUs through INIT/SIPI" },
  { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "stopping vCPUs without races" },
};

void
ktstr_kvm_set_errno_error (GError **error, int code, const char *what, int errsv)
{
  g_set_error (error, KTSTR_KVM_ERROR, code, "%s failed: %s", what, g_strerror (errsv));
}

static int
xioctl (int fd, unsigned long req, unsigned long arg)
{
  int r;
  do
    r = ioctl (fd, req, arg);
  while (r < 0 && (errno == EINTR || errno == EAGAIN));
  return r;
}

gboolean
ktstr_kvm_sys_open (KtstrKvmSys *sys, const char *device, GError **error)
{
  sys->kvm_fd = -1;
  sys->vm_fd = -1;
  int fd = open (device, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;
      if (errsv == ENOENT || errsv == ENXIO || errsv == ENODEV)
        g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_NO_DEVICE,
                     "%s does not exist: load the kvm_intel or kvm_amd module, or enable "
                     "virtualization in the firmware (or use --backend=qemu, which falls back "
                     "to TCG)",
                     device);
      else if (errsv == EACCES || errsv == EPERM)
        g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_PERMISSION,
                     "cannot open %s: %s; add yourself to its group (usually 'kvm': "
                     "sudo usermod -aG kvm $USER, then log in again)",
                     device, g_strerror (errsv));
      else
        g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_PERMISSION, "cannot open %s: %s",
                     device, g_strerror (errsv));
      return FALSE;
    }

  int version = ioctl (fd, KVM_GET_API_VERSION, 0);
  if (version != KVM_API_VERSION)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CAPABILITY,
                   "%s speaks KVM API version %d, ktstr needs %d", device, version,
                   KVM_API_VERSION);
      close (fd);
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (required_caps); i++)
    if (ioctl (fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0)
      {
        g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CAPABILITY,
                     "the host KVM lacks %s (needed for %s); use --backend=qemu",
                     required_caps[i].name, required_caps[i].use);
        close (fd);
        return FALSE;
      }

  sys->vcpu_mmap_size = ioctl (fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (sys->vcpu_mmap_size < (int)sizeof (struct kvm_run))
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_CAPABILITY, "KVM_GET_VCPU_MMAP_SIZE",
                                 errno);
      close (fd);
      return FALSE;
    }
  sys->max_vcpus = ioctl (fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
  sys->recommended_vcpus = ioctl (fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
  if (sys->max_vcpus <= 0)
    sys->max_vcpus = sys->recommended_vcpus > 0 ? sys->recommended_vcpus : 4;
  sys->has_stats_fd = ioctl (fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0;
  sys->has_tsc_deadline = ioctl (fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
  sys->kvm_fd = fd;
  return TRUE;
}

gboolean
ktstr_kvm_sys_create_vm (KtstrKvmSys *sys, GError **error)
{
  int vm = xioctl (sys->kvm_fd, KVM_CREATE_VM, 0);
  if (vm < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_CREATE_VM", errno);
      return FALSE;
    }
  sys->vm_fd = vm;

  guint64 identity = KTSTR_KVM_IDENTITY_MAP_ADDR;
  if (ioctl (vm, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_SET_IDENTITY_MAP_ADDR", errno);
      return FALSE;
    }
  if (ioctl (vm, KVM_SET_TSS_ADDR, (unsigned long)KTSTR_KVM_TSS_ADDR) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_SET_TSS_ADDR", errno);
      return FALSE;
    }
  if (ioctl (vm, KVM_CREATE_IRQCHIP, 0) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_CREATE_IRQCHIP", errno);
      return FALSE;
    }
  /* The PIT's port 0x61 speaker bit is emulated as a dummy so Linux's PIT
   * calibration loops terminate. */
  struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
  if (ioctl (vm, KVM_CREATE_PIT2, &pit) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_CREATE_PIT2", errno);
      return FALSE;
    }
  return TRUE;
}

void
ktstr_kvm_sys_close (KtstrKvmSys *sys)
{
  if (sys->vm_fd >= 0)
    close (sys->vm_fd);
  if (sys->kvm_fd >= 0)
    close (sys->kvm_fd);
  sys->vm_fd = -1;
  sys->kvm_fd = -1;
}

struct kvm_cpuid2 *
ktstr_kvm_sys_get_supported_cpuid (const KtstrKvmSys *sys, GError **error)
{
  for (guint n = 128; n <= 4096; n *= 2)
    {
      struct kvm_cpuid2 *c = g_malloc0 (sizeof *c + n * sizeof (struct kvm_cpuid_entry2));
      c->nent = n;
      if (ioctl (sys->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
        return c;
      int errsv = errno;
      g_free (c);
      if (errsv != E2BIG)
        {
          ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_GET_SUPPORTED_CPUID",
                                     errsv);
          return NULL;
        }
    }
  g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_SETUP,
               "KVM_GET_SUPPORTED_CPUID returns more than 4096 entries");
  return NULL;
}

gboolean
ktstr_kvm_sys_set_memory (const KtstrKvmSys *sys, guint slot, guint64 gpa, guint64 size, void *hva,
                          GError **error)
{
  struct kvm_userspace_memory_region r = {
    .slot = slot,
    .guest_phys_addr = gpa,
    .memory_size = size,
    .userspace_addr = (guint64)(guintptr)hva,
  };
  if (ioctl (sys->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_SETUP,
                   "KVM_SET_USER_MEMORY_REGION (slot %u, 0x%" G_GINT64_MODIFIER
                   "x+0x%" G_GINT64_MODIFIER "x) failed: %s",
                   slot, gpa, size, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

void
ktstr_kvm_sys_irq_line (const KtstrKvmSys *sys, guint gsi, gboolean level)
{
  struct kvm_irq_level l = { .irq = gsi, .level = level ? 1 : 0 };
  /* Failure means the VM is being torn down; nothing useful to report. */
  (void)ioctl (sys->vm_fd, KVM_IRQ_LINE, &l);
}
