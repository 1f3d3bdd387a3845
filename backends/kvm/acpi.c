#include "config.h"

#include "backends/kvm/acpi.h"

#include <string.h>

#include "backends/kvm/cpuid.h"
#include "backends/kvm/kvm-sys.h"

#define HEADER_LEN 36
#define OEM_ID "KTSTR "
#define OEM_TABLE_ID "KTSTRVMM"
#define CREATOR_ID "KTST"

#define FADT_LEN 276
#define FACS_LEN 64
#define GAS_SYSTEM_IO 1

/* Appends little-endian integers to a GByteArray. */
static void
put8 (GByteArray *b, guint8 v)
{
  g_byte_array_append (b, &v, 1);
}

static void
put16 (GByteArray *b, guint16 v)
{
  put8 (b, v & 0xff);
  put8 (b, v >> 8);
}

static void
put32 (GByteArray *b, guint32 v)
{
  put16 (b, v & 0xffff);
  put16 (b, v >> 16);
}

static void
put64 (GByteArray *b, guint64 v)
{
  put32 (b, (guint32)v);
  put32 (b, (guint32)(v >> 32));
}

static void
put_bytes (GByteArray *b, const void *p, gsize n)
{
  g_byte_array_append (b, p, n);
}

static void
put_zeros (GByteArray *b, gsize n)
{
  while (n-- > 0)
    put8 (b, 0);
}

static void
poke32 (guint8 *p, guint32 v)
{
  memcpy (p, &v, 4);
}

static void
poke64 (guint8 *p, guint64 v)
{
  memcpy (p, &v, 8);
}

guint8
ktstr_acpi_checksum (const guint8 *data, gsize len)
{
  guint8 sum = 0;
  for (gsize i = 0; i < len; i++)
    sum += data[i];
  return sum;
}

/* Generic Address Structure for an I/O port block of WIDTH bytes. */
static void
put_gas_io (GByteArray *b, guint16 port, guint width)
{
  if (port == 0)
    {
      put_zeros (b, 12);
      return;
    }
  put8 (b, GAS_SYSTEM_IO);
  put8 (b, width * 8);
  put8 (b, 0);
  put8 (b, width >= 4 ? 3 : width); /* access size: 1 byte, 2 word, 3 dword */
  put64 (b, port);
}

typedef struct
{
  GByteArray *blob;
  KtstrAcpiTables *out;
} Builder;

static void
align (GByteArray *b, guint to)
{
  while (b->len % to != 0)
    put8 (b, 0);
}

/* Starts a table with the standard header; returns its offset. */
static gsize
table_begin (Builder *bd, const char *sig, guint8 revision)
{
  align (bd->blob, 16);
  gsize off = bd->blob->len;
  put_bytes (bd->blob, sig, 4);
  put32 (bd->blob, 0); /* length, patched by table_end */
  put8 (bd->blob, revision);
  put8 (bd->blob, 0); /* checksum, patched by table_end */
  put_bytes (bd->blob, OEM_ID, 6);
  put_bytes (bd->blob, OEM_TABLE_ID, 8);
  put32 (bd->blob, 1);
  put_bytes (bd->blob, CREATOR_ID, 4);
  put32 (bd->blob, 1);
  return off;
}

static void
record (Builder *bd, const char *sig, gsize off, gsize len)
{
  KtstrAcpiTableInfo *t = &bd->out->tables[bd->out->n_tables++];
  memcpy (t->signature, sig, 4);
  t->signature[4] = '\0';
  t->offset = off;
  t->length = len;
}

static guint32
table_end (Builder *bd, gsize off)
{
  guint8 *t = bd->blob->data + off;
  gsize len = bd->blob->len - off;
  poke32 (t + 4, (guint32)len);
  t[9] = 0;
  t[9] = (guint8)(0x100 - ktstr_acpi_checksum (t, len));
  char sig[5] = { 0 };
  memcpy (sig, t, 4);
  record (bd, sig, off, len);
  return (guint32)(KTSTR_ACPI_BASE_GPA + off);
}

/* --- AML for the DSDT --- */

