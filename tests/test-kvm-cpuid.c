/* CPUID topology leaves for several topologies, on synthetic Intel and AMD
 * "supported CPUID" lists, checked both field by field and the way a Linux
 * guest derives packages, cores and LLCs from them. */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "backends/kvm/cpuid.h"
#include "backends/kvm/kvm-sys.h"

static void
add (struct kvm_cpuid2 *c, guint32 fn, guint32 idx, guint32 flags, guint32 a, guint32 b, guint32 cx,
     guint32 d)
{
  struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];
  memset (e, 0, sizeof *e);
  e->function = fn;
  e->index = idx;
  e->flags = flags;
  e->eax = a;
  e->ebx = b;
  e->ecx = cx;
  e->edx = d;
}

static struct kvm_cpuid2 *
supported (gboolean is_amd)
{
  struct kvm_cpuid2 *c = g_malloc0 (sizeof *c + 64 * sizeof (struct kvm_cpuid_entry2));
  const guint32 sig = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
  if (is_amd)
    add (c, 0, 0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65); /* AuthenticAMD */
  else
    add (c, 0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69); /* GenuineIntel */
  add (c, 1, 0, 0, 0x00b00f21, 0x00010800, 0x9c202000, 0x078bfbff);
  add (c, 0xa, 0, 0, 0x07300402, 0, 0, 0x603);

  add (c, 0xb, 0, sig, 0, 0, 0, 0);
  if (is_amd)
    {
      add (c, 0x80000008, 0, 0, 0x3030, 0, 0x7001, 0);
      add (c, 0x8000001d, 0, sig, 0x121, 0x1c0003f, 0x3f, 0);
      add (c, 0x8000001d, 1, sig, 0x122, 0x1c0003f, 0x3f, 0);
      add (c, 0x8000001d, 2, sig, 0x143, 0x1c0003f, 0x3ff, 2);
      add (c, 0x8000001d, 3, sig, 0x4163, 0x3c0003f, 0x7fff, 1);
      add (c, 0x8000001d, 4, sig, 0, 0, 0, 0);
      add (c, 0x8000001e, 0, 0, 0, 0, 0, 0);
    }
  else
    {
      add (c, 4, 0, sig, 0x1c004121, 0, 0, 0);
      add (c, 4, 1, sig, 0x1c004122, 0, 0, 0);
      add (c, 4, 2, sig, 0x1c004143, 0, 0, 0);
      add (c, 4, 3, sig, 0x1c03c163, 0, 0, 0);
      add (c, 4, 4, sig, 0, 0, 0, 0);
      add (c, 0x1f, 0, sig, 0, 0, 0, 0);
    }
  return c;
}

static guint
count_leaf (const struct kvm_cpuid2 *c, guint32 fn)
{
  guint n = 0;
  for (guint i = 0; i < c->nent; i++)
    n += c->entries[i].function == fn;
  return n;
}

static guint
order (guint n)
{
  guint b = 0;
  while ((1u << b) < n)
    b++;
  return b;
}

static const char *const labels[]
    = { "1n1l1c1t", "1n1l2c1t", "1n2l4c2t", "2n4l3c2t", "1n3l5c3t", "4n8l2c1t", "1n1l64c4t" };

