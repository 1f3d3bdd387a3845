/* ACPI tables of the kvm backend: checked structurally (checksums,
 * pointers, every MADT/SRAT/SLIT entry against the topology) and by the
 * ACPICA disassembler, `iasl -d` (Debian acpica-tools), which must decode
 * every table without a warning; the disassembly is then compiled back
 * with iasl and, for the data tables, must give the same bytes again. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "backends/kvm/acpi.h"
#include "backends/kvm/cpuid.h"

static guint32
get32 (const guint8 *p)
{
  return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static guint64
get64 (const guint8 *p)
{
  return get32 (p) | ((guint64)get32 (p + 4) << 32);
}

typedef struct
{
  const char *label;
  guint64 ram;
} Case;

static const Case cases[] = {
  { "1n1l2c1t", 256ull << 20 },
  { "1n2l4c2t", 1ull << 30 },
  { "2n4l2c2t", 1ull << 30 },
  { "4n4l3c1t", 5ull << 30 }, /* a node straddles the hole: 5 memory slots */
};

static KtstrAcpiTables *
build (const Case *c, KtstrTopology *t, KtstrKvmMemRegion *regions, guint *n_regions)
{
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (ktstr_topology_parse (c->label, t, NULL, 0), ==, 0);
  g_assert_true (ktstr_kvm_memory_layout (c->ram, t->numa_nodes, regions, n_regions, &error));
  KtstrAcpiSpec spec = { .topology = *t, .regions = regions, .n_regions = *n_regions };
  KtstrAcpiTables *tables = ktstr_acpi_build (&spec, &error);
  g_assert_no_error (error);
  return tables;
}

/* The table at guest physical ADDR inside the blob. */
static const guint8 *
at (const KtstrAcpiTables *t, guint64 addr)
{
  g_assert_cmpuint (addr, >=, KTSTR_ACPI_BASE_GPA);
  g_assert_cmpuint (addr - KTSTR_ACPI_BASE_GPA, <, t->length);
  return t->data + (addr - KTSTR_ACPI_BASE_GPA);
}

