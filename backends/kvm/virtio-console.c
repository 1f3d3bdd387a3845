#include "config.h"

#include "backends/kvm/virtio-console.h"

#include <string.h>

#define Q_PORT_RX 0
#define Q_PORT_TX 1
#define Q_CTRL_RX 2
#define Q_CTRL_TX 3
#define CTRL_LEN 8 /* u32 id, u16 event, u16 value */
#define PORT_ID 0

struct _KtstrVirtioConsole
{
  GMutex lock;
  KtstrVirtioMmio *mmio;
  KtstrKvmMemory *mem;
  char *port_name;
  KtstrConsoleDataFunc on_data;
  gpointer user_data;

  GQueue ctrl_out;      /* GBytes: control messages waiting for control RX buffers */
  GByteArray *data_out; /* bytes waiting for port RX buffers */
  gboolean is_guest_open;
  char *broken; /* why the device stopped, NULL while healthy */
};

static void
read_config (gpointer dev, guint offset, guint8 *data, guint len)
{
  /* struct virtio_console_config: cols, rows, max_nr_ports, emerg_wr */
  guint8 cfg[12] = { 0 };
  guint32 max_ports = 1;
  memcpy (cfg + 4, &max_ports, 4);
  for (guint i = 0; i < len; i++)
    data[i] = offset + i < sizeof cfg ? cfg[offset + i] : 0;
}

static void
mark_broken (KtstrVirtioConsole *c, const char *why)
{
  if (c->broken == NULL)
    c->broken = g_strdup (why);
  ktstr_virtio_mmio_set_needs_reset (c->mmio);
}

/* Copies as much of DATA as fits into the chain's device-writable
 * buffers; returns the number of bytes written. */
static gsize
fill_chain (KtstrVirtioConsole *c, const KtstrVirtqChain *chain, const guint8 *data, gsize len)
{
  gsize done = 0;
  for (guint i = 0; i < chain->n && done < len; i++)
    {
      if (!chain->bufs[i].is_write)
        continue;
      gsize n = MIN (len - done, chain->bufs[i].len);
      guint8 *dst = ktstr_kvm_memory_ptr (c->mem, chain->bufs[i].gpa, n);
      if (dst == NULL)
        break;
      memcpy (dst, data + done, n);
      done += n;
    }
  return done;
}

static void
flush_ctrl (KtstrVirtioConsole *c)
{
  KtstrVirtqueue *q = ktstr_virtio_mmio_queue (c->mmio, Q_CTRL_RX);
  gboolean did_push = FALSE;
  while (q != NULL && !g_queue_is_empty (&c->ctrl_out))
    {
      KtstrVirtqChain chain;
      KtstrVirtqPop r = ktstr_virtq_pop (q, c->mem, &chain);
      if (r == KTSTR_VIRTQ_BROKEN)
        {
          mark_broken (c, "malformed control receive queue");
          return;
        }
      if (r == KTSTR_VIRTQ_EMPTY)
        break;
      g_autoptr (GBytes) msg = g_queue_pop_head (&c->ctrl_out);
      gsize len;
      const guint8 *p = g_bytes_get_data (msg, &len);
      ktstr_virtq_push (q, c->mem, chain.head, (guint32)fill_chain (c, &chain, p, len));
      did_push = TRUE;
    }
  if (did_push)
    ktstr_virtio_mmio_interrupt (c->mmio);
}

static void
flush_data (KtstrVirtioConsole *c)
{
  KtstrVirtqueue *q = ktstr_virtio_mmio_queue (c->mmio, Q_PORT_RX);
  gboolean did_push = FALSE;
  while (q != NULL && c->data_out->len > 0)
    {
      KtstrVirtqChain chain;
      KtstrVirtqPop r = ktstr_virtq_pop (q, c->mem, &chain);
      if (r == KTSTR_VIRTQ_BROKEN)
        {
          mark_broken (c, "malformed port receive queue");
          return;
        }
      if (r == KTSTR_VIRTQ_EMPTY)
        break;
      gsize n = fill_chain (c, &chain, c->data_out->data, c->data_out->len);
      g_byte_array_remove_range (c->data_out, 0, (guint)n);
      ktstr_virtq_push (q, c->mem, chain.head, (guint32)n);
      did_push = TRUE;
    }
  if (did_push)
    ktstr_virtio_mmio_interrupt (c->mmio);
}

