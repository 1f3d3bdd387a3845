/* Device models of the kvm backend without /dev/kvm: the virtio-mmio
 * console driven by this test playing the guest driver (the same steps as
 * Linux's virtio_mmio and virtio_console drivers: feature negotiation,
 * split rings, the multiport handshake), the 16550 UART through the probe
 * sequence of Linux's 8250 driver, and the platform ports that end a run. */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "backends/kvm/acpi.h"
#include "backends/kvm/memory.h"
#include "backends/kvm/platform.h"
#include "backends/kvm/uart.h"
#include "backends/kvm/virtio-console.h"

/* ---------------- virtio console: the guest driver's side ---------------- */

#define QSZ 8
#define RING_GPA 0x10000ull /* 4 queues x 0x1000: desc, avail, used */
#define BUF_GPA 0x20000ull  /* 4 queues x QSZ buffers of 128 bytes */
#define BUF_SIZE 128

typedef struct
{
  KtstrKvmMemory *mem;
  KtstrVirtioConsole *con;
  GByteArray *received; /* what the host got on the port */
  guint irq_edges;
  gboolean irq_level;
  guint16 desc_next[4]; /* next free descriptor (buffers are indexed alike) */
  guint16 used_seen[4];
} Driver;

static void
on_data (const guint8 *data, gsize len, gpointer user_data)
{
  Driver *d = user_data;
  g_byte_array_append (d->received, data, (guint)len);
}

static void
on_irq (gboolean level, gpointer user_data)
{
  Driver *d = user_data;
  if (level && !d->irq_level)
    d->irq_edges++;
  d->irq_level = level;
}

static guint32
rd (Driver *d, guint64 off)
{
  guint8 b[4];
  ktstr_virtio_console_mmio_read (d->con, off, b, 4);
  guint32 v;
  memcpy (&v, b, 4);
  return v;
}

static void
wr (Driver *d, guint64 off, guint32 v)
{
  guint8 b[4];
  memcpy (b, &v, 4);
  ktstr_virtio_console_mmio_write (d->con, off, b, 4);
}

static guint8 *
gpa (Driver *d, guint64 addr, guint64 len)
{
  guint8 *p = ktstr_kvm_memory_ptr (d->mem, addr, len);
  g_assert_nonnull (p);
  return p;
}

static guint64
desc_gpa (int q)
{
  return RING_GPA + 0x1000 * (guint64)q;
}

static guint64
avail_gpa (int q)
{
  return desc_gpa (q) + 16 * QSZ;
}

static guint64
used_gpa (int q)
{
  return desc_gpa (q) + 0x800;
}

static guint64
buf_gpa (int q, guint slot)
{
  return BUF_GPA + (guint64)(q * QSZ + slot) * BUF_SIZE;
}

/* Posts a chain of N buffers (ADDR/LEN pairs) on queue Q. */
static void
post_chain (Driver *d, int q, const guint64 *addr, const guint32 *len, guint n, gboolean is_write)
{
  guint16 head = d->desc_next[q] % QSZ;
  for (guint i = 0; i < n; i++)
    {
      guint16 slot = (head + i) % QSZ;
      guint8 *desc = gpa (d, desc_gpa (q) + 16 * slot, 16);
      guint16 flags
          = (is_write ? KTSTR_VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? KTSTR_VIRTQ_DESC_F_NEXT : 0);
      guint16 next = (slot + 1) % QSZ;
      memcpy (desc, &addr[i], 8);
      memcpy (desc + 8, &len[i], 4);
      memcpy (desc + 12, &flags, 2);
      memcpy (desc + 14, &next, 2);
    }
  d->desc_next[q] += (guint16)n;
  guint8 *avail = gpa (d, avail_gpa (q), 4 + 2 * QSZ);
  guint16 idx;
  memcpy (&idx, avail + 2, 2);
  memcpy (avail + 4 + 2 * (idx % QSZ), &head, 2);
  idx++;
  memcpy (avail + 2, &idx, 2);
}

static void
post (Driver *d, int q, guint64 addr, guint32 len, gboolean is_write)
{
  post_chain (d, q, &addr, &len, 1, is_write);
}