static void
check_topology (const char *label, gboolean is_amd)
{
  KtstrTopology t;
  g_assert_cmpint (ktstr_topology_parse (label, &t, NULL, 0), ==, 0);
  g_autofree struct kvm_cpuid2 *sup = supported (is_amd);
  guint cpus = ktstr_topology_cpus (&t);
  guint tb = order (t.threads_per_core), cb = order (t.cores_per_llc);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);

  for (guint cpu = 0; cpu < cpus; cpu++)
    {
      guint32 apic = ktstr_cpuid_apic_id (&t, cpu);
      guint llc = cpu / (t.cores_per_llc * t.threads_per_core);
      guint core = (cpu / t.threads_per_core) % t.cores_per_llc;
      guint thread = cpu % t.threads_per_core;
      g_assert_cmpuint (apic, ==, (llc << (cb + tb)) | (core << tb) | thread);
      g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (apic)));
      g_hash_table_add (seen, GUINT_TO_POINTER (apic));
      g_assert_cmpuint (ktstr_cpuid_node_of (&t, cpu), ==, llc / (t.llcs / t.numa_nodes));

      g_autofree struct kvm_cpuid2 *c
          = ktstr_cpuid_for_vcpu (sup, &t, cpu, KTSTR_CPUID_TSC_DEADLINE);
      struct kvm_cpuid_entry2 *e = ktstr_cpuid_find (c, 1, 0);
      g_assert_cmpuint (e->ebx >> 24, ==, apic);
      g_assert_cmpuint ((e->ebx >> 16) & 0xff, ==, MIN (1u << (tb + cb), 255u));
      g_assert_cmpuint (e->ebx & 0xffff, ==, 0x0800); /* CLFLUSH size etc. untouched */
      g_assert_true (e->edx & (1u << 28));
      g_assert_true (e->ecx & (1u << 24));

      /* 0xB: exactly SMT, core and the terminator. */
      g_assert_cmpuint (count_leaf (c, 0xb), ==, 3);
      e = ktstr_cpuid_find (c, 0xb, 0);
      g_assert_cmpuint (e->eax, ==, tb);
      g_assert_cmpuint (e->ebx, ==, t.threads_per_core);
      g_assert_cmpuint (e->ecx, ==, 0x100);
      g_assert_cmpuint (e->edx, ==, apic);
      e = ktstr_cpuid_find (c, 0xb, 1);
      g_assert_cmpuint (e->eax, ==, tb + cb);
      g_assert_cmpuint (e->ebx, ==, t.threads_per_core * t.cores_per_llc);
      g_assert_cmpuint (e->ecx, ==, 0x201);
      e = ktstr_cpuid_find (c, 0xb, 2);
      g_assert_cmpuint (e->ebx, ==, 0);
      g_assert_cmpuint ((e->ecx >> 8) & 0xff, ==, 0);
      /* How Linux reads it: package = APIC ID >> core-level shift = LLC. */
      guint shift = ktstr_cpuid_find (c, 0xb, 1)->eax;
      g_assert_cmpuint (apic >> shift, ==, llc);
      g_assert_cmpuint ((apic >> tb) & ((1u << cb) - 1), ==, core);

      e = ktstr_cpuid_find (c, 0xa, 0);
      g_assert_cmpuint (e->eax | e->ebx | e->ecx | e->edx, ==, 0);

      guint32 cache_leaf = is_amd ? 0x8000001d : 4;
      for (guint sub = 0; sub < 5; sub++)
        {
          e = ktstr_cpuid_find (c, cache_leaf, sub);
          g_assert_nonnull (e);
          if ((e->eax & 0x1f) == 0)
            {
              g_assert_cmpuint (e->eax, ==, 0);
              continue;
            }
          guint level = (e->eax >> 5) & 7;
          guint sharing = ((e->eax >> 14) & 0xfff) + 1;
          /* Linux groups CPUs sharing a cache by APIC ID >> order(sharing). */
          if (level == 3)
            g_assert_cmpuint (apic >> order (sharing), ==, llc);
          else
            g_assert_cmpuint (apic >> order (sharing), ==, apic >> tb);
          if (!is_amd)
            g_assert_cmpuint (((e->eax >> 26) & 0x3f) + 1, ==, 1u << cb);
        }

      if (is_amd)
        {
          g_assert_cmpuint (count_leaf (c, 0x1f), ==, 0);
          e = ktstr_cpuid_find (c, 0x8000001e, 0);
          g_assert_cmpuint (e->eax, ==, apic);
          g_assert_cmpuint (e->ebx & 0xff, ==, core);
          g_assert_cmpuint ((e->ebx >> 8) & 0xff, ==, t.threads_per_core - 1);
          g_assert_cmpuint (e->ecx & 0xff, ==, ktstr_cpuid_node_of (&t, cpu));
          g_assert_cmpuint ((e->ecx >> 8) & 7, ==, 0);
          e = ktstr_cpuid_find (c, 0x80000008, 0);
          g_assert_cmpuint ((e->ecx & 0xff) + 1, ==, t.cores_per_llc * t.threads_per_core);
          g_assert_cmpuint ((e->ecx >> 12) & 0xf, ==, tb + cb);
        }
      else
        {
          g_assert_cmpuint (count_leaf (c, 0x1f), ==, 3);
          e = ktstr_cpuid_find (c, 0x1f, 1);
          g_assert_cmpuint (e->eax, ==, tb + cb);
        }
    }
}