/* Prefixes CONTENT with an AML PkgLength that counts itself. */
static void
put_pkg (GByteArray *b, const GByteArray *content)
{
  gsize len = content->len;
  if (len + 1 < 0x40)
    put8 (b, (guint8)(len + 1));
  else if (len + 2 < 0x1000)
    {
      gsize v = len + 2;
      put8 (b, 0x40 | (v & 0xf));
      put8 (b, (guint8)(v >> 4));
    }
  else
    {
      gsize v = len + 3;
      put8 (b, 0x80 | (v & 0xf));
      put8 (b, (guint8)(v >> 4));
      put8 (b, (guint8)(v >> 12));
    }
  put_bytes (b, content->data, content->len);
}

static void
aml_name (GByteArray *b, const char *seg4)
{
  put8 (b, 0x08); /* NameOp */
  put_bytes (b, seg4, 4);
}

static void
aml_string (GByteArray *b, const char *s)
{
  put8 (b, 0x0d); /* StringPrefix */
  put_bytes (b, s, strlen (s) + 1);
}

static void
aml_byte (GByteArray *b, guint8 v)
{
  if (v <= 1)
    put8 (b, v); /* ZeroOp, OneOp */
  else
    {
      put8 (b, 0x0a); /* BytePrefix */
      put8 (b, v);
    }
}

static void
aml_buffer (GByteArray *b, const guint8 *data, guint8 len)
{
  g_autoptr (GByteArray) c = g_byte_array_new ();
  aml_byte (c, len);
  put_bytes (c, data, len);
  put8 (b, 0x11); /* BufferOp */
  put_pkg (b, c);
}

static void
build_dsdt_body (GByteArray *b)
{
  /* Name (_S5, Package (4) { 5, 5, 0, 0 }): SLP_TYPa/b for soft-off. */
  g_autoptr (GByteArray) pkg = g_byte_array_new ();
  put8 (pkg, 4);
  aml_byte (pkg, KTSTR_ACPI_SLP_TYP_S5);
  aml_byte (pkg, KTSTR_ACPI_SLP_TYP_S5);
  aml_byte (pkg, 0);
  aml_byte (pkg, 0);
  aml_name (b, "_S5_");
  put8 (b, 0x12); /* PackageOp */
  put_pkg (b, pkg);

  /* Device (PEVT): pvpanic, IO (Decode16, 0x505, 0x505, 1, 1). */
  static const guint8 crs[] = { 0x47,
                                0x01,
                                KTSTR_PVPANIC_PORT & 0xff,
                                KTSTR_PVPANIC_PORT >> 8,
                                KTSTR_PVPANIC_PORT & 0xff,
                                KTSTR_PVPANIC_PORT >> 8,
                                0x01,
                                0x01,
                                0x79,
                                0x00 };
  g_autoptr (GByteArray) dev = g_byte_array_new ();
  put_bytes (dev, "PEVT", 4);
  aml_name (dev, "_HID");
  aml_string (dev, "QEMU0001");
  aml_name (dev, "_UID");
  aml_byte (dev, 0);
  aml_name (dev, "_CRS");
  aml_buffer (dev, crs, sizeof crs);

  g_autoptr (GByteArray) scope = g_byte_array_new ();
  put8 (scope, '\\');
  put_bytes (scope, "_SB_", 4);
  put8 (scope, 0x5b); /* ExtOpPrefix */
  put8 (scope, 0x82); /* DeviceOp */
  put_pkg (scope, dev);

  put8 (b, 0x10); /* ScopeOp */
  put_pkg (b, scope);
}

/* --- tables --- */

static guint32
build_facs (Builder *bd)
{
  align (bd->blob, 64);
  gsize off = bd->blob->len;
  put_bytes (bd->blob, "FACS", 4);
  put32 (bd->blob, FACS_LEN);
  put32 (bd->blob, 0); /* hardware signature */
  put32 (bd->blob, 0); /* firmware waking vector */
  put32 (bd->blob, 0); /* global lock */
  put32 (bd->blob, 0); /* flags */
  put64 (bd->blob, 0); /* X firmware waking vector */
  put8 (bd->blob, 2);  /* version */
  put_zeros (bd->blob, FACS_LEN - 33);
  record (bd, "FACS", off, FACS_LEN);
  return (guint32)(KTSTR_ACPI_BASE_GPA + off);
}