/* The next used element of queue Q: FALSE when there is none. */
static gboolean
take_used (Driver *d, int q, guint32 *id, guint32 *len)
{
  guint8 *used = gpa (d, used_gpa (q), 4 + 8 * QSZ);
  guint16 idx;
  memcpy (&idx, used + 2, 2);
  if (idx == d->used_seen[q])
    return FALSE;
  guint8 *e = used + 4 + 8 * (d->used_seen[q] % QSZ);
  memcpy (id, e, 4);
  memcpy (len, e + 4, 4);
  d->used_seen[q]++;
  return TRUE;
}

static void
send_ctrl (Driver *d, guint16 event, guint16 value)
{
  guint64 at = buf_gpa (3, d->desc_next[3] % QSZ);
  guint8 *m = gpa (d, at, 8);
  guint32 id = 0;
  memcpy (m, &id, 4);
  memcpy (m + 4, &event, 2);
  memcpy (m + 6, &value, 2);
  post (d, 3, at, 8, FALSE);
  wr (d, KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY, 3);
  guint32 uid, ulen;
  g_assert_true (take_used (d, 3, &uid, &ulen));
}

static void
driver_init (Driver *d)
{
  g_autoptr (GError) error = NULL;
  memset (d, 0, sizeof *d);
  d->mem = ktstr_kvm_memory_new (16ull << 20, 1, &error);
  g_assert_no_error (error);
  d->received = g_byte_array_new ();
  d->con = ktstr_virtio_console_new (d->mem, "org.ktstr.ctrl", on_data, on_irq, d);
}

static void
driver_clear (Driver *d)
{
  ktstr_virtio_console_free (d->con);
  ktstr_kvm_memory_free (d->mem);
  g_byte_array_unref (d->received);
}

/* Feature negotiation and queue setup, as virtio_mmio's probe does. */
static void
driver_probe (Driver *d)
{
  g_assert_cmphex (rd (d, KTSTR_VIRTIO_MMIO_MAGIC_VALUE), ==, 0x74726976);
  g_assert_cmpuint (rd (d, KTSTR_VIRTIO_MMIO_VERSION), ==, 2);
  g_assert_cmpuint (rd (d, KTSTR_VIRTIO_MMIO_DEVICE_ID), ==, KTSTR_VIRTIO_ID_CONSOLE);
  wr (d, KTSTR_VIRTIO_MMIO_STATUS, 0);
  wr (d, KTSTR_VIRTIO_MMIO_STATUS, KTSTR_VIRTIO_STATUS_ACKNOWLEDGE);
  wr (d, KTSTR_VIRTIO_MMIO_STATUS, KTSTR_VIRTIO_STATUS_ACKNOWLEDGE | KTSTR_VIRTIO_STATUS_DRIVER);
  wr (d, KTSTR_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
  guint32 lo = rd (d, KTSTR_VIRTIO_MMIO_DEVICE_FEATURES);
  wr (d, KTSTR_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
  guint32 hi = rd (d, KTSTR_VIRTIO_MMIO_DEVICE_FEATURES);
  g_assert_cmphex (lo, ==, 1u << KTSTR_VIRTIO_CONSOLE_F_MULTIPORT);
  g_assert_cmphex (hi, ==, 1u); /* VIRTIO_F_VERSION_1 */
  wr (d, KTSTR_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr (d, KTSTR_VIRTIO_MMIO_DRIVER_FEATURES, lo);
  wr (d, KTSTR_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  wr (d, KTSTR_VIRTIO_MMIO_DRIVER_FEATURES, hi);
  wr (d, KTSTR_VIRTIO_MMIO_STATUS, 0xb);
  g_assert_cmphex (rd (d, KTSTR_VIRTIO_MMIO_STATUS), ==, 0xb);
  g_assert_cmpuint (rd (d, KTSTR_VIRTIO_MMIO_CONFIG + 4), ==, 1); /* max_nr_ports */
  for (int q = 0; q < 4; q++)
    {
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_SEL, (guint32)q);
      g_assert_cmpuint (rd (d, KTSTR_VIRTIO_MMIO_QUEUE_NUM_MAX), ==, 256);
      g_assert_cmpuint (rd (d, KTSTR_VIRTIO_MMIO_QUEUE_READY), ==, 0);
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_NUM, QSZ);
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_DESC_LOW, (guint32)desc_gpa (q));
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_DRIVER_LOW, (guint32)avail_gpa (q));
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_DEVICE_LOW, (guint32)used_gpa (q));
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_READY, 1);
      g_assert_cmpuint (rd (d, KTSTR_VIRTIO_MMIO_QUEUE_READY), ==, 1);
    }
  wr (d, KTSTR_VIRTIO_MMIO_QUEUE_SEL, 4);
  g_assert_cmpuint (rd (d, KTSTR_VIRTIO_MMIO_QUEUE_NUM_MAX), ==, 0);
  wr (d, KTSTR_VIRTIO_MMIO_STATUS, 0xf);
}

