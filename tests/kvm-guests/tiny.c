/* The tiny test guest: a few hundred instructions of freestanding C that
 * exercise one device path of the kvm backend each, chosen by the word
 * "tiny.test=NAME" on the kernel command line:
 *
 *   uart      prints from long mode on COM1, then ACPI poweroff
 *   e820      prints the E820 map from the zero page, then poweroff
 *   acpi      walks RSDP -> XSDT -> FADT/MADT and DSDT \_S5, checks every
 *             checksum, prints what it found and powers off through the
 *             PM1a_CNT port and SLP_TYP that the tables give
 *   cpuid     prints its topology CPUID leaves, then poweroff
 *   smp       starts CPU 1 with INIT-SIPI-SIPI through the local APIC and
 *             waits for it to run its real-mode trampoline, then poweroff
 *   virtio    drives the virtio-mmio console declared by
 *             virtio_mmio.device= on the command line as a Linux driver
 *             would (multiport handshake, named port), sends a line and
 *             waits for the host's answer, then poweroff
 *   reset     i8042 reset (0xFE to port 0x64)
 *   cf9       ACPI reset register (0x06 to port 0xCF9)
 *   panic     pvpanic (port 0x505)
 *   triple    triple fault
 *   hang      halts forever with interrupts off (the host deadline ends it)
 *
 * Output lines start with "tiny: " so tests can find them in the console
 * log.  Built with -ffreestanding -nostdlib; see tiny-head.S and tiny.ld. */
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define COM1 0x3f8
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_CMD_LINE_PTR 0x228
#define BP_E820_TABLE 0x2d0

void tiny_main (u8 *boot_params);

