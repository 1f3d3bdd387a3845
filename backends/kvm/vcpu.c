#include "config.h"

#include "backends/kvm/vcpu.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KICK_SIGNAL (SIGRTMIN + 5)
#define KICK_RETRY_US 10000

static void
kick_handler (int sig)
{
  (void)sig; /* only there to interrupt KVM_RUN with EINTR */
}

static void
install_kick_handler (void)
{
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      struct sigaction sa;
      memset (&sa, 0, sizeof sa);
      sa.sa_handler = kick_handler;
      sigemptyset (&sa.sa_mask);
      sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must return */
      sigaction (KICK_SIGNAL, &sa, NULL);
      g_once_init_leave (&once, 1);
    }
}

gboolean
ktstr_vcpu_create (KtstrVcpu *v, const KtstrVcpuExits *exits, gpointer owner,
                   const KtstrKvmSys *sys, guint index, guint32 apic_id, GError **error)
{
  memset (v, 0, sizeof *v);
  v->exits = exits;
  v->owner = owner;
  v->index = index;
  v->apic_id = apic_id;
  v->stats_fd = -1;
  /* The vCPU id is the initial APIC ID the in-kernel local APIC reports. */
  v->fd = ioctl (sys->vm_fd, KVM_CREATE_VCPU, (unsigned long)apic_id);
  if (v->fd < 0)
    {
      int errsv = errno;
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_SETUP,
                   "KVM_CREATE_VCPU for CPU %u (APIC ID %u) failed: %s", index, apic_id,
                   g_strerror (errsv));
      return FALSE;
    }
  v->run_size = (gsize)sys->vcpu_mmap_size;
  void *p = mmap (NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
  if (p == MAP_FAILED)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "mapping kvm_run", errno);
      return FALSE;
    }
  v->run = p;
  if (sys->has_stats_fd)
    v->stats_fd = ioctl (v->fd, KVM_GET_STATS_FD, 0);
  return TRUE;
}