/* Reads control messages until NAME and the host's PORT_OPEN came in,
 * answering PORT_ADD with PORT_READY like virtio_console does. */
static void
driver_handshake (Driver *d)
{
  for (guint i = 0; i < 4; i++)
    post (d, 2, buf_gpa (2, i), BUF_SIZE, TRUE);
  wr (d, KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY, 2);
  guint32 id, len;
  g_assert_false (take_used (d, 2, &id, &len)); /* nothing before DEVICE_READY */
  send_ctrl (d, KTSTR_VIRTIO_CONSOLE_DEVICE_READY, 1);

  gboolean has_add = FALSE, has_name = FALSE, is_open = FALSE;
  for (guint k = 0; k < 6 && !(has_name && is_open); k++)
    {
      g_assert_true (take_used (d, 2, &id, &len));
      const guint8 *m = gpa (d, buf_gpa (2, id), len);
      guint16 event, value;
      memcpy (&event, m + 4, 2);
      memcpy (&value, m + 6, 2);
      g_assert_cmpuint (m[0] | m[1] | m[2] | m[3], ==, 0); /* port 0 */
      switch (event)
        {
        case KTSTR_VIRTIO_CONSOLE_PORT_ADD:
          g_assert_false (has_add);
          has_add = TRUE;
          send_ctrl (d, KTSTR_VIRTIO_CONSOLE_PORT_READY, 1);
          break;
        case KTSTR_VIRTIO_CONSOLE_PORT_NAME:
          g_assert_true (has_add);
          g_assert_cmpuint (len, ==, 8 + strlen ("org.ktstr.ctrl"));
          g_assert_cmpmem (m + 8, len - 8, "org.ktstr.ctrl", strlen ("org.ktstr.ctrl"));
          has_name = TRUE;
          break;
        case KTSTR_VIRTIO_CONSOLE_PORT_OPEN:
          g_assert_true (has_name);
          g_assert_cmpuint (value, ==, 1);
          is_open = TRUE;
          break;
        default:
          g_error ("unexpected control event %u", event);
        }
      post (d, 2, buf_gpa (2, d->desc_next[2] % QSZ), BUF_SIZE, TRUE);
      wr (d, KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY, 2);
    }
  g_assert_true (has_name && is_open);
  g_assert_false (ktstr_virtio_console_is_guest_open (d->con));
  send_ctrl (d, KTSTR_VIRTIO_CONSOLE_PORT_OPEN, 1);
  g_assert_true (ktstr_virtio_console_is_guest_open (d->con));
}