static inline void
outb (u16 port, u8 v)
{
  __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outw (u16 port, u16 v)
{
  __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8
inb (u16 port)
{
  u8 v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline void
barrier (void)
{
  __asm__ volatile("" : : : "memory");
}

static void
putc_ (char c)
{
  while (!(inb (COM1 + 5) & 0x20))
    ;
  outb (COM1, (u8)c);
}

static void
puts_ (const char *s)
{
  while (*s)
    putc_ (*s++);
}

static void
put_hex (u64 v)
{
  puts_ ("0x");
  int started = 0;
  for (int i = 60; i >= 0; i -= 4)
    {
      unsigned d = (v >> i) & 0xf;
      if (d || started || i == 0)
        {
          putc_ ((char)(d < 10 ? '0' + d : 'a' + d - 10));
          started = 1;
        }
    }
}

static void
say (const char *s)
{
  puts_ ("tiny: ");
  puts_ (s);
}

static int
streq_n (const char *a, const char *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i])
      return 0;
  return 1;
}

static size_t
slen (const char *s)
{
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

/* The value of "KEY" in the command line (up to the next space), or NULL. */
static const char *
cmdline_arg (const char *cmdline, const char *key, size_t *len)
{
  size_t klen = slen (key);
  for (const char *p = cmdline; *p; p++)
    if ((p == cmdline || p[-1] == ' ') && streq_n (p, key, klen))
      {
        const char *v = p + klen;
        size_t n = 0;
        while (v[n] && v[n] != ' ')
          n++;
        *len = n;
        return v;
      }
  return NULL;
}

static u64
parse_num (const char *s, size_t n, size_t *used)
{
  u64 v = 0;
  size_t i = 0;
  unsigned base = 10;
  if (n >= 2 && s[0] == '0' && s[1] == 'x')
    {
      base = 16;
      i = 2;
    }
  for (; i < n; i++)
    {
      char c = s[i];
      unsigned d;
      if (c >= '0' && c <= '9')
        d = (unsigned)(c - '0');
      else if (base == 16 && c >= 'a' && c <= 'f')
        d = (unsigned)(c - 'a' + 10);
      else
        break;
      v = v * base + d;
    }
  *used = i;
  return v;
}

static void
halt_forever (void)
{
  for (;;)
    __asm__ volatile("cli; hlt");
}

static void
poweroff (u16 pm1a_cnt, u16 slp_typ)
{
  outw (pm1a_cnt, (u16)((slp_typ << 10) | (1u << 13)));
  say ("poweroff did not happen\n");
  halt_forever ();
}

/* --- ACPI --- */

static int
checksum_ok (const u8 *p, u32 len)
{
  u8 sum = 0;
  for (u32 i = 0; i < len; i++)
    sum += p[i];
  return sum == 0;
}

static u32
get32 (const u8 *p)
{
  return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}

static u64
get64 (const u8 *p)
{
  return get32 (p) | ((u64)get32 (p + 4) << 32);
}

typedef struct
{
  u16 pm1a_cnt;
  u16 slp_typ;
  unsigned cpus;
  unsigned tables;
  int ok;
} AcpiInfo;

/* Finds \_S5 in the DSDT AML: NameOp "_S5_" PackageOp PkgLength
 * NumElements, then SLP_TYPa as Zero, One or BytePrefix n. */
static int
dsdt_s5 (const u8 *dsdt, u32 len, u16 *slp_typ)
{
  for (u32 i = 36; i + 9 < len; i++)
    if (dsdt[i] == 0x08 && streq_n ((const char *)dsdt + i + 1, "_S5_", 4) && dsdt[i + 5] == 0x12)
      {
        const u8 *e = dsdt + i + 8; /* after PkgLength (one byte) and NumElements */
        if (e[0] == 0x0a)
          *slp_typ = e[1];
        else
          *slp_typ = e[0];
        return 1;
      }
  return 0;
}

static AcpiInfo
acpi_scan (const u8 *bp)
{
  AcpiInfo info = { 0 };
  const u8 *rsdp = (const u8 *)(uintptr_t)get64 (bp + BP_ACPI_RSDP);
  if (rsdp == NULL || !streq_n ((const char *)rsdp, "RSD PTR ", 8) || !checksum_ok (rsdp, 20)
      || !checksum_ok (rsdp, 36))
    return info;
  const u8 *xsdt = (const u8 *)(uintptr_t)get64 (rsdp + 24);
  if (!streq_n ((const char *)xsdt, "XSDT", 4) || !checksum_ok (xsdt, get32 (xsdt + 4)))
    return info;
  u32 n = (get32 (xsdt + 4) - 36) / 8;
  info.tables = n;
  int has_fadt = 0, has_s5 = 0;
  for (u32 i = 0; i < n; i++)
    {
      const u8 *t = (const u8 *)(uintptr_t)get64 (xsdt + 36 + 8 * i);
      u32 len = get32 (t + 4);
      if (!checksum_ok (t, len))
        return info;
      if (streq_n ((const char *)t, "FACP", 4))
        {
          has_fadt = 1;
          info.pm1a_cnt = (u16)get32 (t + 64);
          const u8 *dsdt = (const u8 *)(uintptr_t)get64 (t + 140);
          if (streq_n ((const char *)dsdt, "DSDT", 4) && checksum_ok (dsdt, get32 (dsdt + 4)))
            has_s5 = dsdt_s5 (dsdt, get32 (dsdt + 4), &info.slp_typ);
        }
      else if (streq_n ((const char *)t, "APIC", 4))
        for (u32 off = 44; off + 2 <= len; off += t[off + 1])
          {
            if (t[off] == 0 && (get32 (t + off + 4) & 1))
              info.cpus++;
            if (t[off + 1] == 0)
              break;
          }
    }
  info.ok = has_fadt && has_s5;
  return info;
}

static void
acpi_poweroff (const u8 *bp)
{
  AcpiInfo a = acpi_scan (bp);
  if (!a.ok)
    {
      say ("acpi: tables not usable, falling back to port 0x604\n");
      poweroff (0x604, 5);
    }
  poweroff (a.pm1a_cnt, a.slp_typ);
}

static void
test_acpi (const u8 *bp)
{
  AcpiInfo a = acpi_scan (bp);
  say ("acpi: ok=");
  put_hex ((u64)a.ok);
  puts_ (" tables=");
  put_hex (a.tables);
  puts_ (" cpus=");
  put_hex (a.cpus);
  puts_ (" pm1a_cnt=");
  put_hex (a.pm1a_cnt);
  puts_ (" slp_typ=");
  put_hex (a.slp_typ);
  puts_ ("\n");
}

/* --- other tests --- */

static void
test_uart (void)
{
  u32 lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080));
  u64 efer = ((u64)hi << 32) | lo;
  say ("hello from long mode, EFER.LMA=");
  put_hex ((efer >> 10) & 1);
  puts_ ("\n");
}

