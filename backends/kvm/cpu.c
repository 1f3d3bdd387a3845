#include "config.h"

#include "backends/kvm/cpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "backends/kvm/boot.h"
#include "backends/kvm/kvm-sys.h"

#define CR0_PE 0x1ull
#define CR0_ET 0x10ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull

#define PTE_PRESENT 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7
#define APIC_LVT_MASKED (1u << 16)

/* flags (G, D/B, L, AVL) << 52 | access byte << 40 | limit 0xfffff, base 0 */
static guint64
gdt_flat (guint flags, guint access)
{
  return ((guint64)flags << 52) | ((guint64)access << 40) | 0x000f00000000ffffull;
}

/* The GDT entry for selector index I. */
static guint64
gdt_entry (guint i)
{
  switch (i)
    {
    case KTSTR_CPU_SEL_CODE64 >> 3:
      return gdt_flat (0xa, 0x9b); /* G, L; present, code, exec/read, accessed */
    case KTSTR_CPU_SEL_DATA >> 3:
      return gdt_flat (0xc, 0x93); /* G, D/B; present, data, read/write, accessed */
    case KTSTR_CPU_SEL_TSS >> 3:
      return (0x8bull << 40) | 0x67; /* present busy TSS, base 0, limit 0x67 */
    case KTSTR_CPU_SEL_CODE32 >> 3:
      return gdt_flat (0xc, 0x9b); /* G, D/B: 32-bit code for the PVH entry */
    default:
      return 0;
    }
}

gboolean
ktstr_cpu_write_boot_tables (KtstrKvmMemory *mem, GError **error)
{
  guint64 *gdt = ktstr_kvm_memory_ptr (mem, KTSTR_CPU_GDT_GPA, 8 * KTSTR_CPU_GDT_ENTRIES);
  guint64 *idt = ktstr_kvm_memory_ptr (mem, KTSTR_CPU_IDT_GPA, 8);
  guint64 *pml4 = ktstr_kvm_memory_ptr (mem, KTSTR_CPU_PML4_GPA, 4096);
  guint64 *pdpt = ktstr_kvm_memory_ptr (mem, KTSTR_CPU_PDPT_GPA, 4096);
  guint64 *pd = ktstr_kvm_memory_ptr (mem, KTSTR_CPU_PD_GPA, 4 * 4096);
  if (gdt == NULL || idt == NULL || pml4 == NULL || pdpt == NULL || pd == NULL)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "guest memory is too small for the boot page tables");
      return FALSE;
    }
  for (guint i = 0; i < KTSTR_CPU_GDT_ENTRIES; i++)
    gdt[i] = gdt_entry (i);
  *idt = 0;

  memset (pml4, 0, 4096);
  memset (pdpt, 0, 4096);
  pml4[0] = KTSTR_CPU_PDPT_GPA | PTE_PRESENT | PTE_RW;
  /* 4 GiB in 2 MiB pages: enough for the kernel, zero page, command line
   * and an initrd anywhere below 4 GiB, as the 64-bit boot protocol wants. */
  for (guint g = 0; g < 4; g++)
    pdpt[g] = (KTSTR_CPU_PD_GPA + g * 4096) | PTE_PRESENT | PTE_RW;
  for (guint i = 0; i < 4 * 512; i++)
    pd[i] = ((guint64)i << 21) | PTE_PRESENT | PTE_RW | PTE_PS;
  return TRUE;
}

static void
set_segment (struct kvm_segment *s, guint16 selector)
{
  guint64 d = gdt_entry (selector >> 3);
  guint access = (d >> 40) & 0xff;
  guint flags = (d >> 52) & 0xf;
  memset (s, 0, sizeof *s);
  s->selector = selector;
  s->base = 0;
  s->limit = (flags & 0x8) ? 0xffffffff : (d & 0xffff);
  s->type = access & 0xf;
  s->s = (access >> 4) & 1;
  s->dpl = (access >> 5) & 3;
  s->present = (access >> 7) & 1;
  s->avl = flags & 1;
  s->l = (flags >> 1) & 1;
  s->db = (flags >> 2) & 1;
  s->g = (flags >> 3) & 1;
}