static void
test_virtio_console (void)
{
  Driver d;
  driver_init (&d);
  driver_probe (&d);
  driver_handshake (&d);
  g_assert_cmpuint (d.irq_edges, >, 0);
  guint edges = d.irq_edges;

  /* Guest to host: a line split over a two-descriptor chain. */
  static const char a[] = "{\"t\":\"hello\",", b[] = "\"proto\":1}\n";
  memcpy (gpa (&d, buf_gpa (1, 0), sizeof a), a, sizeof a - 1);
  memcpy (gpa (&d, buf_gpa (1, 1), sizeof b), b, sizeof b - 1);
  guint64 addrs[2] = { buf_gpa (1, 0), buf_gpa (1, 1) };
  guint32 lens[2] = { sizeof a - 1, sizeof b - 1 };
  post_chain (&d, 1, addrs, lens, 2, FALSE);
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY, 1);
  guint32 id, len;
  g_assert_true (take_used (&d, 1, &id, &len));
  g_assert_cmpuint (id, ==, 0);
  g_assert_cmpmem (d.received->data, d.received->len, "{\"t\":\"hello\",\"proto\":1}\n",
                   strlen ("{\"t\":\"hello\",\"proto\":1}\n"));
  g_assert_cmpuint (d.irq_edges, >, edges);

  /* Host to guest: queued until the guest posts a receive buffer. */
  ktstr_virtio_console_send (d.con, (const guint8 *)"pong\n", 5);
  g_assert_false (take_used (&d, 0, &id, &len));
  post (&d, 0, buf_gpa (0, 0), BUF_SIZE, TRUE);
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  g_assert_true (take_used (&d, 0, &id, &len));
  g_assert_cmpmem (gpa (&d, buf_gpa (0, id), len), len, "pong\n", 5);
  /* With a buffer already waiting, delivery is immediate. */
  post (&d, 0, buf_gpa (0, 1), 3, TRUE);
  post (&d, 0, buf_gpa (0, 2), BUF_SIZE, TRUE);
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  ktstr_virtio_console_send (d.con, (const guint8 *)"abcdef", 6);
  g_assert_true (take_used (&d, 0, &id, &len));
  g_assert_cmpmem (gpa (&d, buf_gpa (0, id), len), len, "abc", 3);
  g_assert_true (take_used (&d, 0, &id, &len));
  g_assert_cmpmem (gpa (&d, buf_gpa (0, id), len), len, "def", 3);

  /* Interrupt status is set until acknowledged. */
  g_assert_cmpuint (rd (&d, KTSTR_VIRTIO_MMIO_INTERRUPT_STATUS) & 1, ==, 1);
  wr (&d, KTSTR_VIRTIO_MMIO_INTERRUPT_ACK, 1);
  g_assert_cmpuint (rd (&d, KTSTR_VIRTIO_MMIO_INTERRUPT_STATUS), ==, 0);
  g_assert_true (ktstr_virtio_console_check (d.con, NULL));
  driver_clear (&d);
}

static void
test_virtio_reset (void)
{
  Driver d;
  driver_init (&d);
  driver_probe (&d);
  driver_handshake (&d);
  /* A driver reset (kexec, module reload) starts everything over. */
  wr (&d, KTSTR_VIRTIO_MMIO_STATUS, 0);
  g_assert_cmpuint (rd (&d, KTSTR_VIRTIO_MMIO_STATUS), ==, 0);
  g_assert_false (ktstr_virtio_console_is_guest_open (d.con));
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_SEL, 0);
  g_assert_cmpuint (rd (&d, KTSTR_VIRTIO_MMIO_QUEUE_READY), ==, 0);
  memset (d.desc_next, 0, sizeof d.desc_next);
  memset (d.used_seen, 0, sizeof d.used_seen);
  memset (gpa (&d, RING_GPA, 0x4000), 0, 0x4000);
  driver_probe (&d);
  driver_handshake (&d);
  driver_clear (&d);
}

static void
test_virtio_features (void)
{
  Driver d;
  driver_init (&d);
  wr (&d, KTSTR_VIRTIO_MMIO_STATUS, 3);
  /* Without VERSION_1 (a legacy driver) FEATURES_OK does not stick. */
  wr (&d, KTSTR_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr (&d, KTSTR_VIRTIO_MMIO_DRIVER_FEATURES, 2);
  wr (&d, KTSTR_VIRTIO_MMIO_STATUS, 0xb);
  g_assert_cmphex (rd (&d, KTSTR_VIRTIO_MMIO_STATUS) & 8, ==, 0);
  /* Nor with a feature we never offered. */
  wr (&d, KTSTR_VIRTIO_MMIO_DRIVER_FEATURES, 2 | 4);
  wr (&d, KTSTR_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  wr (&d, KTSTR_VIRTIO_MMIO_DRIVER_FEATURES, 1);
  wr (&d, KTSTR_VIRTIO_MMIO_STATUS, 0xb);
  g_assert_cmphex (rd (&d, KTSTR_VIRTIO_MMIO_STATUS) & 8, ==, 0);
  /* Queue sizes must be powers of two within the maximum. */
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_SEL, 0);
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_NUM, 6);
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_NUM, 512);
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_READY, 1);
  g_assert_cmpuint (rd (&d, KTSTR_VIRTIO_MMIO_QUEUE_READY), ==, 0);
  g_assert_cmphex (rd (&d, KTSTR_VIRTIO_MMIO_STATUS) & KTSTR_VIRTIO_STATUS_NEEDS_RESET, !=, 0);
  /* Narrow register accesses are ignored, config reads work at any width. */
  guint8 b[2] = { 0xff, 0xff };
  ktstr_virtio_console_mmio_write (d.con, KTSTR_VIRTIO_MMIO_STATUS, b, 2);
  guint8 cfg[4];
  ktstr_virtio_console_mmio_read (d.con, KTSTR_VIRTIO_MMIO_CONFIG + 4, cfg, 1);
  g_assert_cmpuint (cfg[0], ==, 1);
  driver_clear (&d);
}