static void
check_structure (const Case *c)
{
  KtstrTopology topo;
  KtstrKvmMemRegion regions[KTSTR_KVM_MAX_REGIONS];
  guint n_regions;
  g_autoptr (KtstrAcpiTables) t = build (c, &topo, regions, &n_regions);
  guint cpus = ktstr_topology_cpus (&topo);

  const guint8 *rsdp = t->data;
  g_assert_cmpuint (t->rsdp_gpa, ==, 0xe0000);
  g_assert_cmpmem (rsdp, 8, "RSD PTR ", 8);
  g_assert_cmpuint (ktstr_acpi_checksum (rsdp, 20), ==, 0);
  g_assert_cmpuint (ktstr_acpi_checksum (rsdp, 36), ==, 0);
  g_assert_cmpuint (rsdp[15], ==, 2);
  g_assert_cmpuint (get32 (rsdp + 20), ==, 36);

  for (guint i = 0; i < t->n_tables; i++)
    {
      const KtstrAcpiTableInfo *ti = &t->tables[i];
      const guint8 *p = t->data + ti->offset;
      if (strcmp (ti->signature, "RSDP") == 0)
        continue;
      g_assert_cmpmem (p, 4, ti->signature, 4);
      g_assert_cmpuint (get32 (p + 4), ==, ti->length);
      if (strcmp (ti->signature, "FACS") == 0)
        g_assert_cmpuint (ti->offset % 64, ==, 0);
      else
        g_assert_cmpuint (ktstr_acpi_checksum (p, ti->length), ==, 0);
    }

  const guint8 *xsdt = at (t, get64 (rsdp + 24));
  const guint8 *rsdt = at (t, get32 (rsdp + 16));
  g_assert_cmpmem (xsdt, 4, "XSDT", 4);
  g_assert_cmpmem (rsdt, 4, "RSDT", 4);
  static const char *const order[] = { "FACP", "APIC", "SRAT", "SLIT" };
  g_assert_cmpuint ((get32 (xsdt + 4) - 36) / 8, ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_assert_cmpmem (at (t, get64 (xsdt + 36 + 8 * i)), 4, order[i], 4);
      g_assert_cmpuint (get32 (rsdt + 36 + 4 * i), ==, get64 (xsdt + 36 + 8 * i));
    }

  const guint8 *fadt = at (t, get64 (xsdt + 36));
  g_assert_cmpuint (get32 (fadt + 4), ==, 276);
  g_assert_cmpuint (fadt[8], ==, 6);
  const guint8 *dsdt = at (t, get64 (fadt + 140));
  g_assert_cmpuint (get32 (fadt + 40), ==, get64 (fadt + 140));
  g_assert_cmpmem (dsdt, 4, "DSDT", 4);
  g_assert_cmpmem (at (t, get64 (fadt + 132)), 4, "FACS", 4);
  g_assert_cmpuint (get32 (fadt + 64), ==, KTSTR_ACPI_PM1A_CNT_PORT);
  g_assert_cmpuint (get64 (fadt + 176), ==, KTSTR_ACPI_PM1A_CNT_PORT);
  g_assert_cmpuint (get32 (fadt + 112) & (1u << 20), ==, 0); /* not hardware-reduced */
  g_assert_true (get32 (fadt + 112) & (1u << 10));           /* reset register */
  g_assert_cmpuint (get64 (fadt + 120), ==, KTSTR_ACPI_RESET_PORT);
  g_assert_cmpuint (fadt[128], ==, KTSTR_ACPI_RESET_VALUE);
  g_assert_nonnull (memmem (dsdt, get32 (dsdt + 4), "_S5_", 4));
  g_assert_nonnull (memmem (dsdt, get32 (dsdt + 4), "QEMU0001", 8));

  /* MADT: one enabled local APIC per CPU with its APIC ID, then the rest. */
  const guint8 *madt = at (t, get64 (xsdt + 44));
  guint32 len = get32 (madt + 4);
  guint lapics = 0, ioapics = 0, overrides = 0, nmis = 0;
  for (guint32 off = 44; off < len; off += madt[off + 1])
    {
      g_assert_cmpuint (madt[off + 1], >, 0);
      switch (madt[off])
        {
        case 0:
          g_assert_cmpuint (madt[off + 2], ==, lapics);
          g_assert_cmpuint (madt[off + 3], ==, ktstr_cpuid_apic_id (&topo, lapics));
          g_assert_cmpuint (get32 (madt + off + 4), ==, 1);
          lapics++;
          break;
        case 1:
          g_assert_cmpuint (get32 (madt + off + 4), ==, KTSTR_IOAPIC_GPA);
          ioapics++;
          break;
        case 2:
          overrides++;
          break;
        case 4:
          nmis++;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_assert_cmpuint (lapics, ==, cpus);
  g_assert_cmpuint (ioapics, ==, 1);
  g_assert_cmpuint (overrides, ==, 2);
  g_assert_cmpuint (nmis, ==, 1);

  /* SRAT: every CPU on its LLC's node, every memory slot on its node. */
  const guint8 *srat = at (t, get64 (xsdt + 52));
  len = get32 (srat + 4);
  guint cpu = 0, mem = 0;
  for (guint32 off = 48; off < len; off += srat[off + 1])
    {
      if (srat[off] == 0)
        {
          g_assert_cmpuint (srat[off + 1], ==, 16);
          g_assert_cmpuint (srat[off + 2], ==, ktstr_cpuid_node_of (&topo, cpu));
          g_assert_cmpuint (srat[off + 3], ==, ktstr_cpuid_apic_id (&topo, cpu));
          cpu++;
        }
      else
        {
          g_assert_cmpuint (srat[off], ==, 1);
          g_assert_cmpuint (srat[off + 1], ==, 40);
          g_assert_cmpuint (get32 (srat + off + 2), ==, regions[mem].node);
          g_assert_cmpuint (get64 (srat + off + 8), ==, regions[mem].gpa);
          g_assert_cmpuint (get64 (srat + off + 16), ==, regions[mem].size);
          mem++;
        }
    }
  g_assert_cmpuint (cpu, ==, cpus);
  g_assert_cmpuint (mem, ==, n_regions);

  /* SLIT: symmetric, 10 on the diagonal. */
  const guint8 *slit = at (t, get64 (xsdt + 60));
  guint nodes = topo.numa_nodes;
  g_assert_cmpuint (get64 (slit + 36), ==, nodes);
  g_assert_cmpuint (get32 (slit + 4), ==, 44 + nodes * nodes);
  for (guint i = 0; i < nodes; i++)
    for (guint j = 0; j < nodes; j++)
      {
        g_assert_cmpuint (slit[44 + i * nodes + j], ==, i == j ? 10 : 20);
        g_assert_cmpuint (slit[44 + i * nodes + j], ==, slit[44 + j * nodes + i]);
      }
}

static void
test_structure (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    check_structure (&cases[i]);
}

static gboolean
run_iasl (const char *dir, const char *const *argv, char **output)
{
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_autofree char *out = NULL, *err = NULL;
  g_assert_true (g_spawn_sync (dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  *output = g_strconcat (out, err, NULL);
  return g_spawn_check_wait_status (status, NULL);
}

static void
check_iasl (const Case *c, const char *dir)
{
  KtstrTopology topo;
  KtstrKvmMemRegion regions[KTSTR_KVM_MAX_REGIONS];
  guint n_regions;
  g_autoptr (KtstrAcpiTables) t = build (c, &topo, regions, &n_regions);
  for (guint i = 0; i < t->n_tables; i++)
    {
      const KtstrAcpiTableInfo *ti = &t->tables[i];
      /* This iasl cannot read a bare RSDP (not a table); it is checked
       * structurally above. */
      if (strcmp (ti->signature, "RSDP") == 0)
        continue;
      g_autoptr (GError) error = NULL;
      g_autofree char *dat = g_strdup_printf ("%s.dat", ti->signature);
      g_autofree char *path = g_build_filename (dir, dat, NULL);
      g_assert_true (g_file_set_contents (path, (const char *)t->data + ti->offset,
                                          (gssize)ti->length, &error));

      g_autofree char *out = NULL;
      const char *const dis[] = { "iasl", "-d", dat, NULL };
      if (!run_iasl (dir, dis, &out) || strstr (out, "Warning") != NULL
          || strstr (out, "Error") != NULL || strstr (out, "Incorrect") != NULL)
        g_error ("iasl -d %s (topology %s) failed:\n%s", dat, c->label, out);
      g_autofree char *dsl_name = g_strdup_printf ("%s.dsl", ti->signature);
      g_autofree char *dsl_path = g_build_filename (dir, dsl_name, NULL);
      g_autofree char *dsl = NULL;
      g_assert_true (g_file_get_contents (dsl_path, &dsl, NULL, &error));
      if (strstr (dsl, "****") != NULL)
        g_error ("iasl -d %s (topology %s) flagged the table:\n%s", dat, c->label, dsl);

      /* Compile the disassembly back. */
      g_autofree char *aml_prefix = g_strdup_printf ("rt-%s", ti->signature);
      g_autofree char *out2 = NULL;
      const char *const comp[] = { "iasl", "-p", aml_prefix, dsl_name, NULL };
      if (!run_iasl (dir, comp, &out2) || strstr (out2, " 0 Errors") == NULL)
        g_error ("iasl could not compile back %s (topology %s):\n%s", dsl_name, c->label, out2);
      g_autofree char *aml_name = g_strdup_printf ("%s.aml", aml_prefix);
      g_autofree char *aml_path = g_build_filename (dir, aml_name, NULL);
      g_autofree guint8 *aml = NULL;
      gsize aml_len = 0;
      g_assert_true (g_file_get_contents (aml_path, (char **)&aml, &aml_len, &error));
      if (strcmp (ti->signature, "DSDT") == 0)
        {
          /* iasl re-encodes AML its own way; the names must survive. */
          g_assert_nonnull (strstr (dsl, "Name (_S5, Package (0x04)"));
          g_assert_nonnull (strstr (dsl, "Device (PEVT)"));
          g_assert_nonnull (strstr (dsl, "\"QEMU0001\""));
          g_assert_nonnull (strstr (dsl, "IO (Decode16,"));
        }
      else
        {
          /* Same bytes, but for the checksum and iasl's own creator ID. */
          g_assert_cmpuint (aml_len, ==, ti->length);
          const guint8 *ours = t->data + ti->offset;
          for (gsize k = 0; k < aml_len; k++)
            if (k != 9 && (k < 28 || k >= 36))
              g_assert_cmpuint (aml[k], ==, ours[k]);
        }
      g_unlink (path);
      g_unlink (dsl_path);
      g_unlink (aml_path);
    }
}

static void
test_iasl (void)
{
  g_autofree char *iasl = g_find_program_in_path ("iasl");
  if (iasl == NULL)
    {
      g_test_skip ("iasl not found: install the Debian package acpica-tools to check the "
                   "tables with the ACPICA disassembler");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ktstr-acpi-XXXXXX", &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    check_iasl (&cases[i], dir);
  g_rmdir (dir);
}

static void
test_checksum (void)
{
  static const guint8 bytes[] = { 0x10, 0xf0, 0x01 };
  g_assert_cmpuint (ktstr_acpi_checksum (bytes, 2), ==, 0);
  g_assert_cmpuint (ktstr_acpi_checksum (bytes, 3), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kvm/acpi/checksum", test_checksum);
  g_test_add_func ("/kvm/acpi/structure", test_structure);
  g_test_add_func ("/kvm/acpi/iasl", test_iasl);
  return g_test_run ();
}
