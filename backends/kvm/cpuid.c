#include "config.h"

#include "backends/kvm/cpuid.h"

#include <string.h>

#include "backends/kvm/kvm-sys.h"

#define LEAF1_ECX_CX16 (1u << 13)
#define LEAF1_ECX_TSC_DEADLINE (1u << 24)
#define LEAF1_EDX_HTT (1u << 28)
#define LEVEL_SMT 1
#define LEVEL_CORE 2

static guint
order (guint n)
{
  guint bits = 0;
  while ((1u << bits) < n)
    bits++;
  return bits;
}

static guint
thread_bits (const KtstrTopology *t)
{
  return order (t->threads_per_core);
}

static guint
core_bits (const KtstrTopology *t)
{
  return order (t->cores_per_llc);
}

static guint
llc_of (const KtstrTopology *t, guint cpu)
{
  return cpu / (t->cores_per_llc * t->threads_per_core);
}

guint
ktstr_cpuid_node_of (const KtstrTopology *t, guint cpu)
{
  /* LLCs go to nodes contiguously, the same number on each node. */
  return llc_of (t, cpu) / (t->llcs / t->numa_nodes);
}

guint32
ktstr_cpuid_apic_id (const KtstrTopology *t, guint cpu)
{
  guint tb = thread_bits (t), cb = core_bits (t);
  guint thread = cpu % t->threads_per_core;
  guint core = (cpu / t->threads_per_core) % t->cores_per_llc;
  guint llc = llc_of (t, cpu);
  return (llc << (cb + tb)) | (core << tb) | thread;
}

gboolean
ktstr_cpuid_check_topology (const KtstrTopology *t, guint max_vcpus, GError **error)
{
  guint cpus = ktstr_topology_cpus (t);
  char label[64];
  ktstr_topology_format (t, label, sizeof label);
  if (cpus > max_vcpus)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "topology %s has %u CPUs; this host's KVM allows at most %u vCPUs", label, cpus,
                   max_vcpus);
      return FALSE;
    }
  guint32 max_id = ktstr_cpuid_apic_id (t, cpus - 1);
  if (max_id > KTSTR_CPUID_MAX_APIC_ID)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "topology %s needs APIC ID %u; the kvm backend supports IDs up to %u "
                   "(xAPIC); use --backend=qemu for this topology",
                   label, max_id, KTSTR_CPUID_MAX_APIC_ID);
      return FALSE;
    }
  return TRUE;
}

struct kvm_cpuid_entry2 *
ktstr_cpuid_find (struct kvm_cpuid2 *c, guint32 function, guint32 index)
{
  for (guint i = 0; i < c->nent; i++)
    {
      struct kvm_cpuid_entry2 *e = &c->entries[i];
      if (e->function != function)
        continue;
      if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)
        return e;
    }
  return NULL;
}

gboolean
ktstr_cpuid_is_amd (const struct kvm_cpuid2 *c)
{
  for (guint i = 0; i < c->nent; i++)
    if (c->entries[i].function == 0)
      {
        char vendor[13];
        memcpy (vendor, &c->entries[i].ebx, 4);
        memcpy (vendor + 4, &c->entries[i].edx, 4);
        memcpy (vendor + 8, &c->entries[i].ecx, 4);
        vendor[12] = '\0';
        return strcmp (vendor, "AuthenticAMD") == 0 || strcmp (vendor, "HygonGenuine") == 0;
      }
  return FALSE;
}

/* Replaces the bits of *REG under MASK (shifted by SHIFT) with VALUE. */
static void
set_field (guint32 *reg, guint shift, guint32 mask, guint32 value)
{
  *reg = (*reg & ~(mask << shift)) | ((value & mask) << shift);
}

/* Drops every entry of FUNCTION. */
static void
remove_leaf (struct kvm_cpuid2 *c, guint32 function)
{
  guint w = 0;
  for (guint i = 0; i < c->nent; i++)
    if (c->entries[i].function != function)
      c->entries[w++] = c->entries[i];
  c->nent = w;
}