static void
test_virtio_bad_ring (void)
{
  Driver d;
  driver_init (&d);
  driver_probe (&d);
  driver_handshake (&d);
  /* A descriptor pointing into the MMIO hole must be refused, not used. */
  post (&d, 1, 0xd0000000ull, 64, FALSE);
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY, 1);
  g_autoptr (GError) why = NULL;
  g_assert_false (ktstr_virtio_console_check (d.con, &why));
  g_assert_error (why, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_RUN);
  g_assert_cmpstr (why->message, ==, "virtio console: malformed port transmit queue");
  g_assert_cmphex (rd (&d, KTSTR_VIRTIO_MMIO_STATUS) & KTSTR_VIRTIO_STATUS_NEEDS_RESET, !=, 0);
  g_assert_cmpuint (rd (&d, KTSTR_VIRTIO_MMIO_INTERRUPT_STATUS) & 2, ==, 2);
  g_assert_cmpuint (d.received->len, ==, 0);
  /* Broken devices ignore further notifications. */
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY, 1);
  driver_clear (&d);

  /* An avail index that runs ahead by more than the ring size. */
  driver_init (&d);
  driver_probe (&d);
  guint8 *avail = gpa (&d, avail_gpa (3), 4);
  guint16 idx = 100;
  memcpy (avail + 2, &idx, 2);
  wr (&d, KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY, 3);
  g_assert_false (ktstr_virtio_console_check (d.con, NULL));
  driver_clear (&d);
}

/* ---------------- 16550 UART ---------------- */

typedef struct
{
  GString *out;
  gboolean irq;
  guint edges;
} UartCtx;

static void
uart_out (const guint8 *data, gsize len, gpointer user_data)
{
  UartCtx *c = user_data;
  g_string_append_len (c->out, (const char *)data, (gssize)len);
}

static void
uart_irq (gboolean level, gpointer user_data)
{
  UartCtx *c = user_data;
  if (level && !c->irq)
    c->edges++;
  c->irq = level;
}

static void
test_uart_probe (void)
{
  UartCtx c = { .out = g_string_new (NULL) };
  g_autoptr (KtstrUart) u = ktstr_uart_new (uart_out, uart_irq, &c);
  /* autoconfig(): IER holds its low four bits. */
  ktstr_uart_write (u, 1, 0);
  g_assert_cmphex (ktstr_uart_read (u, 1) & 0x0f, ==, 0);
  ktstr_uart_write (u, 1, 0x0f);
  g_assert_cmphex (ktstr_uart_read (u, 1) & 0x0f, ==, 0x0f);
  ktstr_uart_write (u, 1, 0);
  /* The loopback check: MCR = LOOP | OUT2 | RTS gives DCD | CTS. */
  ktstr_uart_write (u, 4, 0x10 | 0x0a);
  g_assert_cmphex (ktstr_uart_read (u, 6) & 0xf0, ==, 0x90);
  ktstr_uart_write (u, 4, 0);
  /* FIFO detection: a 16550A reports both FIFO bits in IIR. */
  ktstr_uart_write (u, 2, 0x01);
  g_assert_cmphex (ktstr_uart_read (u, 2) & 0xc0, ==, 0xc0);
  ktstr_uart_write (u, 2, 0);
  g_assert_cmphex (ktstr_uart_read (u, 2) & 0xc0, ==, 0);
  /* Scratch and divisor latch. */
  ktstr_uart_write (u, 7, 0xa5);
  g_assert_cmphex (ktstr_uart_read (u, 7), ==, 0xa5);
  ktstr_uart_write (u, 3, 0x80);
  ktstr_uart_write (u, 0, 0x01);
  ktstr_uart_write (u, 1, 0x00);
  g_assert_cmphex (ktstr_uart_read (u, 0), ==, 0x01);
  ktstr_uart_write (u, 3, 0x03);
  g_assert_cmphex (ktstr_uart_read (u, 3), ==, 0x03);
  g_assert_cmphex (ktstr_uart_read (u, 5), ==, 0x60); /* THRE | TEMT */
  g_assert_cmpuint (c.out->len, ==, 0);
  g_assert_cmpuint (c.edges, ==, 0);
  g_string_free (c.out, TRUE);
}