static guint32
build_dsdt (Builder *bd)
{
  gsize off = table_begin (bd, "DSDT", 2);
  build_dsdt_body (bd->blob);
  return table_end (bd, off);
}

static guint32
build_fadt (Builder *bd, guint32 facs, guint32 dsdt)
{
  GByteArray *b = bd->blob;
  gsize off = table_begin (bd, "FACP", 6);
  put32 (b, facs);                     /* 36 FIRMWARE_CTRL */
  put32 (b, dsdt);                     /* 40 DSDT */
  put8 (b, 0);                         /* 44 reserved */
  put8 (b, 0);                         /* 45 preferred PM profile: unspecified */
  put16 (b, KTSTR_ACPI_SCI_IRQ);       /* 46 SCI_INT */
  put32 (b, 0);                        /* 48 SMI_CMD: none, always in ACPI mode */
  put8 (b, 0);                         /* 52 ACPI_ENABLE */
  put8 (b, 0);                         /* 53 ACPI_DISABLE */
  put8 (b, 0);                         /* 54 S4BIOS_REQ */
  put8 (b, 0);                         /* 55 PSTATE_CNT */
  put32 (b, KTSTR_ACPI_PM1A_EVT_PORT); /* 56 PM1a_EVT_BLK */
  put32 (b, 0);                        /* 60 PM1b_EVT_BLK */
  put32 (b, KTSTR_ACPI_PM1A_CNT_PORT); /* 64 PM1a_CNT_BLK */
  put32 (b, 0);                        /* 68 PM1b_CNT_BLK */
  put32 (b, 0);                        /* 72 PM2_CNT_BLK */
  put32 (b, 0);                        /* 76 PM_TMR_BLK: no ACPI PM timer */
  put32 (b, 0);                        /* 80 GPE0_BLK */
  put32 (b, 0);                        /* 84 GPE1_BLK */
  put8 (b, 4);                         /* 88 PM1_EVT_LEN */
  put8 (b, 2);                         /* 89 PM1_CNT_LEN */
  put8 (b, 0);                         /* 90 PM2_CNT_LEN */
  put8 (b, 0);                         /* 91 PM_TMR_LEN */
  put8 (b, 0);                         /* 92 GPE0_BLK_LEN */
  put8 (b, 0);                         /* 93 GPE1_BLK_LEN */
  put8 (b, 0);                         /* 94 GPE1_BASE */
  put8 (b, 0);                         /* 95 CST_CNT */
  put16 (b, 101);                      /* 96 P_LVL2_LAT: C2 unsupported */
  put16 (b, 1001);                     /* 98 P_LVL3_LAT: C3 unsupported */
  put16 (b, 0);                        /* 100 FLUSH_SIZE */
  put16 (b, 0);                        /* 102 FLUSH_STRIDE */
  put8 (b, 0);                         /* 104 DUTY_OFFSET */
  put8 (b, 0);                         /* 105 DUTY_WIDTH */
  put8 (b, 0);                         /* 106 DAY_ALRM */
  put8 (b, 0);                         /* 107 MON_ALRM */
  put8 (b, 0);                         /* 108 CENTURY */
  /* 109 IAPC_BOOT_ARCH: no VGA, no CMOS RTC, and no 8042 so the guest does
   * not spend seconds probing a keyboard controller that is only a stub. */
  put16 (b, (1u << 2) | (1u << 5));
  put8 (b, 0); /* 111 reserved */
  /* 112 flags: WBINVD, PROC_C1, PWR_BUTTON and SLP_BUTTON (none as fixed
   * features), RESET_REG_SUP. */
  put32 (b, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 10));
  put_gas_io (b, KTSTR_ACPI_RESET_PORT, 1);    /* 116 RESET_REG */
  put8 (b, KTSTR_ACPI_RESET_VALUE);            /* 128 RESET_VALUE */
  put16 (b, 0);                                /* 129 ARM_BOOT_ARCH */
  put8 (b, 0);                                 /* 131 FADT minor version */
  put64 (b, facs);                             /* 132 X_FIRMWARE_CTRL */
  put64 (b, dsdt);                             /* 140 X_DSDT */
  put_gas_io (b, KTSTR_ACPI_PM1A_EVT_PORT, 4); /* 148 X_PM1a_EVT_BLK */
  put_gas_io (b, 0, 0);                        /* 160 X_PM1b_EVT_BLK */
  put_gas_io (b, KTSTR_ACPI_PM1A_CNT_PORT, 2); /* 172 X_PM1a_CNT_BLK */
  put_gas_io (b, 0, 0);                        /* 184 X_PM1b_CNT_BLK */
  put_gas_io (b, 0, 0);                        /* 196 X_PM2_CNT_BLK */
  put_gas_io (b, 0, 0);                        /* 208 X_PM_TMR_BLK */
  put_gas_io (b, 0, 0);                        /* 220 X_GPE0_BLK */
  put_gas_io (b, 0, 0);                        /* 232 X_GPE1_BLK */
  put_gas_io (b, 0, 0);                        /* 244 SLEEP_CONTROL_REG */
  put_gas_io (b, 0, 0);                        /* 256 SLEEP_STATUS_REG */
  put_bytes (b, "KTSTRVMM", 8);                /* 268 hypervisor vendor identity */
  g_assert (b->len - off == FADT_LEN);
  return table_end (bd, off);
}