static void
test_e820 (const u8 *bp)
{
  unsigned n = bp[BP_E820_ENTRIES];
  say ("e820 entries=");
  put_hex (n);
  puts_ ("\n");
  for (unsigned i = 0; i < n; i++)
    {
      const u8 *e = bp + BP_E820_TABLE + 20 * i;
      say ("e820 ");
      put_hex (get64 (e));
      puts_ (" ");
      put_hex (get64 (e + 8));
      puts_ (" ");
      put_hex (get32 (e + 16));
      puts_ ("\n");
    }
}

static void
cpuid (u32 leaf, u32 sub, u32 r[4])
{
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static void
test_cpuid (void)
{
  u32 r[4];
  cpuid (1, 0, r);
  say ("cpuid 1 ebx=");
  put_hex (r[1]);
  puts_ (" ecx=");
  put_hex (r[2]);
  puts_ ("\n");
  for (u32 sub = 0; sub < 3; sub++)
    {
      cpuid (0xb, sub, r);
      say ("cpuid b.");
      put_hex (sub);
      puts_ (" eax=");
      put_hex (r[0]);
      puts_ (" ebx=");
      put_hex (r[1]);
      puts_ (" ecx=");
      put_hex (r[2]);
      puts_ (" edx=");
      put_hex (r[3]);
      puts_ ("\n");
    }
}

/* --- secondary CPU start --- */

#define LAPIC_BASE 0xfee00000ull
#define AP_TRAMPOLINE 0x8000u

extern const u8 tiny_ap_start[], tiny_ap_flag[], tiny_ap_end[];

static void
lapic_write (u32 reg, u32 v)
{
  *(volatile u32 *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

static u32
lapic_read (u32 reg)
{
  return *(volatile u32 *)(uintptr_t)(LAPIC_BASE + reg);
}

static void
delay (u32 n)
{
  for (volatile u32 i = 0; i < n; i++)
    ;
}

static void
test_smp (void)
{
  u8 *dst = (u8 *)(uintptr_t)AP_TRAMPOLINE;
  for (const u8 *p = tiny_ap_start; p < tiny_ap_end; p++)
    *dst++ = *p;
  volatile u8 *flag = (volatile u8 *)(uintptr_t)(AP_TRAMPOLINE + (tiny_ap_flag - tiny_ap_start));
  lapic_write (0xf0, 0x1ff); /* software-enable the BSP's APIC */
  say ("smp: BSP APIC ID ");
  put_hex (lapic_read (0x20) >> 24);
  puts_ ("\n");
  lapic_write (0x310, 1u << 24); /* destination: APIC ID 1 */
  lapic_write (0x300, 0x4500);   /* INIT, assert */
  delay (1000);
  for (int i = 0; i < 2; i++)
    {
      lapic_write (0x310, 1u << 24);
      lapic_write (0x300, 0x4600 | (AP_TRAMPOLINE >> 12)); /* STARTUP */
      delay (200);
    }
  for (u32 spin = 0; spin < 5000000 && !*flag; spin++)
    barrier ();
  say (*flag ? "smp: AP 1 started\n" : "smp: AP 1 did not start\n");
}

void virtio_test (const char *cmdline);

void
tiny_main (u8 *bp)
{
  const char *cmdline = (const char *)(uintptr_t)get32 (bp + BP_CMD_LINE_PTR);
  size_t n = 0;
  const char *test = cmdline_arg (cmdline, "tiny.test=", &n);
  say ("start\n");
  if (test == NULL)
    say ("no tiny.test= on the command line\n");
  else if (n == 4 && streq_n (test, "uart", 4))
    test_uart ();
  else if (n == 4 && streq_n (test, "e820", 4))
    test_e820 (bp);
  else if (n == 4 && streq_n (test, "acpi", 4))
    test_acpi (bp);
  else if (n == 5 && streq_n (test, "cpuid", 5))
    test_cpuid ();
  else if (n == 3 && streq_n (test, "smp", 3))
    test_smp ();
  else if (n == 6 && streq_n (test, "virtio", 6))
    virtio_test (cmdline);
  else if (n == 5 && streq_n (test, "reset", 5))
    {
      say ("resetting through the i8042\n");
      outb (0x64, 0xfe);
    }
  else if (n == 3 && streq_n (test, "cf9", 3))
    {
      say ("resetting through 0xcf9\n");
      outb (0xcf9, 0x06);
    }
  else if (n == 5 && streq_n (test, "panic", 5))
    {
      say ("panicking through pvpanic\n");
      outb (0x505, 1);
    }
  else if (n == 6 && streq_n (test, "triple", 6))
    {
      say ("triple fault\n");
      static const struct __attribute__ ((packed))
      {
        u16 limit;
        u64 base;
      } null_idt = { 0, 0 };
      /* #UD with an empty IDT: #GP, then #DF, then shutdown.  (ud2 rather
       * than int3: the instruction emulator behind some nested /dev/kvm
       * reports a software interrupt through a bad IDT as an emulation
       * failure instead of a fault.) */
      __asm__ volatile("lidt %0; ud2" : : "m"(null_idt));
    }
  else if (n == 4 && streq_n (test, "hang", 4))
    {
      say ("hanging\n");
      halt_forever ();
    }
  else
    say ("unknown test\n");
  acpi_poweroff (bp);
}

/* --- virtio-mmio console, driver side --- */

#define QSZ 8
#define VIRTIO_BASE_DEFAULT 0xd0000000ull

struct desc
{
  u64 addr;
  u32 len;
  u16 flags;
  u16 next;
};

struct avail
{
  u16 flags;
  u16 idx;
  u16 ring[QSZ];
  u16 event;
};

struct used
{
  u16 flags;
  u16 idx;
  struct
  {
    u32 id;
    u32 len;
  } ring[QSZ];
  u16 event;
};

static struct desc descs[4][QSZ] __attribute__ ((aligned (16)));
static struct avail avails[4] __attribute__ ((aligned (16)));
static struct used useds[4] __attribute__ ((aligned (16)));
static u16 avail_idx[4], used_seen[4];
static u8 bufs[4][QSZ][64];
static volatile u8 *vbase;

static u32
mr (u32 off)
{
  return *(volatile u32 *)(vbase + off);
}

static void
mw (u32 off, u32 v)
{
  *(volatile u32 *)(vbase + off) = v;
}

static void
vq_add (int q, const void *addr, u32 len, int is_write)
{
  u16 slot = avail_idx[q] % QSZ;
  descs[q][slot].addr = (u64)(uintptr_t)addr;
  descs[q][slot].len = len;
  descs[q][slot].flags = is_write ? 2 : 0;
  descs[q][slot].next = 0;
  ((volatile struct avail *)&avails[q])->ring[slot] = slot;
  barrier ();
  ((volatile struct avail *)&avails[q])->idx = ++avail_idx[q];
  barrier ();
}

/* Waits for a used buffer on queue Q; returns its slot, or -1. */
static int
vq_get (int q, u32 *len)
{
  for (u32 spin = 0; spin < 2000000; spin++)
    {
      barrier ();
      if (((volatile struct used *)&useds[q])->idx != used_seen[q])
        {
          u16 i = used_seen[q]++ % QSZ;
          *len = useds[q].ring[i].len;
          return (int)useds[q].ring[i].id;
        }
    }
  return -1;
}

static void
send_ctrl (u16 event, u16 value)
{
  u8 *m = bufs[3][avail_idx[3] % QSZ];
  u32 len;
  m[0] = m[1] = m[2] = m[3] = 0; /* port id 0 */
  m[4] = (u8)event;
  m[5] = 0;
  m[6] = (u8)value;
  m[7] = 0;
  vq_add (3, m, 8, 0);
  mw (0x50, 3);
  vq_get (3, &len);
}

static int
fail (const char *why)
{
  say ("virtio: FAIL ");
  puts_ (why);
  puts_ ("\n");
  return 0;
}

static int
virtio_run (void)
{
  if (mr (0x0) != 0x74726976 || mr (0x4) != 2 || mr (0x8) != 3)
    return fail ("no virtio-mmio v2 console at the declared address");
  mw (0x70, 0);
  mw (0x70, 1);
  mw (0x70, 3);
  mw (0x14, 0);
  u32 f0 = mr (0x10);
  mw (0x14, 1);
  u32 f1 = mr (0x10);
  if (!(f0 & 2) || !(f1 & 1))
    return fail ("MULTIPORT or VERSION_1 not offered");
  mw (0x24, 0);
  mw (0x20, 2);
  mw (0x24, 1);
  mw (0x20, 1);
  mw (0x70, 0xb);
  if (!(mr (0x70) & 8))
    return fail ("FEATURES_OK refused");
  if (mr (0x100 + 4) != 1)
    return fail ("max_nr_ports is not 1");
  for (u32 q = 0; q < 4; q++)
    {
      mw (0x30, q);
      if (mr (0x34) < QSZ)
        return fail ("queue too small");
      mw (0x38, QSZ);
      mw (0x80, (u32)(uintptr_t)descs[q]);
      mw (0x84, 0);
      mw (0x90, (u32)(uintptr_t)&avails[q]);
      mw (0x94, 0);
      mw (0xa0, (u32)(uintptr_t)&useds[q]);
      mw (0xa4, 0);
      mw (0x44, 1);
    }
  mw (0x70, 0xf);

  for (int i = 0; i < 4; i++)
    vq_add (2, bufs[2][i], 64, 1);
  mw (0x50, 2);
  for (int i = 0; i < 2; i++)
    vq_add (0, bufs[0][i], 64, 1);
  mw (0x50, 0);
  send_ctrl (0, 1); /* DEVICE_READY */

  int has_name = 0, is_host_open = 0;
  for (int k = 0; k < 8 && !(has_name && is_host_open); k++)
    {
      u32 len;
      int slot = vq_get (2, &len);
      if (slot < 0)
        return fail ("no control message from the host");
      const u8 *m = bufs[2][slot];
      u16 event = (u16)(m[4] | (m[5] << 8));
      u16 value = (u16)(m[6] | (m[7] << 8));
      if (event == 1)      /* PORT_ADD */
        send_ctrl (3, 1);  /* PORT_READY */
      else if (event == 7) /* PORT_NAME */
        {
          if (len != 8 + 14 || !streq_n ((const char *)m + 8, "org.ktstr.ctrl", 14))
            return fail ("wrong port name");
          has_name = 1;
        }
      else if (event == 6 && value == 1) /* PORT_OPEN from the host */
        is_host_open = 1;
      vq_add (2, bufs[2][avail_idx[2] % QSZ], 64, 1);
      mw (0x50, 2);
    }
  if (!has_name || !is_host_open)
    return fail ("handshake incomplete");
  say ("virtio: port org.ktstr.ctrl is open\n");
  send_ctrl (6, 1); /* the guest opened the port */

  static const char ping[] = "ping from the tiny guest\n";
  u32 len;
  vq_add (1, ping, sizeof ping - 1, 0);
  mw (0x50, 1);
  if (vq_get (1, &len) < 0)
    return fail ("the host did not take the data");
  int slot = vq_get (0, &len);
  if (slot < 0)
    return fail ("no answer from the host");
  say ("virtio: got ");
  for (u32 i = 0; i < len && i < 64; i++)
    if (bufs[0][slot][i] != '\n')
      putc_ ((char)bufs[0][slot][i]);
  puts_ ("\n");
  return 1;
}

void
virtio_test (const char *cmdline)
{
  /* virtio_mmio.device=4K@0xd0000000:5 */
  size_t n = 0, used = 0;
  const char *v = cmdline_arg (cmdline, "virtio_mmio.device=", &n);
  vbase = (volatile u8 *)(uintptr_t)VIRTIO_BASE_DEFAULT;
  for (size_t i = 0; v != NULL && i < n; i++)
    if (v[i] == '@')
      {
        vbase = (volatile u8 *)(uintptr_t)parse_num (v + i + 1, n - i - 1, &used);
        break;
      }
  if (v == NULL)
    say ("virtio: no virtio_mmio.device= on the command line\n");
  else if (virtio_run ())
    say ("virtio: ok\n");
}