static gboolean
set_fpu_and_msrs (int fd, GError **error)
{
  struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
  if (ioctl (fd, KVM_SET_FPU, &fpu) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_SET_FPU", errno);
      return FALSE;
    }

  static const struct
  {
    guint32 index;
    guint64 data;
  } msrs[] = {
    { 0x174, 0 },              /* IA32_SYSENTER_CS */
    { 0x175, 0 },              /* IA32_SYSENTER_ESP */
    { 0x176, 0 },              /* IA32_SYSENTER_EIP */
    { 0xc0000081, 0 },         /* STAR */
    { 0xc0000082, 0 },         /* LSTAR */
    { 0xc0000083, 0 },         /* CSTAR */
    { 0xc0000084, 0 },         /* SYSCALL_MASK */
    { 0xc0000102, 0 },         /* KERNEL_GS_BASE */
    { 0x10, 0 },               /* TSC */
    { 0x1a0, 1 },              /* IA32_MISC_ENABLE: fast strings */
    { 0x2ff, (1u << 11) | 6 }, /* MTRRdefType: enabled, write-back */
  };
  /* One at a time: an MSR this host does not know (CSTAR on some, the MTRR
   * on others) only means the guest starts from KVM's default for it. */
  for (gsize i = 0; i < G_N_ELEMENTS (msrs); i++)
    {
      /* struct kvm_msrs ends in a flexible array: room for one entry. */
      union
      {
        struct kvm_msrs hdr;
        guint8 bytes[sizeof (struct kvm_msrs) + sizeof (struct kvm_msr_entry)];
      } m = { 0 };
      m.hdr.nmsrs = 1;
      m.hdr.entries[0].index = msrs[i].index;
      m.hdr.entries[0].data = msrs[i].data;
      (void)ioctl (fd, KVM_SET_MSRS, &m);
    }
  return TRUE;
}

static gboolean
set_lint (int fd, guint32 lint0, guint32 lint1, GError **error)
{
  struct kvm_lapic_state lapic;
  if (ioctl (fd, KVM_GET_LAPIC, &lapic) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_GET_LAPIC", errno);
      return FALSE;
    }
  guint32 v;
  memcpy (&v, lapic.regs + APIC_LVT_LINT0, 4);
  v = (v & ~0x1c700u) | lint0;
  memcpy (lapic.regs + APIC_LVT_LINT0, &v, 4);
  memcpy (&v, lapic.regs + APIC_LVT_LINT1, 4);
  v = (v & ~0x1c700u) | lint1;
  memcpy (lapic.regs + APIC_LVT_LINT1, &v, 4);
  if (ioctl (fd, KVM_SET_LAPIC, &lapic) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_SET_LAPIC", errno);
      return FALSE;
    }
  return TRUE;
}

gboolean
ktstr_cpu_setup_bsp (int fd, KtstrCpuMode mode, guint64 entry, guint64 boot_arg, GError **error)
{
  struct kvm_sregs sregs;
  if (ioctl (fd, KVM_GET_SREGS, &sregs) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_GET_SREGS", errno);
      return FALSE;
    }
  gboolean is_long = mode == KTSTR_CPU_MODE_LONG;
  set_segment (&sregs.cs, is_long ? KTSTR_CPU_SEL_CODE64 : KTSTR_CPU_SEL_CODE32);
  set_segment (&sregs.ds, KTSTR_CPU_SEL_DATA);
  set_segment (&sregs.es, KTSTR_CPU_SEL_DATA);
  set_segment (&sregs.fs, KTSTR_CPU_SEL_DATA);
  set_segment (&sregs.gs, KTSTR_CPU_SEL_DATA);
  set_segment (&sregs.ss, KTSTR_CPU_SEL_DATA);
  set_segment (&sregs.tr, KTSTR_CPU_SEL_TSS);
  sregs.gdt.base = KTSTR_CPU_GDT_GPA;
  sregs.gdt.limit = 8 * KTSTR_CPU_GDT_ENTRIES - 1;
  sregs.idt.base = KTSTR_CPU_IDT_GPA;
  sregs.idt.limit = 7;
  if (is_long)
    {
      sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
      sregs.cr3 = KTSTR_CPU_PML4_GPA;
      sregs.cr4 = CR4_PAE;
      sregs.efer = EFER_LME | EFER_LMA;
    }
  else
    {
      sregs.cr0 = CR0_PE | CR0_ET;
      sregs.cr3 = 0;
      sregs.cr4 = 0;
      sregs.efer = 0;
    }
  if (ioctl (fd, KVM_SET_SREGS, &sregs) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_SET_SREGS", errno);
      return FALSE;
    }

  struct kvm_regs regs = { .rflags = 0x2, .rip = entry };
  regs.rsp = regs.rbp = KTSTR_BOOT_STACK_GPA;
  if (is_long)
    regs.rsi = boot_arg;
  else
    regs.rbx = boot_arg;
  if (ioctl (fd, KVM_SET_REGS, &regs) < 0)
    {
      ktstr_kvm_set_errno_error (error, KTSTR_KVM_ERROR_SETUP, "KVM_SET_REGS", errno);
      return FALSE;
    }
  if (!set_fpu_and_msrs (fd, error))
    return FALSE;
  /* Virtual-wire mode, as firmware leaves it: the PIC's output reaches
   * the BSP through LINT0, NMIs through LINT1. */
  return set_lint (fd, APIC_MODE_EXTINT << 8, APIC_MODE_NMI << 8, error);
}

gboolean
ktstr_cpu_setup_ap (int fd, GError **error)
{
  if (!set_fpu_and_msrs (fd, error))
    return FALSE;
  return set_lint (fd, APIC_LVT_MASKED, APIC_LVT_MASKED, error);
}