static guint32
build_madt (Builder *bd, const KtstrTopology *t)
{
  GByteArray *b = bd->blob;
  gsize off = table_begin (bd, "APIC", 5);
  put32 (b, KTSTR_LAPIC_GPA);
  put32 (b, 1); /* PCAT_COMPAT: there are 8259 PICs too */
  guint cpus = ktstr_topology_cpus (t);
  for (guint cpu = 0; cpu < cpus; cpu++)
    {
      put8 (b, 0); /* Processor Local APIC */
      put8 (b, 8);
      put8 (b, (guint8)cpu); /* ACPI processor UID */
      put8 (b, (guint8)ktstr_cpuid_apic_id (t, cpu));
      put32 (b, 1); /* enabled */
    }
  put8 (b, 1); /* I/O APIC */
  put8 (b, 12);
  put8 (b, 0); /* IOAPIC ID, as KVM's in-kernel IOAPIC reports it */
  put8 (b, 0);
  put32 (b, KTSTR_IOAPIC_GPA);
  put32 (b, 0); /* GSI base */
  /* The PIT's IRQ 0 arrives on IOAPIC pin 2. */
  put8 (b, 2);
  put8 (b, 10);
  put8 (b, 0);
  put8 (b, 0);
  put32 (b, 2);
  put16 (b, 0);
  /* SCI: level triggered, active high. */
  put8 (b, 2);
  put8 (b, 10);
  put8 (b, 0);
  put8 (b, KTSTR_ACPI_SCI_IRQ);
  put32 (b, KTSTR_ACPI_SCI_IRQ);
  put16 (b, 0x000d);
  /* NMI on LINT1 of every processor. */
  put8 (b, 4);
  put8 (b, 6);
  put8 (b, 0xff);
  put16 (b, 0);
  put8 (b, 1);
  return table_end (bd, off);
}

