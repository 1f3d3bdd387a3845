/* CPU topology as the guest sees it through CPUID.
 *
 * The model is (NUMA nodes, LLCs, cores per LLC, threads per core); CPU
 * number cpu = (llc * cores + core) * threads + thread.  Each LLC is
 * presented as its own package, so the guest's physical_package_id equals
 * the LLC index:
 *
 *   APIC ID = llc << (core_bits + thread_bits) | core << thread_bits | thread
 *
 * with each field ceil(log2(n)) bits wide.  The leaves patched per vCPU
 * (starting from KVM_GET_SUPPORTED_CPUID): 0x1 (initial APIC ID, HTT,
 * logical count, TSC deadline), 0x4 (Intel caches: L1/L2 per core, L3 per
 * LLC), 0xB and 0x1F (SMT and core levels), 0xA (PMU, hidden), and on AMD
 * 0x80000008 (package size), 0x8000001D (cache sharing) and 0x8000001E
 * (extended APIC ID, core and node IDs). */
#ifndef KTSTR_KVM_CPUID_H
#define KTSTR_KVM_CPUID_H

#include <glib.h>
#include <linux/kvm.h>

#include "common/topology.h"

G_BEGIN_DECLS

/* Largest APIC ID the xAPIC MADT entries and the in-kernel irqchip take. */
#define KTSTR_CPUID_MAX_APIC_ID 254

guint32 ktstr_cpuid_apic_id (const KtstrTopology *t, guint cpu);
guint ktstr_cpuid_node_of (const KtstrTopology *t, guint cpu);

/* FALSE (with an error naming the limit) when T needs APIC IDs above
 * KTSTR_CPUID_MAX_APIC_ID or more vCPUs than MAX_VCPUS. */
gboolean ktstr_cpuid_check_topology (const KtstrTopology *t, guint max_vcpus, GError **error);

typedef enum
{
  KTSTR_CPUID_TSC_DEADLINE = 1 << 0, /* the in-kernel LAPIC has the TSC deadline timer */
  /* /dev/kvm is an instruction emulator: hide what KVM reports as supported
   * but its emulator cannot execute.  Measured on such a host: CMPXCHG16B
   * (CX16) ends the guest with an emulation error in the slab allocator. */
  KTSTR_CPUID_EMULATED = 1 << 1,
} KtstrCpuidFlags;

/* A copy of SUPPORTED patched for CPU; free with g_free. */
struct kvm_cpuid2 *ktstr_cpuid_for_vcpu (const struct kvm_cpuid2 *supported, const KtstrTopology *t,
                                         guint cpu, KtstrCpuidFlags flags);

/* The entry for FUNCTION/INDEX in C, or NULL. */
struct kvm_cpuid_entry2 *ktstr_cpuid_find (struct kvm_cpuid2 *c, guint32 function, guint32 index);

/* TRUE when the vendor string in leaf 0 is AMD's (or Hygon's). */
gboolean ktstr_cpuid_is_amd (const struct kvm_cpuid2 *c);

G_END_DECLS

#endif