static void
test_intel (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    check_topology (labels[i], FALSE);
}

static void
test_amd (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    check_topology (labels[i], TRUE);
}

static void
test_vendor (void)
{
  g_autofree struct kvm_cpuid2 *amd = supported (TRUE);
  g_autofree struct kvm_cpuid2 *intel = supported (FALSE);
  g_assert_true (ktstr_cpuid_is_amd (amd));
  g_assert_false (ktstr_cpuid_is_amd (intel));
}

static void
test_flags (void)
{
  g_autofree struct kvm_cpuid2 *sup = supported (FALSE);
  KtstrTopology t = { 1, 1, 1, 1 };
  g_autofree struct kvm_cpuid2 *c = ktstr_cpuid_for_vcpu (sup, &t, 0, 0);
  g_assert_false (ktstr_cpuid_find (c, 1, 0)->ecx & (1u << 24));
  g_assert_true (ktstr_cpuid_find (c, 1, 0)->ecx & (1u << 13)); /* CX16 kept */
  g_autofree struct kvm_cpuid2 *e = ktstr_cpuid_for_vcpu (sup, &t, 0, KTSTR_CPUID_EMULATED);
  g_assert_false (ktstr_cpuid_find (e, 1, 0)->ecx & (1u << 13)); /* CX16 */
  g_assert_cmphex (ktstr_cpuid_find (e, 1, 0)->ecx | (1u << 13), ==,
                   ktstr_cpuid_find (c, 1, 0)->ecx); /* nothing else */
  /* Untouched leaves are copied as they are. */
  g_assert_cmpuint (ktstr_cpuid_find (c, 0, 0)->eax, ==, 0x1f);
}

static void
test_limits (void)
{
  g_autoptr (GError) error = NULL;
  KtstrTopology ok = { 2, 4, 8, 2 }; /* 64 CPUs, APIC IDs up to 63 */
  g_assert_true (ktstr_cpuid_check_topology (&ok, 1024, &error));
  g_assert_no_error (error);

  KtstrTopology wide = { 1, 16, 32, 1 }; /* 512 CPUs: APIC IDs up to 511 */
  g_assert_false (ktstr_cpuid_check_topology (&wide, 1024, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "--backend=qemu"));
  g_clear_error (&error);

  /* Padding counts: 3 cores take 2 bits, so 64 LLCs x 3 cores end at ID
   * 254 (the limit), and a fourth core needs 255. */
  KtstrTopology padded = { 1, 64, 3, 1 };
  g_assert_cmpuint (ktstr_cpuid_apic_id (&padded, 191), ==, (63u << 2) | 2);
  g_assert_true (ktstr_cpuid_check_topology (&padded, 1024, &error));
  padded.cores_per_llc = 4;
  g_assert_false (ktstr_cpuid_check_topology (&padded, 1024, &error));
  g_assert_nonnull (strstr (error->message, "APIC ID 255"));
  g_clear_error (&error);

  g_assert_false (ktstr_cpuid_check_topology (&ok, 16, &error));
  g_assert_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "at most 16 vCPUs"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kvm/cpuid/intel", test_intel);
  g_test_add_func ("/kvm/cpuid/amd", test_amd);
  g_test_add_func ("/kvm/cpuid/vendor", test_vendor);
  g_test_add_func ("/kvm/cpuid/flags", test_flags);
  g_test_add_func ("/kvm/cpuid/limits", test_limits);
  return g_test_run ();
}