static void
test_uart_tx_interrupt (void)
{
  UartCtx c = { .out = g_string_new (NULL) };
  g_autoptr (KtstrUart) u = ktstr_uart_new (uart_out, uart_irq, &c);
  ktstr_uart_write (u, 2, 0x07); /* FIFO on, cleared */
  ktstr_uart_write (u, 4, 0x08); /* OUT2: interrupts reach the PIC */
  ktstr_uart_write (u, 1, 0x02); /* THRI */
  g_assert_true (c.irq);         /* THR is empty: raised at once */
  g_assert_cmphex (ktstr_uart_read (u, 2), ==, 0xc2);
  g_assert_false (c.irq); /* reading IIR acknowledged it */
  g_assert_cmphex (ktstr_uart_read (u, 2), ==, 0xc1);
  ktstr_uart_write (u, 0, 'K');
  g_assert_true (c.irq);
  g_assert_cmpuint (c.edges, ==, 2);
  g_assert_cmphex (ktstr_uart_read (u, 2), ==, 0xc2);
  ktstr_uart_write (u, 1, 0x00); /* interrupts off */
  ktstr_uart_write (u, 0, '!');
  g_assert_false (c.irq);
  g_assert_cmpstr (c.out->str, ==, "K!");
  g_string_free (c.out, TRUE);
}

static void
test_uart_receive (void)
{
  UartCtx c = { .out = g_string_new (NULL) };
  g_autoptr (KtstrUart) u = ktstr_uart_new (uart_out, uart_irq, &c);
  ktstr_uart_write (u, 4, 0x08);
  ktstr_uart_write (u, 1, 0x01); /* RDI */
  g_assert_false (c.irq);
  ktstr_uart_push_input (u, (const guint8 *)"hi", 2);
  g_assert_true (c.irq);
  g_assert_cmphex (ktstr_uart_read (u, 5) & 1, ==, 1);
  g_assert_cmphex (ktstr_uart_read (u, 2) & 0x0f, ==, 0x04);
  g_assert_cmphex (ktstr_uart_read (u, 0), ==, 'h');
  g_assert_cmphex (ktstr_uart_read (u, 0), ==, 'i');
  g_assert_false (c.irq);
  g_assert_cmphex (ktstr_uart_read (u, 5) & 1, ==, 0);
  /* Loopback: transmitted bytes come back as received, not as output. */
  ktstr_uart_write (u, 4, 0x18);
  ktstr_uart_write (u, 0, 'x');
  g_assert_cmphex (ktstr_uart_read (u, 0), ==, 'x');
  g_assert_cmpuint (c.out->len, ==, 0);
  g_string_free (c.out, TRUE);
}

/* ---------------- platform ports ---------------- */

static KtstrPlatformEvent
io (guint16 port, gboolean is_write, guint32 value, guint len, guint32 *read_back,
    gboolean *is_ours)
{
  guint8 data[4];
  memcpy (data, &value, 4);
  KtstrPlatformEvent ev;
  const char *detail;
  *is_ours = ktstr_platform_io (port, is_write, data, len, &ev, &detail);
  if (read_back != NULL)
    {
      *read_back = 0;
      memcpy (read_back, data, len);
    }
  g_assert_true ((ev == KTSTR_PLATFORM_EVENT_NONE) == (detail == NULL));
  return ev;
}