static guint32
build_srat (Builder *bd, const KtstrAcpiSpec *spec)
{
  GByteArray *b = bd->blob;
  const KtstrTopology *t = &spec->topology;
  gsize off = table_begin (bd, "SRAT", 3);
  put32 (b, 1); /* reserved, 1 for compatibility */
  put64 (b, 0);
  guint cpus = ktstr_topology_cpus (t);
  for (guint cpu = 0; cpu < cpus; cpu++)
    {
      guint node = ktstr_cpuid_node_of (t, cpu);
      put8 (b, 0); /* Processor Local APIC affinity */
      put8 (b, 16);
      put8 (b, node & 0xff);
      put8 (b, (guint8)ktstr_cpuid_apic_id (t, cpu));
      put32 (b, 1); /* enabled */
      put8 (b, 0);  /* local SAPIC EID */
      put8 (b, (node >> 8) & 0xff);
      put8 (b, (node >> 16) & 0xff);
      put8 (b, (node >> 24) & 0xff);
      put32 (b, 0); /* clock domain */
    }
  for (guint i = 0; i < spec->n_regions; i++)
    {
      const KtstrKvmMemRegion *r = &spec->regions[i];
      put8 (b, 1); /* Memory affinity */
      put8 (b, 40);
      put32 (b, r->node);
      put16 (b, 0);
      put64 (b, r->gpa);
      put64 (b, r->size);
      put32 (b, 0);
      put32 (b, 1); /* enabled */
      put64 (b, 0);
    }
  return table_end (bd, off);
}

static guint32
build_slit (Builder *bd, guint nodes)
{
  GByteArray *b = bd->blob;
  gsize off = table_begin (bd, "SLIT", 1);
  put64 (b, nodes);
  for (guint i = 0; i < nodes; i++)
    for (guint j = 0; j < nodes; j++)
      put8 (b, i == j ? 10 : 20);
  return table_end (bd, off);
}

KtstrAcpiTables *
ktstr_acpi_build (const KtstrAcpiSpec *spec, GError **error)
{
  g_autoptr (KtstrAcpiTables) out = g_new0 (KtstrAcpiTables, 1);
  g_autoptr (GByteArray) blob = g_byte_array_new ();
  Builder bd = { .blob = blob, .out = out };

  /* The RSDP goes first (16-byte aligned at 0xE0000, where a scan of the
   * BIOS area finds it too); its pointers are filled in at the end. */
  put_zeros (blob, 36);
  record (&bd, "RSDP", 0, 36);

  guint32 facs = build_facs (&bd);
  guint32 dsdt = build_dsdt (&bd);
  guint32 xs[4];
  xs[0] = build_fadt (&bd, facs, dsdt);
  xs[1] = build_madt (&bd, &spec->topology);
  xs[2] = build_srat (&bd, spec);
  xs[3] = build_slit (&bd, spec->topology.numa_nodes);

  gsize xsdt_off = table_begin (&bd, "XSDT", 1);
  for (guint i = 0; i < G_N_ELEMENTS (xs); i++)
    put64 (blob, xs[i]);
  guint32 xsdt = table_end (&bd, xsdt_off);
  gsize rsdt_off = table_begin (&bd, "RSDT", 1);
  for (guint i = 0; i < G_N_ELEMENTS (xs); i++)
    put32 (blob, xs[i]);
  guint32 rsdt = table_end (&bd, rsdt_off);

  if (blob->len > KTSTR_ACPI_MAX_BYTES)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_CONFIG,
                   "the ACPI tables need %u bytes, more than the %u of the BIOS area", blob->len,
                   (guint)KTSTR_ACPI_MAX_BYTES);
      return NULL;
    }

  guint8 *rsdp = blob->data;
  memcpy (rsdp, "RSD PTR ", 8);
  memcpy (rsdp + 9, OEM_ID, 6);
  rsdp[15] = 2; /* ACPI 2.0+ */
  poke32 (rsdp + 16, rsdt);
  poke32 (rsdp + 20, 36);
  poke64 (rsdp + 24, xsdt);
  rsdp[8] = (guint8)(0x100 - ktstr_acpi_checksum (rsdp, 20));
  rsdp[32] = (guint8)(0x100 - ktstr_acpi_checksum (rsdp, 36));

  out->length = blob->len;
  out->data = g_byte_array_free (g_steal_pointer (&blob), FALSE);
  out->rsdp_gpa = KTSTR_ACPI_BASE_GPA;
  return g_steal_pointer (&out);
}

void
ktstr_acpi_tables_free (KtstrAcpiTables *tables)
{
  if (tables == NULL)
    return;
  g_free (tables->data);
  g_free (tables);
}