static void
queue_ctrl (KtstrVirtioConsole *c, guint16 event, guint16 value, const char *extra)
{
  gsize extra_len = extra != NULL ? strlen (extra) : 0;
  guint8 *msg = g_malloc0 (CTRL_LEN + extra_len);
  guint32 id = PORT_ID;
  memcpy (msg, &id, 4);
  memcpy (msg + 4, &event, 2);
  memcpy (msg + 6, &value, 2);
  if (extra_len > 0)
    memcpy (msg + CTRL_LEN, extra, extra_len);
  g_queue_push_tail (&c->ctrl_out, g_bytes_new_take (msg, CTRL_LEN + extra_len));
}

static void
handle_ctrl (KtstrVirtioConsole *c, const guint8 *msg)
{
  guint32 id;
  guint16 event, value;
  memcpy (&id, msg, 4);
  memcpy (&event, msg + 4, 2);
  memcpy (&value, msg + 6, 2);
  switch (event)
    {
    case KTSTR_VIRTIO_CONSOLE_DEVICE_READY:
      if (value == 1)
        queue_ctrl (c, KTSTR_VIRTIO_CONSOLE_PORT_ADD, 0, NULL);
      break;
    case KTSTR_VIRTIO_CONSOLE_PORT_READY:
      /* The port exists in the guest now: give it its name, and say the
       * host end is connected so guest writes do not block. */
      if (id == PORT_ID && value == 1)
        {
          queue_ctrl (c, KTSTR_VIRTIO_CONSOLE_PORT_NAME, 1, c->port_name);
          queue_ctrl (c, KTSTR_VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
        }
      break;
    case KTSTR_VIRTIO_CONSOLE_PORT_OPEN:
      if (id == PORT_ID)
        c->is_guest_open = value != 0;
      break;
    default:
      break;
    }
}

/* Drains a guest-to-host queue: port data goes to the data callback,
 * control messages to handle_ctrl. */
static void
drain_tx (KtstrVirtioConsole *c, guint queue, gboolean is_ctrl)
{
  KtstrVirtqueue *q = ktstr_virtio_mmio_queue (c->mmio, queue);
  gboolean did_push = FALSE;
  while (q != NULL)
    {
      KtstrVirtqChain chain;
      KtstrVirtqPop r = ktstr_virtq_pop (q, c->mem, &chain);
      if (r == KTSTR_VIRTQ_BROKEN)
        {
          mark_broken (c, is_ctrl ? "malformed control transmit queue"
                                  : "malformed port transmit queue");
          return;
        }
      if (r == KTSTR_VIRTQ_EMPTY)
        break;
      guint8 ctrl[CTRL_LEN];
      gsize ctrl_len = 0;
      for (guint i = 0; i < chain.n; i++)
        {
          const KtstrVirtqBuf *b = &chain.bufs[i];
          if (b->is_write)
            continue;
          const guint8 *src = ktstr_kvm_memory_ptr (c->mem, b->gpa, b->len);
          if (src == NULL)
            continue;
          if (!is_ctrl)
            {
              if (c->on_data != NULL && b->len > 0)
                c->on_data (src, b->len, c->user_data);
              continue;
            }
          gsize n = MIN (b->len, (guint32)(CTRL_LEN - ctrl_len));
          memcpy (ctrl + ctrl_len, src, n);
          ctrl_len += n;
        }
      if (is_ctrl && ctrl_len == CTRL_LEN)
        handle_ctrl (c, ctrl);
      ktstr_virtq_push (q, c->mem, chain.head, 0);
      did_push = TRUE;
    }
  if (did_push)
    ktstr_virtio_mmio_interrupt (c->mmio);
  if (is_ctrl)
    flush_ctrl (c);
}

static void
notify (gpointer dev, guint queue)
{
  KtstrVirtioConsole *c = dev;
  switch (queue)
    {
    case Q_PORT_RX:
      flush_data (c);
      break;
    case Q_PORT_TX:
      drain_tx (c, Q_PORT_TX, FALSE);
      break;
    case Q_CTRL_RX:
      flush_ctrl (c);
      break;
    case Q_CTRL_TX:
      drain_tx (c, Q_CTRL_TX, TRUE);
      break;
    default:
      break;
    }
}

static void
reset (gpointer dev)
{
  KtstrVirtioConsole *c = dev;
  g_queue_clear_full (&c->ctrl_out, (GDestroyNotify)g_bytes_unref);
  c->is_guest_open = FALSE;
}

static const KtstrVirtioDeviceOps console_ops = {
  .device_id = KTSTR_VIRTIO_ID_CONSOLE,
  .features = 1ull << KTSTR_VIRTIO_CONSOLE_F_MULTIPORT,
  .n_queues = KTSTR_VIRTIO_CONSOLE_QUEUES,
  .queue_max = KTSTR_VIRTIO_CONSOLE_QUEUE_SIZE,
  .read_config = read_config,
  .notify = notify,
  .reset = reset,
};

KtstrVirtioConsole *
ktstr_virtio_console_new (KtstrKvmMemory *mem, const char *port_name, KtstrConsoleDataFunc on_data,
                          KtstrVirtioIrqFunc irq, gpointer user_data)
{
  KtstrVirtioConsole *c = g_new0 (KtstrVirtioConsole, 1);
  g_mutex_init (&c->lock);
  g_queue_init (&c->ctrl_out);
  c->mem = mem;
  c->port_name = g_strdup (port_name);
  c->on_data = on_data;
  c->user_data = user_data;
  c->data_out = g_byte_array_new ();
  c->mmio = ktstr_virtio_mmio_new (&console_ops, c, mem, irq, user_data);
  return c;
}

void
ktstr_virtio_console_free (KtstrVirtioConsole *c)
{
  if (c == NULL)
    return;
  g_queue_clear_full (&c->ctrl_out, (GDestroyNotify)g_bytes_unref);
  g_byte_array_unref (c->data_out);
  ktstr_virtio_mmio_free (c->mmio);
  g_free (c->port_name);
  g_free (c->broken);
  g_mutex_clear (&c->lock);
  g_free (c);
}

void
ktstr_virtio_console_mmio_read (KtstrVirtioConsole *c, guint64 offset, guint8 *data, guint len)
{
  g_mutex_lock (&c->lock);
  ktstr_virtio_mmio_read (c->mmio, offset, data, len);
  g_mutex_unlock (&c->lock);
}

void
ktstr_virtio_console_mmio_write (KtstrVirtioConsole *c, guint64 offset, const guint8 *data,
                                 guint len)
{
  g_mutex_lock (&c->lock);
  ktstr_virtio_mmio_write (c->mmio, offset, data, len);
  g_mutex_unlock (&c->lock);
}

void
ktstr_virtio_console_send (KtstrVirtioConsole *c, const guint8 *data, gsize len)
{
  g_mutex_lock (&c->lock);
  g_byte_array_append (c->data_out, data, (guint)len);
  flush_data (c);
  g_mutex_unlock (&c->lock);
}

gboolean
ktstr_virtio_console_is_guest_open (KtstrVirtioConsole *c)
{
  g_mutex_lock (&c->lock);
  gboolean r = c->is_guest_open;
  g_mutex_unlock (&c->lock);
  return r;
}

gboolean
ktstr_virtio_console_check (KtstrVirtioConsole *c, GError **error)
{
  g_mutex_lock (&c->lock);
  gboolean ok = c->broken == NULL;
  if (!ok)
    g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_RUN, "virtio console: %s", c->broken);
  g_mutex_unlock (&c->lock);
  return ok;
}