static void
test_platform (void)
{
  gboolean ours;
  guint32 v;
  g_assert_cmpint (io (0x64, TRUE, 0xfe, 1, NULL, &ours), ==, KTSTR_PLATFORM_EVENT_RESET);
  g_assert_cmpint (io (0x64, TRUE, 0xd1, 1, NULL, &ours), ==, KTSTR_PLATFORM_EVENT_NONE);
  g_assert_cmpint (io (0x64, FALSE, 0xff, 1, &v, &ours), ==, KTSTR_PLATFORM_EVENT_NONE);
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (ours);

  guint32 s5 = (KTSTR_ACPI_SLP_TYP_S5 << 10) | KTSTR_ACPI_SLP_EN;
  g_assert_cmpint (io (KTSTR_ACPI_PM1A_CNT_PORT, TRUE, s5, 2, NULL, &ours), ==,
                   KTSTR_PLATFORM_EVENT_POWEROFF);
  /* SLP_TYP alone (ACPICA writes it first), or another sleep type: nothing. */
  g_assert_cmpint (io (KTSTR_ACPI_PM1A_CNT_PORT, TRUE, KTSTR_ACPI_SLP_TYP_S5 << 10, 2, NULL, &ours),
                   ==, KTSTR_PLATFORM_EVENT_NONE);
  g_assert_cmpint (
      io (KTSTR_ACPI_PM1A_CNT_PORT, TRUE, (1u << 10) | KTSTR_ACPI_SLP_EN, 2, NULL, &ours), ==,
      KTSTR_PLATFORM_EVENT_NONE);
  g_assert_cmpint (io (KTSTR_ACPI_PM1A_CNT_PORT + 1, TRUE, s5 >> 8, 1, NULL, &ours), ==,
                   KTSTR_PLATFORM_EVENT_POWEROFF);
  g_assert_cmpint (io (KTSTR_ACPI_PM1A_CNT_PORT, FALSE, 0, 2, &v, &ours), ==,
                   KTSTR_PLATFORM_EVENT_NONE);
  g_assert_cmpuint (v & 1, ==, 1); /* SCI_EN: ACPI mode */
  g_assert_cmpint (io (KTSTR_ACPI_PM1A_EVT_PORT, FALSE, 0xffff, 2, &v, &ours), ==,
                   KTSTR_PLATFORM_EVENT_NONE);
  g_assert_cmpuint (v, ==, 0);

  g_assert_cmpint (io (0xcf9, TRUE, 0x06, 1, NULL, &ours), ==, KTSTR_PLATFORM_EVENT_RESET);
  g_assert_cmpint (io (0xcf9, TRUE, 0x02, 1, NULL, &ours), ==, KTSTR_PLATFORM_EVENT_NONE);
  io (0xcf8, TRUE, 0x80000000, 4, NULL, &ours);
  g_assert_false (ours); /* PCI configuration space is not ours */

  g_assert_cmpint (io (KTSTR_PVPANIC_PORT, FALSE, 0, 1, &v, &ours), ==, KTSTR_PLATFORM_EVENT_NONE);
  g_assert_cmpuint (v, ==, 3);
  g_assert_cmpint (io (KTSTR_PVPANIC_PORT, TRUE, 1, 1, NULL, &ours), ==,
                   KTSTR_PLATFORM_EVENT_PANIC);
  g_assert_cmpint (io (KTSTR_PVPANIC_PORT, TRUE, 2, 1, NULL, &ours), ==,
                   KTSTR_PLATFORM_EVENT_PANIC);
  g_assert_cmpint (io (KTSTR_PVPANIC_PORT, TRUE, 0, 1, NULL, &ours), ==, KTSTR_PLATFORM_EVENT_NONE);

  io (0x70, TRUE, 0, 1, NULL, &ours);
  g_assert_false (ours);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kvm/virtio-console/driver", test_virtio_console);
  g_test_add_func ("/kvm/virtio-console/reset", test_virtio_reset);
  g_test_add_func ("/kvm/virtio-console/features", test_virtio_features);
  g_test_add_func ("/kvm/virtio-console/bad-ring", test_virtio_bad_ring);
  g_test_add_func ("/kvm/uart/8250-probe", test_uart_probe);
  g_test_add_func ("/kvm/uart/tx-interrupt", test_uart_tx_interrupt);
  g_test_add_func ("/kvm/uart/receive", test_uart_receive);
  g_test_add_func ("/kvm/platform/ports", test_platform);
  return g_test_run ();
}