static void
handle_exit (KtstrVcpu *v)
{
  struct kvm_run *run = v->run;
  const KtstrVcpuExits *x = v->exits;
  switch (run->exit_reason)
    {
    case KVM_EXIT_IO:
      {
        guint8 *data = (guint8 *)run + run->io.data_offset;
        for (guint i = 0; i < run->io.count; i++, data += run->io.size)
          x->io (v->owner, run->io.port, run->io.direction == KVM_EXIT_IO_OUT, data, run->io.size);
        break;
      }
    case KVM_EXIT_MMIO:
      x->mmio (v->owner, run->mmio.phys_addr, run->mmio.is_write != 0, run->mmio.data,
               run->mmio.len);
      break;
    case KVM_EXIT_HLT:
    case KVM_EXIT_INTR:
      break;
    case KVM_EXIT_SHUTDOWN:
      x->end (v->owner, KTSTR_VM_END_RESET, "CPU shutdown (triple fault)");
      break;
    case KVM_EXIT_SYSTEM_EVENT:
      switch (run->system_event.type)
        {
        case KVM_SYSTEM_EVENT_SHUTDOWN:
          x->end (v->owner, KTSTR_VM_END_POWEROFF, "system event: shutdown");
          break;
        case KVM_SYSTEM_EVENT_CRASH:
          x->end (v->owner, KTSTR_VM_END_PANIC, "system event: crash");
          break;
        default:
          x->end (v->owner, KTSTR_VM_END_RESET, "system event: reset");
          break;
        }
      break;
    case KVM_EXIT_FAIL_ENTRY:
      {
        g_autofree char *d = g_strdup_printf (
            "vCPU %u: KVM_EXIT_FAIL_ENTRY (hardware entry failure reason 0x%llx)", v->index,
            (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        x->end (v->owner, KTSTR_VM_END_CRASHED, d);
        break;
      }
    case KVM_EXIT_INTERNAL_ERROR:
      {
        struct kvm_regs regs;
        unsigned long long rip = 0;
        if (ioctl (v->fd, KVM_GET_REGS, &regs) == 0)
          rip = regs.rip;
        g_autofree char *d
            = g_strdup_printf ("vCPU %u: KVM internal error (suberror %u) at RIP 0x%llx", v->index,
                               run->internal.suberror, rip);
        x->end (v->owner, KTSTR_VM_END_CRASHED, d);
        break;
      }
    default:
      {
        g_autofree char *d = g_strdup_printf ("vCPU %u: unexpected KVM exit reason %u", v->index,
                                              run->exit_reason);
        x->end (v->owner, KTSTR_VM_END_CRASHED, d);
        break;
      }
    }
}

/* The placement's CPUs (and SCHED_FIFO) for this vCPU's own thread;
 * FALSE, the VM ended as crashed with the reason, when that fails. */
static gboolean
pin_self (KtstrVcpu *v)
{
  if (v->placement == NULL || (v->placement->vcpu_cpus == NULL && v->placement->cpus == NULL))
    return TRUE;
  g_autoptr (GArray) tids = g_array_new (FALSE, TRUE, sizeof (int));
  g_array_set_size (tids, v->index + 1);
  g_array_index (tids, int, v->index) = g_atomic_int_get (&v->os_tid);
  g_autoptr (GError) error = NULL;
  if (ktstr_vm_placement_apply (v->placement, (int)getpid (), tids, FALSE, &error))
    return TRUE;
  v->exits->end (v->owner, KTSTR_VM_END_CRASHED, error->message);
  return FALSE;
}

static gpointer
vcpu_thread (gpointer data)
{
  KtstrVcpu *v = data;
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, KICK_SIGNAL);
  pthread_sigmask (SIG_UNBLOCK, &set, NULL);
  v->tid = pthread_self ();
  /* For the host CPU time of this vCPU (/proc/self/task/TID/schedstat). */
  g_atomic_int_set (&v->os_tid, (gint)syscall (SYS_gettid));
  g_atomic_int_set (&v->is_running, 1);
  if (!pin_self (v))
    {
      g_atomic_int_set (&v->is_running, 0);
      return NULL;
    }

  while (!v->exits->should_stop (v->owner))
    {
      if (ioctl (v->fd, KVM_RUN, 0) < 0)
        {
          int errsv = errno;
          if (errsv == EINTR || errsv == EAGAIN)
            {
              v->run->immediate_exit = 0;
              continue;
            }
          g_autofree char *d
              = g_strdup_printf ("vCPU %u: KVM_RUN failed: %s", v->index, g_strerror (errsv));
          v->exits->end (v->owner, KTSTR_VM_END_CRASHED, d);
          break;
        }
      handle_exit (v);
    }
  g_atomic_int_set (&v->is_running, 0);
  return NULL;
}

gboolean
ktstr_vcpu_start (KtstrVcpu *v, GError **error)
{
  install_kick_handler ();
  g_autofree char *name = g_strdup_printf ("ktstr-vcpu%u", v->index);
  v->thread = g_thread_try_new (name, vcpu_thread, v, error);
  return v->thread != NULL;
}

void
ktstr_vcpu_kick (KtstrVcpu *v)
{
  if (v->run != NULL)
    __atomic_store_n (&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
  if (g_atomic_int_get (&v->is_running))
    pthread_kill (v->tid, KICK_SIGNAL);
}

void
ktstr_vcpu_join (KtstrVcpu *v)
{
  if (v->thread == NULL)
    return;
  /* A signal can land between the stop check and KVM_RUN; immediate_exit
   * covers that, and the retry covers a thread that had not yet published
   * its id when the first kick went out. */
  while (TRUE)
    {
      ktstr_vcpu_kick (v);
      if (!g_atomic_int_get (&v->is_running))
        {
          /* Either returned, or not yet started: the stop flag is set, so
           * a thread starting now exits at once. */
          break;
        }
      g_usleep (KICK_RETRY_US);
    }
  g_thread_join (v->thread);
  v->thread = NULL;
}

void
ktstr_vcpu_destroy (KtstrVcpu *v)
{
  if (v->run != NULL)
    munmap (v->run, v->run_size);
  v->run = NULL;
  if (v->stats_fd >= 0)
    close (v->stats_fd);
  v->stats_fd = -1;
  if (v->fd >= 0)
    close (v->fd);
  v->fd = -1;
}