/* The SMT and core levels of leaf 0xB (or 0x1F), then the terminator. */
static void
add_extended_topology (struct kvm_cpuid2 *c, guint32 function, const KtstrTopology *t,
                       guint32 apic_id)
{
  guint tb = thread_bits (t), cb = core_bits (t);
  const struct
  {
    guint32 shift, count, type;
  } levels[3] = {
    { tb, t->threads_per_core, LEVEL_SMT },
    { tb + cb, t->threads_per_core * t->cores_per_llc, LEVEL_CORE },
    { 0, 0, 0 },
  };
  for (guint i = 0; i < 3; i++)
    {
      struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];
      memset (e, 0, sizeof *e);
      e->function = function;
      e->index = i;
      e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
      e->eax = levels[i].shift;
      e->ebx = levels[i].count;
      e->ecx = (levels[i].type << 8) | i;
      e->edx = apic_id;
    }
}

/* Leaf 0x4 and AMD's 0x8000001D share the "threads sharing this cache"
 * field: L1 and L2 are per core (SMT siblings), L3 spans the whole LLC.
 * The counts are powers of two so the guest's apicid >> order(count)
 * grouping matches the APIC ID layout exactly. */
static void
patch_cache_leaf (struct kvm_cpuid2 *c, guint32 function, const KtstrTopology *t,
                  gboolean set_cores)
{
  guint tb = thread_bits (t), cb = core_bits (t);
  for (guint i = 0; i < c->nent; i++)
    {
      struct kvm_cpuid_entry2 *e = &c->entries[i];
      if (e->function != function || (e->eax & 0x1f) == 0)
        continue;
      guint level = (e->eax >> 5) & 0x7;
      guint sharing = level >= 3 ? (1u << (tb + cb)) : (1u << tb);
      set_field (&e->eax, 14, 0xfff, sharing - 1);
      if (set_cores)
        set_field (&e->eax, 26, 0x3f, (1u << cb) - 1);
    }
}

struct kvm_cpuid2 *
ktstr_cpuid_for_vcpu (const struct kvm_cpuid2 *supported, const KtstrTopology *t, guint cpu,
                      KtstrCpuidFlags flags)
{
  /* Room for every supported entry plus the added 0xB/0x1F levels. */
  guint cap = supported->nent + 8;
  struct kvm_cpuid2 *c = g_malloc0 (sizeof *c + cap * sizeof (struct kvm_cpuid_entry2));
  memcpy (c->entries, supported->entries, supported->nent * sizeof (struct kvm_cpuid_entry2));
  c->nent = supported->nent;

  guint tb = thread_bits (t), cb = core_bits (t);
  guint32 apic_id = ktstr_cpuid_apic_id (t, cpu);
  guint per_package = t->cores_per_llc * t->threads_per_core;
  gboolean is_amd = ktstr_cpuid_is_amd (c);
  struct kvm_cpuid_entry2 *e;

  if ((e = ktstr_cpuid_find (c, 0x1, 0)) != NULL)
    {
      set_field (&e->ebx, 24, 0xff, apic_id);
      set_field (&e->ebx, 16, 0xff, MIN (1u << (tb + cb), 255u));
      e->edx |= LEAF1_EDX_HTT;
      if (flags & KTSTR_CPUID_TSC_DEADLINE)
        e->ecx |= LEAF1_ECX_TSC_DEADLINE;
      if (flags & KTSTR_CPUID_EMULATED)
        e->ecx &= ~LEAF1_ECX_CX16;
    }
  patch_cache_leaf (c, 0x4, t, TRUE);

  gboolean has_1f = ktstr_cpuid_find (c, 0x1f, 0) != NULL;
  remove_leaf (c, 0xb);
  add_extended_topology (c, 0xb, t, apic_id);
  if (has_1f)
    {
      remove_leaf (c, 0x1f);
      add_extended_topology (c, 0x1f, t, apic_id);
    }

  /* No PMU: its counters are not virtualized consistently across hosts. */
  if ((e = ktstr_cpuid_find (c, 0xa, 0)) != NULL)
    e->eax = e->ebx = e->ecx = e->edx = 0;

  if (is_amd)
    {
      if ((e = ktstr_cpuid_find (c, 0x80000008, 0)) != NULL)
        {
          set_field (&e->ecx, 0, 0xff, per_package - 1);
          set_field (&e->ecx, 12, 0xf, tb + cb);
        }
      patch_cache_leaf (c, 0x8000001d, t, FALSE);
      if ((e = ktstr_cpuid_find (c, 0x8000001e, 0)) != NULL)
        {
          e->eax = apic_id;
          e->ebx = ((t->threads_per_core - 1) << 8) | ((apic_id >> tb) & ((1u << cb) - 1));
          e->ecx = ktstr_cpuid_node_of (t, cpu) & 0xff; /* one node per package */
          e->edx = 0;
        }
    }
  return c;
}
